"""Notices with a real electronic seal (issue 12): PAdES signatures by the department's ECDSA P-256
seal key under the platform CA, validated by pyHanko and by poppler's `pdfsig`; one changed byte
fails; sealed once after the commit that issued the notice, stored and served as stored; the pdf
link's access rules; electronic delivery and its 送达回证; the public verify API."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import threading
from pathlib import Path

import pytest
from asn1crypto import keys as a_keys
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import connection
from django.test import Client
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader

from yiwang.cases import services
from yiwang.cases.models import Case, Notice
from yiwang.core import keys, pdf, seal
from yiwang.core.testing import good_form, good_materials, pdfsig_trusting

pytestmark = pytest.mark.time_machine("2026-12-01T10:00+08:00")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def body(world, **over):
    return {
        "item_code": world.item.code,
        "form": good_form(),
        "channel": "online",
        "materials": good_materials(),
        **over,
    }


def file_and_accept(world, api, **over) -> tuple[str, dict]:
    r = api(world.citizen).post("/api/v1/cases", body(world, **over))
    assert r.status_code == 201, r.content
    n = r.json()["number"]
    r = api(world.clerk).post(f"/api/v1/cases/{n}/transitions", {"action": "accept"})
    assert r.status_code == 200, r.content
    items = api(world.citizen).get(f"/api/v1/cases/{n}/notices").json()["items"]
    return n, next(x for x in items if x["kind"] == "acceptance")


def validate(data: bytes):
    roots = [
        a_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in seal.ca_certificates()
    ]
    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    return sig, validate_pdf_signature(sig, vc)


def pdfsig(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout


def flip_one_byte(data: bytes) -> bytes:
    """Change one byte of the signed content: a letter of the producer name in the first
    revision (inside the signed byte range)."""
    at = data.index(b"Yiwang")
    assert at < data.index(b"/ByteRange")
    return data[:at] + b"X" + data[at + 1 :]


def test_notice_pdf_is_sealed_and_validates_with_pyhanko_and_pdfsig(world, api, tmp_path):
    n, acceptance = file_and_accept(world, api)
    r = api(world.citizen).get(acceptance["pdf"])
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    data = r.content
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "受理通知书" in text and n in text

    sig, status = validate(data)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    cert = status.signing_cert
    assert cert.subject.native["common_name"] == world.dept.name
    assert cert.subject.native["organization_identifier"] == world.dept.uscc
    assert cert.public_key.algorithm == "ec" and cert.public_key.curve[1] == "secp256r1"
    assert cert.issuer.native["common_name"].startswith(seal.CA_NAME)
    # the department's own key of the key service, and the platform CA's
    km = keys.active_key(keys.seal_purpose(world.dept.uscc))
    assert km.algorithm == "ECDSA-P256" and bytes(cert.public_key.dump()) == km.public
    # the visible seal: the signature's widget has an appearance over the seal spot
    widget = sig.sig_field
    rect = [float(v) for v in widget["/Rect"]]
    assert rect[2] - rect[0] > 100 and rect[3] - rect[1] > 100
    assert "/AP" in widget and "/N" in widget["/AP"]

    out = pdfsig(data, tmp_path)
    assert "Signature is Valid." in out and "Total document signed" in out
    assert world.dept.name in out and "ETSI.CAdES.detached" in out
    # the chain: without the platform CA pdfsig does not trust the issuer; with the CA the
    # platform publishes imported into its NSS database, the certificate is trusted
    assert "Certificate is Trusted." not in out
    ca_pem = Client().get("/api/v1/notices/seal-ca.pem").content
    trusted = pdfsig_trusting(data, tmp_path, ca_pem)
    assert "Signature is Valid." in trusted and "Certificate is Trusted." in trusted, trusted


def test_one_changed_byte_fails_validation(world, api, tmp_path):
    _, acceptance = file_and_accept(world, api)
    data = flip_one_byte(api(world.citizen).get(acceptance["pdf"]).content)
    _, status = validate(data)
    assert not status.intact and not status.bottom_line
    out = pdfsig(data, tmp_path)
    assert "Signature is Valid." not in out and re.search(r"Signature is Invalid|Digest Mismatch", out)
    r = Client().post("/api/v1/notices/verify", {"file": io.BytesIO(data)})
    assert r.status_code == 200
    assert r.json()["valid"] is False and r.json()["altered"] is True and "改动" in r.json()["message"]


def test_sealing_happens_after_the_commit_not_in_the_request(
    world, api, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = api(world.citizen).post("/api/v1/cases", body(world))
    assert r.status_code == 201
    receipt = Notice.objects.get(case__number=r.json()["number"])
    assert receipt.pdf == "" and receipt.sealed_at is None  # the request sealed nothing
    assert not (media / "notices").exists()
    for callback in callbacks:  # the commit: the seal task runs (eagerly in tests)
        callback()
    receipt.refresh_from_db()
    assert receipt.pdf.name.startswith("notices/2026/12/") and receipt.sealed_at is not None
    stored = media / receipt.pdf.name
    assert stored.is_file() and len(list((media / "notices").rglob("*.pdf"))) == 1
    # served as stored: the bytes on disk, byte for byte, every time
    first = api(world.citizen).get(f"/api/v1/cases/{receipt.case.number}/notices/{receipt.number}.pdf")
    again = api(world.clerk).get(f"/api/v1/cases/{receipt.case.number}/notices/{receipt.number}.pdf")
    assert first.content == stored.read_bytes() == again.content
    assert len(list((media / "notices").rglob("*.pdf"))) == 1


def test_first_download_seals_when_the_task_has_not_run(world, api, media):
    n, acceptance = file_and_accept(world, api)  # on_commit never fires inside the test transaction
    notice = Notice.objects.get(number=acceptance["number"])
    assert notice.pdf == "" and acceptance["sealed"] is False
    r = api(world.citizen).get(acceptance["pdf"])
    notice.refresh_from_db()
    assert r.status_code == 200 and notice.pdf and (media / notice.pdf.name).read_bytes() == r.content
    listed = api(world.citizen).get(f"/api/v1/cases/{n}/notices").json()["items"]
    assert next(x for x in listed if x["number"] == notice.number)["sealed"] is True


@pytest.mark.django_db(transaction=True)
def test_concurrent_sealing_stores_one_file(world, media):
    case = services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )
    notice = case.notices.get()
    if not notice.pdf:  # the on_commit task ran already (transactional test): start over
        Notice.objects.filter(pk=notice.pk).update(pdf="", sealed_at=None)
        for f in (media / "notices").rglob("*.pdf"):
            f.unlink()
    seal.ca_certificate()  # the CA first, so the threads race on the notice only
    names, errors = [], []
    start = threading.Barrier(3)

    def run():
        try:
            start.wait()
            names.append(services.notice_seal(notice_id=notice.pk).pdf.name)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(names)) == 1
    assert [p.relative_to(media).as_posix() for p in (media / "notices").rglob("*.pdf")] == names[:1]


def test_pdf_link_serves_the_applicant_and_acting_staff_only(world, api):
    n, acceptance = file_and_accept(world, api)
    assert acceptance["pdf"] == f"/api/v1/cases/{n}/notices/{acceptance['number']}.pdf"
    assert api(world.citizen).get(acceptance["pdf"]).status_code == 200
    assert api(world.clerk).get(acceptance["pdf"]).status_code == 200
    assert api(world.reviewer).get(acceptance["pdf"]).status_code == 200
    for other in (world.citizen2, world.reviewer2, world.clerk_other_hall):
        assert api(other).get(acceptance["pdf"]).status_code == 404
    assert api().get(acceptance["pdf"]).status_code == 401


def test_electronic_delivery_consent_and_proof_of_delivery(world, api):
    n, acceptance = file_and_accept(world, api, electronic_delivery=True)
    case = Case.objects.get(number=n)
    assert case.electronic_delivery and case.electronic_delivery_consented_at is not None
    assert api(world.citizen).get(f"/api/v1/cases/{n}").json()["electronic_delivery"] is True
    assert acceptance["delivery"] == {"electronic": True, "available_at": None, "first_opened_at": None}
    # staff opening the notice is not the applicant's opening
    assert api(world.clerk).get(acceptance["pdf"]).status_code == 200
    notice = Notice.objects.get(number=acceptance["number"])
    assert notice.electronic and notice.sealed_at is not None and notice.first_opened_at is None
    assert api(world.citizen).get(acceptance["pdf"]).status_code == 200
    api(world.citizen).get(acceptance["html"])
    notice.refresh_from_db()
    opened = notice.first_opened_at
    assert opened is not None and opened >= notice.sealed_at
    api(world.citizen).get(acceptance["pdf"])
    notice.refresh_from_db()
    assert notice.first_opened_at == opened  # the first opening only
    listed = next(
        x
        for x in api(world.clerk).get(f"/api/v1/cases/{n}/notices").json()["items"]
        if x["number"] == notice.number
    )
    assert listed["delivery"]["electronic"] is True
    assert listed["delivery"]["available_at"].endswith("+08:00") and listed["delivery"]["first_opened_at"]
    # the 送达回证 on the workbench case page
    c = Client()
    c.force_login(world.clerk)
    html = c.get(f"/workbench/cases/{n}/").content.decode()
    assert "送达回证" in html and "随申请同意电子送达" in html
    local = dt.datetime.fromisoformat(listed["delivery"]["first_opened_at"])
    assert local.strftime("%Y-%m-%d %H:%M:%S") in html


def test_without_consent_notices_are_not_delivered_electronically(world, api):
    n, acceptance = file_and_accept(world, api)
    assert Case.objects.get(number=n).electronic_delivery is False
    assert acceptance["delivery"]["electronic"] is False
    c = Client()
    c.force_login(world.clerk)
    assert "未同意电子送达" in c.get(f"/workbench/cases/{n}/").content.decode()


def test_verify_api_names_the_seal_the_case_and_the_notice(world, api):
    n, acceptance = file_and_accept(world, api)
    data = api(world.citizen).get(acceptance["pdf"]).content
    r = Client().post("/api/v1/notices/verify", {"file": io.BytesIO(data)})
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["valid"] is True and out["altered"] is False
    assert out["signer"] == world.dept.name and out["case"] == n and out["notice_kind"] == "acceptance"
    assert out["signed_at"].endswith("+08:00") and out["signed_at"].startswith("2026-12-01")
    assert set(out) >= {"valid", "altered", "signer", "signed_at", "case", "notice_kind"}


def test_verify_api_refuses_a_file_that_is_not_a_pdf():
    r = Client().post("/api/v1/notices/verify", {"file": io.BytesIO(b"\x89PNG\r\n\x1a\n not a pdf")})
    assert r.status_code == 422
    err = r.json()
    assert err["code"] == "validation_error" and "不是 PDF" in err["message"] and "file" in err["fields"]
    assert Client().post("/api/v1/notices/verify", {}).status_code == 422


def _foreign_signed(data: bytes) -> bytes:
    """The same PDF signed by someone else: a self-made CA and seal, not the platform's."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "某某自建根证书")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "武汉市市场监督管理局")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    signer = signers.SimpleSigner(
        signing_cert=a_x509.Certificate.load(cert.public_bytes(der)),
        signing_key=a_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs([a_x509.Certificate.load(ca.public_bytes(der))]),
    )
    meta = signers.PdfSignatureMetadata(field_name="Forged", subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), output=out)
    return out.getvalue()


