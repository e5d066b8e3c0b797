"""一圈通办 between independent instances on loopback: each city its own YIWANG_HOME, master key,
SQLite database and gunicorn process. A case received in 武汉 (A) for 鄂州 (B) is filed in B,
decided there, and the result comes back to A; B stopped mid-flow and A stopped while B reports:
the outbox retries, nothing is lost or applied twice; tampered, unpaired-key, replayed and
unknown-item-version messages are refused with a reason in B's message log."""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.core.testing import MINIMAL_PDF, b64, good_form, make_ric
from yiwang.exchange import httpsig

from .cities import City, build_template, pair

A, B, C = "420100", "420700", "420200"

# One set of running cities per module (per xdist worker): their startup (a migrated template,
# three seeded homes, three gunicorn processes, A and B paired) is the costly part and is shared.
# Nothing else is: each test sets up the data it needs (a case filed, B's guide cached in A, the
# item list fetched) and leaves every city running, so the tests pass alone (`-k`), in any order
# and split across workers.


@pytest.fixture(scope="module")
def cities(tmp_path_factory):
    root = tmp_path_factory.mktemp("cities")
    template = build_template(root)
    made = {code: City(code, root, template) for code in (A, B, C)}
    a, b = made[A], made[B]
    # keys exchanged out of band: A and B pair with each other; C is nobody's peer
    pair(a, b)
    pair(b, a)
    for city in made.values():
        city.start()
    try:
        yield made
    finally:
        for city in made.values():
            city.stop()


@pytest.fixture(autouse=True)
def _all_up(cities):
    """Every city serving when a test starts (a test that failed with a city stopped does not
    leave the next one without it)."""
    for city in cities.values():
        if city.proc is None or city.proc.poll() is not None:
            city.proc = None
            city.start()
    return cities


GUIDE = """
import django, sys
django.setup()
from yiwang.federation import services
from yiwang.federation.models import Peer
print(services.peer_guide(peer=Peer.objects.get(code=sys.argv[1]), code=sys.argv[2]).item_version)
"""


def _guide_cached(a: City, b: City) -> None:
    """A fetches B's current guide of its item now (signed) and keeps it: what A checks a form
    against while B is down."""
    assert a.run("-c", GUIDE, b.code, b.item, python=True).strip()


def _citizen_form() -> dict:
    number = make_ric(serial=101)  # A's citizen (city.py)
    return good_form(**{"applicant.id_number": number, "applicant.name": "张伟"})


MATERIALS = [{"code": "id_card", "name": "身份证.pdf", "content_base64": b64(MINIMAL_PDF)}]


def _forward(a: City, b: City, token: str) -> tuple[int, dict]:
    return a.request(
        "POST",
        "/api/v1/federation/cases",
        token=token,
        body={
            "peer": b.code,
            "item_code": b.item,
            "form": _citizen_form(),
            "materials": MATERIALS,
            "channel": "online",
        },
    )


def _act(b: City, number: str, token: str, action: str, **fields) -> dict:
    status, out = b.request("GET", f"/api/v1/cases/{number}", token=token)
    assert status == 200, out
    status, out = b.request(
        "POST",
        f"/api/v1/cases/{number}/transitions",
        token=token,
        body={"action": action, "note": "", "version": out["version"], **fields},
    )
    assert status == 200, out
    return out


def test_peers_and_items(cities):
    a, b = cities[A], cities[B]
    status, out = a.request("GET", "/api/v1/federation/peers")
    assert status == 200
    by_code = {p["code"]: p["status"] for p in out["items"]}
    assert by_code[B] == "paired" and by_code[C] == "unpaired" and len(by_code) == 8
    # before the first fetch the list is empty (another test may have fetched it: forget it)
    a.sql("delete from federation_peeritem where peer_id=(select id from federation_peer where code=?)", B)
    status, out = a.request("GET", f"/api/v1/federation/items?peer={B}")
    assert status == 200 and out["items"] == []  # nothing fetched yet
    a.run("federation", "fetch-items")
    status, out = a.request("GET", f"/api/v1/federation/items?peer={B}")
    assert [i["code"] for i in out["items"]] == [b.item]
    assert (
        out["items"][0]["modes"] == ["remote_intake"]
        and out["items"][0]["local_intake_label"] == "可在本地代收"
    )
    status, out = a.request("GET", "/api/v1/federation/items?peer=999999")
    assert status == 422 and out["code"] == "unknown_peer"
    # 黄石 (C) has exchanged no keys: it cannot forward to 鄂州, nor fetch its list
    c = cities[C]
    status, out = _forward(c, b, c.token("citizen"))
    assert status == 422 and out["code"] == "peer_unpaired", out
    assert "未配对" in c.run("federation", "fetch-items", B)


