"""Workbench pages through Django's test client: access, the queue, the case page with only the
allowed actions, stale versions, Chinese errors, revealing personal data, window intake."""

import re
from datetime import date

from yiwang.accounts.models import PersonalDataView
from yiwang.cases import selectors, services
from yiwang.cases.models import Case, Status
from yiwang.core.testing import good_form, good_materials, make_ric


def submit(world, user=None, item=None, **kw):
    return services.case_submit(
        actor=user or world.citizen,
        item_code=(item or world.item).code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        **kw,
    )


def shown_actions(html: str) -> list[str]:
    main = html.split("<main", 1)[-1]  # the accessibility toolbar's buttons carry data-action too
    return re.findall(r'data-action="([a-z_]+)"', main)


def test_anonymous_is_sent_to_login(client, world):
    for url in ("/workbench/", "/workbench/intake/", "/workbench/cases/X/"):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith("/login/?next=")


def test_citizens_get_403(client, world):
    case = submit(world)
    client.force_login(world.citizen)
    for url in ("/workbench/", "/workbench/intake/", f"/workbench/cases/{case.number}/"):
        r = client.get(url)
        assert r.status_code == 403 and "工作台仅供工作人员使用" in r.content.decode()


def test_queue_lists_urgent_cases_with_text_badges(client, world):
    old = date(2025, 3, 3)
    late = submit(world, on=old)
    services.case_apply_action(case=late, actor=world.clerk, action="accept", on=old)
    fresh = submit(world)
    services.case_apply_action(case=Case.objects.get(pk=fresh.pk), actor=world.clerk, action="accept")
    waiting = submit(world)
    client.force_login(world.reviewer)
    html = client.get("/workbench/").content.decode()
    assert late.number in html and fresh.number in html and waiting.number not in html
    assert html.index(late.number) < html.index(fresh.number)  # overdue first
    assert "红灯：已超期" in html and "张*" in html and "张伟" not in html
    client.force_login(world.clerk)
    html = client.get("/workbench/").content.decode()
    assert waiting.number in html and late.number not in html and "窗口收件" in html
    html = client.get("/workbench/", {"status": "accepted"}).content.decode()
    assert late.number in html and waiting.number not in html


def test_other_departments_staff_get_404(client, world):
    case = submit(world)
    client.force_login(world.reviewer2)
    assert client.get(f"/workbench/cases/{case.number}/").status_code == 404
    assert (
        client.post(f"/workbench/cases/{case.number}/act/", {"action": "review", "version": 1}).status_code
        == 404
    )
    client.force_login(world.clerk_other_hall)
    services.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept")
    assert client.get(f"/workbench/cases/{case.number}/").status_code == 404


def test_action_forms_match_allowed_actions(client, world):
    case = submit(world)
    for user in (world.clerk, world.reviewer, world.approver, world.supervisor):
        client.force_login(user)
        html = client.get(f"/workbench/cases/{case.number}/").content.decode()
        c = Case.objects.get(pk=case.pk)
        assert shown_actions(html) == selectors.allowed_actions(actor=user, case=c), user
    client.force_login(world.clerk)
    html = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert shown_actions(html) == ["accept", "refuse", "request_supplement"]
    assert f'name="version" value="{case.version}"' in html
    assert 'name="missing" value="身份证明"' in html
    client.force_login(world.supervisor)
    html = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert shown_actions(html) == [] and "当前没有您可以办理的操作" in html


def test_full_lifecycle_through_the_pages(client, world):
    case = submit(world)
    url = f"/workbench/cases/{case.number}/"

    def act(user, action, **fields):
        client.force_login(user)
        c = Case.objects.get(pk=case.pk)
        r = client.post(url + "act/", {"action": action, "version": c.version, **fields})
        assert r.status_code == 302, r.content.decode()[:2000]
        return Case.objects.get(pk=case.pk)

    assert act(world.clerk, "accept", note="材料齐全").status == Status.ACCEPTED
    client.force_login(world.reviewer)
    html = client.get(url).content.decode()
    assert shown_actions(html) == selectors.allowed_actions(
        actor=world.reviewer, case=Case.objects.get(pk=case.pk)
    )
    assert 'name="department"' in html and world.dept2.name in html  # transfer offers departments
    # only the procedures the item declares, with their legal basis, and the expected duration
    assert 'name="kind"' in html and "专家评审（依据：《中华人民共和国行政许可法》第四十五条）" in html
    assert 'name="expected_days"' in html and "听证" not in html
    assert act(world.reviewer, "review").status == Status.REVIEWED
    client.force_login(world.approver)
    html = client.get(url).content.decode()
    assert "approve" in shown_actions(html) and 'name="delivery"' not in html
    assert act(world.approver, "approve").status == Status.APPROVED
    html = client.get(url).content.decode()
    assert shown_actions(html) == ["complete"] and "电子送达" in html
    assert act(world.approver, "complete", delivery="electronic").status == Status.COMPLETED
    client.force_login(world.citizen)
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "已办结" in html and "办结通知书" in html and "准予许可决定书" in html


