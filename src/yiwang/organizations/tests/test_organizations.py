from datetime import date

import pytest
from django.core.exceptions import ValidationError

from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.core.errors import ValidationFailed
from yiwang.core.testing import build_world, good_form, good_materials
from yiwang.organizations import selectors, services
from yiwang.organizations.models import Department, Region, StaffRole


@pytest.fixture
def world(db):
    return build_world()


def test_department_credit_code_is_validated(world):
    dept = Department(name="测试局", uscc="11420100MB0000001A", region=world.city)
    with pytest.raises(ValidationError) as exc:
        dept.full_clean()
    assert "uscc" in exc.value.message_dict


def test_region_paths_nest(world):
    street = Region.objects.create(code="420102001", name="大智街道", level="street", parent=world.district)
    assert street.path == "/420100/420102/420102001/"
    assert selectors.is_within(street, world.city.path)
    assert not selectors.is_within(world.city, street.path)
    assert set(
        Region.objects.filter(selectors.region_q([world.district.path], field="path")).values_list(
            "code", flat=True
        )
    ) == {"420102", "420102001"}


def test_roles_need_their_scope(world):
    with pytest.raises(ValidationFailed):
        services.staff_role_grant(user=world.citizen, role="clerk")
    with pytest.raises(ValidationFailed):
        services.staff_role_grant(user=world.citizen, role="reviewer", region=world.city)
    with pytest.raises(ValidationFailed):
        services.staff_role_grant(user=world.citizen, role="wizard", region=world.city)
    r = services.staff_role_grant(user=world.reviewer, role="approver", department=world.dept)
    assert r.region == world.city
    assert services.staff_role_grant(user=world.reviewer, role="approver", department=world.dept).pk == r.pk


def test_staff_scope_collects_windows_and_departments(world):
    scope = selectors.staff_scope(world.clerk)
    assert scope.window_ids == {world.window.pk} and scope.hall_ids == {world.hall.pk}
    assert selectors.window_serves(window_id=world.window.pk, item=world.item)
    assert not selectors.window_serves(window_id=world.window.pk, item=world.item2)
    scope = selectors.staff_scope(world.reviewer)
    assert scope.departments_for("reviewer") == {world.dept.pk}


def test_window_can_serve_single_items_of_other_departments(world):
    world.window.items.add(world.item2)
    assert selectors.window_serves(window_id=world.window.pk, item=world.item2)


def test_region_merge_moves_open_cases(world):
    from yiwang.catalog.models import Item

    Item.objects.filter(pk=world.item.pk).update(department=world.dept)
    case = cases.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )
    new_city = Region.objects.create(code="429900", name="新区", level="city")
    moved = services.region_succeed(
        region=world.city, successor=new_city, on=date(2027, 1, 1), actor=world.platform_admin
    )
    assert moved == 1
    assert Case.objects.get(pk=case.pk).region == new_city
    world.city.refresh_from_db()
    assert world.city.valid_until == date(2026, 12, 31) and world.city.successor == new_city
    assert StaffRole.objects.filter(user=world.clerk).exists()


def test_succeed_command_moves_open_cases(world, capsys):
    from django.core.management import call_command

    cases.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )
    call_command(
        "succeed", "department", world.dept.uscc, world.dept2.uscc, "--on", "2026-12-01", "--by", "admin"
    )
    assert "1 open cases moved" in capsys.readouterr().out
    assert Case.objects.get().department == world.dept2
