"""电子证照归集与共享 against a real HTTP server on loopback playing the provincial licence library."""

from __future__ import annotations

import pytest
from django.db import transaction

from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseLicenseRef
from yiwang.catalog.models import Material
from yiwang.core.errors import ValidationFailed
from yiwang.core.models import OutboxMessage, OutboxStatus
from yiwang.core.testing import good_form_for, good_materials, make_uscc
from yiwang.docking.models import (
    DeliveryStatus,
    ExchangeKind,
    ExchangeOutcome,
    ExternalLicenseUse,
    LicenseShare,
    ProvinceExchange,
)
from yiwang.docking.services import sharing
from yiwang.licenses import identifiers
from yiwang.licenses.hooks import ExternalLookupFailed
from yiwang.licenses.models import License, LicenseType
from yiwang.licenses.services import credential_claims, license_issue, license_metadata, license_set_status
from yiwang.licenses.tests.factories import MON

from .conftest import deliver as _deliver
from .conftest import later


def deliver(**kw):
    return _deliver(topic=kw.pop("topic", sharing.TOPIC_LICENSE), **kw)


@pytest.fixture
def issued(world, complete_case, issue_args):
    """A completed case of world.item and its 食品经营许可证, issued (in one transaction)."""

    def issue():
        case = complete_case(world, on=MON)
        with transaction.atomic():
            return license_issue(**issue_args(Case.objects.get(pk=case.pk)))

    return issue


def test_an_issued_licence_reaches_the_library_signed_and_once_across_an_outage(province, issued):
    province.stop()  # the province is down when the licence is issued
    lic = issued()
    share = LicenseShare.objects.get(license=lic)
    assert (share.event, share.status) == ("issued", DeliveryStatus.QUEUED)
    message = OutboxMessage.objects.get(pk=share.message_id)
    assert message.topic == sharing.TOPIC_LICENSE and message.key == lic.identifier
    # the outbox payload names the licence and the change, never the holder's identifier
    assert set(message.payload) == {"license_id", "event", "ref"}
    assert lic.holder_id not in str(message.payload)

    assert deliver() == {"retrying": 1}
    share.refresh_from_db()
    assert share.status == DeliveryStatus.FAILED and "无法连接" in share.last_error
    down = ProvinceExchange.objects.get(message_id=message.pk)
    assert (down.kind, down.outcome, down.error_code, down.http_status) == (
        ExchangeKind.LICENSE_PUSH,
        ExchangeOutcome.RETRY,
        "unreachable",
        None,
    )

    province.start()  # back on the same port
    assert deliver(now=later()) == {"sent": 1}
    share.refresh_from_db()
    assert share.status == DeliveryStatus.SENT and share.receipt == "P000001" and share.attempts == 2
    [body] = province.bodies("/licenses")
    assert body["op"] == "issue" and body["from"] == "420100"
    record = body["license"]
    assert record["identifier"] == lic.identifier and identifiers.is_valid(record["identifier"])
    assert record["type_code"] == lic.type.code and record["issuer_code"] == lic.issuer_uscc
    assert record["holder_id"] == lic.holder_id and record["holder_id_type"] == "111"
    assert record["status"] == "valid" and record["credential"] == lic.credential
    assert record["related_item"] == lic.case.item.code and record["version"] == "001"
    # the library takes the GB/T 36903 metadata the credential discloses (one function makes both)
    meta = license_metadata(lic)
    assert {k: record[k] for k in meta} == meta == {k: credential_claims(lic)[1][k] for k in meta}
    assert province.arrivals("/licenses") == 1
    # a worker that dies after the library accepted sends again: the library keeps it once
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING)
    assert deliver(now=later(3)) == {"sent": 1}
    assert province.arrivals("/licenses") == 2 and len(province.bodies("/licenses")) == 1


