"""部门业务系统对接 (垂管/自建系统), docs/integration.md.

Items handled in a department's own business system (公安, 税务, 不动产…) are configured per item
or for the whole department (`DepartmentSystem`). Once such a case is accepted, the acceptance's
own transaction writes an outbox message (through the `cases.hooks.transitioned` hook, so the
message commits with the acceptance or not at all); the outbox sends it as a signed request
(RFC 9421 + Content-Digest, `exchange.httpsig`, the platform's key), retrying with backoff while
the system is down — a system that is down delays, never loses.

The system reports status changes and its decision back through the signed callback
(`callback_receive`): verified with the key registered for the system, checked (known case, in
order, well formed, not too large), and applied through `cases.services.case_apply_action` as the
system's own staff account — the same rules, the same clock, the same ledger as a person's action —
in one transaction with the message log row. Every push and every callback is logged
(`SystemMessage`), refused ones included; a refused callback changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.cases import hooks as case_hooks
from yiwang.cases import services as cases
from yiwang.cases.clock import today
from yiwang.cases.formdata import form_reveal
from yiwang.cases.models import Case
from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import Item
from yiwang.core import masking, outbox
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.models import OutboxMessage, OutboxStatus
from yiwang.exchange import httpsig
from yiwang.organizations import services as organizations
from yiwang.organizations.models import Department, Role

from ..models import (
    REMOTE_STATUS_LABELS,
    DepartmentSystem,
    DockedCase,
    SystemMessage,
    SystemMessageDirection,
    SystemMessageStatus,
)

log = logging.getLogger("yiwang.docking.systems")

TOPIC = "docking.department_system"
CALLBACK_PATH = "/api/v1/docking/department-systems/{code}/callback"
D = SystemMessageDirection
M = SystemMessageStatus

# What a department system may report, and the case action each one is (None: recorded only).
STATUS_ACTIONS: dict[str, str | None] = {
    "received": None,  # 部门系统已收件 (its own number)
    "reviewed": "review",  # 审核通过
    "approved": "approve",  # 准予许可
    "denied": "deny",  # 不予许可 (reason)
    "completed": "complete",  # 办结 (delivery)
    "suspended": "suspend",  # 挂起 (reason)
    "resumed": "resume",  # 恢复办理
}
STATUS_LABELS = REMOTE_STATUS_LABELS
REASONS = {
    "unknown_system": "未登记的部门业务系统",
    "body_too_large": "报文超过允许的大小",
    "signature_missing": "缺少签名",
    "signature_invalid": "签名或摘要校验失败（报文可能被篡改）",
    "unknown_key": "签名密钥不是该系统登记的密钥",
    "replayed": "该签名报文已被使用过（重放）",
    "nonce_missing": "签名缺少一次性随机数",
    "system_inactive": "该部门业务系统已停用",
    "bad_message": "报文格式有误",
    "unknown_case": "未找到推送给该系统的办件",
    "stale_status": "状态序号已处理过（过期的状态）",
    "out_of_order": "状态序号不连续（前一状态尚未送达）",
}
_LOGGED_HEADERS = {"signature", "signature-input", "content-digest", "content-type", "idempotency-key"}


def max_body() -> int:
    return int(settings.YIWANG_DOCKING_MAX_BODY)


def ready() -> None:
    """Registered from DockingConfig.ready()."""
    case_hooks.transitioned.register("docking.systems", case_transitioned)
    outbox.senders.register(TOPIC, send_to_system)


# --- configuration -----------------------------------------------------------------------------
def _public_key(value: str) -> bytes:
    try:
        raw = base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(fields={"public_key": ["公钥应为 base64"]}) from exc
    if len(raw) != 32:
        raise ValidationFailed(fields={"public_key": ["Ed25519 公钥应为 32 字节"]})
    return raw


@transaction.atomic
def department_system_register(
    *,
    code: str,
    name: str,
    department: Department,
    endpoint: str,
    key_id: str,
    public_key: str,
    items: list[Item] | None = None,
    all_items: bool = False,
    timeout_seconds: float = 10.0,
) -> DepartmentSystem:
    """Register a department's business system with the key it signs callbacks with (handed over
    out of band), and the items it handles (or all of the department's). Creates the system's staff
    account with the department's reviewer and approver roles: its reports act through it."""
    if not endpoint.startswith(("http://", "https://")):
        raise ValidationFailed(fields={"endpoint": ["推送地址应以 http:// 或 https:// 开头"]})
    raw = _public_key(public_key)
    if DepartmentSystem.objects.filter(code=code).exists():
        raise ValidationFailed(fields={"code": ["系统代码已存在"]})
    for item in items or []:
        if item.department_id != department.pk:
            raise ValidationFailed(fields={"items": [f"事项“{item.code}”不属于{department.name}"]})
    account = organizations.staff_create(
        username=f"system-{code}",
        password=secrets.token_urlsafe(32),
        name=f"{name}（系统）",
        roles=[
            {"role": Role.REVIEWER, "department": department},
            {"role": Role.APPROVER, "department": department},
        ],
    )
    account.set_unusable_password()  # it never logs in: it acts through signed callbacks only
    account.save(update_fields=["password"])
    system = DepartmentSystem.objects.create(
        code=code,
        name=name,
        department=department,
        endpoint=endpoint,
        key_id=key_id,
        public_key=raw,
        all_items=all_items,
        account=account,
        timeout_seconds=timeout_seconds,
    )
    if items:
        system.items.set(items)
    return system


def system_for_case(case: Case) -> DepartmentSystem | None:
    """The active system that handles the case's item: one named for the item first, else one
    that takes all of the case's department's items."""
    systems = DepartmentSystem.objects.filter(active=True)
    return (
        systems.filter(items=case.item_id).order_by("pk").first()
        or systems.filter(all_items=True, department_id=case.department_id).order_by("pk").first()
    )


# --- pushing (inside the case transition's transaction) ---------------------------------------
def case_transitioned(*, case: Case, action: str, actor: User | None) -> None:
    """`cases.hooks.transitioned`: an accepted case of a docked item is pushed to its system; a
    pushed case the applicant withdraws is reported to it. Nothing is sent back for the steps the
    system itself reported."""
    if action == "accept":
        if DockedCase.objects.filter(case=case).exists():
            return  # accepted again after a return to the window: the system has it already
        system = system_for_case(case)
        if system is None:
            return
        docked = DockedCase.objects.create(case=case, system=system)
        msg = _put(system=system, case=case, kind="case.accepted")
        DockedCase.objects.filter(pk=docked.pk).update(outbox_message=msg)
    elif action == "withdraw":
        docked = DockedCase.objects.select_related("system").filter(case=case).first()
        if docked is not None:
            _put(system=docked.system, case=case, kind="case.withdrawn")


def _put(*, system: DepartmentSystem, case: Case, kind: str) -> OutboxMessage:
    ident = f"yiwang:{system.code}:{case.number}:{kind}"
    return outbox.outbox_put(
        topic=TOPIC,
        key=case.number,
        payload={"kind": kind, "case_id": case.pk, "number": case.number, "system": system.code},
        idempotency_key=ident,
        destination=system.code,
    )


def push_body(*, system: DepartmentSystem, case: Case, kind: str, ident: str) -> dict:
    """What the system receives (docs/integration.md): the accepted application with the personal
    data it needs to handle it (sent over TLS, signed; logged here only masked)."""
    version = case.item_version
    out: dict = {
        "id": ident,
        "kind": kind,
        "system": system.code,
        "sent_at": timezone.now().isoformat(),
        "callback": {
            "url": settings.YIWANG_BASE_URL.rstrip("/") + CALLBACK_PATH.format(code=system.code),
            "statuses": list(STATUS_ACTIONS),
        },
        "case": {"number": case.number, "status": case.status},
    }
    if kind == "case.accepted":
        out["case"].update(
            {
                "item_code": case.item.code,
                "item_name": version.name,
                "item_version": version.version,
                "department_uscc": case.department.uscc,
                "channel": case.channel,
                "received_on": _iso(case.received_on),
                "accepted_on": _iso(case.accepted_on),
                "due_date": _iso(case.due_date),
                "statutory_due_date": _iso(case.statutory_due_date),
                "limit_days": case.limit_days,
                "applicant_name": case.applicant_name,
                "form": form_reveal(case.form or {}),
                "materials": [
                    {
                        "code": m.material_code,
                        "name": m.original_name,
                        "content_type": m.content_type,
                        "size": m.size,
                        "sha256": m.sha256,
                    }
                    for m in case.materials.order_by("pk")
                ],
            }
        )
    return out


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _mask_value(key: str, value: object) -> object:
    text = str(value)
    if key.endswith(("id_number", "uscc")):
        return masking.mask_id_number(text)
    if key.endswith("phone"):
        return masking.mask_phone(text)
    if key.endswith("address"):
        return masking.mask_address(text)
    return masking.mask_name(text)


def masked(body: dict) -> dict:
    """The body as logged: sensitive form elements and the applicant's name masked."""
    case = body.get("case")
    if not isinstance(case, dict) or not isinstance(case.get("form"), dict):
        return body
    form = case["form"]
    sensitive = catalog.sensitive_element_ids(form.keys())
    names = {k for k in form if k.endswith(".name") and k.startswith(("applicant", "agent"))}
    form = {
        k: (_mask_value(k, v) if (k in sensitive or k in names) and v not in (None, "") else v)
        for k, v in form.items()
    }
    return {
        **body,
        "case": {**case, "form": form, "applicant_name": masking.mask_name(case.get("applicant_name"))},
    }


def dumps(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes


class Unreachable(Exception):
    pass


def _post(*, url: str, body: bytes, headers: dict, timeout: float) -> Reply:
    if not url.startswith(("http://", "https://")):
        raise Unreachable("bad_scheme")
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - a configured system URL
            return Reply(r.status, dict(r.headers.items()), r.read(max_body() + 1))
    except urllib.error.HTTPError as e:
        return Reply(e.code, dict(e.headers.items()), e.read(max_body() + 1))
    except (OSError, ValueError) as exc:
        raise Unreachable(type(exc).__name__) from exc


def system_public_key(system: DepartmentSystem):
    def resolve(key_id: str) -> Ed25519PublicKey | None:
        if key_id != system.key_id:
            return None
        return Ed25519PublicKey.from_public_bytes(bytes(system.public_key))

    return resolve


def send_to_system(message: outbox.OutboxEnvelope) -> None:
    """The outbox sender: build the body now (from the case as accepted), sign it, POST it, and
    accept only the system's signed 2xx answer. Timeouts, refused connections, 5xx and 429 are
    retried (backoff); another 4xx is a dead letter for the operator."""
    system = DepartmentSystem.objects.filter(code=message.destination).first()
    if system is None:
        raise outbox.PermanentSendError("部门业务系统未登记")
    if not system.active:
        raise outbox.RetryableSendError("部门业务系统已停用")
    case = Case.objects.select_related("item", "item_version", "department").filter(
        pk=message.payload.get("case_id")
    )
    case = case.first()
    if case is None:
        raise outbox.PermanentSendError("办件不存在")
    kind = str(message.payload.get("kind", ""))
    body_dict = push_body(system=system, case=case, kind=kind, ident=message.idempotency_key)
    body = dumps(body_dict)
    key_id, private = httpsig.own_signing_key()
    headers = httpsig.sign_request(
        method="POST",
        url=system.endpoint,
        body=body,
        key_id=key_id,
        private_key=private,
        headers={"Idempotency-Key": message.idempotency_key},
    )
    headers["Idempotency-Key"] = message.idempotency_key
    logged_body = dumps(masked(body_dict)).decode()

    def log_out(status: str, code: str = "", reason: str = "", *, http_status=None, result=None):
        SystemMessage.objects.create(
            direction=D.OUT,
            system=system,
            kind=kind[:40],
            message_id=message.idempotency_key,
            case_number=case.number,
            status=status,
            http_status=http_status,
            reason_code=code,
            reason=reason[:1000],
            url=system.endpoint[:500],
            headers={k: v for k, v in headers.items() if k.lower() in _LOGGED_HEADERS},
            body=logged_body,
            body_size=len(body),
            result=result or {},
        )

    timeout = max(0.5, min(float(system.timeout_seconds), message.timeout))
    try:
        reply = _post(url=system.endpoint, body=body, headers=headers, timeout=timeout)
    except Unreachable as exc:
        log_out(M.FAILED, "unreachable", f"部门系统无法连接（{exc}）")
        raise outbox.RetryableSendError("部门系统无法连接") from exc
    if len(reply.body) > max_body():
        log_out(M.FAILED, "answer_too_large", "部门系统应答过大", http_status=reply.status)
        raise outbox.RetryableSendError("部门系统应答过大")
    try:
        answer = json.loads(reply.body or b"{}")
    except ValueError:
        answer = None
    if reply.status >= 500 or reply.status in (408, 429):
        log_out(M.FAILED, "system_error", f"部门系统应答 {reply.status}", http_status=reply.status)
        raise outbox.RetryableSendError(f"部门系统应答 {reply.status}")
    if not 200 <= reply.status < 300:
        code = str((answer or {}).get("code", "refused"))[:40] if isinstance(answer, dict) else "refused"
        text = str((answer or {}).get("message", "")) if isinstance(answer, dict) else ""
        log_out(M.FAILED, code, text or f"部门系统拒收（{reply.status}）", http_status=reply.status)
        raise outbox.PermanentSendError(f"部门系统拒收：{code}（HTTP {reply.status}）")
    try:
        httpsig.verify_response(
            status=reply.status,
            headers=reply.headers.items(),
            body=reply.body,
            public=system_public_key(system),
        )
    except httpsig.SignatureError as exc:
        log_out(M.FAILED, "signature_invalid", "部门系统应答签名无效", http_status=reply.status)
        raise outbox.RetryableSendError("部门系统应答签名无效") from exc
    if not isinstance(answer, dict):
        log_out(M.FAILED, "bad_answer", "部门系统应答格式有误", http_status=reply.status)
        raise outbox.RetryableSendError("部门系统应答格式有误")
    log_out(M.SENT, http_status=reply.status, result=answer)
    update: dict = {"updated_at": timezone.now()}
    if kind == "case.accepted":
        update["pushed_at"] = timezone.now()
        remote = str(answer.get("remote_number") or "")[:60]
        if remote:
            update["remote_number"] = remote
    DockedCase.objects.filter(case=case).update(**update)


# --- the callback -----------------------------------------------------------------------------
class StaleStatus(DomainError):
    status = 409


@dataclass
class Incoming:
    system: DepartmentSystem | None
    url: str
    headers: dict
    body: bytes
    size: int
    data: dict | None = None
    verification: str = ""

    def field(self, name: str) -> str:
        return str((self.data or {}).get(name, ""))


def _log_in(inc: Incoming, status: str, code: str = "", *, http_status: int, reason: str = "", result=None):
    data = inc.data or {}
    seq = data.get("seq")
    text = inc.body.decode("utf-8", errors="replace") if inc.body else ""
    return SystemMessage.objects.create(
        direction=D.IN,
        system=inc.system,
        kind=str(data.get("status", ""))[:40],
        message_id=str(data.get("id", ""))[:200],
        case_number=str(data.get("case", ""))[:40],
        seq=seq if isinstance(seq, int) and 0 <= seq < 2**31 else None,
        status=status,
        http_status=http_status,
        reason_code=code,
        reason=(reason or REASONS.get(code, ""))[:1000],
        url=inc.url[:500],
        headers={k: v for k, v in inc.headers.items() if k.lower() in _LOGGED_HEADERS},
        body=text[:20000],
        body_size=inc.size,
        verification=inc.verification,
        result=result or {},
    )


def _refuse(inc: Incoming, code: str, http_status: int, reason: str = "", fields=None) -> tuple[int, dict]:
    _log_in(inc, M.REFUSED, code, http_status=http_status, reason=reason)
    log.info("docking: refused a callback from %s: %s", inc.system.code if inc.system else "?", code)
    return http_status, {
        "code": code,
        "message": reason or REASONS.get(code, "报文被拒收"),
        "fields": fields or {},
    }


def callback_receive(
    *, code: str, method: str, url: str, headers: dict, body: bytes | None, size: int
) -> tuple[int, dict]:
    """Verify, log and apply one callback of a department system, once. `body` is None when the
    declared size was over the limit (the view does not read such a body). Returns (HTTP status,
    answer). Refusals: 404 unknown system or case, 413 too large, 401 signature, 400 malformed,
    422 invalid fields, 409 stale or out of order or a transition the case does not allow."""
    system = DepartmentSystem.objects.filter(code=str(code)[:40]).first()
    inc = Incoming(system=system, url=url, headers=headers, body=body or b"", size=size)
    if body is None or size > max_body() or len(body) > max_body():
        inc.body = b""
        return _refuse(inc, "body_too_large", 413, f"报文 {size} 字节，超过 {max_body()} 字节的上限")
    if system is None:
        return _refuse(inc, "unknown_system", 404)
    try:
        key_id = httpsig.verify_request(
            method=method, url=url, headers=headers.items(), body=body, public=system_public_key(system)
        )
    except httpsig.SignatureError as exc:
        inc.verification = f"验签失败：{exc.code}"
        return _refuse(inc, exc.code, 401)
    inc.verification = (
        f"验签通过：RFC 9421 Ed25519，密钥 {key_id}（{system.name}），Content-Digest 一致，nonce 未用过"
    )
    if not system.active:
        return _refuse(inc, "system_inactive", 403)
    try:
        data = json.loads(body)
    except ValueError:
        return _refuse(inc, "bad_message", 400, "报文不是 JSON")
    if not isinstance(data, dict):
        return _refuse(inc, "bad_message", 400, "报文应为 JSON 对象")
    inc.data = data
    problems = _check_fields(data)
    if problems:
        return _refuse(inc, "bad_message", 422, "报文字段有误", problems)
    first = _applied(system, data["id"])
    if first is not None:
        _log_in(inc, M.DUPLICATE, http_status=200, result=first.result)
        return 200, {"status": "duplicate", "result": first.result}
    docked = DockedCase.objects.filter(system=system, case__number=data["case"]).first()
    if docked is None:
        return _refuse(inc, "unknown_case", 404)
    if data["seq"] <= docked.last_seq:
        return _refuse(inc, "stale_status", 409, f"状态序号 {data['seq']} 已处理过（当前 {docked.last_seq}）")
    if data["seq"] != docked.last_seq + 1:
        return _refuse(
            inc,
            "out_of_order",
            409,
            f"状态序号应为 {docked.last_seq + 1}，收到 {data['seq']}，请先补发前序状态",
        )
    try:
        with transaction.atomic():
            result = _apply(system=system, docked=docked, data=data)
            _log_in(inc, M.APPLIED, http_status=200, result=result)
    except IntegrityError:  # the same message applied concurrently
        first = _applied(system, data["id"])
        if first is None:
            raise
        _log_in(inc, M.DUPLICATE, http_status=200, result=first.result)
        return 200, {"status": "duplicate", "result": first.result}
    except DomainError as exc:
        reason = exc.message + "".join(f"；{k}：{'、'.join(v)}" for k, v in (exc.fields or {}).items())
        return _refuse(inc, exc.code, exc.status, reason, exc.fields)
    return 200, {"status": "applied", "result": result}


def _check_fields(data: dict) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def bad(field: str, text: str) -> None:
        problems.setdefault(field, []).append(text)

    ident = data.get("id")
    if not isinstance(ident, str) or not 1 <= len(ident) <= 200:
        bad("id", "应为 1–200 个字符的消息标识")
    if not isinstance(data.get("case"), str) or not 1 <= len(data["case"]) <= 40:
        bad("case", "应为办件编号")
    seq = data.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < 2**31:
        bad("seq", "应为正整数")
    if data.get("status") not in STATUS_ACTIONS:
        bad("status", f"应为 {', '.join(STATUS_ACTIONS)} 之一")
    for name, limit in (("note", 2000), ("reason", 2000), ("delivery", 20), ("remote_number", 60)):
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            bad(name, f"应为不超过 {limit} 个字符的文本")
    if data.get("at") is not None:
        try:
            datetime.datetime.fromisoformat(str(data["at"]))
        except ValueError:
            bad("at", "应为 ISO 8601 时间")
    return problems


def _applied(system: DepartmentSystem, ident: str) -> SystemMessage | None:
    return SystemMessage.objects.filter(
        direction=D.IN, system=system, message_id=ident, status=M.APPLIED
    ).first()


def _apply(*, system: DepartmentSystem, docked: DockedCase, data: dict) -> dict:
    """One callback, in the caller's transaction: the sequence number taken by a conditional
    UPDATE (of two concurrent deliveries one wins), then the case action as the system's account."""
    seq, status = data["seq"], data["status"]
    update: dict = {"last_seq": seq, "last_status": status, "updated_at": timezone.now()}
    if data.get("remote_number"):
        update["remote_number"] = data["remote_number"]
    taken = DockedCase.objects.filter(pk=docked.pk, last_seq=seq - 1).update(**update)
    if taken != 1:
        raise StaleStatus(REASONS["stale_status"], code="stale_status")
    action = STATUS_ACTIONS[status]
    case = Case.objects.get(pk=docked.case_id)
    out = {"case": case.number, "seq": seq, "status": status}
    if action is None:
        return {**out, "case_status": case.status}
    fields = {k: data[k] for k in ("reason", "delivery") if data.get(k)}
    note = (data.get("note") or "").strip() or f"{system.name}：{STATUS_LABELS[status]}"
    case = cases.case_apply_action(
        case=case,
        actor=system.account,
        action=action,
        note=note,
        version=case.version,
        on=today(),
        **fields,
    )
    return {**out, "case_status": case.status, "case_version": case.version}


# --- the operator page ------------------------------------------------------------------------
UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.RETRYING, OutboxStatus.DEAD)


def pushes(*, state: str = "") -> QuerySet[OutboxMessage]:
    """Messages to department systems not yet delivered, newest first: `state` "failed" (dead
    letters and those waiting for a retry after an error), "pending" (not tried yet or being
    sent), or both."""
    qs = OutboxMessage.objects.filter(topic=TOPIC, status__in=UNSENT).defer("payload")
    if state == "failed":
        qs = qs.filter(Q(status=OutboxStatus.DEAD) | Q(status=OutboxStatus.RETRYING))
    elif state == "pending":
        qs = qs.filter(status__in=(OutboxStatus.PENDING, OutboxStatus.SENDING))
    return qs.order_by("-pk")


def push_get(*, message_id: int) -> OutboxMessage:
    found = OutboxMessage.objects.filter(topic=TOPIC, pk=message_id).first()
    if found is None:
        raise NotFound("未找到该推送")
    return found


@transaction.atomic
def push_retry(*, message_id: int, actor: User, reason: str, version: int | None = None) -> OutboxMessage:
    """An operator sends a failed push again now (a dead letter; recorded with the reason)."""
    return outbox.outbox_retry(
        message=push_get(message_id=message_id), actor=actor, reason=reason, version=version
    )


def messages_for(*, case_number: str) -> QuerySet[SystemMessage]:
    return SystemMessage.objects.filter(case_number=case_number).select_related("system").order_by("-pk")
