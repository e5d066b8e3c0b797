"""Loads the demo data set (`yiwang demo_load`): regions, departments, halls and windows, the
item catalogue and the demo users. Every step is idempotent: a second run finds what the first
one wrote and neither fails nor duplicates."""

from __future__ import annotations

import csv
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

from yiwang.accounts import services as accounts
from yiwang.accounts.models import User
from yiwang.catalog import services as catalog
from yiwang.catalog.models import DataElement, Item, ItemVersion, VersionStatus
from yiwang.core.errors import ValidationFailed
from yiwang.licenses.services import license_types_load
from yiwang.organizations.models import Department, Region, RegionLevel, ServiceHall, Window
from yiwang.organizations.services import staff_create, staff_role_grant

from . import editions, orgdata
from .codes import ric_make, uscc_make

DATA = Path(__file__).resolve().parent / "data"
DIVISIONS_CSV = DATA / "divisions-wuhan.csv"
ITEMS_JSON = DATA / "items.json"
PASSWORD_ENV = "YIWANG_DEMO_PASSWORD"  # noqa: S105 - the variable name, not a password

# Districts whose streets get generated communities (12-digit codes: street code + 3 digits).
COMMUNITY_DISTRICTS = ["420102", "420103", "420106", "420111"]
COMMUNITY_WORDS = [
    "幸福",
    "和平",
    "建设",
    "友谊",
    "新华",
    "光明",
    "胜利",
    "团结",
    "花园",
    "长江",
    "东湖",
    "汉江",
    "民主",
    "振兴",
    "永安",
    "锦绣",
    "常青",
    "百合",
    "育才",
    "紫阳",
    "丽岛",
    "朝阳",
    "惠民",
    "同心",
]
LEVEL_ORDER = {"city": 0, "district": 1, "street": 2, "community": 3}


class DemoLoadError(Exception):
    """The demo data could not be loaded (e.g. the item catalogue did not validate)."""


# --- regions ---------------------------------------------------------------------------------------


def region_rows() -> list[dict]:
    """The city, its districts and streets from the shipped NBS extract, plus generated communities."""
    with DIVISIONS_CSV.open(newline="", encoding="utf-8") as f:
        rows = [
            {"code": r["code"], "name": r["name"], "level": r["level"], "parent_code": r["parent_code"]}
            for r in csv.DictReader(f)
            if r["code"] == orgdata.CITY or (r["code"].startswith("4201") and r["code"] != orgdata.CITY)
        ]
    rows[0]["parent_code"] = ""  # the province is not part of the demo
    streets = [r for r in rows if r["level"] == "street" and r["parent_code"] in COMMUNITY_DISTRICTS]
    for street in streets:
        digest = hashlib.sha256(street["code"].encode()).digest()
        count = 2 + digest[0] % 2
        used: set[str] = set()
        for n in range(count):
            word = COMMUNITY_WORDS[(digest[1 + n]) % len(COMMUNITY_WORDS)]
            while word in used:
                word = COMMUNITY_WORDS[(COMMUNITY_WORDS.index(word) + 1) % len(COMMUNITY_WORDS)]
            used.add(word)
            rows.append(
                {
                    "code": f"{street['code']}{n + 1:03d}",
                    "name": f"{word}社区",
                    "level": RegionLevel.COMMUNITY,
                    "parent_code": street["code"],
                }
            )
    return sorted(rows, key=lambda r: (LEVEL_ORDER[r["level"]], r["code"]))


def demo_regions_load() -> int:
    """Create the missing regions level by level (bulk), parents first. Returns how many were created."""
    rows = region_rows()
    existing = {r.code: r for r in Region.objects.filter(code__in=[r["code"] for r in rows])}
    created = 0
    for level in ("city", "district", "street", "community"):
        new = []
        for r in rows:
            if r["level"] != level or r["code"] in existing:
                continue
            parent = existing.get(r["parent_code"]) if r["parent_code"] else None
            region = Region(code=r["code"], name=r["name"], level=level, parent=parent)
            region.path = (parent.path if parent else "/") + f"{r['code']}/"
            new.append(region)
        Region.objects.bulk_create(new)
        created += len(new)
        if new:
            existing.update({r.code: r for r in Region.objects.filter(code__in=[n.code for n in new])})
    return created


