"""The applicant's 存证记录 on the case page and the public receipt-check page /ledger/verify/
(moved from the ledger's tests: the receipts are a case's)."""

import html as htmllib
import json
import re

import pytest

from yiwang.cases import services as cases
from yiwang.core.testing import good_form, good_materials
from yiwang.ledger import note, services
from yiwang.ledger.models import Witness

pytestmark = pytest.mark.django_db
URL = "/ledger/verify/"


def submit(world):
    return cases.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )


def receipt_links(page: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(r'href="(/ledger/verify/\?r=[^"]+)"', page)]


def test_case_page_lists_pending_then_integrated_receipts(client, world):
    case = submit(world)
    client.force_login(world.citizen)
    page = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "存证记录" in page and "待入账" in page and "入账后可核验" in page
    assert receipt_links(page) == []
    services.sequencer_run()
    page = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "待入账" not in page and "已入账（已见证）" in page  # quorum 0 in the demo
    links = receipt_links(page)
    assert links
    # Following the link checks the receipt it carries.
    result = client.get(links[0])
    assert result.status_code == 200
    text = result.content.decode()
    assert "核验通过：该条目已记入存证日志" in text
    assert "平台日志签名密钥第 1 版" in text and "暂无见证方联署" in text


def test_verify_page_post_good_tampered_and_garbage(client, world, settings):
    case = submit(world)
    services.sequencer_run()
    entry = case.events.exclude(ledger_entry=None).first().ledger_entry
    receipt = services.receipt_for(entry_id=entry)
    page = client.get(URL)
    assert page.status_code == 200 and "存证回执核验" in page.content.decode()
    assert 'for="receipt"' in page.content.decode()  # labelled field

    ok = client.post(URL, {"receipt": json.dumps(receipt)}).content.decode()
    assert "核验通过" in ok and f"<dd>{receipt['index']}</dd>" in ok

    settings.YIWANG_LEDGER_WITNESS_QUORUM = 1
    Witness.objects.create(
        name="bureau.example/witness",
        url="https://bureau.example/add-checkpoint",
        verifier_key=note.witness_verifier_key("bureau.example/witness", b"\x02" * 32),
    )
    ok = client.post(URL, {"receipt": json.dumps(receipt)}).content.decode()
    assert "暂无见证方联署；尚未达到见证要求" in ok

    tampered = dict(receipt, entry=note.b64(b'{"kind":"case.forged"}'), leaf_hash=None)
    bad = client.post(URL, {"receipt": json.dumps(tampered)}).content.decode()
    assert "核验未通过" in bad and "包含性证明未通过验证" in bad

    garbage = client.post(URL, {"receipt": "not json"})
    assert garbage.status_code == 400 and "无法读取回执" in garbage.content.decode()
    assert client.get(URL, {"r": "!!!"}).status_code == 400
