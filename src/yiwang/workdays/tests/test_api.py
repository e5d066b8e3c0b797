from datetime import date

import pytest

from yiwang.workdays import selectors

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendar/due-date"


def test_due_date_without_login(client):
    response = client.get(URL, {"start": "2025-01-24", "days": "3"})
    assert response.status_code == 200
    assert response.json() == {"due_date": "2025-02-05", "provisional": False}


def test_provisional_result(client):
    response = client.get(URL, {"start": "2027-02-04", "days": "1"})
    assert response.json() == {"due_date": "2027-02-11", "provisional": True}


def test_boundaries(client):
    assert client.get(URL, {"start": "2025-03-07", "days": "1"}).json()["due_date"] == "2025-03-10"
    body = client.get(URL, {"start": "2025-01-01", "days": "365"}).json()
    expected = selectors.add_workdays(date(2025, 1, 1), 365)
    assert body == {"due_date": expected.date.isoformat(), "provisional": expected.provisional}
    assert selectors.workdays_between(date(2025, 1, 1), expected.date) == 365
    assert client.get(URL, {"start": "2004-01-01", "days": "1"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2025-13-01", "days": "3"}, "start"),
        ({"start": "2025-02-30", "days": "3"}, "start"),
        ({"start": "20250101", "days": "3"}, "start"),
        ({"start": "tomorrow", "days": "3"}, "start"),
        ({"start": "2003-12-31", "days": "3"}, "start"),
        ({"start": "2025-01-01", "days": "0"}, "days"),
        ({"start": "2025-01-01", "days": "366"}, "days"),
        ({"start": "2025-01-01", "days": "-1"}, "days"),
        ({"start": "2025-01-01", "days": "five"}, "days"),
        ({"days": "3"}, "start"),
    ],
)
def test_validation_errors(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert isinstance(body["message"], str) and body["message"]
    assert list(body["fields"]) == [field]
    assert all(isinstance(m, str) and m for m in body["fields"][field])


def test_both_fields_reported_at_once(client):
    body = client.get(URL, {"start": "1999-01-01", "days": "400"}).json()
    assert set(body["fields"]) == {"start", "days"}
    assert body["fields"]["start"] == ["仅支持 2004 至 2099 年的日期"]
