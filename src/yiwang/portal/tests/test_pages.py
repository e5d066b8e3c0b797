"""Portal pages through Django's test client: search and guides, login, the application form
(errors, idempotency), my cases, notices, preferences."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.cases import services
from yiwang.cases.models import Case, Status
from yiwang.core.testing import MINIMAL_PDF, MINIMAL_PNG, good_form, good_form_for, good_materials


def submit(world, user=None, item=None, **kw):
    return services.case_submit(
        actor=user or world.citizen,
        item_code=(item or world.item).code,
        form=good_form_for(user or world.citizen),
        channel="online",
        materials=good_materials(),
        **kw,
    )


def files():
    return {
        "m-id_card": SimpleUploadedFile("身份证.pdf", MINIMAL_PDF, content_type="application/pdf"),
        "m-site_plan": SimpleUploadedFile("平面图.png", MINIMAL_PNG, content_type="image/png"),
    }


def token_of(html: str) -> str:
    return re.search(r'name="idempotency_token" value="([0-9a-f]+)"', html).group(1)


# --- catalogue ---------------------------------------------------------------------------------
def test_home_lists_and_searches_items(client, world):
    r = client.get("/")
    html = r.content.decode()
    assert r.status_code == 200
    assert '<html lang="zh-Hans"' in html and 'href="#main"' in html
    assert "食品经营许可（新办）" in html and "公共场所卫生许可" in html
    assert "即办件" in html and "承诺件" in html and "5 个工作日" in html
    r = client.get("/", {"q": "卫生"})
    html = r.content.decode()
    assert "公共场所卫生许可" in html and "食品经营许可（新办）" not in html
    r = client.get("/", {"department": world.dept2.pk})
    assert "食品经营许可（" not in r.content.decode()
    r = client.get("/", {"level": "3"})
    assert "共 3 项" in r.content.decode()
    r = client.get("/", {"level": "1"})
    assert "没有找到符合条件的事项" in r.content.decode()


def test_item_guide_shows_the_whole_guide(client, world):
    r = client.get(f"/items/{world.item.code}/")
    html = r.content.decode()
    assert r.status_code == 200
    for text in (
        "受理条件",
        "申请材料",
        "身份证明",
        "经营场所平面图",
        "可容缺",
        "纸质+电子",
        "收费标准",
        "办理结果",
        "办理地点",
        "咨询方式",
        "监督投诉",
        "设定依据",
        "网上办理深度",
        "武汉市民之家",
    ):
        assert text in html, text
    assert f'href="/items/{world.item.code}/apply/"' in html and "在线申请" in html
    assert client.get("/items/NOPE/").status_code == 404


# --- login -------------------------------------------------------------------------------------
def test_login_redirects_by_kind_and_shows_chinese_errors(client, world, settings):
    cache.clear()
    r = client.post("/login/", {"username": "citizen", "password": "wrong"})
    assert r.status_code == 401 and "用户名或密码错误" in r.content.decode()
    r = client.post("/login/", {"username": "citizen", "password": "pass-1234-word"})
    assert r.status_code == 302 and r.url == "/my/cases/"
    client.post("/logout/")
    r = client.post("/login/", {"username": "clerk", "password": "pass-1234-word"})
    assert r.url == "/workbench/"
    r = client.post("/login/", {"username": "x", "password": "y", "next": "https://evil.example/"})
    assert r.status_code == 401
    r = client.post("/login/", {"username": "citizen", "password": "pass-1234-word", "next": "/items/x/"})
    assert r.url == "/items/x/"


def test_login_throttle_message(client, world, settings):
    cache.clear()
    settings.LOGIN_THROTTLE_ATTEMPTS = 2
    for _ in range(2):
        client.post("/login/", {"username": "citizen2", "password": "bad"})
    r = client.post("/login/", {"username": "citizen2", "password": "pass-1234-word"})
    assert r.status_code == 429 and "登录失败次数过多" in r.content.decode()
    cache.clear()


def test_logout_needs_post(client, world):
    client.force_login(world.citizen)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/my/cases/").status_code == 302


# --- application -------------------------------------------------------------------------------
def test_apply_requires_login(client, world):
    url = f"/items/{world.item.code}/apply/"
    r = client.get(url)
    assert r.status_code == 302 and r.url.startswith("/login/?next=")


def test_apply_form_is_rendered_from_the_schema_and_prefilled(client, world):
    client.force_login(world.citizen)
    html = client.get(f"/items/{world.item.code}/apply/").content.decode()
    assert 'for="f-applicant-name"' in html and "经营者姓名" in html
    assert 'name="applicant.name" value="张伟"' in html
    assert 'name="applicant.phone" value="13800138000"' in html
    assert "（必填）" in html and "（选填）" in html
    assert 'id="f-premises-area"' in html and 'inputmode="decimal"' in html
    assert 'id="f-application-reason"' in html
    assert 'type="file" id="m-id_card"' in html and 'accept=".pdf,.jpg,.jpeg,.png,.ofd"' in html
    assert "（必传）" in html and "可容缺" in html
    assert 'value="draft"' in html and "暂存" in html and "提交" in html


def test_one_click_renewal_fills_the_form_from_the_last_case_of_the_item(client, world):
    """一键续办: re-applying for an item starts from the applicant's last case of it."""
    client.force_login(world.citizen)
    html = client.get(f"/items/{world.item.code}/apply/").content.decode()
    assert "一键续办" not in html and 'name="premises.address" value=""' in html
    first = services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(**{"premises.address": "武汉市江岸区沿江大道1号", "application.reason": "每月续办"}),
        channel="online",
        materials=good_materials(),
    )
    html = client.get(f"/items/{world.item.code}/apply/").content.decode()
    assert f"一键续办：已按您上次的申请（办件编号 {first.number}）" in html
    assert 'name="premises.address" value="武汉市江岸区沿江大道1号"' in html
    assert "每月续办" in html
    other = client.get(f"/items/{world.item2.code}/apply/").content.decode()
    assert "一键续办" not in other  # only the same item's last case
    client.force_login(world.citizen2)
    assert "一键续办" not in client.get(f"/items/{world.item.code}/apply/").content.decode()


