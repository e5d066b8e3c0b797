import json
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures.structures import CaseInsensitiveDict

from yiwang.core.testing import make_ric, make_uscc
from yiwang.exchange import httpsig, services
from yiwang.exchange.httpsig import MAX_AGE, REQUEST_COMPONENTS, RequestMessage, _verify
from yiwang.exchange.models import AgreementStatus, ExternalSystem
from yiwang.organizations.models import Department

POPULATION = [
    {"code": "name", "name": "姓名", "base": "name"},
    {
        "code": "id_number",
        "name": "公民身份号码",
        "base": "id_number",
        "sensitive": True,
        "mask": "id_number",
    },
    {"code": "gender", "name": "性别", "base": "gender"},
    {"code": "household_address", "name": "户籍地址", "base": "household_address", "sensitive": True},
    {"code": "ethnicity", "name": "民族", "base": "ethnicity"},
]
MARRIAGE = [
    {"code": "marital_status", "name": "婚姻状况"},
    {"code": "registration_date", "name": "登记日期"},
]
ENTERPRISE = [
    {"code": "name", "name": "企业名称", "base": "name"},
    {"code": "registered_address", "name": "住所", "base": "registered_address"},
    {"code": "legal_representative", "name": "法定代表人"},
]


def raw_public(sk: Ed25519PrivateKey) -> bytes:
    return sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Ex:
    """The exchange part of a test world: a provider department (公安) with population (conditional,
    no consent), marriage (民政, conditional, consent) and enterprise (unconditional) resources."""

    def __init__(self, w, submit_case=None):
        self.w = w
        # the case the department's staff query in the name of (world.citizen's, world.dept's)
        self.submit_case = submit_case
        self.case = submit_case(w).number if submit_case else ""
        self.ga = Department.objects.create(name="武汉市公安局", uscc=make_uscc("ga"), region=w.city)
        self.mz = Department.objects.create(name="武汉市民政局", uscc=make_uscc("mz"), region=w.city)
        from yiwang.organizations.services import staff_create

        self.cdo = staff_create(
            username="ga_cdo",
            password="pass-1234-word",
            name="公安首席数据官",
            roles=[{"role": "cdo", "department": self.ga, "region": w.city}],
        )
        self.mz_cdo = staff_create(
            username="mz_cdo",
            password="pass-1234-word",
            name="民政首席数据官",
            roles=[{"role": "cdo", "department": self.mz, "region": w.city}],
        )
        self.population = services.resource_save(
            department=self.ga,
            code="ga.population",
            name="人口基本信息",
            subject_kind="person",
            sharing_type="conditional",
            source_system="人口信息管理系统",
            legal_basis="《居民身份证法》",
            elements=POPULATION,
        )
        self.marriage = services.resource_save(
            department=self.mz,
            code="mz.marriage",
            name="婚姻登记信息",
            subject_kind="person",
            sharing_type="conditional",
            source_system="婚姻登记系统",
            legal_basis="《婚姻登记条例》",
            consent_required=True,
            elements=MARRIAGE,
        )
        self.enterprise = services.resource_save(
            department=w.dept,
            code="scjg.enterprise",
            name="企业登记信息",
            subject_kind="org",
            sharing_type="unconditional",
            source_system="企业登记系统",
            legal_basis="《市场主体登记管理条例》",
            elements=ENTERPRISE,
        )
        self.secret = services.resource_save(
            department=self.ga,
            code="ga.secret",
            name="在逃人员信息",
            subject_kind="person",
            sharing_type="none",
            source_system="x",
            legal_basis="x",
            elements=[{"code": "flag", "name": "标记"}],
        )
        self.ric = make_ric(serial=101)  # world.citizen
        self.ric2 = make_ric(serial=202)
        services.register_put(
            resource=self.population,
            subject=self.ric,
            values={
                "name": "张伟",
                "id_number": self.ric,
                "gender": "男",
                "household_address": "武汉市江岸区沿江大道1号",
                "ethnicity": "汉族",
            },
        )
        services.register_put(
            resource=self.marriage,
            subject=self.ric,
            values={
                "marital_status": "已婚",
                "registration_date": "2015-05-20",
            },
        )
        services.register_put(
            resource=self.enterprise,
            subject=w.company.uscc,
            values={
                "name": "武汉示例餐饮管理有限公司",
                "registered_address": "武汉市江岸区后湖大道1号",
                "legal_representative": "王强",
            },
        )

    def agree(
        self,
        resource,
        consumer=None,
        elements=None,
        purposes=("case_handling", "prefill"),
        until=None,
        decide=True,
    ):
        consumer = consumer or self.w.dept
        actor = self.w.dept_admin if consumer == self.w.dept else self.w.reviewer2
        a = services.agreement_request(
            actor=actor,
            resource=resource,
            consumer=consumer,
            elements=elements or [e.code for e in resource.elements.all()],
            purposes=list(purposes),
            legal_basis="《行政许可法》第三十一条",
            valid_until=until or date.today() + timedelta(days=365),
        )
        if decide and a.status == AgreementStatus.REQUESTED:
            cdo = {self.ga.pk: self.cdo, self.mz.pk: self.mz_cdo}[resource.department_id]
            a = services.agreement_decide(actor=cdo, agreement=a, action="approve", version=a.version)
        return a

    def staff_caller(self, user=None):
        return services.caller_for_staff(user=user or self.w.reviewer)


