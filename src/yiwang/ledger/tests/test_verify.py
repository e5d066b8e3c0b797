import json

import pytest
from django.core.management import CommandError, call_command

from yiwang.ledger import rederive, services
from yiwang.ledger.models import Checkpoint, Entry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def log(append):
    ids = []
    for i in range(11):
        ids.append(append(payload={"n": i}).id)
        if i in (3, 7):
            services.sequencer_run()
    services.sequencer_run()
    return ids


def run():
    try:
        call_command("ledger", "verify")
    except CommandError as exc:
        return str(exc)
    return "ok"


def test_a_clean_log_verifies(log, capsys):
    assert run() == "ok"
    assert "entries 11, nodes 19, checkpoints 3" in capsys.readouterr().out


def test_edited_entry_payload(log):
    e = Entry.objects.get(index=4)
    Entry.objects.filter(index=4).update(payload={**e.payload, "n": 99})
    assert run() == "first divergence: entry 4: stored payload does not hash to the entry's payload_hash"


def test_edited_entry_bytes_with_a_matching_leaf_hash(log):
    from yiwang.ledger import merkle

    e = Entry.objects.get(index=6)
    obj = json.loads(bytes(e.entry))
    obj["actor_role"] = "director"
    data = services.canonical(obj)
    Entry.objects.filter(index=6).update(entry=data, leaf_hash=merkle.leaf_hash(data))
    assert run() == "first divergence: stored tree differs from the recomputed tree at entry 6"


def test_deleted_entry(log):
    Entry.objects.filter(index=2).delete()
    assert run() == "first divergence: entry 2 is missing (next stored entry is 3)"


def test_swapped_entries(log):
    a, b = Entry.objects.get(index=1), Entry.objects.get(index=5)
    fields = ["entry", "leaf_hash", "payload", "salt", "kind", "pending_id"]
    Entry.objects.filter(index=5).update(pending_id=-1)
    Entry.objects.filter(index=1).update(**{f: getattr(b, f) for f in fields})
    Entry.objects.filter(index=5).update(**{f: getattr(a, f) for f in fields})
    assert run() == "first divergence: stored tree differs from the recomputed tree at entry 1"


def test_edited_checkpoint(log):
    cp = Checkpoint.objects.get(size=8)
    Checkpoint.objects.filter(pk=cp.pk).update(note=cp.note.replace("\n8\n", "\n9\n", 1))
    assert run() == "first divergence: checkpoint 8: signature does not verify with any key of this log"


def test_rederive_hook_detects_a_changed_record(log):
    records = {pid: {"n": i} for i, pid in enumerate(log)}
    rederive.register("sample.", lambda row: records.get(row.pending_id))
    try:
        assert run() == "ok"
        records[log[3]] = {"n": "changed"}
        assert (
            run()
            == "first divergence: entry 3: the live record (sample.accepted) no longer matches the entry"
        )
        del records[log[3]]
        assert run() == "first divergence: entry 3: the record it attests (sample.accepted) is gone"
    finally:
        rederive.unregister("sample.")
