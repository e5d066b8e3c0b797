"""A second Yiwang instance as the witness of this log: its own YIWANG_HOME, its own SQLite
database and keys, served by gunicorn on loopback in a separate process. This log sends it
checkpoints through the C2SP tlog-witness protocol and stores the cosignatures it returns; a
forked log presented to it is refused; while it is down the log advances, and afterwards it
catches up on the checkpoints signed meanwhile."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from yiwang import testclock
from yiwang.core import keys
from yiwang.core.models import KeyPurpose
from yiwang.core.testing import free_port
from yiwang.ledger import audit, merkle, note, services, tasks
from yiwang.ledger.models import Checkpoint, Cosignature, Entry, Witness

pytestmark = pytest.mark.django_db(transaction=True)
BIN = Path(sys.executable).parent
ADD = "/api/v1/ledger/witness/add-checkpoint"
NAME = "neighbour.example/witness"


class Instance:
    """Another Yiwang: `yiwang` commands and a gunicorn server with its own home and SQLite."""

    def __init__(self, home: Path):
        self.home = home
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"} and not k.startswith("PYTEST")
        }
        self.env.update(
            YIWANG_HOME=str(home),
            YIWANG_LEDGER_ORIGIN="neighbour.example/ledger",
            YIWANG_LEDGER_WITNESS_NAME=NAME,
            DJANGO_SETTINGS_MODULE="yiwang.settings",
        )
        self.server: subprocess.Popen | None = None
        self.url = ""

    def run(self, *args: str) -> str:
        out = subprocess.run(
            testclock.command([str(BIN / "yiwang"), *args]),  # at this test's time
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = subprocess.Popen(
            testclock.command(
                [str(BIN / "gunicorn"), "yiwang.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1"]
            ),
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.home / "gunicorn.log", "ab"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/api/v1/ledger/witness/key", timeout=2) as r:
                    self.key = r.read().decode().strip()
                    return
            except OSError:
                assert self.server.poll() is None, (self.home / "gunicorn.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "witness instance did not start"
                time.sleep(0.2)

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
            self.server = None


@pytest.fixture(scope="module")
def migrated_home(tmp_path_factory) -> Path:
    """The other instance's home with its database migrated once per module (copied per test)."""
    home = tmp_path_factory.mktemp("witness-template") / "home"
    Instance(home).run("migrate", "--noinput", "-v", "0")
    return home


@pytest.fixture
def other(tmp_path, settings, migrated_home):
    settings.YIWANG_LEDGER_WITNESS_QUORUM = 1
    shutil.copytree(migrated_home, tmp_path / "witness-home")
    instance = Instance(tmp_path / "witness-home")
    km = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)
    ours = note.verifier_key(services.origin(), km.public)
    assert "witnessing yiwang.example/ledger from size 0" in instance.run(
        "ledger", "witness-peer", services.origin(), ours
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def _witness(instance: Instance) -> Witness:
    return Witness.objects.create(name=NAME, url=instance.url + ADD, verifier_key=instance.key)


def test_a_separate_instance_cosigns_and_refuses_a_fork(append, other):
    witness = _witness(other)
    name, public = note.parse_witness_key(other.key)
    assert name == NAME and public != keys.active_key(KeyPurpose.LEDGER_CHECKPOINT).public  # its own key
    ids = [append(payload={"n": i}).id for i in range(3)]
    services.sequencer_run()  # integrates, then the witness task posts to the other process
    cp3 = Checkpoint.objects.get(size=3)
    cos = Cosignature.objects.get(checkpoint=cp3, witness=witness)
    assert note.verify_cosignature(note.parse_note(cp3.note)[0], cos.line, name=name, public=public)
    [append(payload={"n": i}) for i in range(3, 5)]
    services.sequencer_run()  # old 3 + consistency proof 3 -> 5
    cp5 = Checkpoint.objects.get(size=5)
    assert Cosignature.objects.filter(checkpoint=cp5, witness=witness).exists()
    witness.refresh_from_db()
    assert witness.size == 5 and witness.last_error == ""
    receipt = services.receipt_for(entry_id=ids[0])
    assert receipt["witnessed"] is True
    assert services.receipt_check(receipt=receipt)["witnesses"] == [NAME]

    # A fork: entry 0 rewritten, extended to 7, signed with the log's real key.
    real = [bytes(h) for h in Entry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    forked = [merkle.leaf_hash(b"rewritten"), *real[1:], merkle.leaf_hash(b"x"), merkle.leaf_hash(b"y")]
    tree = merkle.MemoryTree()
    tree.append_leaf_hashes(forked)
    km = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)

    def signed(size: int) -> str:
        return note.sign_note(
            note.checkpoint_text(services.origin(), size, tree.root(size)),
            name=services.origin(),
            private=km.private_key(),
        )

    body = services.add_checkpoint_body(old=5, proof=tree.consistency_proof(5, 7), checkpoint_note=signed(7))
    status, reply = services._http_post(witness.url, body)
    assert status == 422
    assert json.loads(reply) == {"code": "bad_proof", "message": "一致性证明未通过验证", "fields": {}}
    status, reply = services._http_post(
        witness.url, services.add_checkpoint_body(old=5, proof=[], checkpoint_note=signed(5))
    )
    assert (status, reply) == (409, b"5\n")  # split view at the same size
    status, _ = services._http_post(
        witness.url, services.add_checkpoint_body(old=3, proof=[], checkpoint_note=signed(5))
    )
    assert status == 409
    # The witness was not moved by any of that: the real log still extends what it cosigned.
    [append(payload={"n": i}) for i in range(5, 8)]
    services.sequencer_run()
    assert Cosignature.objects.filter(checkpoint__size=8, witness=witness).exists()
    assert audit.ledger_verify().ok


def test_the_log_catches_up_a_witness_that_was_down(append, other):
    witness = _witness(other)
    [append(payload={"n": i}) for i in range(2)]
    services.sequencer_run()
    assert Cosignature.objects.filter(checkpoint__size=2).exists()
    other.stop()
    for batch in (2, 3, 4):  # the log advances three times while the witness is down
        [append(payload={"n": batch * 10 + i}) for i in range(batch)]
        services.sequencer_run()
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [2, 4, 7, 11]
    witness.refresh_from_db()
    assert witness.size == 2 and witness.last_error.startswith("unreachable")
    other.start()  # back, on another port
    Witness.objects.filter(pk=witness.pk).update(url=other.url + ADD)
    assert tasks.witness() == 1
    # every checkpoint signed meanwhile is cosigned, each sent with a proof from the previous one
    cosigned = Cosignature.objects.filter(witness=witness).order_by("checkpoint__size")
    assert [c.checkpoint.size for c in cosigned] == [2, 4, 7, 11]
    witness.refresh_from_db()
    assert witness.size == 11 and witness.last_error == ""
    assert audit.ledger_verify().cosignatures == 4
