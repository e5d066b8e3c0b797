"""Witnessing our own log over real HTTP: pytest-django's live_server runs this same project on
loopback, configured as a witness of our own origin (WitnessPeer), and our Witness row points at
its add-checkpoint endpoint, so the log -> witness round trip goes through a real socket."""

import pytest
from django.test import Client

from yiwang.core import keys
from yiwang.core.models import KeyPurpose
from yiwang.core.testing import free_port
from yiwang.ledger import audit, merkle, note, services, tasks
from yiwang.ledger.models import Checkpoint, Cosignature, Witness, WitnessPeer

pytestmark = pytest.mark.django_db(transaction=True)
ADD = "/api/v1/ledger/witness/add-checkpoint"


@pytest.fixture
def self_witness(live_server, settings):
    settings.YIWANG_LEDGER_WITNESS_QUORUM = 1
    km = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)
    peer = WitnessPeer.objects.create(
        origin=services.origin(), verifier_key=note.verifier_key(services.origin(), km.public)
    )
    witness = Witness.objects.create(
        name=services.witness_name(), url=live_server.url + ADD, verifier_key=services.witness_key()
    )
    return peer, witness


def _cosigned(cp: Checkpoint) -> bool:
    return Cosignature.objects.filter(checkpoint=cp).exists()


def test_integration_gets_cosigned_over_http(append, self_witness):
    peer, witness = self_witness
    first = [append(payload={"n": i}).id for i in range(3)]
    services.sequencer_run()  # the task runs eagerly in tests and posts to the live server
    cp = Checkpoint.objects.get(size=3)
    assert _cosigned(cp)
    peer.refresh_from_db()
    witness.refresh_from_db()
    assert peer.size == 3 and witness.size == 3 and witness.last_error == ""

    # A second batch: the witness now needs (and gets) a consistency proof from 3 to 5.
    [append(payload={"n": i}) for i in range(3, 5)]
    services.sequencer_run()
    cp5 = Checkpoint.objects.get(size=5)
    assert _cosigned(cp5)
    peer.refresh_from_db()
    assert peer.size == 5

    # GET /checkpoint carries the log's signature and the witness's cosignature line.
    signed = Client().get("/api/v1/ledger/checkpoint").content.decode()
    text, sigs = note.parse_note(signed)
    assert [s.name for s in sigs] == [services.origin(), services.witness_name()]
    name, public = note.parse_witness_key(Client().get("/api/v1/ledger/witness/key").content.decode())
    assert note.verify_cosignature(text, signed.splitlines()[-1], name=name, public=public) is not None

    # Receipts say their checkpoint is witnessed; the verify endpoint names the witness.
    receipt = services.receipt_for(entry_id=first[1])
    assert receipt["witnessed"] is True and receipt["tree_size"] == 5
    r = Client().post("/api/v1/ledger/verify-receipt", receipt, content_type="application/json").json()
    assert r["valid"] is True and r["witnessed"] is True
    assert r["witnesses"] == [services.witness_name()] and r["key_version"] == 1
    report = audit.ledger_verify()
    assert report.ok and report.cosignatures == 2  # stored cosignatures are re-verified
    # An edited cosignature is named by `ledger verify`.
    cos = Cosignature.objects.get(checkpoint=cp5)
    raw = bytearray(note.unb64(cos.line.split(" ")[2].strip()))
    raw[-1] ^= 1
    Cosignature.objects.filter(pk=cos.pk).update(
        line=f"{note.DASH} {services.witness_name()} {note.b64(bytes(raw))}\n"
    )
    report = audit.ledger_verify()
    assert report.problems == [f"checkpoint 5: cosignature of {services.witness_name()} does not verify"]


