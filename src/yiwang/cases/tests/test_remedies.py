"""Refusals and other adverse decisions name the remedy (行政复议 body and 60 days, 行政诉讼 court
and 6 months) in the notice, the message and the API; a refusal for lack of competence (§32 ②)
names the competent agency; the words of a decision follow the item type."""

from datetime import date

import pytest

from yiwang.cases import presenters, services
from yiwang.cases.models import Case, Status
from yiwang.cases.notices import notice_content, render_html
from yiwang.catalog.models import ItemVersion
from yiwang.core.errors import ValidationFailed
from yiwang.core.testing import good_form, good_materials
from yiwang.notifications.models import Notification
from yiwang.organizations.models import Department
from yiwang.workdays import selectors as workdays

MON = date(2026, 11, 2)
CITY_REMEDY = {
    "review_body": "武汉市人民政府",
    "review_days": 60,
    "court": "武汉市有管辖权的人民法院",
    "litigation_months": 6,
}


def submit(world, item=None):
    return services.case_submit(
        actor=world.citizen,
        item_code=(item or world.item).code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        on=MON,
    )


def act(case, user, action, **kw):
    return services.case_apply_action(
        case=Case.objects.get(pk=case.pk), actor=user, action=action, on=MON, **kw
    )


def detail(case):
    case = Case.objects.get(pk=case.pk)
    return presenters.case_detail(
        case, today=MON, events=list(case.events.order_by("seq")), parties=[], masked_form={}
    )


def decided(world, action, item=None, **kw):
    case = act(submit(world, item=item), world.clerk, "accept")
    case = act(case, world.reviewer, "review")
    return act(case, world.approver, action, **kw)


def test_refusal_names_the_remedy_everywhere(world):
    assert detail(submit(world))["remedy"] is None  # no adverse decision yet
    case = act(submit(world), world.clerk, "refuse", reason="申请材料不符合法定形式且无法补正")
    assert case.events.get(action="refuse").data["remedy"] == CITY_REMEDY
    assert detail(case)["remedy"] == CITY_REMEDY
    html = render_html(case.notices.get(kind="refusal"))
    assert "60日内向武汉市人民政府申请行政复议" in html
    assert "6个月内依法向武汉市有管辖权的人民法院提起行政诉讼" in html
    message = Notification.objects.get(kind="case.refused", recipient=world.citizen)
    assert "向武汉市人民政府申请行政复议" in message.body and "武汉市有管辖权的人民法院" in message.body


def test_the_departments_own_bodies_are_named_and_kept_with_the_decision(world):
    Department.objects.filter(pk=world.dept.pk).update(
        review_body="武汉市人民政府行政复议办公室", court="武汉铁路运输法院"
    )
    case = decided(world, "deny", reason="经营场所不符合要求")
    remedy = detail(case)["remedy"]
    assert remedy["review_body"] == "武汉市人民政府行政复议办公室" and remedy["court"] == "武汉铁路运输法院"
    notice = case.notices.get(kind="denial")
    assert "武汉铁路运输法院" in render_html(notice)
    # a later change of the department's data does not rewrite the decision already made
    Department.objects.filter(pk=world.dept.pk).update(court="武汉市江岸区人民法院")
    assert "武汉铁路运输法院" in render_html(notice) and detail(case)["remedy"]["court"] == "武汉铁路运输法院"
    message = Notification.objects.get(kind="case.decided", recipient=world.citizen)
    assert "不予许可" in message.title and "武汉铁路运输法院" in message.body


def test_an_approval_names_no_remedy(world):
    case = decided(world, "approve")
    assert detail(case)["remedy"] is None
    assert "行政复议" not in render_html(case.notices.get(kind="approval"))


def test_refusal_for_lack_of_competence_names_the_competent_agency(world):
    picked = act(
        submit(world),
        world.clerk,
        "refuse",
        reason="不属于本机关职权范围",
        competent_agency=str(world.dept2.pk),
    )
    assert picked.events.get(action="refuse").data["competent_agency"] == "武汉市卫生健康委员会"
    assert "请向武汉市卫生健康委员会申请" in render_html(picked.notices.get(kind="refusal"))
    by_uscc = act(
        submit(world), world.clerk, "refuse", reason="不属于本机关职权范围", competent_agency=world.dept2.uscc
    )
    assert by_uscc.events.get(action="refuse").data["competent_agency"] == "武汉市卫生健康委员会"
    typed = act(
        submit(world),
        world.clerk,
        "refuse",
        reason="不属于本机关职权范围",
        competent_agency="湖北省药品监督管理局",
    )
    assert "请向湖北省药品监督管理局申请" in render_html(typed.notices.get(kind="refusal"))
    message = (
        Notification.objects.filter(kind="case.refused", recipient=world.citizen).order_by("-id").first()
    )
    assert "湖北省药品监督管理局" in message.body
    plain = act(submit(world), world.clerk, "refuse", reason="申请人不具备申请资格")
    assert "competent_agency" not in plain.events.get(action="refuse").data
    assert "职权范围" not in render_html(plain.notices.get(kind="refusal"))


