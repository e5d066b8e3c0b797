from yiwang.accounts.models import User
from yiwang.catalog.models import ItemVersion
from yiwang.demo import exchange as exchange_demo
from yiwang.demo import orgdata
from yiwang.demo import services as demo
from yiwang.exchange import services
from yiwang.exchange.models import AccessRecord, Agreement, DataResource, RegisterRecord
from yiwang.organizations.models import Department
from yiwang.organizations.services import staff_create


def test_demo_load_is_idempotent_and_serves_prefill(db, sample_submit):
    from yiwang.catalog.services import elements_sync

    elements_sync()
    demo.demo_regions_load()
    departments = demo.demo_departments_load()
    windows = demo.demo_halls_load(departments)
    demo.demo_items_load()
    demo.demo_window_items_load(windows)
    demo.demo_users_load(departments=departments, windows=windows, password="demo-pass-1234")
    first = exchange_demo.demo_load()
    assert first["resources"] == 9 and first["agreements"] > 30 and first["register_rows"] == 11
    second = exchange_demo.demo_load()
    assert second["agreements"] == 0 and DataResource.objects.count() == 9
    assert Agreement.objects.count() == first["agreements"]
    assert RegisterRecord.objects.count() == 11
    citizen = User.objects.get(username="citizen")
    scjg = Department.objects.get(uscc=orgdata.department_uscc("scjg"))
    res = services.prefill_lookup(
        consumer=scjg,
        actor=citizen,
        subject={"id_number": citizen.id_number},
        bases={"name", "household_address", "gender"},
        purpose="prefill",
        subject_is_actor=True,
    )
    assert res.failures == []
    assert res.values["name"].value == "张伟" and res.values["name"].department_name == "武汉市公安局"
    assert res.values["household_address"].value.startswith("湖北省武汉市江岸区")
    # 不动产登记中心 reads seizures and mortgages for 二手房转移; the mortgage needs the owner's consent
    bdc = Department.objects.get(uscc=orgdata.department_uscc("bdc"))
    # a 不动产登记中心 reviewer (the demo has none: made here)
    reviewer = staff_create(
        username="bdc-reviewer",
        password="demo-pass-1234",
        name="不动产登记审核",
        roles=[{"role": "reviewer", "department": bdc, "region": bdc.region}],
    )
    caller = services.Caller(department=bdc, role="staff", actor=reviewer)
    r = services.query_run(
        caller=caller,
        resource_code="court.seizures",
        subject={"id_number": citizen.id_number},
        purpose="case_handling",
        elements=["seizure_status"],
    )
    assert r.reason == "case_required"  # a department's query names the case it is for
    transfer = ItemVersion.objects.filter(
        item__department=bdc, name__contains="转移登记", status="published"
    ).first()
    case = sample_submit(transfer, user=citizen)
    r = services.query_run(
        caller=caller,
        resource_code="court.seizures",
        subject={"id_number": citizen.id_number},
        purpose="case_handling",
        case_number=case.number,
        elements=["seizure_status"],
    )
    assert r.ok and r.data == {"seizure_status": "无查封"}
    r = services.query_run(
        caller=caller,
        resource_code="bank.mortgages",
        subject={"id_number": citizen.id_number},
        purpose="case_handling",
        case_number=case.number,
        elements=["mortgage_status"],
    )
    assert r.reason == "consent_required"
    business = User.objects.get(username="business")
    sw = Department.objects.get(uscc=orgdata.department_uscc("sw"))
    res = services.prefill_lookup(
        consumer=sw,
        actor=business,
        subject={"uscc": business.uscc},
        bases={"name", "registered_address"},
        purpose="prefill",
        subject_is_actor=True,
    )
    assert res.values["registered_address"].value.startswith("武汉市江岸区后湖大道")
    assert AccessRecord.objects.count() == 5
