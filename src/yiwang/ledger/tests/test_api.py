import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from yiwang.core import keys
from yiwang.core.models import KeyPurpose
from yiwang.ledger import merkle, note, services
from yiwang.ledger.models import Checkpoint, Entry, WitnessPeer

pytestmark = pytest.mark.django_db(transaction=True)
B = "/api/v1/ledger"


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def log_of_five(append):
    ids = [append(payload={"n": i}).id for i in range(5)]
    services.sequencer_run()
    return ids


def test_checkpoint_and_key(client, log_of_five):
    r = client.get(f"{B}/checkpoint")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/plain")
    text = r.content.decode()
    vkey = client.get(f"{B}/key").content.decode().strip()
    verifier = note.parse_verifier_key(vkey)
    body_text, v = note.verified_by(text, [verifier])
    assert v is not None
    assert note.parse_checkpoint(body_text).size == 5


def test_checkpoint_404_before_any(client):
    r = client.get(f"{B}/checkpoint")
    assert r.status_code == 404 and r.json()["code"] == "no_checkpoint"


def test_proofs_verify_against_the_checkpoint(client, log_of_five):
    cp = note.parse_checkpoint(note.parse_note(client.get(f"{B}/checkpoint").content.decode())[0])
    r = client.get(f"{B}/proofs/inclusion", {"index": 3, "size": 5}).json()
    assert r["leaf_index"] == 3 and r["tree_size"] == 5
    hashes = [base64.b64decode(h) for h in r["hashes"]]
    merkle.verify_inclusion(3, 5, base64.b64decode(r["leaf_hash"]), hashes, cp.root)
    c = client.get(f"{B}/proofs/consistency", {"old": 3, "new": 5}).json()
    assert c["old_size"] == 3 and c["new_size"] == 5
    items = client.get(f"{B}/entries", {"start": 0, "end": 3}).json()["items"]
    leaves = [merkle.leaf_hash(base64.b64decode(i["entry"])) for i in items]
    merkle.verify_consistency(3, 5, merkle.mth(leaves), cp.root, [base64.b64decode(h) for h in c["hashes"]])


def test_bad_proof_requests(client, log_of_five):
    for path, params, field in [
        ("proofs/inclusion", {"index": 5, "size": 5}, "index"),
        ("proofs/inclusion", {"index": 0, "size": 6}, "size"),
        ("proofs/consistency", {"old": 4, "new": 3}, "old"),
        ("proofs/consistency", {"old": 1, "new": 9}, "new"),
        ("entries", {"start": 0, "end": 1001}, "end"),
        ("entries", {"start": -1, "end": 2}, "start"),
    ]:
        r = client.get(f"{B}/{path}", params)
        assert r.status_code == 422, (path, params)
        assert field in r.json()["fields"]
    r = client.get(f"{B}/proofs/inclusion", {"index": "x", "size": 5})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_entries_end_exclusive(client, log_of_five):
    items = client.get(f"{B}/entries", {"start": 1, "end": 3}).json()["items"]
    assert [i["index"] for i in items] == [1, 2]


def test_verify_receipt(client, log_of_five):
    receipt = services.receipt_for(entry_id=log_of_five[2])
    r = client.post(f"{B}/verify-receipt", receipt, content_type="application/json")
    assert r.status_code == 200 and r.json()["valid"] is True
    bad = dict(receipt, index=1)
    assert (
        client.post(f"{B}/verify-receipt", bad, content_type="application/json").json()["code"] == "bad_proof"
    )
    # signed by an unknown key
    other = Ed25519PrivateKey.generate()
    text = note.parse_note(receipt["checkpoint"])[0]
    forged = dict(receipt, checkpoint=note.sign_note(text, name=services.origin(), private=other))
    r = client.post(f"{B}/verify-receipt", forged, content_type="application/json").json()
    assert (r["valid"], r["code"], r["message"]) == (False, "bad_signature", "检查点签名无效或签名密钥未知")
    assert r["witnesses"] == [] and r["key_version"] is None
    r = client.post(
        f"{B}/verify-receipt", dict(receipt, checkpoint="garbage"), content_type="application/json"
    )
    assert r.json()["code"] == "malformed"


def test_receipt_still_verifies_after_key_rotation(client, log_of_five):
    receipt = services.receipt_for(entry_id=log_of_five[0])
    keys.key_rotate(purpose=KeyPurpose.LEDGER_CHECKPOINT)
    r = client.post(f"{B}/verify-receipt", receipt, content_type="application/json")
    assert r.json()["valid"] is True