def test_forked_log_is_refused_by_the_witness(append, self_witness):
    peer, witness = self_witness
    [append(payload={"n": i}) for i in range(4)]
    services.sequencer_run()
    peer.refresh_from_db()
    assert peer.size == 4
    before = (peer.size, bytes(peer.root), peer.checkpoint, peer.version)
    real = [bytes(e.leaf_hash) for e in services.Entry.objects.order_by("index")]
    # The fork rewrites entry 0 and extends the log to 6, signed with the log's real key.
    forked = [
        merkle.leaf_hash(b"rewritten history"),
        *real[1:],
        merkle.leaf_hash(b"x"),
        merkle.leaf_hash(b"y"),
    ]
    view = audit._LevelView(audit._levels(forked))
    proof = merkle.assemble(merkle.consistency_plan(4, 6), view)
    km = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)
    fork_note = note.sign_note(
        note.checkpoint_text(services.origin(), 6, merkle.mth(forked)),
        name=services.origin(),
        private=km.private_key(),
    )
    status, reply = services._http_post(
        witness.url, services.add_checkpoint_body(old=4, proof=proof, checkpoint_note=fork_note)
    )
    assert status == 422 and b"bad_proof" in reply
    # Same size, different root: a split view, refused with the witness's size.
    same_size = note.sign_note(
        note.checkpoint_text(services.origin(), 4, merkle.mth(forked[:4])),
        name=services.origin(),
        private=km.private_key(),
    )
    status, reply = services._http_post(
        witness.url, services.add_checkpoint_body(old=4, proof=[], checkpoint_note=same_size)
    )
    assert status == 409 and reply.decode().strip() == "4"
    peer.refresh_from_db()
    assert (peer.size, bytes(peer.root), peer.checkpoint, peer.version) == before


def test_witness_down_then_retried(append, self_witness, live_server):
    _, witness = self_witness
    Witness.objects.filter(pk=witness.pk).update(url=f"http://127.0.0.1:{free_port()}{ADD}")
    ids = [append(payload={"n": i}).id for i in range(2)]
    assert services.sequencer_run() == 2  # no crash while the witness is down
    cp = Checkpoint.objects.get(size=2)
    assert not _cosigned(cp)
    witness.refresh_from_db()
    assert witness.last_error.startswith("unreachable") and witness.size == 0
    assert services.receipt_for(entry_id=ids[0])["witnessed"] is False
    # The witness comes back; the periodic task catches up.
    Witness.objects.filter(pk=witness.pk).update(url=live_server.url + ADD)
    assert tasks.witness() == 1
    assert _cosigned(cp)
    assert services.receipt_for(entry_id=ids[0])["witnessed"] is True


def test_409_retries_from_the_witness_size(append, self_witness):
    peer, witness = self_witness
    [append(payload={"n": i}) for i in range(3)]
    services.sequencer_run()
    # We lost track of what the witness saw (e.g. restored backup): we think it is at 0.
    Witness.objects.filter(pk=witness.pk).update(size=0)
    [append(payload={"n": i}) for i in range(3, 7)]
    services.sequencer_run()
    assert _cosigned(Checkpoint.objects.get(size=7))
    witness.refresh_from_db()
    peer.refresh_from_db()
    assert witness.size == 7 and peer.size == 7


def test_quorum(append, settings):
    settings.YIWANG_LEDGER_WITNESS_QUORUM = 0
    ids = [append().id]
    services.sequencer_run()
    assert services.receipt_for(entry_id=ids[0])["witnessed"] is True  # 0 = the demo: nothing to wait for
    settings.YIWANG_LEDGER_WITNESS_QUORUM = 2
    assert services.receipt_for(entry_id=ids[0])["witnessed"] is False


def test_bad_cosignature_is_not_stored(append, self_witness):
    _, witness = self_witness
    [append()]
    services.sequencer_run()
    cp = Checkpoint.objects.get(size=1)
    Cosignature.objects.all().delete()
    other = note.witness_verifier_key(services.witness_name(), b"\x01" * 32)
    Witness.objects.filter(pk=witness.pk).update(verifier_key=other)
    witness.refresh_from_db()
    assert services.witness_submit(witness=witness, checkpoint=cp) is False
    witness.refresh_from_db()
    assert not _cosigned(cp) and "no valid cosignature" in witness.last_error
