"""一圈通办 in one instance (the test database): peers and pairing, the public lists, the signed
item list, and the inbox filing a peer's case once and reporting its changes through the outbox."""

from __future__ import annotations

import base64
import io
import json
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from yiwang.cases.models import Case
from yiwang.catalog.models import ItemVersion
from yiwang.core.models import OutboxMessage
from yiwang.core.testing import good_form, good_materials, make_ric
from yiwang.exchange import httpsig
from yiwang.federation import protocol, services
from yiwang.federation.models import InboundCase, OutboundCase, Peer, PeerItem, PeerMessage

pytestmark = pytest.mark.django_db
PEER = "420700"
INBOX = "/api/v1/federation/peer/inbox"


def _paired_peer() -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = f"{PEER}:yiwang-http-v1"
    services.peer_pair(
        code=PEER, base_url="http://127.0.0.1:9", key_id=key_id, public_key=base64.b64encode(raw).decode()
    )
    return key, key_id


def _post_signed(client, envelope: dict, *, key, key_id: str):
    body = json.dumps(envelope, ensure_ascii=False).encode()
    headers = httpsig.sign_request(
        method="POST", url="http://testserver" + INBOX, body=body, key_id=key_id, private_key=key
    )
    sig = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return client.post(INBOX, body, content_type="application/json", headers=sig)


def test_demo_registers_the_other_eight_cities_unpaired(api):
    assert services.peers_register_metro() == 8
    assert services.peers_register_metro() == 0
    out = api().get("/api/v1/federation/peers").json()
    assert out["count"] == 8
    assert {p["status"] for p in out["items"]} == {"unpaired"}
    assert protocol.own_code() not in {p["code"] for p in out["items"]}
    assert api().get(f"/api/v1/federation/items?peer={PEER}").json()["items"] == []  # not fetched yet
    r = api().get("/api/v1/federation/items?peer=110000")
    assert r.status_code == 422 and r.json()["code"] == "unknown_peer"


def test_pairing_needs_the_peers_own_key_id_and_a_real_key(tmp_path):
    services.peers_register_metro()
    card = tmp_path / "card.json"
    card.write_text(
        json.dumps({"code": PEER, "base_url": "http://x", "key_id": "420200:k", "public_key": "AAAA"})
    )
    with pytest.raises(CommandError, match="420700:"):
        call_command("federation", "pair", "--card", str(card))
    with pytest.raises(CommandError, match="32"):
        call_command(
            "federation",
            "pair",
            PEER,
            "--base-url",
            "http://x",
            "--key-id",
            f"{PEER}:k",
            "--public-key",
            "AAAA",
        )
    assert Peer.objects.get(code=PEER).status == "unpaired"
    _paired_peer()
    out = io.StringIO()
    call_command("federation", "peers", stdout=out)
    assert f"{PEER} 鄂州市 paired" in out.getvalue()


def test_the_signed_item_list_has_only_cross_city_items(world, client):
    ItemVersion.objects.filter(item=world.item).update(cross_city_scope="都市圈")
    r = client.get("/api/v1/federation/peer/items")
    assert r.status_code == 200
    assert [i["code"] for i in r.json()["items"]] == [world.item.code]
    key_id = httpsig.verify_response(
        status=200,
        headers=r.headers.items(),
        body=r.content,
        public=lambda kid: httpsig.own_public_key(kid.split(":", 1)[1]),
    )
    assert key_id.startswith(protocol.own_code() + ":")
    assert client.get(f"/api/v1/federation/peer/items/{world.item2.code}").status_code == 404


