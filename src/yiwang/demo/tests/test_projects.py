from yiwang.demo import exchange as exchange_demo
from yiwang.demo import projects as projects_demo
from yiwang.demo import services as demo
from yiwang.exchange.models import DataResource
from yiwang.organizations.models import Role, StaffRole
from yiwang.projects.models import Evaluator, InformationSystem, Project, Stage


def test_demo_projects_cover_every_stage_and_flag_a_duplicate(db):
    from yiwang.catalog.services import elements_sync

    elements_sync()
    demo.demo_regions_load()
    departments = demo.demo_departments_load()
    windows = demo.demo_halls_load(departments)
    demo.demo_users_load(departments=departments, windows=windows, password="demo-pass-1234")
    exchange_demo.demo_load()
    first = projects_demo.demo_load(password="demo-pass-1234")
    assert first["projects"] == 12
    assert projects_demo.demo_load(password="demo-pass-1234")["projects"] == 0
    assert set(Project.objects.values_list("stage", flat=True)) == set(Stage.values)
    [dup] = [p for p in Project.objects.all() if p.duplicates]  # exactly one is flagged
    assert dup.name == "人口信息综合管理系统"
    assert any(d["code"] == "XT20180001" and d["kind"] == "system" for d in dup.duplicates)
    assert InformationSystem.objects.filter(registered=True, code__startswith="XT2018").count() == 2
    assert DataResource.objects.get(code="scjg.enterprise").classification == "法人"
    assert Evaluator.objects.filter(user__username="evaluator").exists()
    city_depts = [d for d in departments.values() if d.region.code == "420100"]
    cdo_depts = set(StaffRole.objects.filter(role=Role.CDO).values_list("department_id", flat=True))
    assert {d.pk for d in city_depts} <= cdo_depts
    operating = Project.objects.get(stage="operating")
    assert operating.post_evaluation.total > 0 and operating.systems.get().indicators.count() == 3
