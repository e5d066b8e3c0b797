"""The staff queue and case page for the clocks and remedies of issue 12: the warning light of a
special procedure past its planned end and of acceptance overdue after a supplement (the staff
queue and the supervisor's view), the two extension steps, the competent agency of a refusal."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from yiwang.cases import services
from yiwang.cases.models import Case, Status
from yiwang.core.testing import good_form, good_materials

MON = date(2026, 11, 2)


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Asia/Shanghai")))


def submit(world):
    return services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        on=MON,
    )


def act(case, user, action, on=MON, **kw):
    return services.case_apply_action(
        case=Case.objects.get(pk=case.pk), actor=user, action=action, on=on, **kw
    )


def shown_actions(html: str) -> list[str]:
    return re.findall(r'data-action="([a-z_]+)"', html)


def test_overdue_special_procedure_and_acceptance_light_the_queue(client, world):
    stopped = act(submit(world), world.clerk, "accept")
    act(stopped, world.reviewer, "start_special_procedure", kind="expert_review", expected_days=3)
    waiting = act(submit(world), world.clerk, "request_supplement", missing=["经营场所平面图"])
    act(waiting, world.citizen, "supplement", materials=[good_materials()[1]])
    with at(date(2026, 11, 12)):
        client.force_login(world.supervisor)
        html = client.get("/workbench/").content.decode()
        assert stopped.number in html and "红灯：特别程序超过预计结束日期" in html
        assert "特别程序预计 2026-11-05 结束" in html
        html = client.get("/workbench/", {"status": "submitted"}).content.decode()
        assert waiting.number in html and "红灯：补正后超期未受理" in html
        client.force_login(world.reviewer)
        assert "红灯：特别程序超过预计结束日期" in client.get("/workbench/").content.decode()
        client.force_login(world.clerk)
        html = client.get("/workbench/").content.decode()
        assert "补正后应于 2026-11-09 前受理" in html and "红灯：补正后超期未受理" in html


def test_extension_in_two_steps_through_the_pages(client, world):
    case = act(submit(world), world.clerk, "accept")
    url = f"/workbench/cases/{case.number}/"
    with at(date(2026, 11, 4)):
        client.force_login(world.reviewer)
        html = client.get(url).content.decode()
        assert "request_extension" in shown_actions(html) and "approve_extension" not in shown_actions(html)
        c = Case.objects.get(pk=case.pk)
        r = client.post(
            url + "act/", {"action": "request_extension", "version": c.version, "reason": "需现场核查"}
        )
        assert r.status_code == 302
        client.force_login(world.approver)
        html = client.get(url).content.decode()
        assert "approve_extension" in shown_actions(html)
        c = Case.objects.get(pk=case.pk)
        r = client.post(url + "act/", {"action": "approve_extension", "version": c.version})
        assert r.status_code == 302
        c = Case.objects.get(pk=case.pk)
        assert c.extension_days == 10 and c.due_date == date(2026, 11, 23)
        html = client.get(url).content.decode()
        assert not {"extend", "approve_extension"} & set(shown_actions(html))  # once only


def test_the_head_declines_the_extension_on_the_page(client, world):
    case = act(submit(world), world.clerk, "accept")
    act(case, world.reviewer, "request_extension", on=date(2026, 11, 4), reason="需现场核查")
    url = f"/workbench/cases/{case.number}/"
    with at(date(2026, 11, 5)):
        client.force_login(world.approver)
        html = client.get(url).content.decode()
        assert {"approve_extension", "reject_extension"} <= set(shown_actions(html))
        assert "不批准延长办理期限" in html
        c = Case.objects.get(pk=case.pk)
        r = client.post(url + "act/", {"action": "reject_extension", "version": c.version})
        assert r.status_code == 422 and "必填" in r.content.decode()  # the reason is asked for
        assert Case.objects.get(pk=case.pk).extension_requested_on == date(2026, 11, 4)
        r = client.post(
            url + "act/", {"action": "reject_extension", "version": c.version, "reason": "可在期限内核查"}
        )
        assert r.status_code == 302
        c = Case.objects.get(pk=case.pk)
        assert c.extension_requested_on is None and c.extension_days == 0
        html = client.get(url).content.decode()
        assert not {"approve_extension", "reject_extension"} & set(shown_actions(html))


def test_refusal_form_offers_the_organisations_and_typing(client, world):
    case = submit(world)
    url = f"/workbench/cases/{case.number}/"
    with at(MON):
        client.force_login(world.clerk)
        html = client.get(url).content.decode()
        assert 'name="competent_agency"' in html and f'<option value="{world.dept2.name}">' in html
        r = client.post(
            url + "act/",
            {
                "action": "refuse",
                "version": case.version,
                "reason": "不属于本机关职权范围",
                "competent_agency": world.dept2.name,
            },
        )
        assert r.status_code == 302
    c = Case.objects.get(pk=case.pk)
    assert c.status == Status.REFUSED
    assert c.events.get(action="refuse").data["competent_agency"] == world.dept2.name


def test_undeclared_procedure_shows_the_chinese_error(client, world):
    case = act(submit(world), world.clerk, "accept")
    with at(MON):
        client.force_login(world.reviewer)
        r = client.post(
            f"/workbench/cases/{case.number}/act/",
            {
                "action": "start_special_procedure",
                "version": case.version,
                "kind": "hearing",
                "expected_days": "5",
            },
        )
        html = r.content.decode()
        assert r.status_code == 422 and "本事项列明的特别程序为" in html
    assert not Case.objects.get(pk=case.pk).clock_stopped


def test_case_pages_show_the_statutory_date_and_the_remedy(client, world):
    case = act(
        submit(world),
        world.clerk,
        "refuse",
        reason="不属于本机关职权范围",
        competent_agency="湖北省药品监督管理局",
    )
    client.force_login(world.citizen)
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "救济途径" in html and "60 日内向武汉市人民政府申请" in html and "武汉市有管辖权的人民法院" in html
    accepted = act(submit(world), world.clerk, "accept")
    client.force_login(world.reviewer)
    html = client.get(f"/workbench/cases/{accepted.number}/").content.decode()
    assert "法定办结期限" in html and "2026-11-30" in html and "救济途径" not in html
