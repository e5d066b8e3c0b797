"""员工录用: an employer files for several employees in one submission."""

from datetime import date

import pytest

from yiwang.bundles.models import Bundle, BundleItem
from yiwang.bundles.services import bundle_case_submit, bundle_publish
from yiwang.cases.services import form_reveal
from yiwang.core.errors import ValidationFailed
from yiwang.core.testing import make_ric

from .conftest import MON, make_item, pdf

EMPLOYEE = {"employee.name": {"title": "职工姓名"}, "employee.id_number": {"title": "职工身份证号码"}}
EMPLOYER = {"applicant.name": {"title": "单位名称"}, "applicant.uscc": {"title": "统一社会信用代码"}}


@pytest.fixture
def hiring(world):
    def schema(props, required):
        return {"type": "object", "required": required, "properties": props}

    register = make_item(
        code="11420100MB0000001X442010000201",
        name="就业登记",
        dept=world.dept,
        hall=world.hall,
        schema=schema({**EMPLOYER, **EMPLOYEE}, ["applicant.name", "employee.name", "employee.id_number"]),
        materials=[("contract", "劳动合同", "")],
        objects=("2",),
    )
    insure = make_item(
        code="11420100MB0000002X442010000202",
        name="职工参保登记",
        dept=world.dept2,
        hall=world.hall,
        schema=schema({**EMPLOYER, **EMPLOYEE}, ["employee.name"]),
        materials=[],
        objects=("2",),
    )
    account = make_item(
        code="11420100MB0000002X442010000203",
        name="单位住房公积金缴存登记",
        dept=world.dept2,
        hall=world.hall,
        schema=schema(EMPLOYER, ["applicant.name"]),
        materials=[],
        objects=("2",),
    )
    bundle = Bundle.objects.create(
        code="hiring",
        name="员工录用一件事",
        audience="legal",
        lead_department=world.dept,
        promised_days=10,
        repeat_party="employee",
    )
    for i, item in enumerate([register, insure, account]):
        BundleItem.objects.create(bundle=bundle, item=item, position=i)
    return bundle_publish(bundle=bundle, on=MON)


def employees(n):
    return [
        {"employee.name": f"职工{i}", "employee.id_number": make_ric(serial=400 + i, born=date(1998, 1, 2))}
        for i in range(n)
    ]


def test_one_submission_carries_several_employees(world, hiring):
    form = {
        "applicant.name": world.company.display_name,
        "applicant.uscc": world.company.uscc,
        "employees": employees(3),
    }
    bcase = bundle_case_submit(
        actor=world.company,
        bundle_code="hiring",
        answers={},
        form=form,
        channel="online",
        materials=[pdf("contract")],
        on=MON,
    )
    by_item = {}
    for child in bcase.children.select_related("case"):
        by_item.setdefault(child.item_code, []).append(child)
    counts = sorted(len(v) for v in by_item.values())
    assert counts == [1, 3, 3]  # one per employee for the per-person items, one for the employer's
    names = sorted(
        form_reveal(c.case.form)["employee.name"] for c in by_item["11420100MB0000001X442010000201"]
    )
    assert names == ["职工0", "职工1", "职工2"]
    assert bcase.savings["people"] == 3


def test_a_bad_employee_row_is_named(world, hiring):
    rows = employees(2)
    rows[1]["employee.id_number"] = "420102199801020000"
    form = {
        "applicant.name": world.company.display_name,
        "applicant.uscc": world.company.uscc,
        "employees": rows,
    }
    with pytest.raises(ValidationFailed) as exc:
        bundle_case_submit(
            actor=world.company,
            bundle_code="hiring",
            answers={},
            form=form,
            channel="online",
            materials=[pdf("contract")],
            on=MON,
        )
    assert list(exc.value.fields) == ["employees[1].employee.id_number"]
    with pytest.raises(ValidationFailed) as exc:
        bundle_case_submit(
            actor=world.company,
            bundle_code="hiring",
            answers={},
            channel="online",
            materials=[pdf("contract")],
            form={"applicant.name": world.company.display_name, "applicant.uscc": world.company.uscc},
            on=MON,
        )
    assert "employees" in exc.value.fields
