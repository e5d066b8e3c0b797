import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from yiwang.ledger import merkle, note, selectors, services
from yiwang.ledger.models import Checkpoint, Entry, Lease, PendingEntry, Tile

pytestmark = pytest.mark.django_db(transaction=True)


def test_entry_append_needs_the_callers_transaction():
    with pytest.raises(AssertionError):
        services.entry_append(kind="x", subject="s", payload={})
    assert PendingEntry.objects.count() == 0


def test_entry_bytes_are_canonical_and_carry_no_payload_or_salt(append):
    at = datetime(2026, 11, 25, 6, 3, 7, 123456, tzinfo=UTC)
    p = append(payload={"b": 1, "a": "办结"}, actor_role="clerk", at=at)
    data = bytes(p.entry)
    obj = json.loads(data)
    assert set(obj) == {"kind", "time", "actor_role", "subject", "payload_hash"}
    assert obj["time"] == "2026-11-25T14:03:07+08:00"
    assert obj["actor_role"] == "clerk"
    assert data == json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert "办结" not in data.decode() and "case-1" not in data.decode()
    assert obj["payload_hash"] == services.payload_hash(salt=bytes(p.salt), payload={"a": "办结", "b": 1})
    # the same payload twice gets different salts, so its hash never links two entries
    q = append(payload={"b": 1, "a": "办结"}, at=at)
    assert json.loads(bytes(q.entry))["payload_hash"] != obj["payload_hash"]


def test_subject_commitment_is_salted_hmac():
    a = services.subject_commitment(salt=b"1" * 16, subject_id="110101199003071234")
    b = services.subject_commitment(salt=b"2" * 16, subject_id="110101199003071234")
    assert a != b and len(a) == 64 and "1101" not in a


def test_rolled_back_change_leaves_no_entry():
    with pytest.raises(RuntimeError), transaction.atomic():
        services.entry_append(kind="sample.accepted", subject="s", payload={})
        raise RuntimeError("the change failed")
    assert PendingEntry.objects.count() == 0