# --- departments, halls, windows ----------------------------------------------------------------------


def demo_departments_load() -> dict[str, Department]:
    regions = {r.code: r for r in Region.objects.filter(code__in={d[4] for d in orgdata.DEPARTMENTS})}
    out: dict[str, Department] = {}
    for key, name, short, kind, region_code, _reg in orgdata.DEPARTMENTS:
        dept, _ = Department.objects.update_or_create(
            uscc=orgdata.department_uscc(key),
            defaults={"name": name, "short_name": short, "kind": kind, "region": regions[region_code]},
        )
        out[key] = dept
    return out


def demo_halls_load(departments: dict[str, Department]) -> dict[tuple[str, str], Window]:
    regions = {r.code: r for r in Region.objects.filter(code__in={h[1] for h in orgdata.HALLS})}
    halls: dict[str, ServiceHall] = {}
    for name, region_code, address, phone in orgdata.HALLS:
        hall, _ = ServiceHall.objects.update_or_create(
            name=name,
            region=regions[region_code],
            defaults={
                "address": address,
                "hours": orgdata.HOURS,
                "phone": phone,
                "code": orgdata.HALL_CODES.get(name),
            },
        )
        halls[name] = hall
    windows: dict[tuple[str, str], Window] = {}
    for hall_name, number, name, kind, dept_keys in orgdata.WINDOWS:
        window, _ = Window.objects.update_or_create(
            hall=halls[hall_name], number=number, defaults={"name": name, "kind": kind}
        )
        window.departments.set([departments[k] for k in dept_keys])
        windows[(hall_name, number)] = window
    return windows


# --- items -----------------------------------------------------------------------------------------


def demo_items_data() -> list[dict]:
    return json.loads(ITEMS_JSON.read_text(encoding="utf-8"))


def demo_items_load() -> catalog.ImportReport:
    if DataElement.objects.count() == 0:
        catalog.elements_sync()
    # the first edition, then the corrections as new versions (demo/editions.py)
    report = editions.items_load(demo_items_data()).report
    if not report.ok:
        raise DemoLoadError(report.as_text())
    return report


def demo_window_items_load(windows: dict[tuple[str, str], Window]) -> None:
    """Items a window serves one by one, found by name among the published items of the city."""
    for (hall_name, number), names in orgdata.WINDOW_ITEMS.items():
        window = windows[(hall_name, number)]
        item_ids = (
            ItemVersion.objects.filter(
                name__in=names, status=VersionStatus.PUBLISHED, item__department__region__code=orgdata.CITY
            )
            .values_list("item_id", flat=True)
            .distinct()
        )
        window.items.set(Item.objects.filter(pk__in=list(item_ids)))


# --- users -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    kind: str  # person | legal | staff
    description: str
    roles: tuple = ()  # (role, department key or "", window (hall, number) or None, region code)
    admin: bool = False


CITIZEN_BIRTHS = {
    "citizen": ("420102", date(1988, 6, 15), False),
    "citizen2": ("420106", date(1992, 3, 8), True),
}
BUSINESS_NAME = "武汉示例餐饮管理有限公司"
CITY_W1 = (orgdata.CITY_HALL, "1")
JIANGAN_W1 = (orgdata.JIANGAN_HALL, "1")