def test_inbox_files_once_and_reports_changes_back(world, client, django_capture_on_commit_callbacks):
    ItemVersion.objects.filter(item=world.item).update(cross_city_scope="都市圈")
    key, key_id = _paired_peer()
    number = f"TB{PEER}{uuid.uuid4().hex[:8]}"
    id_number = make_ric(serial=555)
    envelope = {
        "kind": "case.forward",
        "id": f"{PEER}:fwd:{number}",
        "from": PEER,
        "to": protocol.own_code(),
        "sent_at": "2026-12-05T10:00:00+08:00",
        "body": {
            "number": number,
            "item_code": world.item.code,
            "item_version": 1,
            "form": good_form(**{"applicant.id_number": id_number, "applicant.name": "赵六"}),
            "materials": good_materials(),
            "applicant": {"name": "赵六", "id_number": id_number, "phone": "13700137000"},
            "identity": {"checked_by_city": PEER, "method": "hall_window_id_card"},
            "receipt": {"city": PEER, "number": number},
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = _post_signed(client, envelope, key=key, key_id=key_id)
    assert r.status_code == 200 and r.json()["status"] == "applied", r.content
    local = r.json()["result"]["number"]
    case = Case.objects.get(number=local)
    assert case.status == "submitted" and case.owner.id_number == id_number
    inbound = InboundCase.objects.get(case=case)
    assert inbound.receipt["number"] == number and inbound.identity["method"] == "hall_window_id_card"
    # a second delivery of the same message (new signature, same id): answered, not applied again
    r = _post_signed(client, envelope, key=key, key_id=key_id)
    assert r.json() == {"status": "duplicate", "result": {"number": local, "status": "submitted"}}
    assert Case.objects.filter(owner=case.owner).count() == 1
    # the submission is reported back through the outbox, keyed by the peer's number (in order)
    status = OutboxMessage.objects.filter(topic=services.TOPIC_STATUS, key=number)
    assert [m.payload["body"]["status"] for m in status] == ["submitted"]
    assert status.get().destination == PEER
    assert status.get().status == "retrying"  # the peer (port 9) does not answer: tried, kept
    log = PeerMessage.objects.filter(direction="in", case_ref=number).order_by("pk")
    assert [m.status for m in log] == ["applied", "duplicate"]
    assert "验签通过" in log[0].verification and log[0].headers.get("Signature")


def test_inbox_refuses_an_unsigned_or_misaddressed_message(world, client):
    key, key_id = _paired_peer()
    r = client.post(INBOX, {"kind": "case.forward", "id": "x"}, content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "signature_missing"
    envelope = {
        "kind": "case.status",
        "id": f"{PEER}:s1",
        "from": "420200",
        "to": protocol.own_code(),
        "body": {},
    }
    r = _post_signed(client, envelope, key=key, key_id=key_id)
    assert r.status_code == 422 and r.json()["code"] == "peer_mismatch"
    envelope["from"] = PEER
    envelope["body"] = {"number": "TB-none", "seq": 1, "status": "accepted"}
    r = _post_signed(client, envelope, key=key, key_id=key_id)
    assert r.status_code == 422 and r.json()["code"] == "unknown_case"
    refused = PeerMessage.objects.filter(status="refused").values_list("reason_code", "reason")
    assert {c for c, _ in refused} == {"signature_missing", "peer_mismatch", "unknown_case"}
    assert all(reason for _, reason in refused)


def test_the_message_log_page_searches_and_masks(world, client):
    key, key_id = _paired_peer()
    number = "TB420700PAGE0001"
    id_number = make_ric(serial=777)
    envelope = {
        "kind": "case.forward",
        "id": f"{PEER}:fwd:{number}",
        "from": PEER,
        "to": protocol.own_code(),
        "body": {
            "number": number,
            "item_code": "nope",
            "item_version": 1,
            "applicant": {"name": "赵六", "id_number": id_number},
        },
    }
    assert _post_signed(client, envelope, key=key, key_id=key_id).json()["code"] == "unknown_item_version"
    client.force_login(world.citizen)
    assert client.get("/workbench/federation/messages/").status_code == 403
    client.force_login(world.platform_admin)
    page = client.get("/workbench/federation/messages/", {"q": number, "peer": PEER, "status": "refused"})
    assert page.status_code == 200 and number in page.content.decode()
    other = client.get("/workbench/federation/messages/", {"q": "TB-other"}).content.decode()
    assert "没有符合条件的消息" in other
    msg = PeerMessage.objects.get(case_ref=number)
    detail = client.get(f"/workbench/federation/messages/{msg.pk}/").content.decode()
    assert "验签通过" in detail and "与存档报文一致" in detail and "Signature-Input" in detail
    assert id_number not in detail and "赵六" not in detail  # masked
    main = detail.split("<main", 1)[-1]  # the page's own static scripts are in <head>
    assert "unknown_item_version" in detail and "<script" not in main and "style=" not in detail


def test_a_peer_that_does_not_answer_keeps_its_list_and_shows_unreachable(api):
    from yiwang.federation.tasks import items_fetch

    _paired_peer()  # at 127.0.0.1:9, where nothing answers
    assert items_fetch() == {PEER: "peer_unreachable"}
    peers = {p["code"]: p for p in api().get("/api/v1/federation/peers").json()["items"]}
    assert peers[PEER]["status"] == "unreachable" and peers[PEER]["status_label"] == "无法连接"
    assert api().get(f"/api/v1/federation/items?peer={PEER}").json()["items"] == []


def test_messages_sent_and_received_are_in_the_ledger_matched_by_hash(
    world, client, django_capture_on_commit_callbacks
):
    """B's received entry and its sent status entry name each message by the SHA-256 of its
    bytes (its Content-Digest); a duplicate delivery or a second follow writes nothing; `ledger
    verify` re-derives both kinds from the log and the outbox."""
    import hashlib

    from yiwang.ledger import audit
    from yiwang.ledger import services as ledger
    from yiwang.ledger.models import Entry, PendingEntry

    ItemVersion.objects.filter(item=world.item).update(cross_city_scope="都市圈")
    key, key_id = _paired_peer()
    number = f"TB{PEER}{uuid.uuid4().hex[:8]}"
    id_number = make_ric(serial=556)
    envelope = {
        "kind": "case.forward",
        "id": f"{PEER}:fwd:{number}",
        "from": PEER,
        "to": protocol.own_code(),
        "sent_at": "2026-12-05T10:00:00+08:00",
        "body": {
            "number": number,
            "item_code": world.item.code,
            "item_version": 1,
            "form": good_form(**{"applicant.id_number": id_number, "applicant.name": "赵六"}),
            "materials": good_materials(),
            "applicant": {"name": "赵六", "id_number": id_number},
        },
    }
    body = json.dumps(envelope, ensure_ascii=False).encode()
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_signed(client, envelope, key=key, key_id=key_id).json()["status"] == "applied"
    _post_signed(client, envelope, key=key, key_id=key_id)  # a duplicate: nothing more in the ledger

    def entries(kind):
        return [
            (json.loads(bytes(p.entry))["subject"], p.payload)
            for p in PendingEntry.objects.filter(kind=kind).order_by("id")
        ]

    received = entries("federation.message.received")
    sha = hashlib.sha256(body).hexdigest()
    assert received == [
        (
            f"sha256:{sha}",
            {"id": envelope["id"], "kind": "case.forward", "from": PEER, "to": protocol.own_code(),
             "case": number, "sha256": sha},
        )
    ]  # fmt: skip
    digest = PeerMessage.objects.get(direction="in", status="applied").headers["Content-Digest"]
    assert digest == f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"
    # the submission reported back: one sent entry, hashing the bytes the outbox sends
    sent = entries("federation.message.sent")
    message = OutboxMessage.objects.get(topic=services.TOPIC_STATUS, key=number)
    wire = protocol.dumps(OutboxMessage.objects.get(pk=message.pk).payload)
    assert sent == [
        (
            f"sha256:{hashlib.sha256(wire).hexdigest()}",
            {"id": message.idempotency_key, "kind": "case.status", "from": protocol.own_code(), "to": PEER,
             "case": number, "sha256": hashlib.sha256(wire).hexdigest()},
        )
    ]  # fmt: skip
    case = Case.objects.get(number=PeerMessage.objects.get(status="applied").result["number"])
    with django_capture_on_commit_callbacks(execute=True):
        services.federation_follow_case(case_id=case.pk, action="again")
    assert len(entries("federation.message.sent")) == 1
    ledger.sequencer_run()
    assert Entry.objects.filter(kind__startswith="federation.message.").count() == 2
    report = audit.ledger_verify()
    assert report.ok, report.problems
    # the log keeps the message encrypted at rest: the raw column holds no ID number, no name;
    # the model gives back the very bytes whose SHA-256 is the ledger subject
    raw = _raw_bodies()
    assert raw and all(b.startswith("enc1.") for b in raw.values())
    assert not any(id_number in b or "赵六" in b for b in raw.values())
    applied = PeerMessage.objects.get(direction="in", status="applied")
    assert hashlib.sha256(applied.body.encode()).hexdigest() == sha
    # an edited log row no longer matches its entry
    PeerMessage.objects.filter(direction="in", status="applied").update(
        body=body.decode().replace("赵六", "李四")
    )
    assert any("federation.message.received" in p for p in audit.ledger_verify().problems)


def _raw_bodies() -> dict[int, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, body FROM federation_peermessage")
        return dict(cursor.fetchall())


def test_the_data_migration_encrypts_the_bodies_logged_in_plain():
    """Rows written before 0004 hold the body in plain text: the migration encrypts them in place
    (once: an encrypted row is left alone), and reading gives the same text back."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    migration = importlib.import_module("yiwang.federation.migrations.0004_peer_message_body_encrypted")
    id_number = make_ric(serial=558)
    plain = json.dumps({"kind": "case.forward", "body": {"applicant": {"id_number": id_number}}})
    kept = PeerMessage.objects.create(
        direction="in", peer_code=PEER, kind="case.forward", idempotency_key="k2", status="applied",
        url="http://x", body=plain,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO federation_peermessage (direction, peer_code, kind, idempotency_key, case_ref,"
            " status, reason_code, reason, method, url, headers, body, verification, result, created_at)"
            " VALUES ('in', %s, 'case.forward', 'k1', '', 'applied', '', '', 'POST', 'http://x', '{}',"
            " %s, '', '{}', CURRENT_TIMESTAMP)",
            [PEER, plain],
        )
    old = next(pk for pk, body in _raw_bodies().items() if body == plain)
    before = _raw_bodies()[kept.pk]
    migration.encrypt_bodies(None, SimpleNamespace(connection=connection))  # what it uses of the editor
    raw = _raw_bodies()
    assert raw[old].startswith("enc1.") and id_number not in raw[old]
    assert raw[kept.pk] == before  # already encrypted: untouched
    assert PeerMessage.objects.get(pk=old).body == plain == PeerMessage.objects.get(pk=kept.pk).body


def _peer_publishes_world_item(world) -> PeerItem:
    """The paired peer (at 127.0.0.1:9, down) publishes world.item: its guide as last fetched."""
    from django.utils import timezone

    ItemVersion.objects.filter(item=world.item).update(cross_city_scope="都市圈")
    guide = services.published_guide(world.item.code)
    return PeerItem.objects.create(
        peer=Peer.objects.get(code=PEER),
        code=world.item.code,
        name=guide["name"],
        item_version=guide["version"],
        scope="都市圈",
        modes=["remote_intake"],
        guide=guide,
        fetched_at=timezone.now(),
    )


def test_citizen_finds_applies_follows_and_answers_a_supplement_on_pages(
    world, client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.core.testing import MINIMAL_PDF
    from yiwang.notifications.models import Notification

    key, key_id = _paired_peer()
    item = _peer_publishes_world_item(world)
    page = client.get("/tongban/", {"q": item.name[:4]}).content.decode()
    assert item.name in page and "可在本地代收" in page and f"/tongban/{PEER}/{item.code}/apply/" in page
    assert "没有找到" in client.get("/tongban/", {"q": "不存在的事项"}).content.decode()
    apply_url = f"/tongban/{PEER}/{item.code}/apply/"
    assert client.get(apply_url).status_code == 302  # login first
    client.force_login(world.citizen)
    form = client.get(apply_url)
    assert form.status_code == 200 and "提交并转交鄂州市" in form.content.decode()
    values = good_form(**{"applicant.id_number": world.citizen.id_number, "applicant.name": "张伟"})
    # a missing required material: the page says which, nothing is forwarded
    r = client.post(apply_url, {**values, "idempotency_token": "t1"})
    assert r.status_code == 422 and "请上传" in r.content.decode()
    assert not OutboxMessage.objects.filter(topic=services.TOPIC_FORWARD).exists()
    files = {
        f"m-{m['code']}": SimpleUploadedFile(f"{m['code']}.pdf", MINIMAL_PDF, "application/pdf")
        for m in item.guide["materials"]
        if m["required"] and m["material_form"] in ("2", "3")
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(apply_url, {**values, "idempotency_token": "t2", **files})
    assert r.status_code == 302, r.content.decode()[:2000]
    oc = OutboundCase.objects.get(owner=world.citizen)
    assert r["Location"] == f"/my/tongban/{oc.number}/"
    assert (
        OutboxMessage.objects.get(topic=services.TOPIC_FORWARD, key=oc.number).payload["kind"]
        == "case.forward"
    )
    mine = client.get("/my/tongban/").content.decode()
    assert oc.number in mine and "转办中" in mine
    # the peer filed it and asks for a supplement: the person is told and the page offers the form
    for seq, action, status, extra in (
        (2, "submit", "submitted", {}),
        (3, "request_supplement", "supplement_requested", {"missing": ["营业场所平面图"]}),
    ):
        envelope = {
            "kind": "case.status",
            "id": f"{PEER}:status:CP9:{seq}",
            "from": PEER,
            "to": protocol.own_code(),
            "body": {"number": oc.number, "remote_number": "CP9", "seq": seq, "action": action,
                     "status": status, "note": "请加盖公章" if extra else "", **extra},
        }  # fmt: skip
        assert _post_signed(client, envelope, key=key, key_id=key_id).json()["status"] == "applied"
    note = Notification.objects.get(recipient=world.citizen, kind="federation.supplement_requested")
    assert "营业场所平面图" in note.body and oc.number in note.title
    page = client.get(f"/my/tongban/{oc.number}/").content.decode()
    assert "营业场所平面图" in page and "提交补正材料" in page and "需补正材料" in page
    r = client.post(f"/my/tongban/{oc.number}/", {})
    assert r.status_code == 422 and "请上传需补正的材料" in r.content.decode()
    upload = SimpleUploadedFile("plan.pdf", MINIMAL_PDF, "application/pdf")
    code = item.guide["materials"][0]["code"]
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/my/tongban/{oc.number}/", {f"m-{code}": upload})
    assert r.status_code == 302
    sent = OutboxMessage.objects.get(topic=services.TOPIC_FORWARD, idempotency_key__contains=":supp:")
    assert sent.payload["kind"] == "case.supplement" and sent.payload["body"]["request_seq"] == 3
    assert [m["code"] for m in sent.payload["body"]["materials"]] == [code]
    page = client.get(f"/my/tongban/{oc.number}/").content.decode()
    assert "提交补正材料" not in page  # answered: the form is gone until the peer asks again
    # another citizen sees nothing of it
    client.force_login(world.citizen2)
    assert client.get(f"/my/tongban/{oc.number}/").status_code == 404


def test_a_hall_kiosk_offers_other_cities_items_and_files_on_the_kiosk_channel(
    world, client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.core.testing import MINIMAL_PDF
    from yiwang.halls import devices, terminals

    _paired_peer()
    item = _peer_publishes_world_item(world)
    terminal, _ = terminals.terminal_register(
        code="smzj-01",
        name="市民之家自助终端 01",
        site_kind="hall",
        site_name="武汉市民之家",
        hall=world.hall,
        region=world.city,
        items=[world.item2],
        account_username="kiosk",
    )
    client.cookies[devices.PAIRING_COOKIE] = devices.pairing_value(terminal)
    client.force_login(world.citizen)  # as the kiosk's 电子身份码 login does
    assert "/tongban/" in client.get("/kiosk/").content.decode()
    files = {
        f"m-{m['code']}": SimpleUploadedFile(f"{m['code']}.pdf", MINIMAL_PDF, "application/pdf")
        for m in item.guide["materials"]
        if m["required"] and m["material_form"] in ("2", "3")
    }
    values = good_form(**{"applicant.id_number": world.citizen.id_number, "applicant.name": "张伟"})
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/tongban/{PEER}/{item.code}/apply/", {**values, "idempotency_token": "k1", **files})
    assert r.status_code == 302
    oc = OutboundCase.objects.get(owner=world.citizen)
    body = OutboxMessage.objects.get(topic=services.TOPIC_FORWARD, key=oc.number).payload["body"]
    assert oc.channel == "kiosk" and body["receipt"]["channel"] == "kiosk"
    assert oc.hall == world.hall  # received at the kiosk's hall: its clerks follow it
    assert body["identity"]["method"] == "kiosk_login"


def test_a_case_received_for_a_peer_is_seen_only_by_the_staff_who_received_it(world, api):
    """As for local cases: the person, the clerks of the hall that received it (online: the city's
    综合窗口), supervisors of the region and platform admins; another hall's clerk and this city's
    department staff (the peer decides it) get 404 — and only the person or a window answers a
    supplement."""
    from yiwang.accounts.tests.factories import StaffFactory
    from yiwang.core.testing import good_materials
    from yiwang.organizations.models import Region
    from yiwang.organizations.tests.factories import (
        RegionFactory,
        ServiceHallFactory,
        StaffRoleFactory,
        WindowFactory,
    )

    _paired_peer()
    _peer_publishes_world_item(world)
    form = good_form(**{"applicant.id_number": world.citizen.id_number, "applicant.name": "张伟"})
    at_window = services.federated_case_submit(
        actor=world.clerk,
        peer_code=PEER,
        item_code=world.item.code,
        form=form,
        materials=good_materials(),
        channel="window",
        parties={"applicant": {"name": "张伟", "id_number": world.citizen.id_number}},
    )
    online = services.federated_case_submit(
        actor=world.citizen,
        peer_code=PEER,
        item_code=world.item.code,
        form=form,
        materials=good_materials(),
        channel="online",
    )
    assert (at_window.hall, at_window.region) == (world.hall, world.city)
    assert (online.hall, online.region) == (None, world.city)
    # a clerk of another department, at a department window of another hall (and another city:
    # 黄石's hall registered here for the test)
    other_city = RegionFactory(code="420200", name="黄石市", level="city")
    other_hall = ServiceHallFactory(name="黄石市民之家", region=other_city, address="", hours="", phone="")
    dept_clerk = StaffFactory(username="clerk3", display_name="窗口丙")
    StaffRoleFactory(
        user=dept_clerk,
        role="clerk",
        region=other_city,
        window=WindowFactory(hall=other_hall, number="9", kind="department", departments=[world.dept2]),
    )
    assert Region.objects.get(code="420100") == world.city

    def sees(user, oc) -> int:
        return api(user).get(f"/api/v1/federation/cases/{oc.number}").status_code

    for user in (world.citizen, world.clerk, world.supervisor, world.platform_admin):
        assert sees(user, at_window) == 200, user
    for user in (world.clerk_other_hall, dept_clerk, world.reviewer, world.approver2, world.dept_admin,
                 world.citizen2):  # fmt: skip
        assert sees(user, at_window) == 404, user
    # online: any 综合窗口 of the city (the person may bring a supplement there); not another
    # city's hall, nor department staff
    for user in (world.citizen, world.clerk, world.clerk_other_hall, world.supervisor):
        assert sees(user, online) == 200, user
    for user in (dept_clerk, world.reviewer, world.approver, world.citizen2):
        assert sees(user, online) == 404, user
    # a supervisor reads but does not answer for the person
    r = api(world.supervisor).post(
        f"/api/v1/federation/cases/{online.number}/supplement",
        {"materials": good_materials(), "channel": "window"},
    )
    assert r.status_code == 403, r.content


def test_a_joint_case_files_every_part_or_none(world, api, django_capture_on_commit_callbacks):
    """多地联办 in one instance (the peer down, its guide cached): parts checked first — a peer
    part failing the peer's guide, or no part for this city, files nothing; a good application
    files this city's part in its own queue and forwards the peer's, described as one joint case."""
    from yiwang.federation.models import JointCase

    _paired_peer()
    _peer_publishes_world_item(world)
    form = good_form(**{"applicant.id_number": world.citizen.id_number, "applicant.name": "张伟"})
    mine = {
        "city": protocol.own_code(),
        "item_code": world.item.code,
        "form": form,
        "materials": good_materials(),
    }
    theirs = {"city": PEER, "item_code": world.item.code, "form": form, "materials": good_materials()}
    url = "/api/v1/federation/joint-cases"
    r = api(world.citizen).post(url, {"parts": [theirs, {**theirs, "city": "420200"}]})
    assert r.status_code == 422 and "parts" in r.json()["fields"], r.content
    r = api(world.citizen).post(url, {"parts": [mine, {**theirs, "materials": []}]})
    assert r.status_code == 422 and any(k.startswith("parts.1.materials") for k in r.json()["fields"]), (
        r.json()
    )
    r = api(world.citizen).post(url, {"parts": [{**mine, "form": {}}, theirs]})
    assert r.status_code == 422 and any(k.startswith("parts.0.") for k in r.json()["fields"]), r.json()
    assert not Case.objects.exists() and not OutboundCase.objects.exists() and not JointCase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        r = api(world.citizen).post(url, {"parts": [mine, theirs]})
    assert r.status_code == 201, r.content
    out = r.json()
    joint = JointCase.objects.get(number=out["number"])
    assert joint.case.owner == world.citizen and joint.case.status == "submitted"
    [oc] = joint.parts.all()
    assert oc.status == "forwarding" and out["parts"][1]["number"] == oc.number
    body = OutboxMessage.objects.get(idempotency_key__endswith=f":fwd:{oc.number}").payload["body"]
    assert body["joint"]["number"] == joint.number and body["receipt"]["number"] == joint.number
    assert [p["number"] for p in body["joint"]["parts"]] == [joint.case.number, oc.number]
    assert api(world.citizen).get(f"{url}/{joint.number}").json()["status"] == "in_progress"
    assert api(world.reviewer).get(f"{url}/{joint.number}").status_code == 200  # decides this city's part
    assert api(world.citizen2).get(f"{url}/{joint.number}").status_code == 404
    assert api(world.reviewer2).get(f"{url}/{joint.number}").status_code == 404
    # this city's part changing is reported to the peer with a part (once per event), after the
    # forward of its part (same key)
    for _ in range(2):
        services.federation_follow_case(case_id=joint.case_id, action="submit")
    told = OutboxMessage.objects.filter(key=oc.number).order_by("pk")
    assert [m.payload["kind"] for m in told] == ["case.forward", "joint.status"]
    assert told[1].payload["body"]["part"] == joint.case.number
    assert told[1].payload["body"]["status"] == "submitted"


def _status_from_peer(client, *, key, key_id, oc, seq, action, status, **extra):
    envelope = {
        "kind": "case.status",
        "id": f"{PEER}:status:CP{oc.pk}:{seq}",
        "from": PEER,
        "to": protocol.own_code(),
        "body": {"number": oc.number, "remote_number": f"CP{oc.pk}", "seq": seq, "action": action,
                 "status": status, "note": "", **extra},
    }  # fmt: skip
    r = _post_signed(client, envelope, key=key, key_id=key_id)
    assert r.status_code == 200 and r.json()["status"] == "applied", r.content
    return r


def test_paper_results_chosen_at_intake_travel_and_are_handed_over_at_the_window(
    world, api, client, django_capture_on_commit_callbacks
):
    """纸质结果: mailed (the address encrypted at rest, masked on pages and in the log) or collected
    at this city's window; the choice travels in the package; the competent city's completion
    report carries it back; the clerk sees 待领取 and records the hand-over once."""
    from django.db import connection

    from yiwang.federation.models import PaperStatus

    key, key_id = _paired_peer()
    _peer_publishes_world_item(world)
    form = good_form(**{"applicant.id_number": world.citizen.id_number, "applicant.name": "张伟"})
    apply = {"peer": PEER, "item_code": world.item.code, "form": form, "materials": good_materials()}
    citizen = api(world.citizen)
    # 邮寄 needs an address
    r = citizen.post("/api/v1/federation/cases", {**apply, "paper_delivery": "post"})
    assert r.status_code == 422 and "paper_address" in r.json()["fields"], r.content
    r = citizen.post("/api/v1/federation/cases", {**apply, "paper_delivery": "pigeon"})
    assert r.status_code == 422 and "paper_delivery" in r.json()["fields"], r.content
    address = "湖北省武汉市江岸区沿江大道188号3栋2单元501室"
    r = citizen.post(
        "/api/v1/federation/cases", {**apply, "paper_delivery": "post", "paper_address": address}
    )
    assert r.status_code == 201, r.content
    mailed = OutboundCase.objects.get(number=r.json()["number"])
    assert mailed.paper_address == address and r.json()["paper"]["address"] == "湖北省武汉市********"
    with connection.cursor() as cur:  # encrypted at rest
        cur.execute("select paper_address from federation_outboundcase where id=%s", [mailed.pk])
        raw = cur.fetchone()[0]
    assert raw.startswith("enc1.") and "沿江大道" not in raw
    body = OutboxMessage.objects.get(topic=services.TOPIC_FORWARD, key=mailed.number).payload["body"]
    assert body["paper_result"] == {
        "delivery": "post",
        "collect_city": protocol.own_code(),
        "collect_hall": "",
        "address": address,
    }
    # at the window (the default), received by the clerk of 市民之家
    r = api(world.clerk).post(
        "/api/v1/federation/cases",
        {**apply, "channel": "window", "parties": {"applicant": {"name": "张伟", "id_number": world.citizen.id_number}}},
    )  # fmt: skip
    assert r.status_code == 201 and r.json()["paper"]["delivery"] == "window", r.content
    at_window = OutboundCase.objects.get(number=r.json()["number"])
    body = OutboxMessage.objects.get(topic=services.TOPIC_FORWARD, key=at_window.number).payload["body"]
    assert (
        body["paper_result"]["delivery"] == "window"
        and body["paper_result"]["collect_hall"] == world.hall.name
    )
    assert "address" not in body["paper_result"]
    # the competent city decides; its completion report says how the paper result goes
    for oc, how in ((mailed, "post"), (at_window, "window")):
        _status_from_peer(client, key=key, key_id=key_id, oc=oc, seq=2, action="submit", status="submitted")
        _status_from_peer(
            client, key=key, key_id=key_id, oc=oc, seq=3, action="complete", status="completed",
            paper_result={"delivery": how, "label": "", "sent_at": "2026-12-05T10:00:00+08:00"},
        )  # fmt: skip
    mailed.refresh_from_db()
    at_window.refresh_from_db()
    assert (mailed.paper_status, at_window.paper_status) == (PaperStatus.MAILED, PaperStatus.AWAITING_PICKUP)
    # 待领取 for the window's clerk (the mailed one is not), not for department staff
    r = api(world.clerk).get("/api/v1/federation/paper-results")
    assert [d["number"] for d in r.json()["items"]] == [at_window.number], r.content
    assert api(world.reviewer).get("/api/v1/federation/paper-results").json()["items"] == []
    # the list's queries do not grow with its length
    from django.test.utils import CaptureQueriesContext

    clerk = api(world.clerk)
    with CaptureQueriesContext(connection) as one:
        assert len(clerk.get("/api/v1/federation/paper-results").json()["items"]) == 1
    OutboundCase.objects.filter(pk=mailed.pk).update(paper_status=PaperStatus.AWAITING_PICKUP)
    with CaptureQueriesContext(connection) as two:
        assert len(clerk.get("/api/v1/federation/paper-results").json()["items"]) == 2
    assert len(two) == len(one), [q["sql"] for q in two.captured_queries]
    OutboundCase.objects.filter(pk=mailed.pk).update(paper_status=PaperStatus.MAILED)
    # the page: the clerk records the hand-over (who collected, when, by whom) — once
    client.force_login(world.clerk)
    page = client.get("/workbench/tongban/paper/").content.decode()
    assert at_window.number in page and mailed.number not in page and "登记已领取" in page
    r = client.post("/workbench/tongban/paper/", {"number": at_window.number, "collector": ""})
    assert r.status_code == 302
    at_window.refresh_from_db()
    assert at_window.paper_status == PaperStatus.AWAITING_PICKUP  # a name is needed
    r = client.post(
        "/workbench/tongban/paper/", {"number": at_window.number, "collector": "张伟"}, follow=True
    )
    assert "已登记" in r.content.decode()
    at_window.refresh_from_db()
    assert at_window.paper_status == PaperStatus.HANDED_OVER and at_window.paper_handed_over_by == world.clerk
    assert at_window.paper_handed_over_at is not None and at_window.paper_collector == "张伟"
    r = api(world.clerk).post(
        f"/api/v1/federation/cases/{at_window.number}/paper-handover", {"collector": "张伟"}
    )
    assert r.status_code == 409, r.content
    # only a window may hand it over; the person sees it on the page, the collector masked
    r = citizen.post(f"/api/v1/federation/cases/{mailed.number}/paper-handover", {"collector": "张伟"})
    assert r.status_code == 403, r.content
    client.force_login(world.citizen)
    page = client.get(f"/my/tongban/{at_window.number}/").content.decode()
    assert "已领取" in page and "张*" in page
    page = client.get(f"/my/tongban/{mailed.number}/").content.decode()
    assert "已邮寄" in page and "湖北省武汉市" in page and "沿江大道" not in page


def test_the_competent_city_keeps_the_paper_choice_and_reports_it_on_completion(
    world, api, client, django_capture_on_commit_callbacks
):
    from django.db import connection

    ItemVersion.objects.filter(item=world.item).update(cross_city_scope="都市圈")
    key, key_id = _paired_peer()
    number = f"TB{PEER}{uuid.uuid4().hex[:8]}"
    id_number = make_ric(serial=556)
    address = "湖北省鄂州市鄂城区滨湖北路1号"
    envelope = {
        "kind": "case.forward",
        "id": f"{PEER}:fwd:{number}",
        "from": PEER,
        "to": protocol.own_code(),
        "body": {
            "number": number,
            "item_code": world.item.code,
            "item_version": 1,
            "form": good_form(**{"applicant.id_number": id_number, "applicant.name": "赵六"}),
            "materials": good_materials(),
            "applicant": {"name": "赵六", "id_number": id_number},
            "receipt": {"city": PEER, "number": number},
            "paper_result": {"delivery": "post", "address": address, "collect_city": PEER},
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = _post_signed(client, envelope, key=key, key_id=key_id)
    assert r.status_code == 200, r.content
    inbound = InboundCase.objects.get(remote_number=number)
    assert (inbound.paper_delivery, inbound.paper_address) == ("post", address)
    with connection.cursor() as cur:
        cur.execute("select paper_address from federation_inboundcase where id=%s", [inbound.pk])
        assert "滨湖北路" not in cur.fetchone()[0]
    # the message log page masks the address in the body it shows
    message = PeerMessage.objects.get(direction="in", case_ref=number)
    client.force_login(world.platform_admin)
    page = client.get(f"/workbench/federation/messages/{message.pk}/").content.decode()
    assert "滨湖北路" not in page and "湖北省鄂州市" in page
    # decided and completed here: the completion report carries the choice back, not the address
    case = inbound.case
    for user, action, extra in (
        (world.clerk, "accept", {}),
        (world.reviewer, "review", {}),
        (world.approver, "approve", {}),
        (world.approver, "complete", {"delivery": "post"}),
    ):
        case.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            r = api(user).post(
                f"/api/v1/cases/{case.number}/transitions",
                {"action": action, "note": "", "version": case.version, **extra},
            )
        assert r.status_code == 200, (action, r.content)
    done = OutboxMessage.objects.filter(topic=services.TOPIC_STATUS, key=number).order_by("pk").last()
    paper = done.payload["body"]["paper_result"]
    assert paper["delivery"] == "post" and "address" not in paper


def test_a_joint_case_has_its_page_and_is_withdrawn_as_a_whole(
    world, api, client, django_capture_on_commit_callbacks
):
    """多地联办 pages: the person's page lists each part with its city and state; withdrawing the
    whole case withdraws this city's part by its own transition and sends the peer's part a
    signed `case.withdraw` (after its forward); the peer applies it as its own withdrawal."""
    from yiwang.federation.models import JointCase

    key, key_id = _paired_peer()
    _peer_publishes_world_item(world)
    form = good_form(**{"applicant.id_number": world.citizen.id_number, "applicant.name": "张伟"})
    part = {"item_code": world.item.code, "form": form, "materials": good_materials()}
    with django_capture_on_commit_callbacks(execute=True):
        r = api(world.citizen).post(
            "/api/v1/federation/joint-cases",
            {"parts": [{"city": protocol.own_code(), **part}, {"city": PEER, **part}]},
        )
    assert r.status_code == 201, r.content
    joint = JointCase.objects.get(number=r.json()["number"])
    [oc] = joint.parts.all()
    client.force_login(world.citizen)
    listing = client.get("/my/tongban/").content.decode()
    assert f"/my/tongban/joint/{joint.number}/" in listing
    page = client.get(f"/my/tongban/joint/{joint.number}/").content.decode()
    assert "鄂州市" in page and joint.case.number in page and oc.number in page and "撤回联办申请" in page
    # not confirmed: nothing happens
    r = client.post(f"/my/tongban/joint/{joint.number}/", {"reason": "不再需要"})
    assert r.status_code == 422 and "请勾选确认" in r.content.decode()
    # someone else cannot (not even see it); staff who see it do not withdraw for the person
    assert (
        api(world.citizen2).post(f"/api/v1/federation/joint-cases/{joint.number}/withdraw", {}).status_code
        == 404
    )
    assert (
        api(world.reviewer).post(f"/api/v1/federation/joint-cases/{joint.number}/withdraw", {}).status_code
        == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/my/tongban/joint/{joint.number}/", {"reason": "不再需要", "confirm": "yes"})
    assert r.status_code == 302
    joint.case.refresh_from_db()
    assert joint.case.status == "withdrawn"
    told = OutboxMessage.objects.filter(key=oc.number).order_by("pk")
    assert told[0].payload["kind"] == "case.forward"
    [withdraw] = [m for m in told if m.payload["kind"] == "case.withdraw"]
    assert withdraw.payload["body"] == {
        "number": oc.number, "remote_number": "", "joint": joint.number, "reason": "不再需要",
    }  # fmt: skip
    page = client.get(f"/my/tongban/joint/{joint.number}/").content.decode()
    assert "已撤回" in page and "撤回联办申请" in page  # the peer's part stays open until it reports
    # the peer reports its part withdrawn: nothing open any more
    _status_from_peer(client, key=key, key_id=key_id, oc=oc, seq=2, action="withdraw", status="withdrawn")
    out = api(world.citizen).get(f"/api/v1/federation/joint-cases/{joint.number}").json()
    assert out["status"] == "withdrawn" and out["withdrawable"] is False, out
    r = api(world.citizen).post(f"/api/v1/federation/joint-cases/{joint.number}/withdraw", {})
    assert r.status_code == 409, r.content


def test_the_peer_applies_a_withdrawal_and_its_staff_see_the_other_parts(
    world, api, client, django_capture_on_commit_callbacks
):
    ItemVersion.objects.filter(item=world.item).update(cross_city_scope="都市圈")
    key, key_id = _paired_peer()
    number = f"TB{PEER}{uuid.uuid4().hex[:8]}"
    joint_number = f"LB{PEER}{uuid.uuid4().hex[:8]}"
    id_number = make_ric(serial=557)

    def envelope(kind, ident, body):
        return {"kind": kind, "id": f"{PEER}:{ident}", "from": PEER, "to": protocol.own_code(), "body": body}

    forward = envelope("case.forward", f"fwd:{number}", {
        "number": number, "item_code": world.item.code, "item_version": 1,
        "form": good_form(**{"applicant.id_number": id_number, "applicant.name": "赵六"}),
        "materials": good_materials(), "applicant": {"name": "赵六", "id_number": id_number},
        "receipt": {"city": PEER, "number": joint_number},
        "joint": {"number": joint_number, "city": PEER, "parts": [
            {"city": PEER, "item_code": "X1", "item_name": "个体工商户设立登记", "number": "CP42070001"},
            {"city": protocol.own_code(), "item_code": world.item.code, "item_name": "本市事项", "number": number},
        ]},
    })  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_signed(client, forward, key=key, key_id=key_id).status_code == 200
    inbound = InboundCase.objects.get(remote_number=number)
    # this city's staff see, on the case page, where it was received and the other part
    client.force_login(world.clerk)
    page = client.get(f"/workbench/cases/{inbound.case.number}/").content.decode()
    assert "异地代收（鄂州市代收转交）" in page and joint_number in page and "个体工商户设立登记" in page
    assert "代收地窗口领取" in page
    # the withdrawal arrives: the case's own withdraw transition, in the applicant's name
    with django_capture_on_commit_callbacks(execute=True):
        r = _post_signed(client, envelope("case.withdraw", f"wd:{number}", {
            "number": number, "remote_number": inbound.case.number, "joint": joint_number, "reason": "不再需要",
        }), key=key, key_id=key_id)  # fmt: skip
    assert r.status_code == 200 and r.json()["result"]["withdrawn"] is True, r.content
    inbound.case.refresh_from_db()
    assert inbound.case.status == "withdrawn"
    event = inbound.case.events.order_by("-seq").first()
    assert (
        event.action == "withdraw" and joint_number in event.note and event.actor_id == inbound.case.owner_id
    )
    reported = OutboxMessage.objects.filter(topic=services.TOPIC_STATUS, key=number).order_by("pk").last()
    assert reported.payload["body"]["status"] == "withdrawn"
    # once more (a retry): applied once; a decided case is not withdrawn, answered with its state
    r = _post_signed(
        client, envelope("case.withdraw", f"wd:{number}", {"number": number}), key=key, key_id=key_id
    )
    assert r.json()["status"] == "duplicate"
    r = _post_signed(
        client, envelope("case.withdraw", "wd:other", {"number": "TB-unknown"}), key=key, key_id=key_id
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown_case"
