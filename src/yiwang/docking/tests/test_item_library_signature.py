"""事项认领's answers are signed: with the province's public key configured
(YIWANG_PROVINCE_PUBLIC_KEY), the catalogue reads an answer of the provincial item library only
when its RFC 9421 signature verifies — the check `docking` registers on the
`catalog.province_answer_verifier` hook. The province is a real HTTP server on 127.0.0.1
(catalog/tests/province_fixtures.py) signing with its own Ed25519 key; unsigned, forged and
tampered answers are refused at once with a sync record, nothing applied, the cursor unmoved."""

from __future__ import annotations

import base64
from datetime import date

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.catalog import claims
from yiwang.catalog.hooks import province_answer_verifier
from yiwang.catalog.models import ProvinceCursor, ProvinceSync, StandardItem, SyncStatus
from yiwang.catalog.tests.province_fixtures import ProvincialLibrary, standard_items
from yiwang.docking import province as province_wire
from yiwang.exchange import httpsig

from .province_server import raw_public

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(date(2026, 12, 7), tick=True):
        yield


KEY_ID = "province-items"


def signer(key: Ed25519PrivateKey, key_id: str = KEY_ID):
    def sign(status: int, body: bytes) -> dict[str, str]:
        return httpsig.sign_response(status=status, body=body, key_id=key_id, private_key=key)

    return sign


@pytest.fixture
def province_key(settings):
    key = Ed25519PrivateKey.generate()
    settings.YIWANG_PROVINCE_KEY_ID = KEY_ID
    settings.YIWANG_PROVINCE_PUBLIC_KEY = base64.b64encode(raw_public(key.public_key())).decode()
    settings.YIWANG_ITEM_LIBRARY_BACKOFF = 0.01
    settings.YIWANG_ITEM_LIBRARY_PAGE_SIZE = 5
    return key


def _cursor() -> str:
    return ProvinceCursor.objects.get(source="province").cursor


def test_docking_registers_the_answer_check():
    assert province_answer_verifier.get("docking.province") is province_wire.item_library_answer_verify


def test_signed_answers_are_read(province_key):
    items = standard_items(7)
    with ProvincialLibrary(items, sign=signer(province_key)) as library:
        sync = claims.province_sync(url=library.url)
    assert sync.status == SyncStatus.OK, sync.detail
    assert (sync.pages, sync.received, sync.created, sync.error_code) == (2, 7, 7, "")
    assert StandardItem.objects.count() == 7
    assert _cursor() == "7"


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("unsigned", "signature_missing"),
        ("forged", "signature_invalid"),  # the province's key id, another key
        ("other_key_id", "unknown_key"),
        ("tampered", "signature_invalid"),  # the body changed after signing: Content-Digest differs
    ],
)
def test_unverified_answers_are_refused_with_a_record(province_key, how, reason):
    sign = {
        "unsigned": None,
        "forged": signer(Ed25519PrivateKey.generate()),
        "other_key_id": signer(province_key, "someone-else"),
        "tampered": signer(province_key),
    }[how]
    with ProvincialLibrary(standard_items(3), sign=sign) as library:
        library.mode = "tampered" if how == "tampered" else ""
        sync = claims.province_sync(url=library.url)
        assert len(library.requests) == 1  # refused at once, not retried within the run
    sync = ProvinceSync.objects.get(pk=sync.pk)
    assert sync.status == SyncStatus.FAILED
    assert sync.error_code == "signature_invalid"
    assert sync.detail == f"省级事项库的应答签名无效，已拒收：{reason}"
    assert (sync.pages, sync.received, sync.attempts) == (0, 0, 1)
    assert not StandardItem.objects.exists()
    assert _cursor() == ""


def test_pages_read_before_an_unsigned_one_stay_and_the_cursor_stops_there(province_key):
    items = standard_items(8)
    with ProvincialLibrary(items, sign=signer(province_key)) as library:
        original = library.sign
        calls = []

        def first_only(status, body):
            calls.append(status)
            return original(status, body) if len(calls) == 1 else {}

        library.sign = first_only
        sync = claims.province_sync(url=library.url)
    assert (sync.status, sync.pages, sync.received, sync.error_code) == (
        SyncStatus.PARTIAL,
        1,
        5,
        "signature_invalid",
    )
    assert StandardItem.objects.count() == 5
    assert _cursor() == "5"


def test_without_a_configured_key_answers_are_read_unverified(settings):
    settings.YIWANG_PROVINCE_PUBLIC_KEY = ""
    with ProvincialLibrary(standard_items(3)) as library:
        sync = claims.province_sync(url=library.url)
    assert sync.status == SyncStatus.OK, sync.detail
    assert StandardItem.objects.count() == 3
