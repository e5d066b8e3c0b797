"""A clerk sees the cases their windows serve (organizations.selectors.window_service): a window
serving items one by one as well as one serving whole departments; online cases not yet taken by
a hall, and the cases of that window's own hall — never those of another hall."""

from datetime import date

from yiwang.cases import selectors, services
from yiwang.cases.models import Case
from yiwang.core.testing import good_form, good_materials
from yiwang.organizations.models import Role
from yiwang.organizations.selectors import staff_scope, window_service
from yiwang.organizations.tests.factories import StaffRoleFactory, WindowFactory

MON = date(2026, 11, 2)


def submit(world, item):
    return services.case_submit(
        actor=world.citizen, item_code=item.code, form=good_form(), channel="online",
        materials=good_materials(), on=MON,
    )  # fmt: skip


def visible(user, case) -> bool:
    return selectors.cases_visible(user=user).filter(pk=case.pk).exists()


def test_a_window_serving_one_item(world):
    window = WindowFactory(hall=world.hall2, number="9")
    window.items.add(world.item2)
    clerk = StaffRoleFactory(role=Role.CLERK, window=window, department=None).user
    assert window_service(staff_scope(clerk)) == {world.hall2.pk: (set(), {world.item2.pk})}
    served, other = submit(world, world.item2), submit(world, world.item)
    assert visible(clerk, served) and not visible(clerk, other)
    Case.objects.filter(pk=served.pk).update(hall=world.hall)  # taken by another hall
    assert not visible(clerk, served)
    Case.objects.filter(pk=served.pk).update(hall=world.hall2)  # taken by this window's hall
    assert visible(clerk, served)
    # the queue lists it (submitted: a clerk's queue), the other item's case not
    assert list(selectors.case_list(user=clerk)) == [served]


def test_a_department_window_and_a_clerk_without_windows(world):
    assert window_service(staff_scope(world.clerk)) == {world.hall.pk: ({world.dept.pk}, set())}
    case, other_dept = submit(world, world.item), submit(world, world.item2)
    assert visible(world.clerk, case) and not visible(world.clerk, other_dept)
    reviewer_scope = staff_scope(world.reviewer)
    assert window_service(reviewer_scope) == {}
