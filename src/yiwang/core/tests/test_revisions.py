"""Shared revisions and the per-process memos keyed by them (core.revisions)."""

import pytest
from django.db import transaction

from yiwang.core import revisions
from yiwang.core.revisions import RevisionMemo, revision_bump, revision_token, revision_tokens

pytestmark = pytest.mark.django_db


def test_tokens_start_initial_and_change_on_every_bump():
    assert revision_tokens("test.a", "test.b") == (revisions.INITIAL, revisions.INITIAL)
    first = revision_bump("test.a")
    assert revision_tokens("test.a", "test.b") == (first, revisions.INITIAL)
    second = revision_bump("test.a")
    assert second != first and revision_token("test.a") == second


def test_a_rolled_back_bump_leaves_the_token():
    before = revision_bump("test.a")
    with pytest.raises(RuntimeError), transaction.atomic():
        revision_bump("test.a")
        raise RuntimeError
    assert revision_token("test.a") == before


def test_memo_computes_once_per_revision_and_hands_out_copies(django_assert_num_queries):
    memo = RevisionMemo("test.a")
    calls = []

    def compute():
        calls.append(1)
        return {"name": "v1", "items": [1]}

    got = memo.get("k", compute)
    got["name"] = "changed by a caller"
    got["items"].append(2)
    with django_assert_num_queries(1):  # warm: the token only
        again = memo.get("k", compute)
    assert again == {"name": "v1", "items": [1]} and len(calls) == 1
    revision_bump("test.a")
    memo.get("k", compute)
    assert len(calls) == 2


def test_memo_does_not_keep_a_value_computed_while_the_revision_changed():
    memo = RevisionMemo("test.a")

    def compute_during_a_write():
        revision_bump("test.a")  # another writer commits while we read
        return "old"

    assert memo.get("k", compute_during_a_write) == "old"
    assert memo.get("k", lambda: "new") == "new"
