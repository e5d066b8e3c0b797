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