@pytest.fixture
def ex(world, submit_case):
    return Ex(world, submit_case)


# --- provider HTTP servers on loopback ------------------------------------------------------------
class Provider:
    """A department system on 127.0.0.1: checks our signature (RFC 9421) and answers signed."""

    def __init__(self, *, mode="good", platform_public=None, data=None, delay=0.0):
        self.mode = mode
        self.key = Ed25519PrivateKey.generate()
        self.wrong_key = Ed25519PrivateKey.generate()
        self.key_id = f"provider-{id(self)}"
        self.platform_public = platform_public  # key id -> public key
        self.data = data or {}
        self.delay = delay
        self.calls = 0
        self.seen_nonces = set()
        self.errors = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                provider.calls += 1
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    msg_headers = list(self.headers.items())
                    msg = RequestMessage(
                        "POST",
                        f"http://{self.headers['Host']}{self.path}",
                        CaseInsensitiveDict(dict(msg_headers)),
                    )
                    res = _verify(
                        msg,
                        body=body,
                        public=provider.platform_public,
                        required=REQUEST_COMPONENTS,
                        max_age=MAX_AGE,
                    )
                    if res.nonce in provider.seen_nonces:
                        raise ValueError("replayed")
                    provider.seen_nonces.add(res.nonce)
                except Exception as exc:
                    provider.errors.append(repr(exc))
                    return self._send(401, {"error": "bad signature"})
                req = json.loads(body)
                if provider.mode == "slow":
                    time.sleep(provider.delay)
                if provider.mode == "error":
                    return self._send(500, {"error": "boom"})
                subject = req["subject"].get("id_number") or req["subject"].get("uscc")
                row = provider.data.get(subject)
                answer = {"request_id": req["request_id"], "found": row is not None, "data": row or {}}
                if provider.mode == "oversized":
                    answer["data"] = {**(row or {}), "padding": "x" * (600 * 1024)}
                return self._send(200, answer)

            def _send(self, status, obj):
                raw = json.dumps(obj, ensure_ascii=False).encode()
                key = provider.wrong_key if provider.mode == "wrong_signature" else provider.key
                headers = httpsig.sign_response(
                    status=status, body=raw, key_id=provider.key_id, private_key=key
                )
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def system(self, department, **kw):
        return ExternalSystem.objects.create(
            name=f"{department.name}业务系统",
            department=department,
            key_id=self.key_id,
            public_key=raw_public(self.key),
            base_url=self.url,
            **kw,
        )

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider_factory(db):
    made = []

    def make(**kw):
        # the server thread must not touch the test DB: resolve our public key up front
        key_id, sk = httpsig.own_signing_key()
        pub = sk.public_key()
        p = Provider(platform_public=lambda k: pub if k == key_id else None, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()
