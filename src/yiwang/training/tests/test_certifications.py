"""持证上岗: certificates uploaded and checked by the hall's admin, `certified(user, on=)`, the
window assignment rule (organizations.hooks.window_assignment_check), expiry reminders and the
report of uncertified staff by hall."""

import datetime as dt

import pytest

from yiwang.core.errors import Conflict, PermissionDenied, ValidationFailed
from yiwang.notifications.models import Notification
from yiwang.organizations.models import StaffRole
from yiwang.organizations.services import staff_create, staff_role_grant
from yiwang.training import selectors, services

pytestmark = pytest.mark.django_db

D = dt.date(2026, 12, 7)


def _cert(user, *, number="4201000001", until=dt.date(2028, 6, 30), check_by=None):
    c = services.certification_upload(
        user=user, number=number, issuer="武汉市人力资源和社会保障局", level="四级",
        valid_from=dt.date(2024, 7, 1), valid_until=until,
    )  # fmt: skip
    if check_by:
        services.certification_check(actor=check_by, certification=c, approve=True)
    return c


def test_certified_only_when_checked_and_valid(world):
    c = _cert(world.reviewer)
    assert not selectors.certified(world.reviewer, on=D)  # not yet checked
    with pytest.raises(PermissionDenied):
        services.certification_check(actor=world.reviewer2, certification=c, approve=True)
    services.certification_check(actor=world.platform_admin, certification=c, approve=True)
    assert selectors.certified(world.reviewer, on=D)
    assert not selectors.certified(world.reviewer, on=dt.date(2028, 7, 1))
    assert not selectors.certified(world.reviewer, on=D, kind="其他证书")
    with pytest.raises(Conflict):
        services.certification_check(actor=world.platform_admin, certification=c, approve=True)
    with pytest.raises(Conflict):
        _cert(world.approver)  # the same number twice


def test_supervisor_checks_staff_of_halls_in_their_region(world):
    c = _cert(world.clerk)
    services.certification_check(actor=world.supervisor, certification=c, approve=False, note="扫描件不清晰")
    c.refresh_from_db()
    assert c.status == "rejected" and c.checked_by == world.supervisor


def test_window_assignment_refused_without_a_valid_certification(world):
    services.hall_requirement_set(hall=world.hall, required=True)
    with pytest.raises(ValidationFailed) as exc:
        staff_create(
            username="newclerk",
            password="pass-1234-word",
            name="新窗口",
            roles=[{"role": "clerk", "window": world.window}],
        )
    assert exc.value.code == "certification_required"
    assert not StaffRole.objects.filter(user__username="newclerk").exists()
    # Another hall without the requirement: fine.
    staff_role_grant(user=world.reviewer, role="clerk", window=world.window_other_hall)
    # Certified (checked, valid): allowed.
    _cert(world.reviewer, check_by=world.platform_admin)
    assert staff_role_grant(user=world.reviewer, role="clerk", window=world.window).window == world.window
    # An expired certificate does not count.
    _cert(world.approver, number="4201000002", until=dt.date(2025, 1, 1), check_by=world.platform_admin)
    with pytest.raises(ValidationFailed):
        staff_role_grant(user=world.approver, role="clerk", window=world.window)


def test_report_of_uncertified_staff_by_hall(world):
    services.hall_requirement_set(hall=world.hall, required=True)
    rows = selectors.uncertified_by_hall(on=D)
    assert [r["hall"] for r in rows] == [world.hall]
    assert world.clerk in rows[0]["staff"]
    _cert(world.clerk, check_by=world.platform_admin)
    assert world.clerk not in selectors.uncertified_by_hall(on=D)[0]["staff"]


def test_expiry_reminder_once(world):
    c = _cert(world.clerk, until=D + dt.timedelta(days=20), check_by=world.platform_admin)
    assert services.certification_reminders(today=D) == 1
    services.certification_reminders(today=D + dt.timedelta(days=1))
    notes = Notification.objects.filter(recipient=world.clerk, kind="training.certification_expiring")
    assert notes.count() == 1 and c.valid_until.isoformat() in notes.get().title
    assert services.certification_reminders(today=D - dt.timedelta(days=30)) == 0