DEMO_USERS: list[DemoUser] = [
    DemoUser("citizen", "张伟", "person", "自然人（办事群众）"),
    DemoUser("citizen2", "李娜", "person", "自然人（第二位群众，用于权限测试）"),
    DemoUser("business", BUSINESS_NAME, "legal", "法人（企业）"),
    DemoUser(
        "clerk",
        "刘洋",
        "staff",
        "窗口人员：武汉市民之家 1 号综合窗口",
        (("clerk", "", CITY_W1, orgdata.CITY),),
    ),
    DemoUser(
        "reviewer", "陈静", "staff", "审核：武汉市市场监督管理局", (("reviewer", "scjg", None, orgdata.CITY),)
    ),
    DemoUser(
        "approver", "杨帆", "staff", "审批：武汉市市场监督管理局", (("approver", "scjg", None, orgdata.CITY),)
    ),
    DemoUser(
        "dept_admin",
        "赵敏",
        "staff",
        "部门管理员：武汉市市场监督管理局",
        (("dept_admin", "scjg", None, orgdata.CITY),),
    ),
    DemoUser(
        "cdo", "黄磊", "staff", "首席数据官：武汉市市场监督管理局", (("cdo", "scjg", None, orgdata.CITY),)
    ),
    DemoUser("supervisor", "周婷", "staff", "督查：武汉市", (("supervisor", "", None, orgdata.CITY),)),
    DemoUser(
        "admin",
        "平台管理员",
        "staff",
        "平台管理员（可登录 /admin）",
        (("platform_admin", "", None, orgdata.CITY),),
        admin=True,
    ),
    DemoUser(
        "reviewer2", "吴刚", "staff", "审核：武汉市卫生健康委员会", (("reviewer", "wjw", None, orgdata.CITY),)
    ),
    DemoUser(
        "approver2", "徐丽", "staff", "审批：武汉市卫生健康委员会", (("approver", "wjw", None, orgdata.CITY),)
    ),
    DemoUser("hall_admin", "王敏", "staff", "大厅管理员：武汉市民之家（预约叫号设置、统计）"),
    DemoUser(
        "clerk2",
        "孙悦",
        "staff",
        "窗口人员：江岸区政务服务中心 1 号综合窗口",
        (("clerk", "", JIANGAN_W1, orgdata.JIANGAN),),
    ),
    # the device account of a self-service terminal of 武汉市民之家 (demo/halls_live.py links it)
    DemoUser(
        "kiosk",
        "武汉市民之家自助终端 01",
        "staff",
        "自助终端设备账号：武汉市民之家（扫码取号、核验电子身份码）",
    ),
]
DEMO_USERNAMES = [u.username for u in DEMO_USERS]


def citizen_id_number(username: str) -> str:
    region, birth, female = CITIZEN_BIRTHS[username]
    return ric_make(seed=f"yiwang-demo:{username}", region_code=region, birth=birth, female=female)


def business_uscc() -> str:
    return uscc_make(seed=BUSINESS_NAME, region_code=orgdata.JIANGAN, registry="9", category="1")


def demo_phone(index: int) -> str:
    return f"1387100{index:04d}"


def random_password() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def _roles(user: DemoUser, departments: dict[str, Department], windows: dict, regions: dict) -> list[dict]:
    return [
        {
            "role": role,
            "region": regions[region_code],
            "department": departments[dept] if dept else None,
            "window": windows[window] if window else None,
        }
        for role, dept, window, region_code in user.roles
    ]


def demo_users_load(
    *, departments: dict[str, Department], windows: dict, password: str | None, reset: bool = False
) -> tuple[list[str], list[str]]:
    """Create the missing demo users with `password`; with `reset`, existing demo users get it
    too. Staff roles are (re)granted idempotently. Returns (created, reset)."""
    regions = {r.code: r for r in Region.objects.filter(code__in=[orgdata.CITY, orgdata.JIANGAN])}
    existing = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    created: list[str] = []
    was_reset: list[str] = []
    for index, spec in enumerate(DEMO_USERS, start=1):
        user = existing.get(spec.username)
        if user is None:
            if password is None:
                raise DemoLoadError("missing demo user needs a password")
            if spec.kind == "person":
                accounts.person_register(
                    username=spec.username,
                    password=password,
                    name=spec.name,
                    id_number=citizen_id_number(spec.username),
                    phone=demo_phone(index),
                    trust_level=3,
                )
            elif spec.kind == "legal":
                accounts.legal_register(
                    username=spec.username,
                    password=password,
                    name=spec.name,
                    uscc=business_uscc(),
                    legal_representative="王强",
                    phone=demo_phone(index),
                )
            else:
                staff_create(
                    username=spec.username,
                    password=password,
                    name=spec.name,
                    roles=_roles(spec, departments, windows, regions),
                    is_admin=spec.admin,
                )
            created.append(spec.username)
            continue
        if spec.kind == "staff":
            for role in _roles(spec, departments, windows, regions):
                staff_role_grant(user=user, **role)
        if reset and password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
            was_reset.append(spec.username)
    return created, was_reset


