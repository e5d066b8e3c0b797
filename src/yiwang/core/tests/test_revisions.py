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


def test_tokens_read_once_serves_its_names_without_another_statement(django_assert_num_queries):
    first = revision_bump("test.a")
    # the block's one read
    with django_assert_num_queries(1), revisions.tokens_read_once("test.a", "test.b"):
        assert revision_tokens("test.b", "test.a") == (revisions.INITIAL, first)
        assert revision_token("test.a") == first
    # a name the block did not read is read as always
    with django_assert_num_queries(2), revisions.tokens_read_once("test.a"):
        assert revision_tokens("test.a", "test.b") == (first, revisions.INITIAL)
    with django_assert_num_queries(1):  # after the block: read again
        assert revision_token("test.a") == first


def test_tokens_read_once_sees_a_bump_in_the_block_and_forgets_it_after():
    with revisions.tokens_read_once("test.a"):
        bumped = revision_bump("test.a")
        assert revision_token("test.a") == bumped
        with revisions.tokens_read_once("test.b"):  # nested: the outer names are still held
            assert revision_tokens("test.a", "test.b") == (bumped, revisions.INITIAL)
    assert revision_token("test.a") == bumped  # and it was written


def test_a_memo_read_in_the_block_uses_the_held_token(django_assert_num_queries):
    memo = RevisionMemo("test.a")
    memo.get("k", lambda: "v1")
    with revisions.tokens_read_once("test.a"), django_assert_num_queries(0):
        assert memo.get("k", lambda: "other") == "v1"