def test_verify_api_a_pdf_sealed_by_someone_else_is_not_valid(world):
    doc = pdf.render_document(
        title="受理通知书", blocks=[("p", "伪造的文书")], seal_text="武汉市市场监督管理局"
    )
    r = Client().post("/api/v1/notices/verify", {"file": io.BytesIO(_foreign_signed(doc.pdf))})
    out = r.json()
    assert r.status_code == 200 and out["valid"] is False and out["altered"] is False
    assert "不是本平台" in out["message"] and out["case"] is None and out["notice_kind"] is None
    unsigned = Client().post("/api/v1/notices/verify", {"file": io.BytesIO(doc.pdf)}).json()
    assert unsigned["valid"] is False and "没有电子印章" in unsigned["message"]


def test_revoked_seal_no_longer_verifies_and_the_ca_is_published(world, api):
    _, acceptance = file_and_accept(world, api)
    data = api(world.citizen).get(acceptance["pdf"]).content
    pem = Client().get("/api/v1/notices/seal-ca.pem")
    assert pem.status_code == 200 and pem.content.startswith(b"-----BEGIN CERTIFICATE-----")
    ca = x509.load_pem_x509_certificate(pem.content)
    assert ca.public_bytes(serialization.Encoding.DER) == Client().get("/api/v1/notices/seal-ca.cer").content
    assert seal.seal_revoke(uscc=world.dept.uscc, reason="密钥泄露") == 1
    out = Client().post("/api/v1/notices/verify", {"file": io.BytesIO(data)}).json()
    assert out["valid"] is False and out["altered"] is False and "吊销" in out["message"]
    # new notices get the new key and verify
    assert keys.active_key(keys.seal_purpose(world.dept.uscc)).version == 2