# --- everything --------------------------------------------------------------------------------------


@dataclass
class DemoLoadResult:
    regions_created: int = 0
    items_report: catalog.ImportReport | None = None
    users_created: list[str] = field(default_factory=list)
    users_reset: list[str] = field(default_factory=list)
    password: str | None = None  # the generated password, when one was generated in this run
    password_from_env: bool = False
    parts: dict[str, dict] = field(default_factory=dict)  # what each app's own demo loader made


@transaction.atomic
def demo_load(*, password: str | None = None) -> DemoLoadResult:
    """Load (or bring up to date) the whole demo data set. `password`: the demo users' password
    (from YIWANG_DEMO_PASSWORD): new users get it and existing ones are reset to it. Without it,
    missing users get a random password (returned once in the result) and existing ones keep theirs."""
    if password is not None and len(password) < 8:
        raise ValidationFailed(fields={PASSWORD_ENV: ["演示账号密码至少 8 位"]})
    result = DemoLoadResult(password_from_env=password is not None)
    result.regions_created = demo_regions_load()
    departments = demo_departments_load()
    windows = demo_halls_load(departments)
    result.items_report = demo_items_load()
    demo_window_items_load(windows)
    license_types_load()  # 证照目录
    if password is None and User.objects.filter(username__in=DEMO_USERNAMES).count() < len(DEMO_USERNAMES):
        password = result.password = random_password()
    result.users_created, result.users_reset = demo_users_load(
        departments=departments, windows=windows, password=password, reset=result.password_from_env
    )
    # Each app's demo data on top (demo/<app>.py, idempotent): licence use, data exchange, e-ID
    # codes, and the 一件事 bundles (which publish against the items and licence types above).
    from . import bundles as bundles_demo
    from . import exchange as exchange_demo
    from . import halls as halls_demo
    from . import identity as identity_demo
    from . import licenses as licenses_demo
    from . import projects as projects_demo
    from . import training as training_demo

    result.parts["licenses"] = licenses_demo.demo_load(password=password)
    result.parts["exchange"] = exchange_demo.demo_load()
    result.parts["identity"] = identity_demo.demo_load()
    result.parts["bundles"] = bundles_demo.demo_load(password=password)
    result.parts["halls"] = halls_demo.demo_load()
    from . import halls_live as halls_live_demo

    result.parts["halls_live"] = halls_live_demo.demo_load()
    result.parts["projects"] = projects_demo.demo_load(password=password)
    result.parts["training"] = training_demo.demo_load()
    # 事项认领: standard items of a provincial item library, for the departments to claim
    from . import claims as claims_demo

    result.parts["claims"] = claims_demo.demo_load()
    # 考核督办: a quarter of history, its assessments, one published bulletin of each kind, tasks
    from . import supervision as supervision_demo

    result.parts["supervision"] = supervision_demo.demo_load()
    # 一圈通办: the other cities of the Wuhan metropolitan circle, unpaired until keys are exchanged;
    # another city of the circle (`make demo CITY=…`) also gets its own departments and items
    from . import federation as federation_demo

    result.parts["federation"] = federation_demo.demo_load()
    # 广安区's real item list, FAQs and policies, and the shared search index (last: after
    # everything it indexes)
    from . import knowledge as knowledge_demo

    result.parts["knowledge"] = knowledge_demo.demo_load()
    return result
