"""The API of API.md: GET /identity/code, POST /identity/verify (staff only, one-time, 422 with
replayed|expired|forged|revoked), POST /identity/codes/revoke, GET /identity/checks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.identity import codec, services
from yiwang.identity.models import IdentityCheck, Outcome
from yiwang.ledger.models import PendingEntry

from .test_codes import flip

CODE = "/api/v1/identity/code"
VERIFY = "/api/v1/identity/verify"


def test_get_code(world, api):
    assert api().get(CODE).status_code == 401
    r = api(world.clerk).get(CODE)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    before = timezone.now().replace(microsecond=0)
    r = api(world.citizen).get(CODE)
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    out = r.json()
    assert len(out["code"]) == codec.TEXT_LEN and out["ttl_seconds"] == 60
    assert out["qr_svg"].startswith("<svg") and "<title>电子身份码</title>" in out["qr_svg"]
    assert out["expires_at"].endswith("+08:00")
    from datetime import datetime

    expires = datetime.fromisoformat(out["expires_at"])
    assert before + timedelta(seconds=59) <= expires <= before + timedelta(seconds=62)
    assert api(world.company).get(CODE).status_code == 200


def test_verify_valid_then_replayed(world, api):
    code = api(world.citizen).get(CODE).json()["code"]
    r = api(world.clerk).post(VERIFY, {"code": code})
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["valid"] is True
    assert out["person"]["name"] == "张伟" and out["person"]["trust_level"] == 2
    masked = out["person"]["id_number_masked"]
    assert masked == world.citizen.id_number[:6] + "********" + world.citizen.id_number[-4:]
    assert out["place"] == "武汉市民之家 1号窗口"
    entries = PendingEntry.objects.filter(kind="identity.verified")
    assert entries.count() == 1
    r = api(world.clerk_other_hall).post(VERIFY, {"code": code})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "replayed" and body["fields"] == {} and "已被使用" in body["message"]
    # the replay found the nonce taken (no savepoint: ON CONFLICT DO NOTHING) and took its entry
    # back: one accepted check, one entry, and the replay recorded without one
    assert entries.count() == 1
    assert IdentityCheck.objects.get(outcome=Outcome.VALID).ledger_entry == entries.get().pk
    assert IdentityCheck.objects.get(outcome=Outcome.REPLAYED).ledger_entry is None


def test_verify_a_company_code(world, api):
    code = api(world.company).get(CODE).json()["code"]
    r = api(world.clerk).post(VERIFY, {"code": code})
    assert r.status_code == 200, r.content
    person = r.json()["person"]
    assert person["kind"] == "legal" and person["kind_label"] == "法人"
    assert person["name"] == "武汉示例餐饮管理有限公司"
    assert person["id_number_masked"] == world.company.uscc[:6] + "********" + world.company.uscc[-4:]


def test_verify_permissions(world, api):
    code = api(world.citizen).get(CODE).json()["code"]
    r = api().post(VERIFY, {"code": code})
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    r = api(world.citizen2).post(VERIFY, {"code": code})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert api(world.company).post(VERIFY, {"code": code}).status_code == 403
    assert api(world.citizen).post(VERIFY, {"code": code}).status_code == 403
    assert not IdentityCheck.objects.exists()
    assert api(world.supervisor).post(VERIFY, {"code": code}).status_code == 200


def test_a_utility_companys_back_office_may_not_verify_codes(world, api):
    """docs/security.md, Decisions: a water company's staff verify codes only at a hall window."""
    from yiwang.core.testing import make_uscc
    from yiwang.organizations.models import Department, DepartmentKind
    from yiwang.organizations.services import staff_create

    water = Department.objects.create(
        name="武汉市水务集团", uscc=make_uscc("water"), region=world.city, kind=DepartmentKind.ENTERPRISE
    )
    back_office = staff_create(
        username="water1",
        password="pass-1234-word",
        name="水务后台",
        roles=[{"role": "reviewer", "department": water, "region": world.city}],
    )
    at_window = staff_create(
        username="water2",
        password="pass-1234-word",
        name="水务窗口",
        roles=[
            {"role": "reviewer", "department": water, "region": world.city},
            {"role": "clerk", "window": world.window, "region": world.city},
        ],
    )
    code = api(world.citizen).get(CODE).json()["code"]
    r = api(back_office).post(VERIFY, {"code": code})
    assert r.status_code == 403 and r.json()["code"] == "not_a_verifier" and "窗口" in r.json()["message"]
    assert not IdentityCheck.objects.exists()
    assert api(at_window).post(VERIFY, {"code": code}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"code": 12}, {"code": ""}, {"code": "not a code"}, {"code": "A" * 5000}, {"code": None}],
    ids=["missing", "number", "empty", "text", "huge", "null"],
)
def test_verify_malformed_is_422_validation(world, api, body):
    r = api(world.clerk).post(VERIFY, body)
    assert r.status_code == 422
    out = r.json()
    assert out["code"] == "validation_error" and "code" in out["fields"]
    assert not IdentityCheck.objects.exists()


