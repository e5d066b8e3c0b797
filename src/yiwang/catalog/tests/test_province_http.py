"""Polling the provincial item library's API: a real HTTP server on 127.0.0.1 plays the province
(catalog/tests/province_fixtures.py). Items arrive page by page since the stored cursor; a later
provincial change to a claimed item becomes a pending change; malformed, oversized, slow and failing
answers are refused or retried with a record, and nothing is half-applied (the cursor stays)."""

from __future__ import annotations

import copy
from datetime import date

import pytest
import time_machine

from yiwang.catalog import claims
from yiwang.catalog.models import (
    ChangeStatus,
    ClaimChange,
    ProvinceCursor,
    ProvinceSync,
    StandardItem,
    SyncStatus,
)
from yiwang.catalog.tests.province_fixtures import ProvincialLibrary, standard_items
from yiwang.catalog.tests.test_claims import IMPLEMENTATION

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast(settings):
    settings.YIWANG_ITEM_LIBRARY_BACKOFF = 0.01
    settings.YIWANG_ITEM_LIBRARY_TIMEOUT = 0.5
    settings.YIWANG_ITEM_LIBRARY_PAGE_SIZE = 5
    return settings


def _cursor() -> str:
    return ProvinceCursor.objects.get(source="province").cursor


@time_machine.travel(date(2026, 12, 7), tick=True)
def test_poll_pages_then_a_later_change_to_a_claimed_item(world, fast):
    items = standard_items(12)
    with ProvincialLibrary(items) as library:
        sync = claims.province_sync(url=library.url)
        assert sync.status == SyncStatus.OK, sync.detail
        assert (sync.pages, sync.received, sync.created) == (3, 12, 12)  # pages of 5, 5, 2
        assert (sync.cursor_before, sync.cursor_after) == ("", "12")
        assert _cursor() == "12"
        assert [r["path"] for r in library.requests] == ["/items/changes"] * 3
        # every request is signed with the platform's RFC 9421 key (exchange's hook)
        headers = {k.lower(): v for k, v in library.requests[0]["headers"]}
        assert "yiwang-http-v" in headers["signature-input"] and headers["signature"].startswith("yw=")

        standard = StandardItem.objects.get(basic_code=items[0]["basicCode"])
        claim = claims.item_claim(
            standard_item=standard,
            department=world.dept,
            actor=world.dept_admin,
            code=claims.implementation_code_suggest(standard_item=standard, department=world.dept),
            fields=IMPLEMENTATION,
        )
        # nothing new: one request, nothing applied
        quiet = claims.province_sync(url=library.url)
        assert (quiet.status, quiet.pages, quiet.received, quiet.cursor_after) == (SyncStatus.OK, 1, 0, "12")

        # the province revises the claimed item and withdraws another one
        revised = copy.deepcopy(items[0]) | {"version": 2, "setBasis": "《湖北省政务服务管理办法》第二十条"}
        withdrawn = copy.deepcopy(items[3]) | {"version": 2, "status": "停用"}
        library.log += [revised, withdrawn]
        later = claims.province_sync(url=library.url)
        assert (later.status, later.received, later.changed, later.changes_raised) == (SyncStatus.OK, 2, 2, 1)
        assert _cursor() == "14"
        change = ClaimChange.objects.get(claim=claim)
        assert change.status == ChangeStatus.PENDING
        assert [d["field"] for d in claims.change_diff(change)] == ["legal_basis"]
        assert StandardItem.objects.get(basic_code=items[3]["basicCode"]).withdrawn


def test_malformed_and_invalid_pages_apply_nothing_and_keep_the_cursor(world, fast):
    items = standard_items(7)
    with ProvincialLibrary(items) as library:
        library.mode = "malformed"
        sync = claims.province_sync(url=library.url)
        assert (sync.status, sync.error_code, sync.attempts) == (SyncStatus.FAILED, "malformed", 1)
        assert not StandardItem.objects.exists() and _cursor() == ""

        # the second page carries a bad item: the first page stays applied, the second not at all
        library.mode = "invalid"
        sync = claims.province_sync(url=library.url)
        assert (sync.status, sync.error_code) == (SyncStatus.FAILED, "invalid_items")
        assert "事项类型代码 99" in sync.detail
        assert not StandardItem.objects.exists() and _cursor() == ""

        library.mode = ""
        library.log[6]["itemType"] = "99"
        sync = claims.province_sync(url=library.url)
        assert (sync.status, sync.pages, sync.created, sync.error_code) == (
            SyncStatus.PARTIAL,
            1,
            5,
            "invalid_items",
        )
        assert StandardItem.objects.count() == 5 and _cursor() == "5"
        library.log[6]["itemType"] = "1"
        sync = claims.province_sync(url=library.url)
        assert (sync.status, sync.created, sync.cursor_before) == (SyncStatus.OK, 2, "5")


def test_oversized_answers_are_refused_at_once(world, fast):
    fast.YIWANG_ITEM_LIBRARY_MAX_RESPONSE = 65536
    with ProvincialLibrary(standard_items(3)) as library:
        library.mode = "huge"
        sync = claims.province_sync(url=library.url)
        assert (sync.status, sync.error_code, sync.attempts) == (SyncStatus.FAILED, "too_large", 1)
        assert len(library.requests) == 1 and not StandardItem.objects.exists()


def test_slow_and_failing_answers_are_retried_then_recorded(world, fast):
    with ProvincialLibrary(standard_items(3)) as library:
        library.mode, library.delay = "slow", 1.5
        sync = claims.province_sync(url=library.url)
        assert (sync.status, sync.error_code, sync.attempts) == (SyncStatus.FAILED, "timeout", 3)
        assert not StandardItem.objects.exists() and _cursor() == ""

        library.mode = ""
        library.failures_left = 2  # two 503s, then the answer: retried within one run
        sync = claims.province_sync(url=library.url)
        assert (sync.status, sync.attempts, sync.created) == (SyncStatus.OK, 3, 3)

        library.mode = "500"
        sync = claims.province_sync(url=library.url)
        assert (sync.status, sync.error_code, sync.attempts) == (SyncStatus.FAILED, "server_error", 3)


def test_an_unreachable_province_is_recorded(world, fast):
    with ProvincialLibrary() as library:
        url = library.url
    sync = claims.province_sync(url=url)
    assert (sync.status, sync.error_code) == (SyncStatus.FAILED, "unavailable")
    assert ProvinceSync.objects.count() == 1


def test_a_poller_that_lost_the_race_applies_nothing(world, fast, monkeypatch):
    with ProvincialLibrary(standard_items(3)) as library:
        ProvinceCursor.objects.create(source="province", cursor="")
        from yiwang.catalog import province

        real = province.changes_fetch

        def racing(**kwargs):
            fetched = real(**kwargs)
            ProvinceCursor.objects.filter(source="province").update(cursor="3")  # another poller
            return fetched

        monkeypatch.setattr(province, "changes_fetch", racing)
        sync = claims.province_sync(url=library.url)
        assert (sync.status, sync.error_code) == (SyncStatus.FAILED, "cursor_moved")
        assert not StandardItem.objects.exists()
