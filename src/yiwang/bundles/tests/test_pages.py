"""一件事 pages through Django's test client: list and guide, questionnaire, the merged form with
prefill, produced and waived materials and the savings panel, validation errors next to fields,
idempotent submission, the tracking page (owner only), the combined supplement and 统一出件."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.bundles.models import BundleCase
from yiwang.cases.models import Case
from yiwang.core.testing import MINIMAL_PDF, make_ric

from .conftest import act, finish

ANSWERS = {"a.insured": "no"}


def _file(name="材料.pdf"):
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def post_data(world, **over):
    data = {
        **ANSWERS,
        "idempotency_token": "tok-1",
        "intent": "submit",
        "mother.name": "张丽",
        "mother.id_number": make_ric(serial=303, born=date(1994, 5, 6)),
        "father.name": "张伟",
        "child.name": "张小宝",
        "child.birth_date": "2026-10-30",
        "child.gender": "男",
        "applicant.phone": "13800138000",
        "m-delivery_record": _file("分娩记录.pdf"),
        "m-id_card": _file("身份证.pdf"),
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def field_block(html: str, html_id: str) -> str:
    """The `.field` div holding the element with this id."""
    i = html.index(f'id="{html_id}"')
    start = html.rindex('<div class="field', 0, i)
    return html[start : html.index("</div>", i)]


def test_list_and_guide_tell_everything_once(client, world, newborn):
    r = client.get("/bundles/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "新生儿出生一件事" in html and "个人一件事" in html and 'href="/bundles/newborn/"' in html
    r = client.get("/bundles/newborn/")
    html = r.content.decode()
    assert r.status_code == 200
    for text in (
        "出生医学证明签发",
        "出生登记（户口）",
        "城乡居民医保参保登记",
        world.dept.name,
        world.dept2.name,
    ):
        assert text in html
    assert "出生医学证明签发办结后自动办理" in html  # the dependency
    assert "孩子是否已参加城乡居民医保？ 未参保" in html  # when the insurance item applies
    assert "10 个工作日" in html
    assert client.get("/bundles/nothing/").status_code == 404


def test_questionnaire_needs_login_and_offers_radio_groups(client, world, newborn):
    r = client.get("/bundles/newborn/start/")
    assert r.status_code == 302 and "/login/" in r["Location"]
    client.force_login(world.citizen)
    html = client.get("/bundles/newborn/start/").content.decode()
    assert html.count('type="radio"') == 2 and 'name="a.insured"' in html
    assert '<label for="q-insured-no" class="checkbox-label">未参保</label>' in html
    # no answer: back to the questions with a Chinese message
    r = client.get("/bundles/newborn/apply/")
    assert r.status_code == 422 and "请回答：孩子是否已参加城乡居民医保？" in r.content.decode()


def test_merged_form_shows_prefill_produced_materials_and_savings(client, world, newborn):
    client.force_login(world.citizen)
    r = client.get("/bundles/newborn/apply/", ANSWERS)
    assert r.status_code == 200
    html = r.content.decode()
    name = field_block(html, "f-applicant-name")
    assert "readonly" in name and world.citizen.display_name in name and "来源：实名认证信息" in name
    assert 'name="applicant.name"' not in html  # authoritative values never come from the page
    idn = field_block(html, "f-applicant-id_number")
    assert world.citizen.id_number not in html and "readonly" in idn  # masked on the page
    phone = field_block(html, "f-applicant-phone")
    assert "readonly" not in phone and 'name="applicant.phone"' in phone and "可修改" in phone
    assert '<label for="f-child-name">新生儿姓名' in html
    assert "由“出生医学证明签发”办结后自动获取" in html
    assert 'id="m-birth_cert"' not in html and 'id="m-id_card"' in html
    line = re.search(r"少填 \d+ 项、少交 \d+ 份材料、少跑 \d+ 次", html)
    assert line and line[0] == "少填 9 项、少交 2 份材料、少跑 3 次", line
    assert "将同时办理以下 3 个事项" in html
    html = client.get("/bundles/newborn/apply/", {"a.insured": "yes"}).content.decode()
    assert "将同时办理以下 2 个事项" in html and "城乡居民医保参保登记" not in html


def test_errors_sit_next_to_fields_and_nothing_is_created(client, world, newborn):
    client.force_login(world.citizen)
    r = client.post(
        "/bundles/newborn/apply/", post_data(world, **{"child.name": "名" * 21, "m-id_card": None})
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert 'class="error-summary"' in html and 'href="#f-child-name"' in html
    block = field_block(html, "f-child-name")
    assert 'class="error-message"' in block and "20" in block and 'aria-invalid="true"' in block
    assert "名" * 21 in block  # what was typed is kept
    r = client.post("/bundles/newborn/apply/", post_data(world, **{"m-id_card": None}))
    assert r.status_code == 422
    html = r.content.decode()
    assert "请上传监护人身份证" in field_block(html, "m-id_card") and 'href="#m-id_card"' in html
    assert "已选择的文件需要重新选择" in html
    assert BundleCase.objects.count() == 0 and Case.objects.count() == 0


def test_changing_an_authoritative_value_on_the_page_has_no_effect(client, world, newborn):
    client.force_login(world.citizen)
    r = client.post("/bundles/newborn/apply/", post_data(world, **{"applicant.name": "王五"}))
    assert r.status_code == 302
    bcase = BundleCase.objects.get()
    hukou = Case.objects.get(bundle_link__bundle_case=bcase, item=newborn.hukou)
    assert hukou.parties.get(role="applicant").name == world.citizen.display_name


def test_submit_is_idempotent_and_leads_to_tracking(client, world, newborn):
    client.force_login(world.citizen)
    r = client.post("/bundles/newborn/apply/", post_data(world))
    assert r.status_code == 302
    bcase = BundleCase.objects.get()
    assert r["Location"] == f"/my/bundles/{bcase.number}/"
    r2 = client.post("/bundles/newborn/apply/", post_data(world))  # double click
    assert r2.status_code == 302 and r2["Location"] == r["Location"] and BundleCase.objects.count() == 1
    html = client.get(r["Location"]).content.decode()
    assert bcase.number in html and "办理中" in html and "等待“出生医学证明签发”办结" in html
    assert world.dept2.name in html and len(re.findall(r'href="/my/cases/[^"/]+/"', html)) == 3
    assert "少填 9 项" in html
    listing = client.get("/my/bundles/").content.decode()
    assert bcase.number in listing and "新生儿出生一件事" in listing
    assert 'href="/my/bundles/"' in client.get("/my/cases/").content.decode()
    client.force_login(world.citizen2)
    assert client.get(r["Location"]).status_code == 404
    assert bcase.number not in client.get("/my/bundles/").content.decode()


def test_combined_supplement_and_unified_delivery(client, world, newborn, django_capture_on_commit_callbacks):
    client.force_login(world.citizen)
    client.post("/bundles/newborn/apply/", post_data(world))
    bcase = BundleCase.objects.get()
    kids = {c.item_code: c.case for c in bcase.children.select_related("case")}
    with django_capture_on_commit_callbacks(execute=True):
        act(kids[newborn.birth.code], "request_supplement", world.clerk, missing=["分娩记录不清晰"])
        act(kids[newborn.insurance.code], "request_supplement", world.clerk, missing=["监护人身份证"])
    url = f"/my/bundles/{bcase.number}/"
    html = client.get(url).content.decode()
    assert "补齐补正告知（合并）" in html and "分娩记录不清晰" in html and "待补正" in html
    assert 'id="m-delivery_record"' in html and 'id="m-id_card"' in html
    version = re.search(r'name="version" value="(\d+)"', html)[1]
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            url,
            {"version": version, "m-delivery_record": _file(), "m-id_card": _file(), "note": "已重新扫描"},
        )
    assert r.status_code == 302
    assert Case.objects.get(pk=kids[newborn.birth.code].pk).status == "submitted"
    assert Case.objects.get(pk=kids[newborn.insurance.code].pk).status == "submitted"
    r = client.post(url, {"version": version})  # nothing to supplement any more
    assert r.status_code in (409, 422) and 'role="alert"' in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        finish(kids[newborn.birth.code], world, reviewer=world.reviewer2, approver=world.approver2)
    with django_capture_on_commit_callbacks(execute=True):
        finish(
            Case.objects.get(pk=kids[newborn.hukou.code].pk),
            world,
            reviewer=world.reviewer,
            approver=world.approver,
        )
        finish(kids[newborn.insurance.code], world, reviewer=world.reviewer2, approver=world.approver2)
    html = client.get(url).content.decode()
    assert "统一出件" in html and "已办结" in html
    assert "电子证照：出生医学证明" in html


@pytest.mark.parametrize("path", ["/my/bundles/", "/bundles/newborn/apply/"])
def test_staff_are_sent_to_their_workbench(client, world, newborn, path):
    client.force_login(world.clerk)
    r = client.get(path)
    assert (r.status_code == 302 and "workbench" in r["Location"]) or r["Location"].startswith("/work")
