"""One-time codes (accounts.services.one_time_code_*): the one mechanism behind the login-unlock
code and the kiosk's login by ID number — per purpose, one use, five tries, a short life."""

import datetime as dt

import time_machine

from yiwang.accounts import services
from yiwang.accounts.models import OneTimeCode
from yiwang.accounts.tests.factories import CitizenFactory

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TTL = dt.timedelta(minutes=5)


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_code_serves_its_own_purpose_once(db):
    person = CitizenFactory()
    with time_machine.travel(T0, tick=False):
        code = services.one_time_code_issue(user=person, purpose="kiosk-login:1", ttl=TTL)
        assert len(code) == 6 and code.isdigit()
        row = OneTimeCode.objects.get(user=person)
        assert code not in row.code_hash  # kept as a keyed hash only
        assert not services.one_time_code_use(user=person, purpose="kiosk-login:2", code=code)
        assert not services.one_time_code_use(user=person, purpose="unlock", code=code)
        assert services.one_time_code_use(user=person, purpose="kiosk-login:1", code=code)
        assert not services.one_time_code_use(user=person, purpose="kiosk-login:1", code=code)


def test_five_wrong_tries_spend_the_code_and_a_new_code_retires_the_old(db):
    person = CitizenFactory()
    with time_machine.travel(T0, tick=False):
        code = services.one_time_code_issue(user=person, purpose="p", ttl=TTL)
        for _ in range(5):
            assert not services.one_time_code_use(user=person, purpose="p", code=_wrong(code))
        assert not services.one_time_code_use(user=person, purpose="p", code=code)
        first = services.one_time_code_issue(user=person, purpose="p", ttl=TTL)
        second = services.one_time_code_issue(user=person, purpose="p", ttl=TTL)
        if first != second:
            assert not services.one_time_code_use(user=person, purpose="p", code=first)
        assert services.one_time_code_use(user=person, purpose="p", code=second)


def test_a_code_expires(db):
    person = CitizenFactory()
    with time_machine.travel(T0, tick=False):
        code = services.one_time_code_issue(user=person, purpose="p", ttl=TTL)
    with time_machine.travel(T0 + TTL + dt.timedelta(seconds=1), tick=False):
        assert not services.one_time_code_use(user=person, purpose="p", code=code)