def test_a_revocation_follows_the_issue_in_order(province, issued):
    lic = issued()
    license_set_status(license=License.objects.get(pk=lic.pk), status="revoked", reason="依法撤销")
    shares = list(LicenseShare.objects.filter(license=lic).order_by("pk"))
    assert [s.event for s in shares] == ["issued", "revoked"]
    province.mode = "server_error"
    assert deliver() == {"retrying": 1}  # the revocation waits behind the issue
    province.mode = "ok"
    assert deliver(now=later()) == {"sent": 2}
    bodies = province.bodies("/licenses")
    assert [(b["op"], b["license"]["status"]) for b in bodies] == [("issue", "valid"), ("status", "revoked")]
    assert bodies[1]["license"]["status_reason"] == "依法撤销"
    assert all(s.status == DeliveryStatus.SENT for s in LicenseShare.objects.filter(license=lic))


@pytest.mark.parametrize(
    "mode,code",
    [
        ("bad_signature", "signature_invalid"),
        ("malformed", "malformed"),
        ("oversized", "oversized"),
        ("slow", "timeout"),
        ("server_error", "server_error"),
    ],
)
def test_bad_answers_are_retried_with_a_record(province, issued, settings, mode, code):
    settings.YIWANG_PROVINCE_TIMEOUT = 0.5
    province.slow_seconds = 1.5
    province.mode = mode
    lic = issued()
    assert deliver() == {"retrying": 1}
    ex = ProvinceExchange.objects.get(subject=lic.identifier)
    assert (ex.outcome, ex.error_code) == (ExchangeOutcome.RETRY, code)
    if mode == "slow":
        assert 400 <= ex.duration_ms < 1400
    assert LicenseShare.objects.get(license=lic).status == DeliveryStatus.FAILED
    province.mode = "ok"
    assert deliver(now=later()) == {"sent": 1}
    assert LicenseShare.objects.get(license=lic).status == DeliveryStatus.SENT
    # whatever the library saw before, it holds the licence once
    assert len(province.bodies("/licenses")) == 1


def test_a_signed_refusal_is_a_dead_letter_for_an_operator(province, issued):
    province.mode = "refuse"
    lic = issued()
    assert deliver() == {"dead": 1}
    share = LicenseShare.objects.get(license=lic)
    assert share.status == DeliveryStatus.REFUSED and "bad_record" in share.last_error
    assert OutboxMessage.objects.get(pk=share.message_id).status == OutboxStatus.DEAD
    ex = ProvinceExchange.objects.get(subject=lic.identifier)
    assert (ex.outcome, ex.http_status) == (ExchangeOutcome.REFUSED, 422)


def test_no_province_configured_queues_nothing_and_catch_up_pushes_later(world, issued, settings, province):
    settings.YIWANG_PROVINCE_URL = ""
    lic = issued()
    assert not LicenseShare.objects.filter(license=lic).exists()
    settings.YIWANG_PROVINCE_URL = province.url
    assert sharing.licenses_share_catch_up() == 1
    assert sharing.licenses_share_catch_up() == 0
    assert deliver() == {"sent": 1}
    assert province.bodies("/licenses")[0]["license"]["identifier"] == lic.identifier


# --- 共享: another issuer's licence used for 免提交 -------------------------------------------------
ELSEWHERE = make_uscc("registry-elsewhere")


def _library_licence(
    province, world, *, holder=None, status="valid", valid_until="长期", serial="2025000123"
):
    type_ = LicenseType.objects.get(name="不动产权证书")
    holder = holder or world.citizen
    lic = {
        "identifier": identifiers.build(
            type_code=type_.code, issuer_uscc=ELSEWHERE, serial=serial, version=1
        ),
        "number": "鄂(2025)咸宁市不动产权第0000123号",
        "name": type_.name,
        "type_code": type_.code,
        "type_name": type_.name,
        "issue_date": "2025-03-01",
        "issuer_name": "咸宁市不动产登记中心",
        "issuer_code": ELSEWHERE,
        "valid_from": "2025-03-01",
        "valid_until": valid_until,
        "holder": str(holder),
        "holder_id_type": "111",
        "holder_id": holder.id_number,
        "status": status,
        "extension": {"location": "咸宁市咸安区温泉路1号"},
    }
    province.library.append(lic)
    return lic


