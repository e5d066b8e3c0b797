"""智能问答 on a self-service terminal (自助终端办事群众, the seed's second audience): the kiosk's
home offers it without login, `/kiosk/ask/` answers with citations and the guidance link, bad input
is a clear 422, and nothing fits leads to the hotline and the question form."""

from __future__ import annotations

import pytest
from django.test import Client

from yiwang.accounts.models import User
from yiwang.halls import terminals
from yiwang.knowledge import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(world):
    terminals.terminal_register(
        code="smzj-01",
        name="市民之家自助终端 01",
        site_kind="hall",
        site_name="武汉市民之家",
        hall=world.hall,
        region=world.city,
        items=[world.item],
        account_username="kiosk",
    )
    services.index_sync()
    client = Client()
    client.force_login(User.objects.get(username="kiosk"))
    assert client.get("/kiosk/").status_code == 302  # pairs this browser, logs the device out
    return client


def test_kiosk_home_offers_questions_and_answers_without_login(kiosk):
    home = kiosk.get("/kiosk/").content.decode()
    assert 'href="/kiosk/ask/"' in home and "智能问答" in home


def test_kiosk_answers_cite_their_source_and_lead_to_the_guidance(kiosk, world):
    r = kiosk.get("/kiosk/ask/", {"q": "食品经营许可新办要带什么材料"})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    html = r.content.decode()
    assert "申请材料" in html and "来源：事项 " + world.item.code in html
    assert f'href="/knowledge/guide/item/{world.item.code}/"' in html
    assert 'class="kiosk' in html  # the kiosk's own layout (large type, idle timeout)


def test_kiosk_bad_input_and_nothing_fits(kiosk):
    assert kiosk.get("/kiosk/ask/", {"q": "办" * 201}).status_code == 422
    r = kiosk.get("/kiosk/ask/", {"q": "😀😀"})
    assert r.status_code == 200 and "12345" in r.content.decode()
    assert "/knowledge/questions/new/" in r.content.decode()


def test_kiosk_ask_needs_a_paired_terminal(world):
    assert Client().get("/kiosk/ask/", {"q": "社保卡"})["Location"].endswith("/kiosk/pair/")
