"""In Debian's chromium, keyboard only: a platform administrator searches the message log for a
refused peer message and opens it. axe on both pages."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from yiwang.core.testing import login, tab_to
from yiwang.exchange import httpsig
from yiwang.federation import protocol, services
from yiwang.federation.models import PeerMessage


@pytest.mark.browser
def test_admin_finds_a_refused_message_with_the_keyboard(live_server, transactional_db, world, page, axe):
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    services.peer_pair(
        code="420700",
        base_url="http://127.0.0.1:9",
        key_id="420700:yiwang-http-v1",
        public_key=base64.b64encode(raw).decode(),
    )
    envelope = {
        "kind": "case.forward",
        "id": "420700:fwd:TB420700BROWSER1",
        "from": "420700",
        "to": protocol.own_code(),
        "body": {"number": "TB420700BROWSER1", "item_code": "none", "item_version": 3},
    }
    body = json.dumps(envelope).encode()
    url = "http://testserver/api/v1/federation/peer/inbox"
    headers = httpsig.sign_request(
        method="POST", url=url, body=body, key_id="420700:yiwang-http-v1", private_key=key
    )
    sig = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    r = Client().post("/api/v1/federation/peer/inbox", body, content_type="application/json", headers=sig)
    assert r.json()["code"] == "unknown_item_version"
    message = PeerMessage.objects.get(case_ref="TB420700BROWSER1")

    base = live_server.url
    login(page, base, world.platform_admin.username)
    page.goto(f"{base}/workbench/federation/messages/")
    axe("federation-messages", portal=False)
    tab_to(page, "#f-q")
    page.keyboard.type("TB420700BROWSER1")
    tab_to(page, "form[role=search] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "事项指南版本与本市现行版本不符" in page.content()
    tab_to(page, f"a[href='/workbench/federation/messages/{message.pk}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "验签通过" in page.content() and "与存档报文一致" in page.content()
    axe("federation-message", portal=False)


@pytest.mark.browser
def test_citizen_applies_for_another_citys_item_and_answers_a_supplement_with_the_keyboard(
    live_server, transactional_db, world, page, axe
):
    """The citizen finds 鄂州's item on /tongban/, applies here, follows the case and answers
    the supplement request — keyboard only for the navigation, axe on every page."""
    from django.utils import timezone

    from yiwang.catalog.models import ItemVersion
    from yiwang.core.testing import MINIMAL_PDF, good_form_for
    from yiwang.federation.models import OutboundCase, Peer, PeerItem

    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    services.peer_pair(
        code="420700",
        base_url="http://127.0.0.1:9",
        key_id="420700:yiwang-http-v1",
        public_key=base64.b64encode(raw).decode(),
    )
    ItemVersion.objects.filter(item=world.item).update(cross_city_scope="都市圈")
    guide = services.published_guide(world.item.code)
    PeerItem.objects.create(
        peer=Peer.objects.get(code="420700"),
        code=world.item.code,
        name=guide["name"],
        item_version=guide["version"],
        scope="都市圈",
        modes=["remote_intake"],
        guide=guide,
        fetched_at=timezone.now(),
    )
    base = live_server.url
    login(page, base, world.citizen.username)
    page.goto(f"{base}/tongban/")
    axe("federation-items", portal=True)
    tab_to(page, "#t-q")
    page.keyboard.type(guide["name"][:4])
    tab_to(page, "form[role=search] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, f"a[href='/tongban/420700/{world.item.code}/apply/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    axe("federation-apply", portal=True)
    for k, v in good_form_for(world.citizen).items():
        page.fill(f"#f-{k.replace('.', '-')}", str(v))
    for m in guide["materials"]:
        if m["required"] and m["material_form"] in ("2", "3"):
            page.set_input_files(
                f"#m-{m['code']}",
                files=[{"name": "a.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}],
            )
    tab_to(page, "main button[type=submit]", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    oc = OutboundCase.objects.get(owner=world.citizen)
    assert page.url.endswith(f"/my/tongban/{oc.number}/") and "转办中" in page.content()
    axe("federation-case", portal=True)
    # 鄂州 asks for a supplement (a signed status report)
    body = json.dumps(
        {
            "kind": "case.status",
            "id": "420700:status:CP9:3",
            "from": "420700",
            "to": protocol.own_code(),
            "body": {
                "number": oc.number,
                "remote_number": "CP9",
                "seq": 3,
                "action": "request_supplement",
                "status": "supplement_requested",
                "note": "请加盖公章",
                "missing": ["营业场所平面图"],
            },
        }
    ).encode()
    url = "http://testserver/api/v1/federation/peer/inbox"
    headers = httpsig.sign_request(
        method="POST", url=url, body=body, key_id="420700:yiwang-http-v1", private_key=key
    )
    sig = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    assert (
        Client().post(url, body, content_type="application/json", headers=sig).json()["status"] == "applied"
    )
    page.reload()
    assert "营业场所平面图" in page.content()
    axe("federation-case-supplement", portal=True)
    code = guide["materials"][0]["code"]
    page.set_input_files(
        f"#m-{code}", files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    tab_to(page, "main button[type=submit]", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "补正材料已提交" in page.content() and "提交补正材料" not in page.content()