def test_verify_expired_forged_revoked(world, api):
    old = services.code_issue(user=world.citizen, now=timezone.now() - timedelta(seconds=61))
    r = api(world.clerk).post(VERIFY, {"code": old.code})
    assert r.status_code == 422 and r.json()["code"] == "expired" and "过期" in r.json()["message"]

    fresh = api(world.citizen).get(CODE).json()["code"]
    r = api(world.clerk).post(VERIFY, {"code": flip(fresh, 100)})
    assert r.status_code == 422 and r.json()["code"] == "forged"

    r = api(world.citizen).post("/api/v1/identity/codes/revoke")
    assert r.status_code == 200 and r.json()["revoked"] is True and r.json()["revoked_at"]
    r = api(world.clerk).post(VERIFY, {"code": fresh})
    assert r.status_code == 422 and r.json()["code"] == "revoked" and "挂失" in r.json()["message"]
    assert api().post("/api/v1/identity/codes/revoke").status_code == 401
    assert api(world.clerk).post("/api/v1/identity/codes/revoke").status_code == 403

    new = api(world.citizen).get(CODE).json()["code"]
    assert api(world.clerk).post(VERIFY, {"code": new}).status_code == 200


def test_checks_log_is_the_persons_own(world, api, django_assert_max_num_queries):
    code = api(world.citizen).get(CODE).json()["code"]
    api(world.clerk).post(VERIFY, {"code": code})
    api(world.clerk_other_hall).post(VERIFY, {"code": code})
    for _ in range(3):
        api(world.reviewer).post(VERIFY, {"code": api(world.citizen).get(CODE).json()["code"]})
    c = api(world.citizen)
    with django_assert_max_num_queries(6):  # auth, count, page with joins: not one per row
        r = c.get("/api/v1/identity/checks", page_size=50)
    assert r.status_code == 200
    out = r.json()
    assert out["count"] == 5 and out["page"] == 1
    outcomes = [i["outcome"] for i in out["items"]]
    assert outcomes.count(Outcome.VALID) == 4 and outcomes.count(Outcome.REPLAYED) == 1
    replayed = next(i for i in out["items"] if i["outcome"] == "replayed")
    assert replayed["place"] == "江岸区政务服务中心 3号窗口" and replayed["verifier"] == "窗口乙"
    assert replayed["outcome_label"] == "已使用过的身份码"
    assert api(world.citizen2).get("/api/v1/identity/checks").json()["count"] == 0
    assert api(world.clerk).get("/api/v1/identity/checks").status_code == 403
    assert api().get("/api/v1/identity/checks").status_code == 401
    assert c.get("/api/v1/identity/checks", page_size=500).status_code == 422


def test_verify_sent_again_with_its_idempotency_key_gives_the_first_answer(world, api):
    """A check resent after a lost answer (or by the proxy when a server died mid-request,
    deploy/nginx.conf) is the same check, not a `replayed` code; a new key is a new check."""
    code = api(world.citizen).get(CODE).json()["code"]
    clerk = api(world.clerk)
    first = clerk.post(VERIFY, {"code": code}, headers={"Idempotency-Key": "check-1"})
    again = clerk.post(VERIFY, {"code": code}, headers={"Idempotency-Key": "check-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert IdentityCheck.objects.filter(outcome=Outcome.VALID).count() == 1
    other = clerk.post(VERIFY, {"code": code}, headers={"Idempotency-Key": "check-2"})
    assert other.status_code == 422 and other.json()["code"] == "replayed"
    # the refusal is recorded, and its answer too: the same key replays it without a new record
    assert IdentityCheck.objects.filter(outcome=Outcome.REPLAYED).count() == 1
    assert (
        clerk.post(VERIFY, {"code": code}, headers={"Idempotency-Key": "check-2"}).json()["code"]
        == "replayed"
    )
    assert IdentityCheck.objects.filter(outcome=Outcome.REPLAYED).count() == 1
    reused = clerk.post(VERIFY, {"code": code + "x"}, headers={"Idempotency-Key": "check-1"})
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
