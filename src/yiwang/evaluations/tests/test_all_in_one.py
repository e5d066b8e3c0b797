"""多评合一: one view per department of every rating, whatever the channel (web, mobile, kiosk,
window device, SMS link, 12345), as a page for department staff and as the API; and the web rating
page of the applicant."""

from django.test import Client

from yiwang.evaluations import services
from yiwang.evaluations.models import Evaluation

from .conftest import case_for
from .test_pages import logged_in


def rate_everywhere(world) -> dict:
    """Six ratings of world.dept, one per channel, plus one of another department."""
    web = case_for(world)
    services.evaluation_submit(case=web, actor=world.citizen, stage="complete", level="1", channel="web")
    mobile = case_for(world, user=world.citizen2)
    services.evaluation_submit(
        case=mobile, actor=world.citizen2, stage="complete", level="2", channel="mobile", anonymous=True
    )
    kiosk = case_for(world)
    services.evaluation_submit(case=kiosk, actor=world.citizen, stage="accept", level="3", channel="kiosk")
    device_case = case_for(world, until="accept")
    device, secret = services.device_register(window=world.window)
    serving = services.window_serving_set(
        actor=world.clerk, window=world.window, case=device_case, ticket="A1"
    )
    services.evaluation_submit_device(
        device=device, serving_version=serving.version, level="5", tags=["bad_attitude"], comment="态度差"
    )
    sms_case = case_for(world)
    token = services.invitation_token(services.evaluation_invite(case=sms_case))
    services.evaluation_submit_sms(token=token, level="2")
    hotline_case = case_for(world)
    services.evaluation_submit(
        case=hotline_case,
        actor=world.supervisor,
        stage="complete",
        level="4",
        channel="hotline",
        tags=["slow"],
    )
    other = case_for(world)
    ev = services.evaluation_submit(
        case=other, actor=world.citizen, stage="complete", level="1", channel="web"
    )
    # stands for a rating of another department's case (the world's clerk serves world.dept only)
    Evaluation.objects.filter(pk=ev.pk).update(department=world.dept2)
    return {"secret": secret}


def test_api_lists_every_channel_of_the_department(world, api):
    rate_everywhere(world)
    own = Evaluation.objects.filter(department=world.dept)
    assert own.count() == 6
    r = api(world.dept_admin).get("/api/v1/evaluations?page_size=200")
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["count"] == 6
    assert {i["channel"] for i in out["items"]} == {"web", "mobile", "kiosk", "device", "sms", "hotline"}
    assert {i["department"]["id"] for i in out["items"]} == {world.dept.pk}
    assert all(i["rater"] is None for i in out["items"])  # never the rater's name here
    by_class = {i["channel"]: i["channel_class"] for i in out["items"]}
    assert by_class == {
        "web": "per_case",
        "mobile": "per_case",
        "sms": "per_case",
        "kiosk": "per_visit",
        "device": "per_visit",
        "hotline": "supervision",
    }
    only = api(world.dept_admin).get("/api/v1/evaluations?channel=device").json()
    assert [i["channel"] for i in only["items"]] == ["device"] and only["items"][0]["work_order"]


def test_api_scope_and_bad_input(world, api):
    rate_everywhere(world)
    assert api().get("/api/v1/evaluations").status_code == 401
    assert api(world.citizen).get("/api/v1/evaluations").status_code == 403
    assert api(world.reviewer2).get(f"/api/v1/evaluations?department={world.dept.pk}").status_code == 403
    other = api(world.reviewer2).get("/api/v1/evaluations").json()
    assert other["count"] == 1 and other["items"][0]["department"]["id"] == world.dept2.pk
    assert api(world.supervisor).get("/api/v1/evaluations").json()["count"] == 7
    r = api(world.dept_admin).get("/api/v1/evaluations?channel=fax")
    assert r.status_code == 422 and "channel" in r.json()["fields"]
    assert api(world.dept_admin).get("/api/v1/evaluations?from=2026-13-01").status_code == 422


def test_stats_per_channel(world, api):
    rate_everywhere(world)
    out = api(world.dept_admin).get(f"/api/v1/evaluations/stats?department={world.dept.pk}&group_by=channel")
    assert out.status_code == 200, out.content
    groups = {g["id"]: g for g in out.json()["groups"]}
    assert set(groups) == {"web", "mobile", "kiosk", "device", "sms", "hotline"}
    assert groups["device"]["name"] == "窗口评价器" and groups["device"]["counts"]["bad"] == 1
    assert groups["hotline"]["indicators"]["bad_rate"] == 1.0
    assert groups["web"]["indicators"]["satisfaction_rate"] == 1.0
    assert out.json()["counts"]["ratings"] == 6 and out.json()["counts"]["bad"] == 2


def test_department_page(world):
    rate_everywhere(world)
    c = logged_in(world.dept_admin)
    r = c.get("/workbench/evaluations/ratings/")
    page = r.content.decode()
    assert r.status_code == 200
    for label in ("网站", "移动端", "自助终端", "窗口评价器", "短信评价", "12345热线"):
        assert label in page, label
    assert "共 6 条" in page and "态度差" in page and "张伟" not in page
    r = c.get("/workbench/evaluations/ratings/?channel=sms")
    assert "共 1 条" in r.content.decode()
    # another department's staff sees only their own department
    page = logged_in(world.reviewer2).get(f"/workbench/evaluations/ratings/?department={world.dept.pk}")
    assert world.dept.name not in page.content.decode() and "共 1 条" in page.content.decode()
    assert Client().get("/workbench/evaluations/ratings/").status_code == 302
    assert logged_in(world.citizen).get("/workbench/evaluations/ratings/").status_code in (302, 403)


def test_web_rating_page(world):
    case = case_for(world, until="accept")
    url = f"/rate/case/{case.number}/"
    assert Client().get(url).status_code == 302  # login first
    assert logged_in(world.citizen2).get(url).status_code == 404  # someone else's case
    c = logged_in(world.citizen)
    page = c.get(url).content.decode()
    assert 'name="stage" value="accept"' in page
    r = c.post(url, {"stage": "complete", "level": "1"})
    assert r.status_code == 422 and not Evaluation.objects.exists()  # stage not reached
    r = c.post(url, {"stage": "accept", "level": "1", "comment": "x" * 10_000})
    assert r.status_code == 422 and not Evaluation.objects.exists()
    r = c.post(url, {"stage": "accept", "level": "2", "dim_overall": "2", "anonymous": "1"})
    assert r.status_code == 200 and "感谢您的评价" in r.content.decode()
    ev = Evaluation.objects.get()
    assert (ev.channel, ev.stage, ev.level, ev.anonymous, ev.dimensions) == (
        "web",
        "accept",
        "2",
        True,
        {"overall": "2"},
    )
    page = c.get(url).content.decode()
    assert "没有可评价的环节" in page and "受理环节：满意" in page
    assert c.post(url, {"stage": "accept", "level": "1"}).status_code == 422
    assert Evaluation.objects.count() == 1