def test_public_verify_page(world, api):
    _, acceptance = file_and_accept(world, api)
    data = api(world.citizen).get(acceptance["pdf"]).content
    page = Client().get("/notices/verify/")
    assert page.status_code == 200 and "文书电子印章核验" in page.content.decode()
    html = Client().post("/notices/verify/", {"file": io.BytesIO(data)}).content.decode()
    assert "核验通过：电子印章有效" in html and world.dept.name in html and "受理通知书" in html
    bad = Client().post("/notices/verify/", {"file": io.BytesIO(flip_one_byte(data))}).content.decode()
    assert "核验未通过" in bad and "盖章后被改动过" in bad
    r = Client().post("/notices/verify/", {"file": io.BytesIO(b"hello")})
    assert r.status_code == 422 and "不是 PDF 文件" in r.content.decode()


def test_the_application_page_records_the_consent(world):
    """The portal's application form: the 同意电子送达 box goes through the submission service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.core.testing import MINIMAL_PDF, MINIMAL_PNG

    c = Client()
    c.force_login(world.citizen)
    url = f"/items/{world.item.code}/apply/"
    html = c.get(url).content.decode()
    assert 'name="electronic_delivery"' in html and "同意电子送达" in html
    token = re.search(r'name="idempotency_token" value="([0-9a-f]+)"', html).group(1)
    form = {"idempotency_token": token, "intent": "submit", **{k: str(v) for k, v in good_form().items()}}
    files = {
        "m-id_card": SimpleUploadedFile("身份证.pdf", MINIMAL_PDF, content_type="application/pdf"),
        "m-site_plan": SimpleUploadedFile("平面图.png", MINIMAL_PNG, content_type="image/png"),
    }
    assert c.post(url, {**form, **files, "electronic_delivery": "on"}).status_code == 302
    case = Case.objects.get()
    assert case.electronic_delivery and case.notices.get().electronic


def test_a_notice_whose_seal_task_was_lost_is_sealed_by_the_sweep(world, api, media, time_machine):
    """bench/crash.py found notices left unsealed after kill -9 (the app killed between the commit
    and the enqueue, or the worker killed holding the task): the minute's sweep seals them."""
    from yiwang.cases.tasks import notices_seal_sweep

    n, _ = file_and_accept(world, api)  # on_commit never fires: both seal tasks "lost"
    assert Notice.objects.filter(case__number=n, pdf="").count() == 2
    assert notices_seal_sweep() == 0  # not yet: the task itself may still be on its way
    time_machine.shift(dt.timedelta(minutes=2))
    assert notices_seal_sweep() == 2
    assert not Notice.objects.filter(case__number=n, pdf="").exists()
    assert all(x.sealed_at for x in Notice.objects.filter(case__number=n))
    assert notices_seal_sweep() == 0