# --- this instance as a witness for another log ------------------------------------------------
PEER = "neighbour.example/log"


class PeerLog:
    def __init__(self):
        self.key = Ed25519PrivateKey.generate()
        self.tree = merkle.MemoryTree()

    def vkey(self):
        return note.verifier_key(PEER, self.key.public_key().public_bytes_raw())

    def grow(self, n, tag=b"e"):
        start = self.tree.size
        self.tree.append_leaf_hashes([merkle.leaf_hash(tag + str(start + i).encode()) for i in range(n)])

    def checkpoint(self, size=None, key=None, origin=PEER):
        size = self.tree.size if size is None else size
        text = note.checkpoint_text(origin, size, self.tree.root(size))
        return note.sign_note(text, name=origin, private=key or self.key)

    def body(self, old, size=None, proof=None, **kw):
        size = self.tree.size if size is None else size
        if proof is None:
            proof = self.tree.consistency_proof(old, size) if old else []
        lines = [f"old {old}"] + [note.b64(h) for h in proof]
        return ("\n".join(lines) + "\n\n" + self.checkpoint(size, **kw)).encode()


@pytest.fixture
def peer():
    p = PeerLog()
    WitnessPeer.objects.create(origin=PEER, verifier_key=p.vkey())
    return p


def post(client, body):
    return client.post(f"{B}/witness/add-checkpoint", body, content_type="text/plain")


def test_witness_cosigns_a_consistent_history(client, peer):
    peer.grow(5)
    r = post(client, peer.body(0))
    assert r.status_code == 200, r.content
    line = r.content.decode()
    text = note.checkpoint_text(PEER, 5, peer.tree.root())
    public = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT).public
    assert note.verify_cosignature(text, line, name=services.witness_name(), public=public) is not None
    peer.grow(8)
    assert post(client, peer.body(5)).status_code == 200
    assert WitnessPeer.objects.get().size == 13
    # same size, same root: cosigned again
    assert post(client, peer.body(13)).status_code == 200


def test_witness_409_with_its_size_on_mismatch(client, peer):
    peer.grow(5)
    post(client, peer.body(0))
    peer.grow(3)
    r = post(client, peer.body(3))
    assert r.status_code == 409
    assert r["Content-Type"] == "text/x.tlog.size" and r.content == b"5\n"


def test_witness_detects_a_forked_log(client, peer):
    peer.grow(5)
    post(client, peer.body(0))
    fork = PeerLog()
    fork.key = peer.key  # the log's own key signs a different history
    fork.grow(5, tag=b"forked")
    fork.grow(3)
    r = post(client, fork.body(5))
    assert r.status_code == 422 and r.json()["code"] == "bad_proof"
    r = post(client, fork.body(5, size=5))
    assert r.status_code == 409  # same size, different root
    peer_row = WitnessPeer.objects.get()
    assert peer_row.size == 5 and bytes(peer_row.root) == peer.tree.root(5)


def test_witness_bad_input(client, peer):
    peer.grow(4)
    assert post(client, peer.body(0, origin="unknown.example/log")).status_code == 404
    assert post(client, peer.body(0, key=Ed25519PrivateKey.generate())).status_code == 403
    assert post(client, peer.body(0, proof=[b"\x00" * 32])).status_code == 422
    assert post(client, b"old 7\n\n" + peer.checkpoint().encode()).status_code == 400
    assert post(client, b"nonsense").status_code == 400
    assert post(client, b"old 0\n!!!\n\n" + peer.checkpoint().encode()).status_code == 400
    assert post(client, b"old 0\n\nnot a checkpoint\n").status_code == 400
    r = post(client, b"old 01\n\n" + peer.checkpoint().encode())
    assert r.status_code == 400 and r.json()["code"] == "malformed"
    row = WitnessPeer.objects.get()
    assert row.size == 0 and row.root is None and row.version == 0


def test_witness_check_and_persist_is_atomic(client, peer, monkeypatch):
    """A concurrent update between the check and the write turns into a 409, not a rollback."""
    peer.grow(5)
    post(client, peer.body(0))
    peer.grow(5)
    real = WitnessPeer.objects.filter

    calls = {"n": 0}

    def racing_filter(*a, **kw):
        if "version" in kw and calls["n"] == 0:
            calls["n"] += 1
            real(pk=kw["pk"]).update(size=10, version=kw["version"] + 1)
        return real(*a, **kw)

    monkeypatch.setattr(WitnessPeer.objects, "filter", racing_filter)
    r = post(client, peer.body(5))
    assert r.status_code == 409 and r.content == b"10\n"


