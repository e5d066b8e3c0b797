"""The demo loader is idempotent and leaves the demo citizen one check in the log."""

import pytest

from yiwang.demo.identity import demo_load
from yiwang.identity import selectors
from yiwang.identity.models import IdentityCheck, IdentityReference, Outcome


@pytest.fixture(autouse=True)
def _fresh_identity_memo():
    selectors.clear_memo()
    yield
    selectors.clear_memo()


def test_demo_load_is_idempotent(world):
    assert demo_load(world=world) == {"references": 3, "checks": 1}
    assert demo_load(world=world) == {"references": 0, "checks": 0}
    check = IdentityCheck.objects.get()
    assert check.person == world.citizen and check.outcome == Outcome.VALID and check.window == world.window
    assert IdentityReference.objects.count() == 3


def test_demo_load_by_username_without_world(db):
    assert demo_load() == {"references": 0, "checks": 0}  # no demo users: nothing to do


def test_demo_load_after_the_platform_demo(db):
    from yiwang.demo.services import demo_load as platform_demo_load

    platform_demo_load(password="demo-pass-1234")  # may call identity's demo_load itself
    demo_load()
    assert IdentityReference.objects.count() == 3
    check = IdentityCheck.objects.get()
    assert check.person.username == "citizen" and check.verifier.username == "clerk"
    assert check.window is not None and check.window.number == "1"
    assert demo_load() == {"references": 0, "checks": 0}