def test_bad_competent_agency_is_refused_and_nothing_changes(world):
    case = submit(world)
    with pytest.raises(ValidationFailed) as err:
        act(case, world.clerk, "refuse", reason="不属于本机关职权范围", competent_agency="局" * 101)
    assert "competent_agency" in err.value.fields
    with pytest.raises(ValidationFailed):
        act(case, world.clerk, "refuse", reason="x", competent_agency="<b>某局</b>")
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.SUBMITTED and fresh.version == case.version
    assert not fresh.notices.filter(kind="refusal").exists()


@pytest.mark.parametrize(
    ("item_type", "approve", "deny", "title", "sentence"),
    [
        ("01", "准予许可", "不予许可", "准予许可决定书", "决定准予许可"),
        ("07", "予以确认", "不予确认", "予以确认决定书", "决定予以确认"),
        ("05", "准予给付", "不予给付", "给付决定书", "决定予以给付"),
        ("20", "已办理", "不予办理", "办理结果告知书", "已按规定为你（单位）办理完成"),
        ("09", "准予办理", "不予办理", "准予办理决定书", "决定准予办理"),
    ],
)
def test_decision_wording_follows_the_item_type(world, item_type, approve, deny, title, sentence):
    ItemVersion.objects.filter(item=world.item).update(item_type=item_type)
    case = decided(world, "approve")
    notice = case.notices.get(kind="approval")
    content = notice_content(notice)
    assert content["title"] == title and any(sentence in p for p in content["paragraphs"])
    assert detail(case)["status_label"] == approve
    assert (
        presenters.case_summary(Case.objects.get(pk=case.pk), today=MON, cal=workdays.calendar())[
            "status_label"
        ]
        == approve
    )
    case = act(case, world.approver, "complete", delivery="window")
    assert f"办理结果：{approve}" in render_html(case.notices.get(kind="completion"))
    assert f"办理结果：{approve}" in Notification.objects.get(kind="case.completed").body
    denied = decided(world, "deny", reason="不符合条件")
    assert detail(denied)["status_label"] == deny
    assert deny in Notification.objects.get(kind="case.decided", title__contains=deny).title


def test_a_company_does_not_decide_to_grant_a_licence(world):
    """A water company handling a public-service item: 办结 wording; its refusal is no
    administrative act, so it names the item's complaint channel, not 行政复议."""
    Department.objects.filter(pk=world.dept.pk).update(kind="enterprise", name="武汉市水务集团有限公司")
    ItemVersion.objects.filter(item=world.item).update(item_type="20", complaint="12345 政务服务便民热线")
    case = decided(world, "approve")
    content = notice_content(case.notices.get(kind="approval"))
    text = content["title"] + "".join(content["paragraphs"])
    assert "准予许可" not in text and "决定" not in text and "办理完成" in text
    denied = decided(world, "deny", reason="用水地址不在供水范围")
    html = render_html(denied.notices.get(kind="denial"))
    assert "武汉市水务集团有限公司不予办理" in html and "12345 政务服务便民热线" in html
    assert "行政复议" not in html and detail(denied)["remedy"] is None


def test_an_administrator_edits_the_remedy_bodies_in_the_admin(world, client):
    """The department's 复议机关, court and the vertically-managed flag are data an administrator
    edits (Django admin); the next refusal names what was entered."""
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.invalid", "correct horse battery")
    client.force_login(root)
    url = f"/admin/organizations/department/{world.dept.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert all(f'name="{f}"' in html for f in ("review_body", "court", "vertically_managed"))
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is None or value is False:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    data.update(review_body="武汉市人民政府行政复议办公室", court="武汉铁路运输法院")
    r = client.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    case = act(submit(world), world.clerk, "refuse", reason="申请人不具备申请资格")
    html = render_html(case.notices.get(kind="refusal"))
    assert "60日内向武汉市人民政府行政复议办公室申请行政复议" in html and "武汉铁路运输法院" in html
