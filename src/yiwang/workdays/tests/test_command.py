import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from yiwang.workdays import selectors
from yiwang.workdays.models import CalendarNotice

pytestmark = pytest.mark.django_db


def _write(tmp_path, data) -> str:
    path = tmp_path / "notice.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_import_notice(tmp_path, recompute_calls, capsys):
    path = _write(
        tmp_path,
        {
            "year": 2027,
            "title": "测试用放假安排通知",
            "document_number": "测试〔2026〕1号",
            "published_on": "2026-11-20",
            "days": [
                {"date": "2027-01-01", "workday": False, "name": "元旦"},
                {"date": "2027-01-30", "workday": True, "name": "调休上班"},
            ],
        },
    )
    call_command("calendar_import_notice", path)
    notice = CalendarNotice.objects.get(year=2027)
    assert notice.published_on == date(2026, 11, 20)
    assert notice.document_number == "测试〔2026〕1号"
    assert selectors.year_status(2027) == "notice"
    assert selectors.is_workday(date(2027, 1, 30))
    assert recompute_calls == [{"years": {2027}, "reason": "录入2027年放假安排通知"}]
    assert "2027" in capsys.readouterr().out


@pytest.mark.parametrize(
    "data",
    [
        {"title": "x", "days": []},
        {"year": 2027, "title": "x", "days": [{"date": "2027-02-30", "workday": False}]},
        {"year": 2027, "title": "x", "days": [{"date": "2026-12-31", "workday": False}]},
        {"year": 2027, "title": "x", "days": [{"date": "2027-01-01", "workday": "no"}]},
        [],
    ],
)
def test_bad_files_are_refused(tmp_path, recompute_calls, data):
    with pytest.raises(CommandError):
        call_command("calendar_import_notice", _write(tmp_path, data))
    assert not CalendarNotice.objects.exists()


def test_not_json(tmp_path, recompute_calls):
    path = tmp_path / "x.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("calendar_import_notice", str(path))
