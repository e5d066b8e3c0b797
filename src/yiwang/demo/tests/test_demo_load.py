import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from yiwang.accounts.models import User
from yiwang.catalog.models import Item, ItemVersion, Material, VersionStatus
from yiwang.demo import build_items
from yiwang.demo.services import DEMO_USERNAMES, PASSWORD_ENV
from yiwang.organizations.models import Department, Region, ServiceHall, StaffRole, Window

PASSWORD_RE = re.compile(r"仅显示这一次，请妥善保存）：(\S+)")


def run(monkeypatch, password=None) -> str:
    if password is None:
        monkeypatch.delenv(PASSWORD_ENV, raising=False)
    else:
        monkeypatch.setenv(PASSWORD_ENV, password)
    out = io.StringIO()
    call_command("demo_load", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "regions": Region.objects.count(),
        "departments": Department.objects.count(),
        "halls": ServiceHall.objects.count(),
        "windows": Window.objects.count(),
        "items": Item.objects.count(),
        "versions": ItemVersion.objects.count(),
        "materials": Material.objects.count(),
        "published": ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).count(),
        "users": User.objects.count(),
        "roles": StaffRole.objects.count(),
    }


@pytest.mark.django_db
def test_second_run_neither_fails_nor_duplicates(monkeypatch):
    run(monkeypatch)
    first = counts()
    out = run(monkeypatch)
    assert counts() == first
    assert "未变 98" in out or "未变" in out
    assert first["published"] >= 60
    # + the mall operator (licence use), a water-company clerk, the device accounts of the two
    # community terminals (demo/halls_live.py), the projects' bureau reviewer and evaluator,
    # and a CDO for each city department besides 市场监管局 (whose is `cdo`)
    from yiwang.demo import orgdata

    city_departments = sum(1 for d in orgdata.DEPARTMENTS if d[4] == orgdata.CITY)
    assert first["users"] == len(DEMO_USERNAMES) + 4 + 2 + (city_departments - 1)
    assert first["windows"] >= 10


@pytest.mark.django_db
def test_random_password_is_printed_once(monkeypatch):
    out = run(monkeypatch)
    match = PASSWORD_RE.search(out)
    assert match, out
    password = match.group(1)
    for name in DEMO_USERNAMES:
        assert name in out
        assert authenticate(username=name, password=password) is not None, name
    again = run(monkeypatch)
    assert password not in again
    assert PASSWORD_RE.search(again) is None
    assert f"{PASSWORD_ENV}=" in again and "首次初始化" in again
    assert authenticate(username="citizen", password=password) is not None


@pytest.mark.django_db
def test_env_password_sets_and_resets(monkeypatch):
    out = run(monkeypatch, password="demo-pass-2024")
    assert "demo-pass-2024" not in out and PASSWORD_RE.search(out) is None
    assert authenticate(username="clerk", password="demo-pass-2024") is not None
    run(monkeypatch, password="another-pass-99")
    for name in DEMO_USERNAMES:
        assert authenticate(username=name, password="another-pass-99") is not None, name
    assert authenticate(username="clerk", password="demo-pass-2024") is None


@pytest.mark.django_db
def test_missing_user_gets_a_new_password(monkeypatch):
    out = run(monkeypatch)
    first = PASSWORD_RE.search(out).group(1)
    User.objects.get(username="citizen2").delete()
    out = run(monkeypatch)
    second = PASSWORD_RE.search(out).group(1)
    assert authenticate(username="citizen2", password=second) is not None
    assert authenticate(username="citizen", password=first) is not None
    assert "citizen2" in out


def test_items_json_is_what_the_builder_writes():
    assert build_items.dumps(build_items.build()) == build_items.OUT.read_text(encoding="utf-8")