@pytest.fixture
def site_plan_by_licence(world):
    """world.item's 经营场所平面图 may be satisfied by a 不动产权证书 (免提交)."""
    code = LicenseType.objects.get(name="不动产权证书").code
    Material.objects.filter(item_version__item=world.item, code="site_plan").update(license_type_code=code)
    return code


def _submit(world, refs, *, on=MON):
    return cases.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form_for(world.citizen),
        channel="online",
        materials=[m for m in good_materials() if m["code"] == "id_card"],
        license_refs=refs,
        on=on,
    )


def test_a_licence_of_another_issuer_is_found_at_the_library_and_used_for_mianti(
    world, province, site_plan_by_licence
):
    ext = _library_licence(province, world)
    case = _submit(world, {"site_plan": ext["identifier"]})

    ref = CaseLicenseRef.objects.get(case=case)
    assert ref.license is None and ref.via == "external" and ref.identifier == ext["identifier"]
    assert ref.external["issuer_code"] == ELSEWHERE and ref.external["valid_until"] is None
    lookup = ProvinceExchange.objects.get(kind=ExchangeKind.LICENSE_LOOKUP)
    assert (lookup.outcome, lookup.found, lookup.basis, lookup.requester) == (
        ExchangeOutcome.OK,
        1,
        "holder_consent",
        world.citizen,
    )
    assert lookup.purpose.startswith("免提交：") and ref.external["lookup_ref"] == str(lookup.pk)
    use = ExternalLicenseUse.objects.get(case_number=case.number)
    assert use.identifier == ext["identifier"] and use.lookup == lookup and use.user == world.citizen
    # the use goes to the library's 用证记录
    assert deliver(topic=sharing.TOPIC_LICENSE_USE) == {"sent": 1}
    [used] = province.bodies("/licenses/uses")
    assert used["identifier"] == ext["identifier"] and used["case_number"] == case.number
    use.refresh_from_db()
    assert use.status == DeliveryStatus.SENT

    # acceptance checks it again at the library
    cases.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept", on=MON)
    assert ProvinceExchange.objects.filter(kind=ExchangeKind.LICENSE_LOOKUP, outcome="ok").count() == 2
    assert Case.objects.get(pk=case.pk).status == "accepted"


@pytest.mark.parametrize(
    "status,valid_until,code",
    [("revoked", "长期", "license_revoked"), ("valid", "2026-01-01", "license_expired")],
)
def test_an_unusable_library_licence_falls_back_to_upload(
    world, province, site_plan_by_licence, status, valid_until, code
):
    ext = _library_licence(province, world, status=status, valid_until=valid_until)
    with pytest.raises(ValidationFailed) as err:
        _submit(world, {"site_plan": ext["identifier"]})
    assert "请上传经营场所平面图" in err.value.fields["materials.site_plan"][0]
    assert not Case.objects.exists()


def test_someone_elses_licence_is_not_found_for_the_applicant(world, province, site_plan_by_licence):
    ext = _library_licence(province, world, holder=world.citizen2)
    with pytest.raises(ValidationFailed) as err:
        _submit(world, {"site_plan": ext["identifier"]})
    assert "未找到您可使用的该电子证照" in err.value.fields["materials.site_plan"][0]


@pytest.mark.parametrize(
    "mode,code",
    [
        ("bad_signature", "signature_invalid"),
        ("malformed", "malformed"),
        ("oversized", "oversized"),
        ("slow", "timeout"),
        ("down", "unreachable"),
    ],
)
def test_bad_lookup_answers_are_refused_with_a_record(
    world, province, site_plan_by_licence, settings, mode, code
):
    settings.YIWANG_PROVINCE_TIMEOUT = 0.5
    province.slow_seconds = 1.5
    ext = _library_licence(province, world)
    if mode == "down":
        province.stop()
    else:
        province.mode = mode
    with pytest.raises(ExternalLookupFailed):
        sharing.licenses_lookup(
            applicant=world.citizen,
            type_code=site_plan_by_licence,
            purpose="免提交：测试",
            identifier=ext["identifier"],
        )
    ex = ProvinceExchange.objects.get(kind=ExchangeKind.LICENSE_LOOKUP)
    assert (ex.outcome, ex.error_code, ex.found) == (ExchangeOutcome.FAILED, code, 0)
    # in an application the material is asked for instead (nothing half-made)
    with pytest.raises(ValidationFailed) as err:
        _submit(world, {"site_plan": ext["identifier"]})
    assert "暂时无法向省级电子证照库核验该证照" in err.value.fields["materials.site_plan"][0]
    assert not Case.objects.exists() and not ExternalLicenseUse.objects.exists()