def test_case_received_in_a_decided_in_b_result_back_in_a(cities):
    a, b = cities[A], cities[B]
    citizen = a.token("citizen")
    status, out = _forward(a, b, citizen)
    assert status == 201, out
    number, remote = out["number"], out["remote_number"]
    assert remote and not remote.startswith("TB")  # B's own case number
    assert b.sql("select count(*) from cases_case where number=?", remote) == [(1,)]
    # B decides on its own queue; each change flows back to A
    _act(b, remote, b.token("clerk"), "accept")
    _act(b, remote, b.token("reviewer"), "review", note="材料齐全")
    _act(b, remote, b.token("approver"), "approve")
    _act(b, remote, b.token("approver"), "complete", delivery="electronic")
    status, out = a.request("GET", f"/api/v1/federation/cases/{number}", token=citizen)
    assert status == 200, out
    assert out["remote_number"] == remote and out["status"] == "completed"
    assert [e["status"] for e in out["events"]] == [
        "submitted",
        "accepted",
        "reviewed",
        "approved",
        "completed",
    ]
    # B's licence reached A with the completion, its credential checked with B's licence key
    [licence] = out["licenses"]
    assert licence["name"] == "食品经营许可证" and licence["verified"] is True, licence
    assert licence["reasons"] == [] and licence["issuer_name"].startswith("鄂州市")
    case_id = b.sql("select id from cases_case where number=?", remote)[0][0]
    assert b.sql("select identifier from licenses_license where case_id=?", case_id) == [
        (licence["identifier"],)
    ]
    assert a.sql("select count(*) from licenses_license where identifier=?", licence["identifier"]) == [
        (0,)
    ]  # not A's licence
    assert a.sql("select license_keys like '%GmSM2%' from federation_peer where code=?", B) == [(1,)]
    # ... and the person cites it in A's own application (免提交), as a local licence; the use is
    # recorded in A, with B's status list read from B
    status, case = a.request(
        "POST",
        "/api/v1/cases",
        token=citizen,
        body={
            "item_code": a.item,
            "form": _citizen_form(),
            "materials": MATERIALS,
            "license_refs": {"other": licence["identifier"]},
            "channel": "online",
        },
    )
    assert status == 201, case
    assert a.sql(
        "select via, external_identifier from cases_caselicenseref r join cases_case c on c.id = r.case_id"
        " where c.number=?",
        case["number"],
    ) == [("external", licence["identifier"])]
    assert a.sql(
        "select status_checked from federation_peerlicenseuse where case_number=?", case["number"]
    ) == [(1,)]
    # B, the issuer, is told of the use (signed notice through A's outbox) and records it as a use
    # of its own licence (用证记录, its ledger entry); a second delivery is applied once
    a.run("federation", "deliver")
    uses = "select user_label, channel, case_number from licenses_licenseuse where case_number=?"
    [(label, channel, used_in)] = b.sql(uses, case["number"])
    assert channel == "application" and used_in == case["number"] and label.startswith("武汉市"), label
    assert b.sql(
        "select status from federation_peermessage where kind='license.used' and case_ref=?", case["number"]
    ) == [("applied",)]
    assert "resent" in a.run("-c", RESEND, "use:" + case["number"], python=True)
    assert b.sql(
        "select status from federation_peermessage where kind='license.used' and case_ref=? order by id",
        case["number"],
    ) == [("applied",), ("duplicate",)]
    assert len(b.sql(uses, case["number"])) == 1
    # the message logs keep bodies encrypted: no ID number in the raw column of either city
    for city in (a, b):
        raw = [
            body for (body,) in city.sql("select body from federation_peermessage where case_ref=?", number)
        ]
        assert raw and not any(make_ric(serial=101) in body or "张伟" in body for body in raw)
    # logged in both cities, applied once
    assert a.sql(
        "select count(*) from federation_peermessage where direction='out' and case_ref=? and status='sent'",
        number,
    ) == [(1,)]
    assert b.sql(
        "select count(*) from federation_peermessage where direction='in' and case_ref=? and status='applied'",
        number,
    ) == [(1,)]
    # an auditor matches each message sent by one city with the one the other applied, by the
    # subject (SHA-256 of the message bytes) of the public ledger entries of both cities
    a_log = {k: _public_subjects(a, k) for k in ("sent", "received")}
    b_log = {k: _public_subjects(b, k) for k in ("sent", "received")}
    out_a = _message_hashes(a, number)  # A → B: the forward
    out_b = _message_hashes(b, number)  # B → A: five status reports
    assert len(out_a) == 1 and len(out_b) == 5
    assert out_a <= a_log["sent"] and out_a <= b_log["received"]
    assert out_b <= b_log["sent"] and out_b <= a_log["received"]
    assert not out_a & (a_log["received"] | b_log["sent"])
    # another citizen cannot see it
    status, _ = a.request("GET", f"/api/v1/federation/cases/{number}", token=a.token("clerk"))
    assert status == 200  # A's 综合窗口 follow a case received online (the person may come there)
    status, _ = a.request("GET", f"/api/v1/federation/cases/{number}", token=a.token("reviewer"))
    assert status == 404  # A's departments do not decide it: B does
    status, _ = a.request("GET", "/api/v1/federation/cases/TB000", token=citizen)
    assert status == 404


