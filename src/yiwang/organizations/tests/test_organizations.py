import pytest
from django.core.exceptions import ValidationError

from yiwang.core.errors import ValidationFailed
from yiwang.organizations import selectors, services
from yiwang.organizations.models import Department, Region


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


def test_region_lineage_runs_from_the_top():
    assert selectors.region_lineage("/420100/420102/420102001/") == [
        "/420100/",
        "/420100/420102/",
        "/420100/420102/420102001/",
    ]
    assert selectors.region_lineage("/") == []


def test_staff_over_a_region_are_those_of_its_role_in_it_and_above(world):
    from yiwang.accounts.tests.factories import StaffFactory
    from yiwang.organizations.models import Role

    other = Region.objects.create(code="420103", name="江汉区", level="district", parent=world.city)
    street = Region.objects.create(code="420102001", name="大智街道", level="street", parent=world.district)
    city_sup, district_sup, other_sup, gone_sup, admin, other_admin = (StaffFactory() for _ in range(6))
    services.staff_role_grant(user=city_sup, role=Role.SUPERVISOR, region=world.city)
    services.staff_role_grant(user=city_sup, role=Role.SUPERVISOR, region=world.district)  # twice: once
    services.staff_role_grant(user=district_sup, role=Role.SUPERVISOR, region=world.district)
    services.staff_role_grant(user=other_sup, role=Role.SUPERVISOR, region=other)
    services.staff_role_grant(user=gone_sup, role=Role.SUPERVISOR, region=world.city)
    gone_sup.is_active = False
    gone_sup.save(update_fields=["is_active"])
    services.staff_role_grant(user=admin, role=Role.DEPT_ADMIN, department=world.dept)
    services.staff_role_grant(user=other_admin, role=Role.DEPT_ADMIN, department=world.dept2)

    mine = {city_sup, district_sup, other_sup, gone_sup, admin, other_admin}  # the world has its own staff

    sups = list(selectors.staff_over(region_path=street.path, role=Role.SUPERVISOR))
    assert len(sups) == len(set(sups)) and mine & set(sups) == {city_sup, district_sup}
    assert mine & set(selectors.staff_over(region_path=world.city.path, role=Role.SUPERVISOR)) == {city_sup}
    admins = selectors.staff_over(region_path=street.path, role=Role.DEPT_ADMIN, department_id=world.dept.pk)
    assert mine & set(admins) == {admin}
