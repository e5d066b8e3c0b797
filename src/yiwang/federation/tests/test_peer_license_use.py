"""免提交 in city A with a licence city B issued and reported (docs/federation.md, "Using B's
licence in A"). One instance plays both: it issues a real licence (B's side), the completion
report's licence list (`case_licenses`) is recorded and verified as A does on a real report, and
the local row is moved aside so the identifier is no licence of A. B's status list is served by a
real HTTP server on loopback (the token this instance signs, as B would publish it)."""

from __future__ import annotations

import base64
import http.server
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction

from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseLicenseRef
from yiwang.catalog.models import Material
from yiwang.core.errors import ValidationFailed
from yiwang.core.models import OutboxMessage
from yiwang.core.testing import good_form_for, good_materials
from yiwang.federation import peer_licenses, services
from yiwang.federation.models import OutboundCase, Peer, PeerLicense, PeerLicenseUse
from yiwang.licenses import selectors, statuslist
from yiwang.licenses.hooks import ExternalLookupFailed, external_license_find
from yiwang.licenses.issuer import status_list_uri
from yiwang.licenses.models import License
from yiwang.licenses.services import license_issue, license_set_status
from yiwang.licenses.tests.factories import MON, licensed

PEER = "420700"
# the licence is issued, reported and used on MON (Beijing morning): its validity starts then
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_mon():
    with time_machine.travel(datetime(MON.year, MON.month, MON.day, 2, 0, tzinfo=UTC), tick=True):
        yield