def test_a_library_answer_naming_another_holder_is_refused(world, province, site_plan_by_licence):
    ext = _library_licence(province, world)
    province._query = lambda q: [{**ext, "holder_id": world.citizen2.id_number}]  # a faulty library
    with pytest.raises(ExternalLookupFailed):
        sharing.licenses_lookup(
            applicant=world.citizen, type_code=site_plan_by_licence, purpose="免提交：测试"
        )
    ex = ProvinceExchange.objects.get(kind=ExchangeKind.LICENSE_LOOKUP)
    assert ex.error_code == "malformed" and "holder_id" in ex.error


def test_local_licences_are_still_checked_here_without_asking_the_library(world, province, issued):
    lic = issued()
    code = lic.type.code
    Material.objects.filter(item_version__item=world.item, code="site_plan").update(license_type_code=code)
    case = _submit(world, {"site_plan": lic.identifier}, on=lic.issued_on)
    ref = CaseLicenseRef.objects.get(case=case)
    assert (ref.license, ref.via, ref.external_identifier) == (lic, "own", "")
    assert not ProvinceExchange.objects.filter(kind=ExchangeKind.LICENSE_LOOKUP).exists()


def test_the_api_lists_the_callers_own_licences_in_the_library(world, province, site_plan_by_licence, api):
    mine = _library_licence(province, world)
    _library_licence(province, world, holder=world.citizen2, serial="2025000999")
    r = api(world.citizen).get("/api/v1/docking/province/licenses", type_code=site_plan_by_licence)
    assert r.status_code == 200, r.content
    [item] = r.json()["items"]
    assert item["identifier"] == mine["identifier"] and item["status_label"] == "有效"
    assert item["valid_until"] is None and item["issuer_code"] == ELSEWHERE and "holder_id" not in item
    assert ProvinceExchange.objects.get(kind=ExchangeKind.LICENSE_LOOKUP).requester == world.citizen

    province.mode = "bad_signature"
    r = api(world.citizen).get("/api/v1/docking/province/licenses", type_code=site_plan_by_licence)
    assert r.status_code == 503 and r.json()["code"] == "province_unavailable"
    assert (
        api(world.clerk).get("/api/v1/docking/province/licenses", type_code=site_plan_by_licence).status_code
        == 403
    )
    r = api(world.citizen).get("/api/v1/docking/province/licenses", type_code="123")
    assert r.status_code == 422 and "type_code" in r.json()["fields"]
    assert ProvinceExchange.objects.filter(kind=ExchangeKind.LICENSE_LOOKUP).count() == 2


def test_the_loopback_province_refuses_unsigned_forged_and_replayed_requests(province):
    """What "arrived signed" rests on: the stand-in province checks every request."""
    import json
    import urllib.error
    import urllib.request

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from yiwang.docking import province as wire
    from yiwang.exchange import httpsig

    url = province.url + "/licenses"
    body = json.dumps({"op": "issue", "license": {}}).encode()

    def post(headers):
        req = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    assert post({"Content-Type": "application/json"}) == (
        401,
        {"code": "signature_missing", "message": "签名无效"},
    )
    key_id, _ = wire.own_key()
    forged = httpsig.sign_request(
        method="POST", url=url, body=body, key_id=key_id, private_key=Ed25519PrivateKey.generate()
    )
    assert post(forged)[0] == 401
    key_id, private = wire.own_key()
    signed = httpsig.sign_request(method="POST", url=url, body=body, key_id=key_id, private_key=private)
    assert post({**signed, "Idempotency-Key": "k1"})[0] == 200
    assert post({**signed, "Idempotency-Key": "k1"})[1]["code"] == "replayed"
    assert province.arrivals("/licenses") == 1
