"""一圈通办 demo data: the circle's other cities registered as peers (unpaired), and — when this
instance is another city of the circle (`make demo CITY=420700`) — that city's own part of the
demo: its region and districts (NBS codes, `data/divisions-wuhan-metro.csv`), its 市场监督管理局
and 人力资源和社会保障局, its 政务服务中心, and four items of its own (guides adapted from the demo
catalogue), three of them 都市圈 cross-city items. A city publishes only its own departments'
cross-city items (`federation.services.published_items`), so each city's peers see its own list."""

from __future__ import annotations

import copy
import csv
import json

from yiwang.catalog.models import Item
from yiwang.catalog.services import items_import
from yiwang.federation import protocol
from yiwang.federation import services as federation_services
from yiwang.organizations.models import Department, Region, ServiceHall

from . import orgdata
from .codes import uscc_make
from .services import DATA, ITEMS_JSON, DemoLoadError

METRO_CSV = DATA / "divisions-wuhan-metro.csv"
DEPARTMENTS = {  # key: (name after the city's, short name, 登记管理机关 and 机构类别 of the USCC)
    "scjg": ("市场监督管理局", "市场监管局", "11"),
    "rsj": ("人力资源和社会保障局", "人社局", "11"),
}
ITEMS = [  # (main item of the demo catalogue, department key, 通办范围 in this city)
    ("食品经营许可", "scjg", "都市圈"),
    ("个体工商户设立登记", "scjg", "都市圈"),
    ("社会保障卡申领", "rsj", "都市圈"),
    ("失业登记", "rsj", "市内"),
]


def demo_load() -> dict:
    peers = federation_services.peers_register_metro()
    code = protocol.own_code()
    if code == orgdata.CITY or code not in protocol.CITIES:
        return {"peers": peers, "city_items": 0}
    return {"peers": peers, **city_load(code)}


def city_load(code: str) -> dict:
    """This city's regions, departments, hall and items (idempotent)."""
    name = protocol.CITIES[code]
    with METRO_CSV.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["code"] == code or r["parent_code"] == code]
    city, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": "city", "path": f"/{code}/"}
    )
    districts = 0
    for r in rows:
        if r["code"] != code:
            _, made = Region.objects.get_or_create(
                code=r["code"],
                defaults={
                    "name": r["name"],
                    "level": "district",
                    "parent": city,
                    "path": f"{city.path}{r['code']}/",
                },
            )
            districts += made
    departments = {}
    for key, (dept, short, reg) in DEPARTMENTS.items():
        departments[key], _ = Department.objects.update_or_create(
            uscc=uscc_make(seed=f"{name}{dept}", region_code=code, registry=reg[0], category=reg[1]),
            defaults={"name": f"{name}{dept}", "short_name": short, "kind": "government", "region": city},
        )
    hall, _ = ServiceHall.objects.update_or_create(
        name=f"{name}政务服务中心",
        region=city,
        defaults={"address": f"{name}政务服务中心", "hours": orgdata.HOURS, "phone": "12345"},
    )
    templates = {
        r["name"]: r for r in json.loads(ITEMS_JSON.read_text(encoding="utf-8")) if not r.get("parent_code")
    }
    wuhan, short_city = "武汉市", name.removesuffix("市")
    data = []
    for item_name, key, scope in ITEMS:
        row = copy.deepcopy(templates[item_name])
        uscc = departments[key].uscc
        row.update(
            code=uscc + row["code"][18:],
            department_uscc=uscc,
            local_code=f"{code}{row['basic_code']}",
            cross_city_scope=scope,
            halls=[hall.name],
        )
        row.pop("parent_code", None)
        row.update(
            locations=f"{hall.name}综合受理窗口；网上申请：{name}一网通办平台“{item_name}”；可在都市圈其他城市代收",
            hours=orgdata.HOURS,
            consultation=f"窗口咨询：{hall.name}；电话咨询：12345",
            complaint="12345 政务服务便民热线；一网通办平台“好差评”",
        )
        for field in ("legal_basis", "conditions"):
            if isinstance(row.get(field), str):
                row[field] = row[field].replace(wuhan, name).replace("武汉", short_city)
        data.append(row)
    new = [r for r in data if not Item.objects.filter(code=r["code"]).exists()]
    if new:
        report = items_import(data=new, publish=True, source="json")
        if not report.ok:
            raise DemoLoadError(f"{name}的演示事项未通过校验：{report.errors[:3]}")
    return {"city": code, "districts": districts, "city_items": len(new)}
