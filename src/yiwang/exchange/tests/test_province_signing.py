"""The catalogue's requests to the provincial item library (事项认领) carry the platform's RFC 9421
signature through the `catalog.province_request_signer` hook this app registers: the province,
played by a loopback server, verifies what it received with the platform's published key."""

from __future__ import annotations

import pytest

from yiwang.catalog import claims
from yiwang.catalog.hooks import province_request_signer
from yiwang.catalog.models import SyncStatus
from yiwang.catalog.tests.province_fixtures import ProvincialLibrary, standard_items
from yiwang.exchange import httpsig

pytestmark = pytest.mark.django_db


def test_the_province_can_verify_every_request(world, settings):
    settings.YIWANG_ITEM_LIBRARY_PAGE_SIZE = 2
    assert province_request_signer.get("exchange") is httpsig.sign_with_own_key
    with ProvincialLibrary(standard_items(3)) as library:
        sync = claims.province_sync(url=library.url)
    assert sync.status == SyncStatus.OK and sync.pages == 2
    key_ids = set()
    for request in library.requests:
        key_ids.add(
            httpsig.verify_request(
                method="GET",
                url=library.url + request["target"],
                headers=request["headers"],
                body=b"",
                public=httpsig.own_public_key,
            )
        )
    assert len(key_ids) == 1 and key_ids.pop().startswith("yiwang-http-v")
    # a request replayed to the province is refused there (the nonce is used)
    first = library.requests[0]
    with pytest.raises(httpsig.SignatureError) as e:
        httpsig.verify_request(
            method="GET",
            url=library.url + first["target"],
            headers=first["headers"],
            body=b"",
            public=httpsig.own_public_key,
        )
    assert e.value.code == "replayed"