def test_b_down_then_a_down_nothing_lost_nothing_twice(cities):
    a, b = cities[A], cities[B]
    citizen = a.token("citizen")
    _guide_cached(a, b)  # what A checks the form against while B is down
    b.stop()
    status, out = _forward(a, b, citizen)
    assert status == 201 and out["remote_number"] is None and out["status"] == "forwarding"
    number = out["number"]
    assert a.sql("select status from core_outboxmessage where key=?", number) == [("retrying",)]
    b.start()
    a.run("federation", "deliver")
    status, out = a.request("GET", f"/api/v1/federation/cases/{number}", token=citizen)
    remote = out["remote_number"]
    assert remote and out["status"] == "submitted", out
    assert b.sql("select count(*) from federation_inboundcase where remote_number=?", number) == [(1,)]
    # A goes down while B reports; B's outbox keeps the messages in order until A is back
    a.stop()
    _act(b, remote, b.token("clerk"), "accept")
    _act(b, remote, b.token("reviewer"), "review", note="材料齐全")
    _act(b, remote, b.token("approver"), "deny", reason="经营场所不符合要求")
    pending = b.sql("select count(*) from core_outboxmessage where key=? and status!='sent'", number)
    assert pending[0][0] >= 1
    a.start()
    b.run("federation", "deliver")
    b.run("federation", "deliver")  # a second sweep finds nothing more to send
    status, out = a.request("GET", f"/api/v1/federation/cases/{number}", token=a.token("citizen"))
    assert out["status"] == "denied", out
    assert [e["status"] for e in out["events"]] == ["submitted", "accepted", "reviewed", "denied"]
    assert out["events"][-1].get("remedy"), out["events"][-1]  # B's remedies reach the person in A
    assert b.sql("select count(*) from core_outboxmessage where key=? and status!='sent'", number) == [(0,)]
    assert a.sql(
        "select count(*) from federation_outboundevent e join federation_outboundcase c on c.id=e.case_id where c.number=?",
        number,
    ) == [(4,)]


SEQUENCE = """
import django
django.setup()
from yiwang.ledger import services
services.sequencer_run()
"""


def _public_subjects(city: City, kind: str) -> set[str]:
    """The subjects of a city's integrated `federation.message.<kind>` entries, read as anyone
    can: the signed checkpoint's size, then the entries API."""
    city.run("-c", SEQUENCE, python=True)
    with urllib.request.urlopen(city.url + "/api/v1/ledger/checkpoint", timeout=30) as r:
        size = int(r.read().decode().splitlines()[1])
    subjects = set()
    for start in range(0, size, 500):
        status, out = city.request(
            "GET", f"/api/v1/ledger/entries?start={start}&end={min(size, start + 500)}"
        )
        assert status == 200, out
        for item in out["items"]:
            entry = json.loads(base64.b64decode(item["entry"]))
            if entry["kind"] == f"federation.message.{kind}":
                subjects.add(entry["subject"])
    return subjects


HASHES = """
import django, hashlib, sys
django.setup()
from yiwang.federation.models import PeerMessage
for m in PeerMessage.objects.filter(direction="out", status="sent", case_ref=sys.argv[1]):
    print("sha256:" + hashlib.sha256(m.body.encode()).hexdigest())
"""