def test_stale_version_shows_the_message(client, world):
    case = submit(world)
    client.force_login(world.clerk)
    url = f"/workbench/cases/{case.number}/"
    stale_version = case.version
    services.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept")
    r = client.post(url + "act/", {"action": "refuse", "version": stale_version, "reason": "材料不全"})
    html = r.content.decode()
    assert r.status_code == 409 and "该办件已被他人处理，请刷新后重试" in html
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_chinese_errors_for_actions(client, world):
    case = submit(world)
    client.force_login(world.clerk)
    url = f"/workbench/cases/{case.number}/act/"
    r = client.post(url, {"action": "refuse", "version": case.version, "reason": "  "})
    html = r.content.decode()
    assert r.status_code == 422 and "提交的内容有误" in html
    assert 'id="a-refuse-reason-error">必填' in html and 'aria-invalid="true"' in html
    r = client.post(url, {"action": "request_supplement", "version": case.version})
    assert r.status_code == 422 and 'id="a-request_supplement-missing-error">必填' in r.content.decode()
    r = client.post(url, {"action": "review", "version": case.version})
    assert r.status_code == 403 and "您没有办理此操作的权限" in r.content.decode()
    client.force_login(world.reviewer)
    r = client.post(url, {"action": "review", "version": case.version})
    assert r.status_code == 409 and "不能审核通过" in r.content.decode()
    client.force_login(world.clerk)
    r = client.post(
        url,
        {
            "action": "request_supplement",
            "version": case.version,
            "missing": ["身份证明"],
            "missing_other": "平面图需盖章\n",
        },
    )
    assert r.status_code == 302
    c = Case.objects.get(pk=case.pk)
    assert c.status == Status.SUPPLEMENT_REQUESTED
    assert c.events.get(action="request_supplement").data["missing"] == ["身份证明", "平面图需盖章"]


def test_reveal_shows_full_values_and_is_logged(client, world):
    case = submit(world)
    client.force_login(world.clerk)
    url = f"/workbench/cases/{case.number}/"
    html = client.get(url).content.decode()
    full = good_form()["applicant.id_number"]
    assert full not in html and "（已脱敏）" in html and "查看完整信息" in html
    assert client.get(url + "reveal/").status_code == 405
    html = client.post(url + "reveal/").content.decode()
    assert full in html and "13800138000" in html and "完整信息，查看已记录" in html
    assert PersonalDataView.objects.filter(viewer=world.clerk, object_ref=case.number).count() >= 2


def test_window_intake(client, world):
    client.force_login(world.clerk)
    html = client.get("/workbench/intake/").content.decode()
    assert world.item.code in html and world.item2.code not in html  # the window serves dept only
    page = client.get("/workbench/intake/", {"item": world.item.code}).content.decode()
    assert 'id="p-name"' in page and 'id="p-id_number"' in page and 'id="f-premises-address"' in page
    token = re.search(r'name="idempotency_token" value="([0-9a-f]+)"', page).group(1)
    new_id = make_ric(serial=303)
    data = {
        "item": world.item.code,
        "idempotency_token": token,
        "p-name": "王芳",
        "p-id_number": "bad",
        "p-phone": "13700137000",
        "premises.address": "武汉市江岸区解放大道1号",
    }
    r = client.post("/workbench/intake/", data)
    html = r.content.decode()
    assert r.status_code == 422 and 'href="#p-id_number"' in html and "公民身份号码格式或校验位有误" in html
    r = client.post("/workbench/intake/", {**data, "p-id_number": new_id})
    assert r.status_code == 302
    r2 = client.post("/workbench/intake/", {**data, "p-id_number": new_id})
    assert r2.url == r.url
    case = Case.objects.get()
    assert case.channel == "window" and case.status == Status.SUBMITTED and case.filed_by == world.clerk
    assert case.owner.id_number == new_id and case.applicant_name == "王芳"
    assert r.url == f"/workbench/cases/{case.number}/"
    assert client.get("/workbench/intake/", {"item": world.item2.code}).status_code == 404


def test_window_intake_by_e_id_code_files_for_the_verified_person(client, world):
    """电子身份码 at the window: the clerk scans the applicant's code and files in their name."""
    from yiwang.identity.services import code_issue

    client.force_login(world.clerk)
    url = "/workbench/intake/"
    code = code_issue(user=world.citizen).code
    page = client.post(url, {"item": world.item.code, "intent": "identify", "identity_code": code})
    html = page.content.decode()
    assert page.status_code == 200 and "已核验电子身份码" in html and "张伟" in html
    assert world.citizen.id_number not in html  # masked: the clerk sees no full ID number
    check = re.search(r'name="identity_check" value="(\d+)"', html).group(1)
    token = re.search(r'name="idempotency_token" value="([0-9a-f]+)"', html).group(1)
    form = {k: str(v) for k, v in good_form().items() if k.startswith("premises.")}
    r = client.post(
        url,
        {
            "item": world.item.code,
            "idempotency_token": token,
            "identity_check": check,
            "p-name": "冒名",
            **form,
        },
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.owner == world.citizen and case.channel == "window" and case.filed_by == world.clerk
    again = client.post(url, {"item": world.item.code, "intent": "identify", "identity_code": code})
    assert again.status_code == 422 and "已被使用过" in again.content.decode()  # one-time
    client.force_login(world.clerk_other_hall)  # another clerk cannot reuse this clerk's check
    r = client.post(url, {"item": world.item.code, "identity_check": check, **form})
    assert r.status_code == 409 and Case.objects.count() == 1


def test_intake_is_for_clerks(client, world):
    client.force_login(world.reviewer)
    r = client.get("/workbench/intake/")
    assert r.status_code == 403 and "窗口收件仅供窗口工作人员使用" in r.content.decode()
