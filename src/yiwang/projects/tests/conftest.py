"""The projects' test world on top of the shared one: the bureau (政务服务和大数据管理局) with a
reviewer, the building department's staff (the world's department), a third-party evaluator and
a second one, a post-evaluation scheme, and two catalogued data resources."""

from __future__ import annotations

from datetime import date

import pytest

from yiwang.core.testing import PASSWORD, make_uscc
from yiwang.exchange.models import DataResource, SharingType
from yiwang.organizations.services import staff_create
from yiwang.organizations.tests.factories import DepartmentFactory
from yiwang.projects import services
from yiwang.projects.models import Bureau, Evaluator, InformationSystem, Scheme, SystemStatus

ON = date(2026, 3, 2)  # a Monday


@pytest.fixture
def pw(world, django_user_model):
    w = world
    w.bureau_dept = DepartmentFactory(
        name="武汉市政务服务和大数据管理局", uscc=make_uscc("zwfw"), region=w.city
    )
    Bureau.objects.create(department=w.bureau_dept)
    w.bureau = staff_create(
        username="bureau", password=PASSWORD, name="局审查员",
        roles=[{"role": "approver", "department": w.bureau_dept}],
    )  # fmt: skip
    w.bureau_owner = staff_create(
        username="bureau_owner", password=PASSWORD, name="局建设人员",
        roles=[{"role": "dept_admin", "department": w.bureau_dept}],
    )  # fmt: skip
    w.cdo = staff_create(
        username="cdo", password=PASSWORD, name="首席数据官", roles=[{"role": "cdo", "department": w.dept}]
    )
    w.evaluator_user = staff_create(username="evaluator", password=PASSWORD, name="评价机构", roles=[])
    w.evaluator = Evaluator.objects.create(user=w.evaluator_user, organisation="示例咨询评估有限公司")
    w.evaluator2_user = staff_create(username="evaluator2", password=PASSWORD, name="另一机构", roles=[])
    w.evaluator2 = Evaluator.objects.create(user=w.evaluator2_user, organisation="另一评估公司")
    Scheme.objects.create(
        name="后评价方案",
        criteria=[
            {"code": "goals", "name": "目标实现", "points": 40},
            {"code": "sharing", "name": "数据共享", "points": 30},
            {"code": "cost", "name": "经济性", "points": 30},
        ],
    )
    w.res_license = DataResource.objects.create(
        code="scjg.food_license", name="食品经营许可信息", department=w.dept, subject_kind="org",
        sharing_type=SharingType.UNCONDITIONAL, source_system="食品经营许可系统", legal_basis="《食品安全法》",
        classification="市场监管", description="食品经营许可证的登记信息",
    )  # fmt: skip
    w.res_other = DataResource.objects.create(
        code="wjw.clinic", name="医疗机构执业信息", department=w.dept2, subject_kind="org",
        sharing_type=SharingType.CONDITIONAL, source_system="医疗机构管理系统", legal_basis="《医疗机构管理条例》",
    )  # fmt: skip
    w.existing = InformationSystem.objects.create(
        code="XT20200001", name="食品经营许可审批系统", department=w.dept, status=SystemStatus.RUNNING,
        functions="食品经营许可 申请 受理 审批 发证", registered=True, mlps_level=3,
    )  # fmt: skip
    w.existing.resources.add(w.res_license)
    return w


def file_project(w, *, actor=None, name="智慧养老服务平台", resources=None, **kw):
    return services.project_file(
        actor=actor or w.dept_admin,
        name=name,
        purpose="为老年人提供线上助餐、助浴预约服务",
        budget=[{"year": 2026, "amount": "1000000", "source": "市级财政"}],
        systems=kw.pop(
            "systems", [{"name": name + "系统", "functions": "助餐 助浴 预约 评价", "mlps_level": 2}]
        ),
        resources=resources
        if resources is not None
        else [{"code": "mz.elderly_service", "name": "养老服务信息"}],
        implementation_path="云上部署，复用统一身份认证",
        functions=kw.pop("functions", "助餐 助浴 预约 评价"),
        on=kw.pop("on", ON),
        **kw,
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