def test_admin_form_checks_the_verifier_key():
    from yiwang.ledger.admin import WitnessPeerForm

    good = PeerLog().vkey()
    assert WitnessPeerForm(data={"origin": PEER, "verifier_key": good, "active": True}).is_valid()
    form = WitnessPeerForm(data={"origin": PEER, "verifier_key": "nope", "active": True})
    assert not form.is_valid() and "verifier_key" in form.errors


def test_witness_bad_input_status_message_and_nothing_changes(client, peer, log_of_five):
    """Each refusal has its C2SP status, a code and a Chinese message, and moves nothing: neither
    the witnessed log's row nor our own log."""
    peer.grow(5)
    assert post(client, peer.body(0)).status_code == 200
    peer.grow(3)
    good = peer.body(5)
    short = note.b64(b"\x00" * 31)
    cases = [
        (peer.body(0, origin="unknown.example/log"), 404, "unknown_origin", "未登记的日志来源"),
        (peer.body(5, key=Ed25519PrivateKey.generate()), 403, "bad_signature", "检查点签名未通过验证"),
        (peer.body(5, proof=[b"\x00" * 32] * 3), 422, "bad_proof", "一致性证明未通过验证"),
        (good.replace(b"\n", f"\n{short}\n".encode(), 1), 422, "bad_proof", "一致性证明未通过验证"),
        (peer.body(5, proof=[]), 422, "bad_proof", "一致性证明未通过验证"),
        (b"old 9\n\n" + peer.checkpoint().encode(), 400, "old_size_too_large", "旧大小大于检查点大小"),
        (b"old 5\nnot base64!\n\n" + peer.checkpoint().encode(), 400, "malformed", "一致性证明行不是 base64"),
        (b"old 5\n\n" + peer.checkpoint().encode()[:-40], 400, "malformed", None),
        (b"new 5\n\n" + peer.checkpoint().encode(), 400, "malformed", "首行应为 old <大小>"),
        (b"\xff\xfe", 400, "malformed", "请求不是 UTF-8 文本"),
    ]
    before = WitnessPeer.objects.values("size", "root", "checkpoint", "version").get()
    ours = (Checkpoint.objects.count(), Entry.objects.count())
    for body, status, code, message in cases:
        r = post(client, body)
        assert r.status_code == status, (body[:40], r.content)
        got = r.json()
        assert got["code"] == code
        if message:
            assert got["message"] == message
        assert any("\u4e00" <= ch <= "\u9fff" for ch in got["message"])
        assert WitnessPeer.objects.values("size", "root", "checkpoint", "version").get() == before
    assert (Checkpoint.objects.count(), Entry.objects.count()) == ours
    assert post(client, good).status_code == 200  # and the real next checkpoint is still accepted


def test_receipt_bad_input(client, log_of_five):
    receipt = services.receipt_for(entry_id=log_of_five[2])
    other_key = Ed25519PrivateKey.generate()
    text = note.parse_note(receipt["checkpoint"])[0]
    cases = [
        (
            {**receipt, "hashes": [note.b64(b"\x01" * 31), *receipt["hashes"][1:]]},
            "bad_proof",
            "包含性证明未通过验证",
        ),
        ({**receipt, "hashes": receipt["hashes"][:-1]}, "bad_proof", "包含性证明未通过验证"),
        ({**receipt, "hashes": ["%%%"]}, "malformed", None),
        ({**receipt, "checkpoint": "not a note"}, "malformed", None),
        (
            {**receipt, "checkpoint": note.sign_note(text, name=services.origin(), private=other_key)},
            "bad_signature",
            "检查点签名无效或签名密钥未知",
        ),
        ({**receipt, "index": 7}, "bad_proof", "包含性证明未通过验证"),
        ({**receipt, "tree_size": 4}, "size_mismatch", "回执中的树大小与检查点不一致"),
    ]
    ours = (Checkpoint.objects.count(), Entry.objects.count())
    for body, code, message in cases:
        r = client.post(f"{B}/verify-receipt", body, content_type="application/json")
        assert r.status_code == 200
        got = r.json()
        assert (got["valid"], got["code"]) == (False, code), body
        assert message is None or got["message"] == message
        assert any("\u4e00" <= ch <= "\u9fff" for ch in got["message"])
    assert (Checkpoint.objects.count(), Entry.objects.count()) == ours
    r = client.post(f"{B}/verify-receipt", receipt, content_type="application/json")
    assert r.json()["valid"] is True
