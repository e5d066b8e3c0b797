"""The procedures' staff pages through Django's test client: 容缺受理 at acceptance (checkboxes
of the tolerable materials, a refused material shown in Chinese with nothing changed), the
material handed in, the 事后核查 list with its warning light, the revocation with its finding, the
失信 list (names masked), and the 冷静期 confirmation by party. Dates are pinned."""

from datetime import date

import pytest

from yiwang.cases import services
from yiwang.cases.models import Case, Dishonesty, Status, ToleratedMaterial
from yiwang.catalog.models import ItemVersion
from yiwang.core.testing import good_form, good_materials
from yiwang.licenses.tests.factories import licensed

MON = date(2026, 11, 2)


def only_id_card():
    return [m for m in good_materials() if m["code"] == "id_card"]


def submit(world, **kw):
    return services.case_submit(
        actor=kw.pop("user", world.citizen),
        item_code=kw.pop("item", world.item).code,
        form=good_form(),
        channel=kw.pop("channel", "online"),
        materials=kw.pop("materials", good_materials()),
        on=kw.pop("on", MON),
        **kw,
    )


def act(case, user, action, on=MON, **kw):
    return services.case_apply_action(
        case=Case.objects.get(pk=case.pk), actor=user, action=action, on=on, **kw
    )


def window_case(world):
    party = {"name": "张伟", "id_number": good_form()["applicant.id_number"], "phone": "13800138000"}
    return submit(world, user=world.clerk, channel="window", materials=[], parties={"applicant": party})


def test_clerk_accepts_with_a_tolerated_material(client, world):
    case = window_case(world)
    client.force_login(world.clerk)
    html = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert 'name="tolerated" value="site_plan"' in html and "容缺受理的材料" in html
    assert 'name="tolerated" value="id_card"' not in html  # not tolerable: not offered
    r = client.post(
        f"/workbench/cases/{case.number}/act/",
        {"action": "accept", "version": case.version, "tolerated": "id_card"},
    )
    assert r.status_code == 422 and "“身份证明”不是可容缺材料，须补齐后受理" in r.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED and not ToleratedMaterial.objects.exists()
    r = client.post(
        f"/workbench/cases/{case.number}/act/",
        {"action": "accept", "version": case.version, "tolerated": "site_plan"},
    )
    assert r.status_code == 302
    html = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert "容缺受理材料" in html and "待补交" in html and "容缺受理告知书" in html


def test_reviewer_records_the_material_handed_in(client, world):
    case = submit(world, materials=only_id_card())
    act(case, world.clerk, "accept")
    client.force_login(world.reviewer)
    html = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert 'data-action="tolerance_receive"' in html and '<option value="site_plan"' in html
    c = Case.objects.get(pk=case.pk)
    r = client.post(
        f"/workbench/cases/{case.number}/act/",
        {"action": "tolerance_receive", "version": c.version, "material": "site_plan"},
    )
    assert r.status_code == 302
    assert ToleratedMaterial.objects.get(case=case).received_on is not None


@pytest.fixture
def decided(world):
    licensed(world)
    ItemVersion.objects.filter(item=world.item).update(
        commitment_system=True, commitment_replaces=["site_plan"]
    )
    case = submit(world, materials=only_id_card(), route="commitment", commitment_accepted=True)
    act(case, world.clerk, "accept")
    act(case, world.reviewer, "review")
    act(case, world.approver, "approve")
    act(case, world.approver, "complete", delivery="electronic")
    return case


def test_verification_list_and_revocation(client, world, decided, time_machine):
    time_machine.move_to("2026-12-01 10:00 +08:00")  # past the 20 working days: 红灯
    client.force_login(world.reviewer)
    html = client.get("/workbench/verifications/").content.decode()
    assert decided.number in html and "2026-11-30" in html and "红灯：已超期" in html and "张*" in html
    html = client.get(f"/workbench/cases/{decided.number}/").content.decode()
    assert 'data-action="verify_confirm"' in html and 'data-action="verify_false"' not in html  # approver's
    assert "告知承诺" in html and "待核查" in html
    client.force_login(world.approver)
    c = Case.objects.get(pk=decided.pk)
    r = client.post(
        f"/workbench/cases/{decided.number}/act/", {"action": "verify_false", "version": c.version}
    )
    assert r.status_code == 422 and "必填" in r.content.decode()
    r = client.post(
        f"/workbench/cases/{decided.number}/act/",
        {"action": "verify_false", "version": c.version, "finding": "经营场所不存在"},
    )
    assert r.status_code == 302
    assert Case.objects.get(pk=decided.pk).status == Status.REVOKED
    html = client.get("/workbench/dishonesty/").content.decode()
    assert decided.number in html and "经营场所不存在" in html and "张*" in html and "张伟" not in html
    assert client.get("/workbench/verifications/").content.decode().count(decided.number) == 0
    assert decided.number in client.get("/workbench/verifications/?all=1").content.decode()
    assert Dishonesty.objects.count() == 1


def test_citizens_cannot_see_the_lists(client, world):
    client.force_login(world.citizen)
    assert client.get("/workbench/verifications/").status_code == 403
    assert client.get("/workbench/dishonesty/").status_code == 403


def test_divorce_confirmation_by_party(client, world, time_machine):
    ItemVersion.objects.filter(item=world.item_immediate).update(cooling_off_days=30, confirm_days=30)
    case = submit(world, item=world.item_immediate)
    act(case, world.clerk, "accept")
    time_machine.move_to("2026-12-03 10:00 +08:00")
    client.force_login(world.clerk)
    html = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert 'data-action="confirm_divorce"' in html and 'data-action="cooling_off_withdraw"' not in html
    assert "离婚冷静期" in html and "2026-12-02" in html and "2027-01-04" in html
    c = Case.objects.get(pk=case.pk)
    r = client.post(
        f"/workbench/cases/{case.number}/act/",
        {"action": "confirm_divorce", "version": c.version, "party": "x"},
    )
    assert r.status_code == 422 and "当事人应为" in r.content.decode()
    r = client.post(
        f"/workbench/cases/{case.number}/act/",
        {"action": "confirm_divorce", "version": c.version, "party": "applicant"},
    )
    assert r.status_code == 302
    assert Case.objects.get(pk=case.pk).cooling_off.applicant_confirmed_on == date(2026, 12, 3)
