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
    # 纸质结果: mailed — the radio group by the arrow keys, then the address
    tab_to(page, "#f-paper-window", limit=80)
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#f-paper-post")
    tab_to(page, "#f-paper-address")
    page.keyboard.type("湖北省武汉市江岸区沿江大道188号")
    tab_to(page, "main button[type=submit]", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    oc = OutboundCase.objects.get(owner=world.citizen)
    assert oc.paper_delivery == "post" and oc.paper_address == "湖北省武汉市江岸区沿江大道188号"
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


@pytest.mark.browser
def test_joint_case_page_withdrawal_and_paper_hand_over_with_the_keyboard(
    live_server, transactional_db, world, page, axe
):
    """The person's 多地联办 page (each city's part) and withdrawing it; the clerk's 纸质结果待领取
    page and the hand-over — keyboard only, axe on every page."""
    from yiwang.core.testing import good_form, good_materials
    from yiwang.federation.models import OutboundCase, PaperStatus

    from .test_federation import _paired_peer, _peer_publishes_world_item

    _paired_peer()
    _peer_publishes_world_item(world)
    form = good_form(**{"applicant.id_number": world.citizen.id_number, "applicant.name": "张伟"})
    part = {"item_code": world.item.code, "form": form, "materials": good_materials()}
    joint = services.joint_case_submit(
        actor=world.citizen,
        parts=[{"city": protocol.own_code(), **part}, {"city": "420700", **part}],
        channel="online",
    )
    base = live_server.url
    login(page, base, world.citizen.username)
    page.goto(f"{base}/my/tongban/")
    tab_to(page, f"a[href='/my/tongban/joint/{joint.number}/']", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "鄂州市" in page.content() and joint.case.number in page.content()
    axe("federation-joint", portal=True)
    tab_to(page, "#f-confirm", limit=80)
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已撤回联办申请" in page.content()
    joint.case.refresh_from_db()
    assert joint.case.status == "withdrawn"
    axe("federation-joint-withdrawn", portal=True)
    # a paper result back at this city's window (the peer's completion report, as recorded)
    oc = joint.parts.get()
    OutboundCase.objects.filter(pk=oc.pk).update(status="completed", paper_status=PaperStatus.AWAITING_PICKUP)
    page.context.clear_cookies()
    login(page, base, world.clerk.username)
    page.goto(f"{base}/workbench/tongban/paper/")
    axe("federation-paper", portal=False)
    tab_to(page, "#f-collector-1", limit=80)
    page.keyboard.type("张伟")
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已登记" in page.content() and "目前没有待领取的纸质结果" in page.content()
    oc.refresh_from_db()
    assert oc.paper_status == PaperStatus.HANDED_OVER and oc.paper_handed_over_by_id == world.clerk.pk
    axe("federation-paper-done", portal=False)
