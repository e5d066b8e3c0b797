"""The staff case page of a case handled in a department's own business system (docking): the
panel says where it is handled and how its push stands — here the system is down (nothing listens
on the port), so the push waits for a retry and the page says why."""

from __future__ import annotations

import base64
import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.docking.services import systems

DAY = datetime.date(2026, 3, 2)


def test_the_case_page_shows_the_department_system(
    client, world, submit_case, django_capture_on_commit_callbacks
):
    raw = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    systems.department_system_register(
        code="scjg-food",
        name="食品经营许可审批系统",
        department=world.dept,
        endpoint="http://127.0.0.1:9/push",  # the discard port: nothing listens
        key_id="scjg-food-v1",
        public_key=base64.b64encode(raw).decode(),
        items=[world.item],
    )
    case = submit_case(world, on=DAY)
    client.force_login(world.reviewer)
    assert "在部门业务系统办理" not in client.get(f"/workbench/cases/{case.number}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the push is tried after commit
        cases.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept", on=DAY)
    page = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert "本件在食品经营许可审批系统中办理" in page
    assert "等待重试：部门系统无法连接" in page
    assert "尚未回报" in page
