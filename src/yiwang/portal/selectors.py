"""Reads for the portal's browse facets (themes, departments, levels of published items)."""

from __future__ import annotations

from datetime import date

from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import ExerciseLevel
from yiwang.organizations.models import Department


def browse_facets(*, on: date | None = None) -> dict:
    """Themes, departments and exercise levels that published items actually use."""
    rows = catalog.items_search(on=on).values_list("themes", "exercise_levels", "item__department_id")
    themes: set[str] = set()
    levels: set[str] = set()
    dept_ids: set[int] = set()
    for t, lv, dept in rows:
        themes.update(str(x) for x in (t or []))
        levels.update(str(x) for x in (lv or []))
        dept_ids.add(dept)
    labels = dict(ExerciseLevel.choices)
    return {
        "themes": sorted(themes),
        "levels": [(code, labels.get(code, code)) for code in sorted(levels)],
        "departments": list(Department.objects.filter(pk__in=dept_ids).order_by("name").values("id", "name")),
    }


# --- the home page: life events, business stages, most used, elder services ---------------------
# 按人生事件 / 按企业阶段: each entry is a search of the catalogue (a theme or words in the name).
LIFE_EVENTS = [
    ("生育", {"theme": "生育收养"}),
    ("上学", {"theme": "教育科研"}),
    ("就业", {"theme": "就业创业"}),
    ("婚姻", {"theme": "婚姻登记"}),
    ("住房", {"theme": "住房保障"}),
    ("户籍", {"theme": "户籍办理"}),
    ("出行", {"theme": "交通出行"}),
    ("就医", {"theme": "医疗卫生"}),
    ("退休", {"q": "退休"}),
    ("社会保障", {"theme": "社会保障"}),
]
BUSINESS_STAGES = [
    ("开办", {"theme": "市场准入"}),
    ("经营", {"theme": "税收财务"}),
    ("变更", {"q": "变更"}),
    ("注销", {"q": "注销"}),
]
# 长辈版: the services older people use most come from these themes and words (the catalogue's).
ELDER_THEMES = ("社会保障", "医疗卫生", "社会救助", "住房保障", "户籍办理")
ELDER_WORDS = (
    "养老",
    "退休",
    "高龄",
    "老年",
    "医保",
    "医疗保险",
    "社保",
    "社会保险",
    "优待",
    "津贴",
    "残疾",
    "救助",
)
# The two zones of the elder home (敬老爱老, 助残服务): words in the item's name or conditions.
ZONES = {
    "敬老爱老": ("养老", "退休", "高龄", "老年", "优待", "医保", "医疗保险"),
    "助残服务": ("残疾", "残障", "特困", "救助", "低保", "护理"),
}
ELDER_COUNT = 20


def _link(params: dict) -> str:
    from urllib.parse import urlencode

    return "/?" + urlencode(params)


def home_entries() -> dict:
    return {
        "life_events": [{"label": label, "url": _link(p)} for label, p in LIFE_EVENTS],
        "business_stages": [{"label": label, "url": _link(p)} for label, p in BUSINESS_STAGES],
    }


def _use_counts() -> dict[int, int]:
    from django.db.models import Count

    from yiwang.cases.models import Case

    return dict(Case.objects.values_list("item_id").annotate(n=Count("id")).values_list("item_id", "n"))


def items_most_used(*, limit: int = 8, on: date | None = None) -> list:
    """The published items with the most cases (ties: by name)."""
    counts = _use_counts()
    versions = list(catalog.items_search(on=on))
    versions.sort(key=lambda v: (-counts.get(v.item_id, 0), v.name))
    return versions[:limit]


def _elder_score(v) -> int:
    text = v.name + (v.conditions or "")
    words = sum(2 for w in ELDER_WORDS if w in text)
    themes = sum(1 for t in (v.themes or []) if t in ELDER_THEMES)
    return words + themes


def elder_services(*, on: date | None = None, limit: int = ELDER_COUNT) -> dict:
    """长辈版: the 20 services most used by older people (the catalogue's elder themes and words,
    then by how often they are applied for) and the 敬老爱老 / 助残服务 zones."""
    counts = _use_counts()
    ranked = [v for v in catalog.items_search(on=on) if _elder_score(v) > 0]
    ranked.sort(key=lambda v: (-_elder_score(v), -counts.get(v.item_id, 0), v.name))
    # One button per service: the same service offered by the city and a district (two items
    # with one name) is one entry, the first of them in the ranking (two identical buttons confuse).
    versions, names = [], set()
    for v in ranked:
        if v.name not in names:
            names.add(v.name)
            versions.append(v)
    zones = []
    for zone, words in ZONES.items():
        rows = [v for v in versions if any(w in v.name for w in words)]
        zones.append({"name": zone, "items": rows[:10]})
    return {"top": versions[:limit], "zones": zones}


def halls() -> list:
    from yiwang.organizations.models import ServiceHall

    return list(ServiceHall.objects.select_related("region"))


def my_open_work(user) -> dict:
    """The person's unfinished cases (drafts and open ones) and their licences, for the home."""
    from yiwang.cases import selectors as cases
    from yiwang.cases.models import Status
    from yiwang.licenses import selectors as licences

    unfinished = (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.SUPPLEMENT_REQUESTED,
        Status.ACCEPTED,
        Status.REVIEWED,
        Status.APPROVED,
    )
    open_cases = list(cases.case_list(user=user).filter(status__in=unfinished)[:10])
    return {
        "open_cases": open_cases,
        "licences": list(licences.licenses_for_holder(user=user)[:10]),
    }


def bundles_list() -> list:
    """The published 一件事 (高效办成一件事) for the home page."""
    from yiwang.bundles import selectors as bundles

    return list(bundles.bundles_published()[:12])
