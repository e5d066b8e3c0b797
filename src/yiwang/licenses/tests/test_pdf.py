import io

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