def test_company_prefill(client, world):
    from yiwang.catalog.models import ItemVersion

    v = ItemVersion.objects.get(item=world.item)
    schema = {
        **v.form_schema,
        "properties": {
            **v.form_schema["properties"],
            "enterprise.name": {"title": "企业名称"},
            "enterprise.uscc": {"title": "统一社会信用代码"},
        },
    }
    ItemVersion.objects.filter(pk=v.pk).update(form_schema=schema)
    client.force_login(world.company)
    html = client.get(f"/items/{world.item.code}/apply/").content.decode()
    assert 'name="enterprise.name" value="武汉示例餐饮管理有限公司"' in html
    assert f'name="enterprise.uscc" value="{world.company.uscc}"' in html


def test_apply_shows_chinese_errors_next_to_fields(client, world):
    client.force_login(world.citizen)
    url = f"/items/{world.item.code}/apply/"
    token = token_of(client.get(url).content.decode())
    r = client.post(
        url,
        {
            "idempotency_token": token,
            "intent": "submit",
            "applicant.name": "张伟",
            "applicant.id_number": "123",
            "premises.area": "abc",
        },
    )
    html = r.content.decode()
    assert r.status_code == 422
    assert "提交的内容有误，请按提示修改" in html
    assert '<a href="#f-premises-address">请填写经营场所地址</a>' in html
    assert 'href="#f-applicant-id_number"' in html and "不是有效的公民身份号码" in html
    assert "经营面积（平方米）应为数字" in html
    assert 'id="f-premises-address-error"' in html
    assert re.search(
        r'id="f-premises-address"[^>]*aria-describedby="f-premises-address-error"[^>]*aria-invalid="true"',
        html,
    )
    assert "<title>错误：" in html
    assert token_of(html) == token  # the same token is kept for the corrected submission
    assert Case.objects.count() == 0


def test_missing_materials_are_reported_on_their_inputs(client, world):
    client.force_login(world.citizen)
    url = f"/items/{world.item.code}/apply/"
    form = {"idempotency_token": "t1", "intent": "submit", **{k: str(v) for k, v in good_form().items()}}
    r = client.post(url, form)
    html = r.content.decode()
    assert r.status_code == 422
    assert '<a href="#m-id_card">请上传身份证明</a>' in html
    assert 'aria-describedby="m-id_card-hint m-id_card-error" aria-invalid="true"' in html