class StatusServer:
    """B's public status list on loopback: answers `body` (set by the test) on every GET."""

    def __init__(self) -> None:
        self.body = b""
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/statuslist+jwt")
                self.send_header("Content-Length", str(len(owner.body)))
                self.end_headers()
                self.wfile.write(owner.body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def world(world):
    return licensed(world)


@pytest.fixture
def status_server():
    s = StatusServer()
    yield s
    s.stop()


@pytest.fixture
def from_b(world, complete_case, issue_args, settings, status_server):
    """B's 食品经营许可证 for world.citizen, as A holds it after B's verified completion report;
    world.item's 经营场所平面图 may be satisfied by that licence type. Returns (PeerLicense, the
    licence row that signed it, moved aside)."""
    settings.YIWANG_LICENSE_ISSUER = status_server.url  # B's issuer: its status list is on loopback
    done = complete_case(world, on=MON)
    with transaction.atomic():
        lic = license_issue(**issue_args(Case.objects.get(pk=done.pk)))
    report = peer_licenses.case_licenses(done.pk)
    License.objects.filter(pk=lic.pk).update(identifier=f"{lic.identifier}-B")  # not a licence of A
    Material.objects.filter(item_version__item=world.item, code="site_plan").update(
        license_type_code=lic.type.code
    )
    raw = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    services.peer_pair(
        code=PEER,
        base_url="http://127.0.0.1:9",
        key_id=f"{PEER}:yiwang-http-v1",
        public_key=base64.b64encode(raw).decode(),
    )
    peer = Peer.objects.get(code=PEER)
    Peer.objects.filter(pk=peer.pk).update(license_keys=peer_licenses.own_license_keys())
    peer.refresh_from_db()
    oc = OutboundCase.objects.create(
        number=f"TB{PEER}TEST0001",
        peer=peer,
        item_code=world.item.code,
        item_name="外市事项",
        item_version=1,
        owner=world.citizen,
        filed_by=world.citizen,
        channel="online",
    )
    assert peer_licenses.licenses_record(oc=oc, items=report) == 1
    held = PeerLicense.objects.get(case=oc)
    assert held.verified and held.reasons == [] and held.identifier == lic.identifier
    status_server.body = statuslist.token(uri=status_list_uri()).encode()
    return held, License.objects.get(pk=lic.pk)


def _submit(world, refs, *, user=None):
    user = user or world.citizen
    return cases.case_submit(
        actor=user,
        item_code=world.item.code,
        form=good_form_for(user),
        channel="online",
        materials=[m for m in good_materials() if m["code"] == "id_card"],
        license_refs=refs,
        on=MON,
    )


def test_a_licence_b_issued_is_cited_in_a_like_a_local_one_and_the_use_recorded(world, from_b):
    held, _ = from_b
    case = _submit(world, {"site_plan": held.identifier})

    ref = CaseLicenseRef.objects.get(case=case)
    assert (ref.license, ref.via, ref.identifier) == (None, "external", held.identifier)
    assert ref.external["source"] == f"federation:{PEER}"
    assert ref.external["issuer_name"] == held.issuer_name and ref.external["number"] == held.number
    use = PeerLicenseUse.objects.get(case_number=case.number)
    assert (use.license, use.user, use.status_checked) == (held, world.citizen, True)
    assert use.purpose.startswith("免提交：")
    # not the provincial library's to record (docking records only licences the library answered)
    assert not OutboxMessage.objects.filter(destination="province").exists()

    # acceptance checks it again (B's status list read again), and the case goes on
    cases.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept", on=MON)
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_another_holders_licence_from_b_is_refused_without_saying_it_exists(world, from_b):
    held, _ = from_b
    with pytest.raises(ValidationFailed) as err:
        _submit(world, {"site_plan": held.identifier}, user=world.citizen2)
    assert "未找到您可使用的该电子证照" in err.value.fields["materials.site_plan"][0]
    assert not PeerLicenseUse.objects.exists() and not Case.objects.filter(owner=world.citizen2).exists()


def test_a_licence_b_revoked_is_refused_when_bs_status_list_says_so(world, from_b, status_server):
    held, signer = from_b
    license_set_status(license=signer, status="revoked", reason="撤销许可")
    status_server.body = statuslist.token(uri=status_list_uri()).encode()
    with pytest.raises(ValidationFailed) as err:
        _submit(world, {"site_plan": held.identifier})
    assert "该证照已注销" in err.value.fields["materials.site_plan"][0]
    assert not PeerLicenseUse.objects.exists()


def test_when_bs_status_list_cannot_be_read_the_use_says_so(world, from_b, status_server):
    held, _ = from_b
    status_server.stop()
    case = _submit(world, {"site_plan": held.identifier})
    assert PeerLicenseUse.objects.get(case_number=case.number).status_checked is False


def test_a_status_list_not_signed_by_b_is_not_believed(world, from_b, status_server, settings):
    held, signer = from_b
    license_set_status(license=signer, status="revoked", reason="撤销许可")
    token = statuslist.token(uri=status_list_uri())
    head, body, sig = token.split(".")
    status_server.body = f"{head}.{body}.{sig[::-1]}".encode()  # a forged signature
    case = _submit(world, {"site_plan": held.identifier})
    assert PeerLicenseUse.objects.get(case_number=case.number).status_checked is False


def test_validity_dates_and_type_are_checked(world, from_b):
    held, signer = from_b
    check = lambda **kw: selectors.license_reference_check(  # noqa: E731
        identifier=held.identifier, applicant=world.citizen, **kw
    )
    assert check(type_code=signer.type.code, on=MON).via == "external"
    with pytest.raises(ValidationFailed) as err:
        check(type_code="not-this-type", on=MON)
    assert err.value.code == "license_wrong_type"
    if signer.valid_until:
        with pytest.raises(ValidationFailed) as err:
            check(type_code=signer.type.code, on=signer.valid_until + timedelta(days=1))
        assert err.value.code == "license_expired"
    with pytest.raises(ValidationFailed) as err:
        check(type_code=signer.type.code, on=signer.valid_from - timedelta(days=1))
    assert err.value.code == "license_unusable"


def test_a_credential_that_no_longer_verifies_is_not_used(world, from_b):
    held, _ = from_b
    PeerLicense.objects.filter(pk=held.pk).update(credential=held.credential.replace(".", ".x", 1))
    with pytest.raises(ValidationFailed) as err:
        _submit(world, {"site_plan": held.identifier})
    assert "未找到您可使用的该电子证照" in err.value.fields["materials.site_plan"][0]


def _library_down(**kw):
    raise ExternalLookupFailed("the library does not answer (test)")


def test_another_provider_that_cannot_answer_does_not_hide_bs_licence(world, from_b):
    held, signer = from_b
    with external_license_find.registered("test.down", _library_down):
        used = selectors.license_reference_check(
            identifier=held.identifier, applicant=world.citizen, type_code=signer.type.code, on=MON
        )
        assert used.external.source == f"federation:{PEER}"
        with pytest.raises(ValidationFailed) as err:  # nobody answered, one could not: say so
            selectors.license_reference_check(
                identifier=f"{held.identifier}9", applicant=world.citizen, type_code=signer.type.code, on=MON
            )
        assert err.value.code == "license_lookup_failed"