def test_sequencer_integrates_in_order_and_signs_consistent_checkpoints(append):
    ids = [append(payload={"n": i}).id for i in range(7)]
    assert services.sequencer_run(max_batch=3) == 7
    assert PendingEntry.objects.count() == 0
    assert list(Entry.objects.order_by("index").values_list("pending_id", flat=True)) == ids
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [3, 6, 7]
    leaves = [bytes(h) for h in Entry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    cp = selectors.latest_checkpoint()
    assert bytes(cp.root) == merkle.mth(leaves)
    text, verifier = note.verified_by(cp.note, services.log_verifiers())
    assert verifier is not None
    assert note.parse_checkpoint(text) == note.CheckpointBody("yiwang.example/ledger", 7, merkle.mth(leaves))
    # every perfect subtree is stored: 7 leaves + 3 + 1, in one partial tile of width 7
    tile = Tile.objects.get()
    assert (tile.id, tile.width) == (merkle.node_key(0, 0), 7)
    stored = merkle.tile_decode((0, 0), 7, bytes(tile.hashes))
    assert len(stored) == 7 + 3 + 1
    assert stored == _memory(leaves).nodes
    # nothing pending: no new checkpoint
    assert services.sequencer_run() == 0
    assert Checkpoint.objects.count() == 3


def test_first_run_on_an_empty_log_signs_the_empty_tree():
    assert services.sequencer_run() == 0
    cp = selectors.latest_checkpoint()
    assert cp.size == 0 and bytes(cp.root) == merkle.EMPTY_ROOT


def test_proofs_from_the_database_match_the_naive_tree(append):
    for i in range(13):
        append(payload={"n": i})
        if i % 4 == 0:
            services.sequencer_run()
    services.sequencer_run()
    leaves = [bytes(h) for h in Entry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    tree = merkle.MemoryTree()
    tree.append_leaf_hashes(leaves)
    for size in (1, 5, 8, 13):
        for index in range(size):
            assert selectors.proof_inclusion(index=index, size=size) == tree.inclusion_proof(index, size)
        for old in range(1, size + 1):
            assert selectors.proof_consistency(old=old, new=size) == tree.consistency_proof(old, size)


def test_receipt_after_integration(append):
    p = append()
    assert services.receipt_for(entry_id=p.id) is None
    services.sequencer_run()
    r = services.receipt_for(entry_id=p.id)
    assert r["index"] == 0 and r["tree_size"] == 1
    assert services.receipt_verify(receipt=r) == (True, "ok", "回执有效：该条目已记入经签名的检查点")
    append()
    services.sequencer_run()
    r2 = services.receipt_for(entry_id=p.id)
    assert r2["tree_size"] == 2 and len(r2["hashes"]) == 1
    assert services.receipt_verify(receipt=r2)[0]
    bad = dict(r2, hashes=[base64.b64encode(b"\x00" * 32).decode()])
    assert services.receipt_verify(receipt=bad)[1] == "bad_proof"
    forged = dict(r2, checkpoint=r2["checkpoint"].replace("\n2\n", "\n3\n", 1))
    assert services.receipt_verify(receipt=forged)[1] == "bad_signature"


def test_a_held_lease_keeps_a_second_sequencer_out(append):
    append()
    Lease.objects.create(name="sequencer", holder="other", expires_at=timezone.now() + timedelta(seconds=30))
    assert services.sequencer_run() == 0
    assert PendingEntry.objects.count() == 1
    # an expired lease is taken over
    Lease.objects.filter(name="sequencer").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.sequencer_run() == 1
    assert Lease.objects.get(name="sequencer").holder == ""


def test_lease_lost_mid_run_writes_nothing(append, monkeypatch):
    append()
    real = services._integrate_batch

    def steal(**kw):
        Lease.objects.filter(name="sequencer").update(holder="thief")
        return real(**kw)

    monkeypatch.setattr(services, "_integrate_batch", steal)
    assert services.sequencer_run() == 0
    assert Entry.objects.count() == 0 and Checkpoint.objects.count() == 0
    assert PendingEntry.objects.count() == 1


def test_never_signs_a_checkpoint_inconsistent_with_the_last(append):
    append()
    services.sequencer_run()
    # tamper with the stored tree: the next checkpoint would not extend the signed one
    Tile.objects.filter(id=merkle.node_key(0, 0)).update(hashes=b"\x11" * 32)
    append()
    with pytest.raises(merkle.ProofError):
        services.sequencer_run()
    assert Checkpoint.objects.count() == 1 and Entry.objects.count() == 1


def test_integrate_task_runs_the_sequencer(append):
    from yiwang.ledger.tasks import integrate

    append()
    assert integrate.delay().get() == 1


def _memory(leaves):
    tree = merkle.MemoryTree()
    tree.append_leaf_hashes(leaves)
    return tree


@pytest.mark.django_db
def test_entries_append_in_order_and_entry_withdraw_takes_back_only_the_very_pending_entry():
    with transaction.atomic():
        first, second = services.entries_append(
            [
                {"kind": "test.one", "subject": "s", "payload": {"n": 1}},
                {"kind": "test.two", "subject": "s", "payload": {"n": 2}, "actor_role": "clerk"},
            ]
        )
        assert first.pk < second.pk
        assert PendingEntry.objects.get(pk=first.pk).payload == {"n": 1}
        assert json.loads(PendingEntry.objects.get(pk=second.pk).entry)["actor_role"] == "clerk"
        forged = PendingEntry(id=first.pk, kind=first.kind, salt=b"\0" * 16)  # right id, not its salt
        with pytest.raises(RuntimeError, match="not a pending entry"):
            services.entry_withdraw(forged)
        services.entry_withdraw(first)
        assert list(
            PendingEntry.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", flat=True)
        ) == [second.pk]
        with pytest.raises(RuntimeError):  # already taken back
            services.entry_withdraw(first)