def test_apply_submits_once_per_token(client, world):
    client.force_login(world.citizen)
    url = f"/items/{world.item.code}/apply/"
    token = token_of(client.get(url).content.decode())
    form = {"idempotency_token": token, "intent": "submit", **{k: str(v) for k, v in good_form().items()}}
    r1 = client.post(url, {**form, **files()})
    r2 = client.post(url, {**form, **files()})  # a double click
    assert r1.status_code == 302 and r2.status_code == 302 and r1.url == r2.url
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert case.status == Status.SUBMITTED and case.channel == "online" and case.materials.count() == 2
    assert r1.url == f"/my/cases/{case.number}/"
    html = client.get(r1.url).content.decode()
    assert "已提交" in html and "收件清单" in html and "申请已提交" in html


def test_a_site_list_is_one_line_per_site(client, world):
    """一证多址 on the page: a textarea, one site per line, stored as a list."""
    from yiwang.catalog.models import ItemVersion

    v = ItemVersion.objects.get(item=world.item)
    props = {**v.form_schema["properties"], "premises.sites": {"title": "供水地址"}}
    ItemVersion.objects.filter(pk=v.pk).update(form_schema={**v.form_schema, "properties": props})
    client.force_login(world.citizen)
    url = f"/items/{world.item.code}/apply/"
    html = client.get(url).content.decode()
    assert re.search(r'<textarea[^>]*id="f-premises-sites"', html) and "每行填写一项" in html
    form = {k: str(v) for k, v in good_form().items()}
    r = client.post(url, {**form, "premises.sites": "一号泵房\n\n二号泵房\n", **files(), "intent": "submit"})
    assert r.status_code == 302
    assert services.form_reveal(Case.objects.get().form)["premises.sites"] == ["一号泵房", "二号泵房"]


def test_draft_then_submit_from_the_case_page(client, world):
    client.force_login(world.citizen)
    url = f"/items/{world.item.code}/apply/"
    r = client.post(url, {"idempotency_token": "d1", "intent": "draft", "applicant.name": "张伟"})
    case = Case.objects.get()
    assert r.url == f"/my/cases/{case.number}/" and case.status == Status.DRAFT
    html = client.get(r.url).content.decode()
    assert "提交申请" in html and 'value="submit"' in html
    r = client.post(r.url, {"action": "submit", "version": case.version})
    assert r.status_code == 422 and "请上传身份证明" in r.content.decode()


def test_staff_cannot_apply_online(client, world):
    client.force_login(world.clerk)
    r = client.get(f"/items/{world.item.code}/apply/")
    assert r.status_code == 302 and r.url == "/workbench/"


# --- my cases ----------------------------------------------------------------------------------
def test_my_cases_and_case_page(client, world):
    case = submit(world)
    other = submit(world, user=world.citizen2)
    client.force_login(world.citizen)
    html = client.get("/my/cases/").content.decode()
    assert case.number in html and other.number not in html
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "办理过程" in html and "提交申请" in html and "已提交" in html
    assert 'value="withdraw"' in html  # withdraw allowed before the decision
    assert "办结期限：受理后计算" in html
    assert client.get(f"/my/cases/{other.number}/").status_code == 404
    assert client.get(f"/cases/{other.number}/notices/{other.number}-01.html").status_code == 404


def test_case_page_anonymous_redirects(client, world):
    case = submit(world)
    r = client.get(f"/my/cases/{case.number}/")
    assert r.status_code == 302 and r.url.startswith("/login/")


def test_withdraw_from_the_case_page(client, world):
    case = submit(world)
    client.force_login(world.citizen)
    r = client.post(f"/my/cases/{case.number}/", {"action": "withdraw", "version": case.version})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "已撤回" in html and 'value="withdraw"' not in html


def test_stale_withdraw_shows_message(client, world):
    case = submit(world)
    client.force_login(world.citizen)
    r = client.post(f"/my/cases/{case.number}/", {"action": "withdraw", "version": case.version - 1})
    assert r.status_code == 409 and "该办件已被他人处理，请刷新后重试" in r.content.decode()


