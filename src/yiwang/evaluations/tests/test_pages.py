"""Pages: the window device bound to the served ticket and case, the one-time SMS page, the public
disclosure, the staff dashboard and order page, 12345 entry; who may open what."""

from django.test import Client

from yiwang.evaluations import services
from yiwang.evaluations.models import Evaluation, WorkOrder

from .conftest import case_for


def logged_in(user):
    c = Client()
    c.force_login(user)
    return c


def test_device_page_rates_the_served_case(world):
    case = case_for(world, until="accept")
    _device, secret = services.device_register(window=world.window)
    url = f"/rate/device/{secret}/"
    assert Client().get("/rate/device/wrong/").status_code == 404
    r = Client().get(url)
    assert r.status_code == 200 and "没有正在办理的业务" in r.content.decode()
    serving = services.window_serving_set(actor=world.clerk, window=world.window, case=case, ticket="A017")
    page = Client().get(url).content.decode()
    assert "A017" in page and case.number in page
    r = Client().post(url, {"serving_version": serving.version, "level": "5", "tags": ["bad_attitude"]})
    assert r.status_code == 200 and "感谢您的评价" in r.content.decode()
    ev = Evaluation.objects.get()
    assert (ev.case, ev.ticket, ev.channel, ev.stage) == (case, "A017", "device", "accept")
    assert WorkOrder.objects.filter(evaluation=ev).exists()


def test_sms_page_one_time(world, completed):
    token = services.invitation_token(services.evaluation_invite(case=completed))
    url = f"/rate/sms/{token}/"
    assert Client().get(url).status_code == 200
    r = Client().post(url, {"level": "1", "comment": "<b>好</b>"})
    assert r.status_code == 422 and not Evaluation.objects.exists()
    assert Client().post(url, {"level": "1", "dim_overall": "1"}).status_code == 200
    assert Client().get(url).status_code == 404
    assert Client().get(url[:-3] + "00/").status_code == 404
    assert Evaluation.objects.get().channel == "sms"


def test_public_page_shows_departments(world, completed):
    services.evaluation_submit(
        case=completed, actor=world.citizen, stage="complete", level="2", channel="web"
    )
    page = Client().get("/evaluations/public/").content.decode()
    assert world.dept.name in page and world.dept2.name in page and "100%" in page
    assert world.citizen.display_name not in page


def test_dashboard_and_order_page(world, completed):
    ev = services.evaluation_submit(
        case=completed, actor=world.citizen, stage="complete", level="4", channel="web"
    )
    order = ev.work_order
    assert Client().get("/workbench/evaluations/").status_code == 302  # login first
    assert logged_in(world.citizen).get("/workbench/evaluations/").status_code == 403
    page = logged_in(world.dept_admin).get("/workbench/evaluations/").content.decode()
    assert order.number in page
    assert order.number not in logged_in(world.reviewer2).get("/workbench/evaluations/").content.decode()
    url = f"/workbench/evaluations/orders/{order.pk}/"
    assert logged_in(world.reviewer2).get(url).status_code == 404
    c = logged_in(world.dept_admin)
    assert "调查核实" in c.get(url).content.decode()
    r = c.post(url, {"action": "verify", "note": "", "version": 1})
    assert r.status_code == 422
    r = c.post(url, {"action": "verify", "note": "已核实", "version": 1})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == "verified"
    r = c.post(url, {"action": "assign", "version": 1})  # stale form
    assert r.status_code == 422 and "他人" in r.content.decode()


def test_hotline_page_for_supervisors(world, completed):
    data = {"case": completed.number, "stage": "complete", "level": "3", "dim_attitude": "2"}
    assert logged_in(world.dept_admin).post("/workbench/evaluations/hotline/", data).status_code == 422
    r = logged_in(world.supervisor).post("/workbench/evaluations/hotline/", data)
    assert r.status_code == 302
    ev = Evaluation.objects.get()
    assert (
        ev.channel == "hotline" and ev.entered_by == world.supervisor and ev.dimensions == {"attitude": "2"}
    )
