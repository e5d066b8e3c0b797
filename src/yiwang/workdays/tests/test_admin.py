from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from yiwang.workdays import selectors
from yiwang.workdays.models import CalendarNotice

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.invalid", "correct horse battery")
    client.force_login(user)
    return client


@pytest.fixture
def today_2026_11_25(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2026, 11, 25))


def _post_data(year: int, days: list[tuple[str, bool, str]], **extra) -> dict:
    data = {
        "year": str(year),
        "title": "测试用放假安排通知",
        "document_number": "",
        "published_on": "",
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, (d, workday, name) in enumerate(days):
        data[f"days-{i}-date"] = d
        if workday:
            data[f"days-{i}-is_workday"] = "on"
        data[f"days-{i}-name"] = name
    return data | extra


def test_changelist_warns_about_provisional_years(admin_client, today_2026_11_25):
    response = admin_client.get(reverse("admin:workdays_calendarnotice_changelist"))
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any("2027年尚未录入" in t for t in texts), texts


def test_no_warning_once_entered(admin_client, today_2026_11_25, recompute_calls):
    response = admin_client.post(
        reverse("admin:workdays_calendarnotice_add"),
        _post_data(2027, [("2027-01-01", False, "元旦"), ("2027-01-30", True, "调休上班")]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = CalendarNotice.objects.get(year=2027)
    assert notice.days.count() == 2
    assert recompute_calls == [{"years": {2027}, "reason": "录入2027年放假安排通知"}]
    assert selectors.is_workday(date(2027, 1, 30))
    response = admin_client.get(reverse("admin:workdays_calendarnotice_changelist"))
    assert not any("尚未录入" in str(m) for m in response.context["messages"])
    assert "测试用放假安排通知" in response.content.decode()


def test_editing_goes_through_the_service(admin_client, recompute_calls):
    admin_client.post(
        reverse("admin:workdays_calendarnotice_add"), _post_data(2027, [("2027-01-30", True, "调休上班")])
    )
    notice = CalendarNotice.objects.get(year=2027)
    day = notice.days.get()
    data = _post_data(2027, [], title="改后的标题")
    data.pop("year")  # read-only once entered
    data |= {
        "days-TOTAL_FORMS": "2",
        "days-INITIAL_FORMS": "1",
        "days-0-id": str(day.pk),
        "days-0-notice": str(notice.pk),
        "days-0-date": "2027-01-30",
        "days-0-is_workday": "on",
        "days-0-name": "调休上班",
        "days-0-DELETE": "on",
        "days-1-notice": str(notice.pk),
        "days-1-date": "2027-02-05",
        "days-1-name": "春节",
    }
    response = admin_client.post(reverse("admin:workdays_calendarnotice_change", args=[notice.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    notice.refresh_from_db()
    assert notice.title == "改后的标题"
    assert [(d.date, d.is_workday) for d in notice.days.all()] == [(date(2027, 2, 5), False)]
    assert len(recompute_calls) == 2
    assert not selectors.is_workday(date(2027, 1, 30))
    assert not selectors.is_workday(date(2027, 2, 5))


def test_day_outside_the_year_is_a_form_error(admin_client, recompute_calls):
    response = admin_client.post(
        reverse("admin:workdays_calendarnotice_add"), _post_data(2027, [("2026-12-31", False, "元旦")])
    )
    assert response.status_code == 200
    assert "不在 2027 年内" in response.content.decode()
    assert not CalendarNotice.objects.exists()
    assert recompute_calls == []


def test_delete_goes_through_the_service(admin_client, recompute_calls):
    admin_client.post(
        reverse("admin:workdays_calendarnotice_add"), _post_data(2027, [("2027-01-30", True, "调休上班")])
    )
    notice = CalendarNotice.objects.get(year=2027)
    response = admin_client.post(
        reverse("admin:workdays_calendarnotice_delete", args=[notice.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CalendarNotice.objects.exists()
    assert selectors.year_status(2027) == "provisional"
    assert recompute_calls[-1]["reason"] == "删除2027年放假安排通知"