def _message_hashes(city: City, number: str) -> set[str]:
    """`sha256:<hex>` of each message the city's log shows as sent (out) for a case (the log keeps
    bodies encrypted: read through the model, in the city)."""
    return set(city.run("-c", HASHES, number, python=True).split())


def _signed(city: City, envelope: dict, *, key, key_id: str) -> tuple[bytes, dict]:
    body = json.dumps(envelope, ensure_ascii=False).encode()
    url = city.url + "/api/v1/federation/peer/inbox"
    headers = httpsig.sign_request(method="POST", url=url, body=body, key_id=key_id, private_key=key)
    return body, headers


def test_tampered_unpaired_replayed_and_unknown_version_refused(cities):
    b = cities[B]
    # a test peer (黄冈) paired with B through the command, its private key held by this test
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = "421100:yiwang-http-v1"
    b.run(
        "federation",
        "pair",
        "421100",
        "--base-url",
        "http://127.0.0.1:9",
        "--key-id",
        key_id,
        "--public-key",
        base64.b64encode(public).decode(),
    )

    def envelope(**body):
        return {
            "kind": "case.forward",
            "id": f"421100:{uuid.uuid4().hex}",
            "from": "421100",
            "to": B,
            "sent_at": "2026-12-05T10:00:00+08:00",
            "body": {"number": f"TB421100{uuid.uuid4().hex[:8]}", **body},
        }

    good = envelope(
        item_code=b.item,
        item_version=1,
        form=_citizen_form(),
        materials=MATERIALS,
        applicant={"name": "张伟", "id_number": make_ric(serial=101), "phone": "13800138000"},
    )
    body, headers = _signed(b, good, key=key, key_id=key_id)
    # tampered: the body changed after signing
    tampered = body.replace("张伟".encode(), "李四".encode())
    status, out = b.request("POST", "/api/v1/federation/peer/inbox", raw=tampered, headers=headers)
    assert status == 401 and out["code"] == "signature_invalid", out
    # the genuine one is applied …
    status, out = b.request("POST", "/api/v1/federation/peer/inbox", raw=body, headers=headers)
    assert status == 200 and out["status"] == "applied", out
    first = out["result"]["number"]
    # … the very same signed request again is a replay
    status, out = b.request("POST", "/api/v1/federation/peer/inbox", raw=body, headers=headers)
    assert status == 401 and out["code"] == "replayed", out
    # delivered twice (a retry: a new signature, the same idempotency key): applied once
    body2, headers2 = _signed(b, good, key=key, key_id=key_id)
    status, out = b.request("POST", "/api/v1/federation/peer/inbox", raw=body2, headers=headers2)
    assert status == 200 and out["status"] == "duplicate" and out["result"]["number"] == first
    assert b.sql(
        "select count(*) from federation_inboundcase where remote_number=?", good["body"]["number"]
    ) == [(1,)]
    # signed by a city B has not paired with (孝感, registered unpaired)
    stranger = Ed25519PrivateKey.generate()
    bad = envelope(item_code=b.item, item_version=1)
    bad["from"] = "420900"
    body, headers = _signed(b, bad, key=stranger, key_id="420900:yiwang-http-v1")
    status, out = b.request("POST", "/api/v1/federation/peer/inbox", raw=body, headers=headers)
    assert status == 401 and out["code"] in {"unknown_key", "unpaired_key"}, out
    # an item version B does not publish
    old = envelope(
        item_code=b.item,
        item_version=7,
        form=_citizen_form(),
        materials=MATERIALS,
        applicant={"name": "张伟", "id_number": make_ric(serial=101)},
    )
    body, headers = _signed(b, old, key=key, key_id=key_id)
    status, out = b.request("POST", "/api/v1/federation/peer/inbox", raw=body, headers=headers)
    assert status == 422 and out["code"] == "unknown_item_version", out
    reasons = dict(b.sql("select reason_code, reason from federation_peermessage where status='refused'"))
    assert {"signature_invalid", "replayed", "unknown_item_version"} <= set(reasons)
    assert all(reasons[c] for c in ("signature_invalid", "replayed", "unknown_item_version"))
    assert {"unknown_key", "unpaired_key"} & set(reasons)


WITNESS = """
import django
django.setup()
from yiwang.ledger import services
services.sequencer_run()
print(services.witnesses_collect())
"""


