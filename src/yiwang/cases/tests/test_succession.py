"""Succession of regions and departments moves their open cases (moved from organizations'
tests: cases sit above organizations)."""

from datetime import date

from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.core.testing import good_form, good_materials
from yiwang.organizations import services
from yiwang.organizations.models import Region, StaffRole


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
