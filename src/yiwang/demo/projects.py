"""Demo data of projects and the data ledger (数据一本账): the bureau (市政务服务和大数据局) with its
reviewer `bureau`, the third-party evaluator `evaluator`, a CDO for every city department
(`cdo` for 市场监管局 exists; the others are `cdo_<key>`), the information systems behind the
exchange's resources with their GB/T 21063.3 metadata, and a dozen projects across all stages —
one flagged as duplicating an existing system. Idempotent: run after the exchange demo."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.exchange.models import DataResource, OpenType
from yiwang.organizations.models import Department, Region, Role, StaffRole
from yiwang.organizations.services import staff_create, staff_role_grant
from yiwang.projects import services
from yiwang.projects.models import (
    Bureau,
    DataListEntry,
    Evaluator,
    InformationSystem,
    Project,
    Scheme,
    SystemStatus,
)

from . import orgdata

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EVALUATOR_ORG = "武汉示例信息工程咨询评估有限公司"
PROJECTS_USERS = [
    ("bureau", "政务服务和大数据局审查员", "信息化项目立项审批、确认（武汉市政务服务和大数据管理局）"),
    ("evaluator", EVALUATOR_ORG, "第三方评价机构：信息化项目后评价"),
    ("cdo_<部门>", "各部门首席数据官", "如 cdo_ga、cdo_mz：需求清单/责任清单、数据质量问题整改"),
]

# resource code -> (classification, open type)
METADATA = {
    "ga.population": ("人口", OpenType.NONE),
    "mz.marriage": ("人口", OpenType.NONE),
    "scjg.enterprise": ("法人", OpenType.UNCONDITIONAL),
    "bdc.real_estate": ("自然资源和空间地理", OpenType.NONE),
    "court.seizures": ("社会信用", OpenType.NONE),
    "bank.mortgages": ("金融", OpenType.NONE),
    "court.judgements": ("社会信用", OpenType.CONDITIONAL),
    "rs.social_insurance": ("社会保障", OpenType.NONE),
    "sw.tax_paid": ("财税", OpenType.NONE),
}

# existing systems: code, department key, name, functions, 等保 level, resources
SYSTEMS = [
    ("XT20180001", "ga", "人口信息管理系统", "户籍 人口 登记 查询 核验", 3, ["ga.population"]),
    ("XT20180002", "mz", "婚姻登记管理系统", "婚姻 登记 查询", 3, ["mz.marriage"]),
    ("XT20190001", "scjg", "市场主体登记系统", "市场主体 登记 注册 变更 注销", 3, ["scjg.enterprise"]),
    ("XT20190002", "bdc", "不动产登记系统", "不动产 登记 查询 抵押", 3, ["bdc.real_estate"]),
    ("XT20200001", "rs", "社会保险信息系统", "社保 参保 缴费 待遇", 3, ["rs.social_insurance"]),
    ("XT20200002", "sw", "税收征管系统", "税收 征管 完税 证明", 3, ["sw.tax_paid"]),
    ("XT20210001", "zwfw", "一网通办平台", "政务服务 网上办事 统一受理 好差评", 3, []),
]

# name, department key, target stage, functions, promised resource (creates), budget
PROJECTS = [
    ("智慧养老服务平台", "mz", "filed", "助餐 助浴 预约 评价", "mz.elderly_service", 1_200_000),
    ("人口信息综合管理系统", "wjw", "filed", "户籍 人口 登记 查询 核验", "", 2_000_000),  # duplicate
    ("城市停车诱导平台", "jt", "filed", "泊位 发布 导航", "jt.parking", 800_000),
    ("城管执法移动办案系统", "cg", "rejected", "执法 办案 移动", "", 600_000),
    ("医保移动支付平台", "yb", "approved", "医保 支付 结算", "", 1_500_000),
    ("市场主体信用监管平台", "scjg", "building", "信用 监管 抽查", "scjg.enterprise", 3_000_000),
    ("住房公积金网上服务大厅", "gjj", "building", "公积金 提取 贷款", "", 900_000),
    ("房屋交易一窗受理平台", "bdc", "confirmed", "交易 缴税 一窗 受理", "bdc.real_estate", 1_800_000),
    ("社保经办一体化平台", "rs", "accepted", "社保 经办 待遇 核定", "rs.social_insurance", 2_500_000),
    ("电子税务服务系统", "sw", "self_evaluated", "发票 申报 缴税", "sw.tax_paid", 1_000_000),
    ("结婚颁证预约服务平台", "mz", "post_evaluated", "颁证 预约 排队", "mz.marriage", 400_000),
    ("人口服务综合查询平台", "ga", "operating", "户籍 证明 查询", "ga.population", 1_100_000),
]
ORDER = [
    "filed",
    "approved",
    "building",
    "confirmed",
    "accepted",
    "self_evaluated",
    "post_evaluated",
    "operating",
]


def _dept(key: str) -> Department | None:
    return Department.objects.filter(uscc=orgdata.department_uscc(key)).first()


def _city() -> Region:
    return Region.objects.get(code=orgdata.CITY)


def _user(username: str, name: str, roles: list[dict], password: str | None) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = staff_create(
            username=username, password=password or secrets.token_urlsafe(24), name=name, roles=[]
        )
        if not password:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    for role in roles:
        if not StaffRole.objects.filter(
            user=user, role=role["role"], department=role.get("department")
        ).exists():
            staff_role_grant(user=user, **role)
    return user


def _cdo(key: str, dept: Department, password: str | None) -> User:
    existing = StaffRole.objects.filter(role=Role.CDO, department=dept).select_related("user").first()
    if existing is not None:
        return existing.user
    return _user(f"cdo_{key}", f"{dept.short_name or dept.name}首席数据官", [
        {"role": Role.CDO, "department": dept, "region": _city()}
    ], password)  # fmt: skip


@transaction.atomic
def demo_load(*, password: str | None = None) -> dict:
    zwfw = _dept("zwfw")
    if zwfw is None:
        return {"projects": 0, "missing_departments": ["zwfw"]}
    city = _city()
    Bureau.objects.get_or_create(department=zwfw)
    bureau = _user("bureau", "政务服务和大数据局审查员", [
        {"role": Role.APPROVER, "department": zwfw, "region": city}
    ], password)  # fmt: skip
    ev_user = _user("evaluator", EVALUATOR_ORG, [], password)
    evaluator, _ = Evaluator.objects.get_or_create(user=ev_user, defaults={"organisation": EVALUATOR_ORG})
    if not Scheme.objects.exists():
        Scheme.objects.create(
            name="政务信息化项目后评价方案（2026）",
            criteria=[
                {"code": "goals", "name": "建设目标实现程度", "points": 30},
                {"code": "sharing", "name": "数据共享与业务协同", "points": 25},
                {"code": "security", "name": "安全保障", "points": 15},
                {"code": "cost", "name": "投资效益", "points": 15},
                {"code": "use", "name": "应用成效与用户满意度", "points": 15},
            ],
        )
    cdos = {}
    for key, *_rest in orgdata.DEPARTMENTS:
        dept = _dept(key)
        if dept is not None and dept.region.code == orgdata.CITY:
            cdos[key] = _cdo(key, dept, password)
    today = timezone.localdate()
    for code, (classification, open_type) in METADATA.items():
        DataResource.objects.filter(code=code, classification="").update(
            classification=classification, open_type=open_type, identifier=code, metadata_updated=today
        )
    for code, key, name, functions, level, resources in SYSTEMS:
        dept = _dept(key)
        if dept is None or InformationSystem.objects.filter(code=code).exists():
            continue
        s = InformationSystem.objects.create(
            code=code, name=name, department=dept, functions=functions, mlps_level=level,
            status=SystemStatus.RUNNING, registered=True,
        )  # fmt: skip
        s.resources.set(DataResource.objects.filter(code__in=resources))
    created = 0
    start = today - timedelta(days=400)
    for name, key, stage, functions, resource, amount in PROJECTS:
        dept = _dept(key)
        if dept is None or key not in cdos or Project.objects.filter(name=name).exists():
            continue
        _project(name, dept, cdos[key], bureau, evaluator, stage, functions, resource, amount, start)
        created += 1
    scjg = _dept("scjg")
    if scjg is not None and not DataListEntry.objects.filter(department=scjg).exists():
        enterprise = DataResource.objects.filter(code="scjg.enterprise").first()
        DataListEntry.objects.create(department=scjg, kind="responsibility", name="市场主体登记信息",
                                     resource=enterprise, due=today, fulfilled_on=today)  # fmt: skip
        DataListEntry.objects.create(department=scjg, kind="demand", name="不动产登记信息",
                                     resource=DataResource.objects.filter(code="bdc.real_estate").first())  # fmt: skip
    return {"projects": created, "cdos": len(cdos), "systems": InformationSystem.objects.count()}


def _project(
    name, dept, owner, bureau, evaluator, stage, functions, resource, amount, start: date
) -> Project:
    on = start
    resources = []
    if resource:
        resources.append({"code": resource, "name": name + "数据", "role": "creates"})
    p = services.project_file(
        actor=owner, name=name, purpose=f"建设{name}，提升{dept.short_name or dept.name}的数字化服务能力",
        budget=[{"year": on.year, "amount": str(amount), "source": "市级财政"}],
        systems=[{"name": name, "functions": functions, "mlps_level": 2}],
        resources=resources, implementation_path="部署于政务云，复用统一身份认证和数据共享交换平台",
        functions=functions, department=dept, on=on,
    )  # fmt: skip
    if stage == "filed":
        return p
    if stage == "rejected":
        services.project_transition(
            actor=bureau, project=p, action="reject", note="与现有移动执法系统功能重复", on=on
        )
        return p
    for kind in ("feasibility", "necessity", "budget", "path", "sharing", "security"):
        services.review_add(actor=bureau, project=p, kind=kind, passed=True, opinion="符合要求")
    target = ORDER.index(stage)
    p, _ = services.project_transition(actor=bureau, project=p, action="approve", note="同意立项", on=on)
    if target >= ORDER.index("building"):
        p, _ = services.project_transition(actor=owner, project=p, action="start", on=on)
        c = services.contract_add(actor=owner, project=p, name=f"{name}开发合同", supplier="示例软件有限公司",
                                  year=on.year, amount=str(amount * 8 // 10), signed_on=on)  # fmt: skip
        services.payment_add(actor=owner, contract=c, amount=str(amount * 3 // 10), paid_on=on)
        services.milestone_add(actor=owner, project=p, name="上线试运行", due=on + timedelta(days=120))
    if stage == "building" and dept.short_name.endswith("公积金中心"):
        services.change_request(
            actor=owner, project=p, description="增加移动端功能", year=on.year, budget_delta="100000"
        )
    if target >= ORDER.index("confirmed"):
        services.system_register(
            actor=owner, system=p.systems.get(), resource_codes=[resource] if resource else []
        )
        for kind in ("mlps", "crypto"):
            services.document_upload(actor=owner, project=p, kind=kind, name=f"{kind}.pdf", data=PDF)
        p, _ = services.project_transition(
            actor=bureau, project=p, action="confirm", note="具备验收条件", on=on
        )
    if target >= ORDER.index("accepted"):
        services.document_upload(actor=owner, project=p, kind="acceptance", name="验收报告.pdf", data=PDF)
        p, _ = services.project_transition(actor=owner, project=p, action="accept", note="验收通过", on=on)
    if target >= ORDER.index("self_evaluated"):
        services.document_upload(
            actor=owner, project=p, kind="self_evaluation", name="自评报告.pdf", data=PDF
        )
        p, _ = services.project_transition(actor=owner, project=p, action="self_evaluate", on=on)
        services.evaluator_assign(actor=bureau, project=p, evaluator=evaluator)
    if target >= ORDER.index("post_evaluated"):
        services.evaluation_submit(
            actor=evaluator.user, project=p, conclusion="目标基本实现，数据共享良好",
            scores={"goals": 26, "sharing": 22, "security": 13, "cost": 12, "use": 13}, on=on,
        )  # fmt: skip
    if target >= ORDER.index("operating"):
        p, _ = services.project_transition(actor=bureau, project=p, action="operate", on=on)
        for m in range(3):
            month = (on + timedelta(days=31 * (m + 1))).replace(day=1)
            services.indicator_record(actor=owner, system=p.systems.get(), month=month, active_users=1200 + 100 * m,
                                      transactions=50_000 + 5000 * m, cost=20_000)  # fmt: skip
    return p