def test_paired_cities_witness_each_others_ledger(cities):
    a, b = cities[A], cities[B]
    status, out = _forward(a, b, a.token("citizen"))  # B's ledger gets new entries: a case filed
    assert status == 201 and out["remote_number"], out
    # pairing registered each log with the other city as its witness (the card's ledger fields)
    assert a.sql("select origin from ledger_witnesspeer") == [("yiwang.420700/ledger",)]
    assert b.sql("select name from ledger_witness") == [("yiwang.420100/witness",)]
    # B's ledger holds its cases' events; A cosigns B's checkpoint
    assert int(b.run("-c", WITNESS, python=True).strip().splitlines()[-1]) >= 1
    with urllib.request.urlopen(b.url + "/api/v1/ledger/checkpoint", timeout=30) as r:
        checkpoint = r.read().decode()
    assert checkpoint.startswith("yiwang.420700/ledger\n")
    assert "— yiwang.420100/witness " in checkpoint


RESEND = """
import django, sys
django.setup()
from yiwang.core import outbox
from yiwang.core.models import OutboxMessage
from yiwang.federation import services
m = OutboxMessage.objects.get(idempotency_key__contains=":" + sys.argv[1] + ":")
services.send_peer_message(outbox.OutboxEnvelope(
    id=m.pk, topic=m.topic, key=m.key, payload=m.payload, idempotency_key=m.idempotency_key,
    destination=m.destination, attempt=m.attempts + 1, timeout=30.0))
print("resent")
"""


def test_supplement_requested_in_b_answered_through_a(cities):
    """B asks for a supplement; the person sees it in A (API, message, page) and answers there; A
    checks the files against B's guide and forwards them; B applies them once as the applicant's
    补正 on its own case, even when A's message arrives twice."""
    a, b = cities[A], cities[B]
    citizen = a.token("citizen")
    status, out = _forward(a, b, citizen)
    assert status == 201, out
    number, remote = out["number"], out["remote_number"]
    _act(b, remote, b.token("clerk"), "request_supplement", missing=["营业场所平面图"], note="请加盖公章")
    status, out = a.request("GET", f"/api/v1/federation/cases/{number}", token=citizen)
    assert out["status"] == "supplement_requested" and out["supplement_open"] is True, out
    assert out["events"][-1]["missing"] == ["营业场所平面图"]
    status, inbox = a.request("GET", "/api/v1/notifications", token=citizen)
    notes = [n for n in inbox["items"] if number in n["subject"]]
    assert notes[0]["kind"] == "federation.supplement_requested", notes
    assert "营业场所平面图" in notes[0]["body"] and notes[0]["link"].endswith(f"/my/tongban/{number}/")
    # a file of a kind B does not accept is refused in A, before anything is sent
    bad = [{"code": "other", "name": "平面图.exe", "content_base64": b64(b"MZ\x90\x00")}]
    status, out = a.request(
        "POST", f"/api/v1/federation/cases/{number}/supplement", token=citizen, body={"materials": bad}
    )
    assert status == 422, out
    plan = [{"code": "other", "name": "平面图.pdf", "content_base64": b64(MINIMAL_PDF)}]
    status, out = a.request(
        "POST", f"/api/v1/federation/cases/{number}/supplement", token=citizen, body={"materials": plan}
    )
    assert status == 200, out
    assert out["status"] == "submitted" and out["supplement_open"] is False, out  # B applied it and reported
    status, out = a.request(
        "POST", f"/api/v1/federation/cases/{number}/supplement", token=citizen, body={"materials": plan}
    )
    assert status == 409 and out["code"] == "invalid_transition", out
    # B: the applicant's 补正 on its own case, noted as received through A, the file stored
    status, detail = b.request("GET", f"/api/v1/cases/{remote}", token=b.token("clerk"))
    assert detail["status"] == "submitted"
    supplements = [e for e in detail["events"] if e["action"] == "supplement"]
    assert len(supplements) == 1 and number in supplements[0]["note"], detail["events"]
    case_id = b.sql("select id from cases_case where number=?", remote)[0][0]
    assert b.sql("select count(*) from cases_casematerial where case_id=?", case_id) == [(2,)]
    # the same message delivered again (a retry after a lost answer): applied once
    assert "resent" in a.run("-c", RESEND, "supp:" + number, python=True)
    assert b.sql(
        "select status from federation_peermessage where kind='case.supplement' and case_ref=? order by id",
        number,
    ) == [("applied",), ("duplicate",)]
    status, detail = b.request("GET", f"/api/v1/cases/{remote}", token=b.token("clerk"))
    assert [e["action"] for e in detail["events"]].count("supplement") == 1
    # B goes on with the supplemented case; the person follows it in A
    _act(b, remote, b.token("clerk"), "accept")
    status, out = a.request("GET", f"/api/v1/federation/cases/{number}", token=citizen)
    assert out["status"] == "accepted"
    assert [e["status"] for e in out["events"]] == [
        "submitted",
        "supplement_requested",
        "submitted",
        "accepted",
    ]


