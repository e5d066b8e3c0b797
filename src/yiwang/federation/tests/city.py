"""Seed one city for the multi-instance tests: `python -m yiwang.federation.tests.city CODE` in
that instance's environment (its own YIWANG_HOME and database). Builds a small world — the city,
a department, a hall and window, one 都市圈 item, a clerk, a reviewer, an approver, a citizen —
registers the circle's other cities (unpaired) and prints the city's pairing card as JSON."""

from __future__ import annotations

import json
import sys
from datetime import date


def seed(code: str) -> dict:
    from yiwang.accounts.tests.factories import CitizenFactory, StaffFactory
    from yiwang.catalog.services import elements_sync
    from yiwang.catalog.tests.factories import (
        ItemFactory,
        ItemVersionFactory,
        MaterialFactory,
        mark_published,
    )
    from yiwang.core.testing import FORM_SCHEMA, make_ric, make_uscc
    from yiwang.federation import protocol, services
    from yiwang.licenses.services import license_types_load
    from yiwang.organizations.tests.factories import (
        DepartmentFactory,
        RegionFactory,
        ServiceHallFactory,
        StaffRoleFactory,
        WindowFactory,
    )

    elements_sync()
    city = RegionFactory(code=code, name=protocol.CITIES[code], level="city")
    dept = DepartmentFactory(
        name=f"{city.name}市场监督管理局", uscc=make_uscc(f"scjg{code}"), region=city, short_name=""
    )
    hall = ServiceHallFactory(name=f"{city.name}市民之家", region=city, address="", hours="", phone="")
    window = WindowFactory(hall=hall, number="1", departments=[dept])
    item = ItemFactory(code=f"11{code}MB0000001X4{code}00001", basic_code=f"11{code}MB00", department=dept)
    version = ItemVersionFactory(
        bare=True,
        item=item,
        version=1,
        valid_from=date(2020, 1, 1),
        name="食品经营许可（新办）",
        service_objects=["1", "2"],
        exercise_levels=["3"],
        promised_limit_days=5,
        case_kind="2",
        form_schema=FORM_SCHEMA,
        cross_city_scope="都市圈",
        halls=[hall],
    )
    MaterialFactory(item_version=version, code="id_card", name="身份证明", required=True, material_form="2")
    other = MaterialFactory(
        item_version=version, code="other", name="其他材料", required=False, material_form="2"
    )
    mark_published(version)
    # the result is a licence (食品经营许可证, type 10 of the licence-type catalogue)
    license_types_load()
    # 其他材料 may be a 食品经营许可证 (免提交: a local one or one a paired city issued)
    from yiwang.licenses.models import LicenseType

    type(other).objects.filter(pk=other.pk).update(
        license_type_code=LicenseType.objects.get(name="食品经营许可证").code
    )
    type(version).objects.filter(pk=version.pk).update(
        results=[{"name": "食品经营许可证", "type": "10"}, {"name": "准予许可决定书", "type": "20"}]
    )

    def staff(username, name, **role):
        user = StaffFactory(username=username, display_name=name)
        StaffRoleFactory(user=user, department=role.pop("department", None), **role)

    staff("clerk", "窗口甲", role="clerk", window=window)
    staff("reviewer", "审核甲", role="reviewer", department=dept)
    staff("approver", "审批甲", role="approver", department=dept)
    serial = {"420100": 101, "420700": 202, "420200": 303}.get(code, 404)
    CitizenFactory(username="citizen", name="张伟", id_number=make_ric(serial=serial), phone="13800138000")
    services.peers_register_metro()
    return {"card": protocol.own_card(), "item": item.code}


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(seed(sys.argv[1]), ensure_ascii=False))