def test_supplement_form_when_requested(client, world):
    case = submit(world)
    services.case_apply_action(
        case=case, actor=world.clerk, action="request_supplement", missing=["经营场所平面图（清晰版）"]
    )
    case.refresh_from_db()
    client.force_login(world.citizen)
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "补齐补正材料" in html and "经营场所平面图（清晰版）" in html and 'id="m-site_plan"' in html
    r = client.post(
        f"/my/cases/{case.number}/",
        {
            "action": "supplement",
            "version": case.version,
            "m-site_plan": SimpleUploadedFile("平面图.png", MINIMAL_PNG, content_type="image/png"),
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_notices_and_materials_are_served_to_the_owner(client, world):
    case = submit(world)
    client.force_login(world.citizen)
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert f"/cases/{case.number}/notices/{case.number}-01.html" in html
    r = client.get(f"/cases/{case.number}/notices/{case.number}-01.html")
    assert r.status_code == 200 and "收件清单" in r.content.decode()
    r = client.get(f"/cases/{case.number}/notices/{case.number}-01.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    m = case.materials.first()
    r = client.get(f"/cases/{case.number}/materials/{m.pk}/")
    assert r.status_code == 200 and r["Content-Type"] in ("application/pdf", "image/png")
    client.force_login(world.citizen2)
    assert client.get(f"/cases/{case.number}/materials/{m.pk}/").status_code == 404


def test_red_light_is_shown_in_text(client, world):
    old = date(2025, 3, 3)
    case = submit(world, on=old)
    services.case_apply_action(case=case, actor=world.clerk, action="accept", on=old)
    client.force_login(world.citizen)
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "红灯：已超期" in html and "badge-red" in html
    assert "红灯：已超期" in client.get("/my/cases/").content.decode()


def test_staff_are_sent_from_my_cases_to_the_workbench(client, world):
    client.force_login(world.reviewer)
    r = client.get("/my/cases/")
    assert r.status_code == 302 and r.url == "/workbench/"


# --- preferences -------------------------------------------------------------------------------
@pytest.mark.parametrize("pref,cls", [("large", "pref-large"), ("contrast", "pref-contrast")])
def test_toolbar_preferences_persist_without_js(client, world, pref, cls):
    r = client.post("/prefs/", {"toggle": pref, "next": "/items/x/"})
    assert r.status_code == 302 and r.url == "/items/x/"
    html = client.get("/").content.decode()
    assert cls in html.split("<head>")[0]
    assert 'aria-pressed="true"' in html
    client.post("/prefs/", {"toggle": pref, "next": "https://evil.example/"})
    assert cls not in client.get("/").content.decode().split("<head>")[0]


def test_continue_a_draft_and_submit_it(client, world):
    client.force_login(world.citizen)
    client.post(
        f"/items/{world.item.code}/apply/",
        {"idempotency_token": "d2", "intent": "draft", "applicant.name": "张伟"},
    )
    case = Case.objects.get()
    url = f"/my/cases/{case.number}/edit/"
    assert url in client.get(f"/my/cases/{case.number}/").content.decode()
    html = client.get(url).content.decode()
    assert 'name="applicant.name" value="张伟"' in html
    form = {"intent": "submit", **{k: str(v) for k, v in good_form().items()}}
    r = client.post(url, {**form, "premises.address": ""})
    assert r.status_code == 422 and "请上传身份证明" in r.content.decode()
    r = client.post(url, {**form, **files()})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and case.materials.count() == 2
    assert client.get(url).status_code == 302  # no longer a draft


def test_case_page_invites_a_rating_once_accepted_and_nav_links_the_new_services(client, world):
    case = submit(world)
    client.force_login(world.citizen)
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "/rate/case/" not in html
    services.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept")
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert f'href="/rate/case/{case.number}/"' in html
    assert 'href="/bundles/"' in html and 'href="/my/licenses/"' in html and 'href="/my/identity/"' in html
    client.force_login(world.clerk)
    assert 'href="/workbench/identity/"' in client.get("/workbench/").content.decode()