def test_joint_case_one_intake_parts_decided_in_a_and_b(cities):
    """多地联办: the person applies once in A for A's item and B's item; A files its part in its own
    queue and forwards B's part (signed, with the joint case's description); each city decides
    its part on its own; the person follows one number and gets both cities' results."""
    a, b = cities[A], cities[B]
    citizen = a.token("citizen")
    part = {"form": _citizen_form(), "materials": MATERIALS}
    status, out = a.request(
        "POST",
        "/api/v1/federation/joint-cases",
        token=citizen,
        body={
            "parts": [{"city": A, "item_code": a.item, **part}, {"city": B, "item_code": b.item, **part}],
            "channel": "online",
        },
    )
    assert status == 201, out
    joint = out["number"]
    local, remote_part = out["parts"]
    assert (local["role"], local["city"], local["status"]) == ("local", A, "submitted")
    assert (remote_part["role"], remote_part["city"]) == ("peer", B)
    assert out["status"] == "in_progress" and out["status_label"] == "办理中"
    mine, theirs = local["number"], remote_part["remote_number"]
    assert theirs, remote_part  # B answered at commit with its own case number
    # B filed its part knowing the whole: the joint number and A's part
    [(described,)] = b.sql(
        "select joint from federation_inboundcase where remote_number=?", remote_part["number"]
    )
    described = json.loads(described)
    assert described["number"] == joint and described["city"] == A
    assert [(p["city"], p["number"]) for p in described["parts"]] == [(A, mine), (B, remote_part["number"])]
    # each city decides its own part, with its own staff
    for city, number in ((a, mine), (b, theirs)):
        _act(city, number, city.token("clerk"), "accept")
        _act(city, number, city.token("reviewer"), "review", note="材料齐全")
        _act(city, number, city.token("approver"), "approve")
    status, out = a.request("GET", f"/api/v1/federation/joint-cases/{joint}", token=citizen)
    assert [p["status"] for p in out["parts"]] == ["approved", "approved"] and out["status"] == "in_progress"
    _act(a, mine, a.token("approver"), "complete", delivery="electronic")
    _act(b, theirs, b.token("approver"), "complete", delivery="electronic")
    # B follows A's part too (`joint.status`, in order after the forward of B's part)
    a.run("federation", "deliver")
    [(described,)] = b.sql(
        "select joint from federation_inboundcase where remote_number=?", remote_part["number"]
    )
    assert json.loads(described)["parts"][0]["status"] == "completed", described
    status, out = a.request("GET", f"/api/v1/federation/joint-cases/{joint}", token=citizen)
    assert status == 200, out
    assert out["status"] == "completed" and out["status_label"] == "全部办结", out
    local, remote_part = out["parts"]
    assert [e["status"] for e in local["events"]][-1] == "completed"
    assert [e["status"] for e in remote_part["events"]] == [
        "submitted",
        "accepted",
        "reviewed",
        "approved",
        "completed",
    ]
    # results from both cities: A's own licence, and B's, verified in A with B's key
    [mine_lic], [their_lic] = local["licenses"], remote_part["licenses"]
    assert mine_lic["verified"] and mine_lic["issuer_name"].startswith("武汉市"), mine_lic
    assert their_lic["verified"] and their_lic["issuer_name"].startswith("鄂州市"), their_lic
    # one number for the person; A's departments see A's part only through its own case rules
    assert a.request("GET", f"/api/v1/federation/joint-cases/{joint}", token=a.token("reviewer"))[0] == 200
    assert a.request("GET", f"/api/v1/federation/joint-cases/{joint}", token=b.token("citizen"))[0] in (
        401,
        404,
    )
    # B applied its part's forward once, then A's part's events (joint.status), each once
    kinds = b.sql(
        "select kind, count(*) from federation_peermessage where direction='in' and status='applied'"
        " and case_ref=? group by kind order by kind",
        remote_part["number"],
    )
    assert kinds == [("case.forward", 1), ("joint.status", len(local["events"]))], kinds


