import io

import pytest
from django.test import Client
from pypdf import PdfReader

from yiwang.licenses import pdf, services


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_printable_pdf_with_seal_and_qr_to_the_check_page(world, issue_for):
    lic = issue_for(world)
    c = login(world.citizen)
    assert "下载打印版（PDF）" in c.get("/my/licenses/").content.decode()
    r = c.get(f"/my/licenses/{lic.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    for expected in [
        "食品经营许可证",
        "张伟",
        lic.number,
        "武汉市市场监督管理局",
        "扫码核验",
        "沿江大道100号",
    ]:
        assert expected in text, expected
    assert world.citizen.id_number not in text  # masked on paper too
    assert login(world.citizen2).get(f"/my/licenses/{lic.pk}/pdf/").status_code == 404
    # the QR's page: only with the right token
    page = Client().get(pdf.check_path(lic))
    html = page.content.decode()
    assert page.status_code == 200 and "核验通过：证照有效" in html and "张伟" in html
    assert world.citizen.id_number not in html
    assert Client().get(f"/licenses/check/{lic.identifier}/{'0' * 32}/").status_code == 404
    services.license_set_status(license=lic, status="revoked", reason="注销")
    assert "证照已注销" in Client().get(pdf.check_path(lic)).content.decode()


# pdfsig (a C program) checks the certificates' validity at the machine's real time, not the test
# clock: issued "now" on a clock moved ahead (CI's run at another date), the seal certificate is not
# valid yet for it. A fixed past day, as cases/tests/test_seal.py has.
@pytest.mark.time_machine("2026-12-01T10:00+08:00")
def test_printed_licence_is_sealed_by_the_issuer_and_verifies(world, issue_for, tmp_path):
    """The printed copy carries the issuer's PAdES seal (ECDSA P-256 under the platform CA):
    pyHanko and poppler's pdfsig validate it, the public verify API names the licence, and one
    changed byte breaks it."""
    import subprocess

    from yiwang.core import seal

    lic = issue_for(world)
    data = login(world.citizen).get(f"/my/licenses/{lic.pk}/pdf/").content
    check = seal.verify_pdf(data)
    assert check.valid and not check.altered and check.signer == lic.issuer_name
    assert check.field_name == pdf.field_name(lic)
    path = tmp_path / "licence.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid." in out and "Total document signed" in out
    # the chain to the CA the platform publishes: trusted once that CA is imported
    from yiwang.core.testing import pdfsig_trusting

    ca_pem = Client().get("/api/v1/notices/seal-ca.pem").content
    trusted = pdfsig_trusting(data, tmp_path, ca_pem)
    assert "Signature is Valid." in trusted and "Certificate is Trusted." in trusted, trusted
    r = Client().post("/api/v1/notices/verify", {"file": io.BytesIO(data)})
    body = r.json()
    assert r.status_code == 200 and body["valid"] is True and body["license"] == lic.identifier
    assert body["signer"] == lic.issuer_name and body["case"] is None
    at = data.index(b"Yiwang")
    tampered = data[:at] + b"y" + data[at + 1 :]
    assert seal.verify_pdf(tampered).altered and not seal.verify_pdf(tampered).valid
