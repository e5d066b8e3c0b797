"""Catalogue changes in the ledger: publish, supersede and retire of item versions, each in the
same transaction as the change, re-derived by `ledger verify`."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.catalog import ledgering as catalogue
from yiwang.catalog import services as catalog
from yiwang.catalog.models import ItemVersion, VersionStatus
from yiwang.catalog.tests.factories import published_item
from yiwang.core.errors import ValidationFailed
from yiwang.ledger import audit, services
from yiwang.ledger.models import Entry, PendingEntry

pytestmark = pytest.mark.django_db


def _entries():
    services.sequencer_run()
    return list(Entry.objects.filter(kind__startswith=catalogue.PREFIX).order_by("index"))


def test_publish_supersede_and_retire_are_entries():
    today = timezone.localdate()
    v1 = published_item(valid_from=today - timedelta(days=30))
    [e] = _entries()
    assert e.kind == catalogue.PUBLISHED
    code = v1.item.code
    guide = hashlib.sha256(services.canonical(catalog.version_row(v1))).hexdigest()
    assert e.payload == {
        "code": code,
        "version": 1,
        "status": "published",
        "valid_from": (today - timedelta(days=30)).isoformat(),
        "valid_until": None,
        "guide_sha256": guide,
    }
    # The subject is the public item code; the entry bytes attest the salted payload hash.
    assert f'"subject":"{code}"' in bytes(e.entry).decode()

    # v2 from today: v1 ends yesterday and is retired; v3 from next month supersedes v2 later.
    v2 = catalog.item_version_draft(item=v1.item)
    catalog.item_version_publish(item_version=v2, valid_from=today)
    v3 = catalog.item_version_draft(item=v1.item)
    catalog.item_version_publish(item_version=v3, valid_from=today + timedelta(days=30))
    kinds = [(x.kind, x.payload["version"]) for x in _entries()]
    assert kinds == [
        (catalogue.PUBLISHED, 1),
        (catalogue.RETIRED, 1),
        (catalogue.PUBLISHED, 2),
        (catalogue.SUPERSEDED, 2),
        (catalogue.PUBLISHED, 3),
    ]
    # The housekeeping job retires v2 once its window has passed, with an entry.
    assert catalog.item_versions_retire_expired(on=today + timedelta(days=31)) == 1
    last = _entries()[-1]
    assert (last.kind, last.payload["version"], last.payload["status"]) == (catalogue.RETIRED, 2, "retired")
    report = audit.ledger_verify()
    assert report.ok, report.problems
    assert report.rederived == 6


def test_refused_publish_writes_no_entry():
    v1 = published_item()
    draft = catalog.item_version_draft(item=v1.item)
    before = PendingEntry.objects.count()
    with pytest.raises(ValidationFailed):
        catalog.item_version_publish(
            item_version=draft,
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() - timedelta(days=1),
        )
    assert PendingEntry.objects.count() == before
    assert ItemVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


def test_verify_detects_an_edited_published_guide_and_window():
    v1 = published_item()
    _entries()
    assert audit.ledger_verify().ok
    ItemVersion.objects.filter(pk=v1.pk).update(conditions="悄悄改过的受理条件")
    report = audit.ledger_verify()
    assert not report.ok
    assert "the live record (catalog.item_version.published) no longer matches" in report.problems[0]
    ItemVersion.objects.filter(pk=v1.pk).update(conditions=v1.conditions, valid_until=timezone.localdate())
    assert not audit.ledger_verify().ok
    ItemVersion.objects.filter(pk=v1.pk).update(valid_until=None)
    assert audit.ledger_verify().ok


def test_import_with_publish_writes_entries():
    v1 = published_item()
    row = catalog.version_row(ItemVersion.objects.get(pk=v1.pk))
    row["name"] = row["name"] + "（修订）"
    report = catalog.items_import(data=[row], publish=True)
    assert report.ok, report.as_text()
    kinds = [x.kind for x in _entries()]
    assert kinds.count(catalogue.PUBLISHED) == 2
    assert audit.ledger_verify().ok