# The Celery beat sweep of A over hours of simulated time, in one process: jump to each moment a
# message of A's outbox is due (nothing happens in between), run the sweep there, stop before
# `until` (when B is back). Prints each attempt's moment and outcome.
SWEEP_UNTIL = """
import django, json, sys
django.setup()
import time_machine
from yiwang.core.models import OutboxMessage
from yiwang.core.tasks import outbox_sweep
until = float(sys.argv[1])
runs = []
while True:
    due = (
        OutboxMessage.objects.filter(status__in=["pending", "retrying"])
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if due is None or due.timestamp() >= until:
        break
    with time_machine.travel(due.timestamp() + 0.001, tick=False):
        outbox_sweep()
    runs.append(due.timestamp())
print(json.dumps(runs))
"""

REAL_SCHEDULE = {"YIWANG_OUTBOX_BACKOFF_BASE": "10", "YIWANG_OUTBOX_BACKOFF_CAP": "3600"}


def test_b_down_for_hours_simulated_clock_nothing_lost_nothing_twice(cities):
    """B stops mid-flow (a supplement requested, the person answers in A; a second case forwarded)
    and comes back three hours later on a simulated clock that every city's processes share
    (`testclock.command`): A's outbox retries on the platform's own backoff schedule (10 s doubling
    to 1 h, 24 attempts) over those hours; each message is applied once in B, no dead letter in
    either city, both cases' states agree. The wall time is seconds: time jumps."""
    import datetime as dt

    import time_machine

    a, b = cities[A], cities[B]
    saved = a.env
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    back = start + dt.timedelta(hours=3)
    try:
        with time_machine.travel(start, tick=True):
            a.stop()  # A retries on the platform's schedule, not the suite's quick one
            a.env = {**a.env, **REAL_SCHEDULE}
            a.start()
            citizen = a.token("citizen")
            _guide_cached(a, b)
            status, out = _forward(a, b, citizen)
            assert status == 201 and out["remote_number"], out
            first, first_remote = out["number"], out["remote_number"]
            _act(b, first_remote, b.token("clerk"), "request_supplement", missing=["营业场所平面图"])
            b.stop()  # mid-flow: B asked for a supplement, then went down
            plan = [{"code": "other", "name": "平面图.pdf", "content_base64": b64(MINIMAL_PDF)}]
            status, out = a.request(
                "POST",
                f"/api/v1/federation/cases/{first}/supplement",
                token=citizen,
                body={"materials": plan},
            )
            assert status == 200 and out["status"] == "supplement_requested", out  # sent, not yet applied
            status, out = _forward(a, b, citizen)
            assert status == 201 and out["remote_number"] is None, out
            second = out["number"]
            pending = "select count(*) from core_outboxmessage where status in ('pending','retrying') and key in (?, ?)"
            assert a.sql(pending, first, second) == [(2,)]
            # hours pass; A's sweep tries on its backoff schedule, B still down
            runs = json.loads(a.run("-c", SWEEP_UNTIL, str(back.timestamp()), python=True).splitlines()[-1])
            assert len(runs) >= 6 and runs == sorted(runs), runs
            assert runs[-1] - runs[0] > 3600, runs  # the retries spread over hours, not seconds
            assert a.sql(
                "select count(*) from core_outboxmessage where status='dead' and key in (?, ?)", first, second
            ) == [(0,)]
            assert a.sql(pending, first, second) == [(2,)]  # still waiting, nothing lost
            # B comes back when the next sweep finds the messages due; A and B restarted at that
            # moment of the simulated clock, so their signatures' `created` agree
            [(latest,)] = a.sql(
                "select max(next_attempt_at) from core_outboxmessage where status in ('pending','retrying')"
            )
            latest = dt.datetime.fromisoformat(latest).replace(tzinfo=dt.UTC)
            resume = max(back, latest) + dt.timedelta(seconds=1)
        with time_machine.travel(resume, tick=True):
            a.stop()
            a.start()
            b.start()
            a.run("federation", "deliver")
            a.run("federation", "deliver")  # a second sweep finds nothing more to send
            # every message of A applied exactly once in B, none refused, no dead letter
            applied = b.sql(
                "select idempotency_key, count(*) from federation_peermessage where direction='in'"
                " and status='applied' and case_ref in (?, ?) group by idempotency_key",
                first,
                second,
            )
            assert len(applied) == 3 and all(n == 1 for _, n in applied), applied  # 2 forwards, 1 supplement
            assert b.sql(
                "select count(*) from federation_peermessage where direction='in' and case_ref in (?, ?)"
                " and status not in ('applied', 'duplicate')",
                first,
                second,
            ) == [(0,)]
            for city in (a, b):
                assert city.sql(
                    "select count(*) from core_outboxmessage where status != 'sent' and key in (?, ?)",
                    first,
                    second,
                ) == [(0,)]
            # the cases, in both cities
            status, out = a.request("GET", f"/api/v1/federation/cases/{second}", token=citizen)
            second_remote = out["remote_number"]
            assert second_remote and out["status"] == "submitted", out
            assert b.sql("select count(*) from federation_inboundcase where remote_number=?", second) == [
                (1,)
            ]
            _act(b, second_remote, b.token("clerk"), "accept")
            status, detail = b.request("GET", f"/api/v1/cases/{first_remote}", token=b.token("clerk"))
            assert detail["status"] == "submitted"
            assert [e["action"] for e in detail["events"]].count("supplement") == 1
            status, out = a.request("GET", f"/api/v1/federation/cases/{first}", token=citizen)
            assert [e["status"] for e in out["events"]] == ["submitted", "supplement_requested", "submitted"]
            status, out = a.request("GET", f"/api/v1/federation/cases/{second}", token=citizen)
            assert [e["status"] for e in out["events"]] == ["submitted", "accepted"], out
            # B's reports (3 events) reached A once each
            for number, n in ((first, 3), (second, 2)):
                assert a.sql(
                    "select count(*) from federation_outboundevent e join federation_outboundcase c"
                    " on c.id=e.case_id where c.number=?",
                    number,
                ) == [(n,)]
            # the 补正 and the forward were signed when sent, hours after they were written
            [(sent_at,)] = a.sql(
                "select last_attempt_at from core_outboxmessage where key=? and status='sent'", second
            )
            assert dt.datetime.fromisoformat(sent_at).replace(tzinfo=dt.UTC) >= back
    finally:
        # the other tests run on the real clock: A and B back to it, A with the suite's schedule
        a.env = saved
        for city in (a, b):
            city.stop()
            city.start()


def test_joint_case_withdrawn_as_a_whole_in_both_cities(cities):
    """多地联办 withdrawn at once: A's part by A's own withdraw transition, B's part by B's (a signed
    `case.withdraw` through A's outbox, after the forward); B reports it back; the joint case is
    withdrawn in A, and B's description of A's part says so too."""
    a, b = cities[A], cities[B]
    citizen = a.token("citizen")
    part = {"form": _citizen_form(), "materials": MATERIALS}
    status, out = a.request(
        "POST",
        "/api/v1/federation/joint-cases",
        token=citizen,
        body={"parts": [{"city": A, "item_code": a.item, **part}, {"city": B, "item_code": b.item, **part}]},
    )
    assert status == 201, out
    joint, (mine, theirs) = out["number"], out["parts"]
    assert theirs["remote_number"], theirs
    _act(b, theirs["remote_number"], b.token("clerk"), "accept")  # B has accepted its part
    status, out = a.request(
        "POST", f"/api/v1/federation/joint-cases/{joint}/withdraw", token=citizen, body={}
    )
    assert status == 200, out
    a.run("federation", "deliver")
    status, out = a.request("GET", f"/api/v1/federation/joint-cases/{joint}", token=citizen)
    assert [p["status"] for p in out["parts"]] == ["withdrawn", "withdrawn"], out
    assert out["status"] == "withdrawn" and out["withdrawable"] is False
    assert a.sql("select status from cases_case where number=?", mine["number"]) == [("withdrawn",)]
    assert b.sql("select status from cases_case where number=?", theirs["remote_number"]) == [("withdrawn",)]
    assert b.sql(
        "select count(*) from federation_peermessage where direction='in' and kind='case.withdraw'"
        " and status='applied' and case_ref=?",
        theirs["number"],
    ) == [(1,)]
    [(described,)] = b.sql("select joint from federation_inboundcase where remote_number=?", theirs["number"])
    assert json.loads(described)["parts"][0]["status"] == "withdrawn", described
    status, out = a.request(
        "POST", f"/api/v1/federation/joint-cases/{joint}/withdraw", token=citizen, body={}
    )
    assert status == 409, out
