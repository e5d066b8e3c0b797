"""The indicator registry (指标库): each indicator's numerator and denominator are named queries over
the records that exist (cases, ratings and their work orders, item versions, bundle cases, licences
and their use, queue tickets), so every value can be drilled down to the records that make it.

A value is computed for a period (periods.py) and a unit (city, district, street, department,
hall, item): the unit narrows each query through the source's own fields (a case's region and
department, a rating's hall, an item version's department). Formulas (docs/supervision.md):

- ``ratio``: numerator / denominator (rates, in [0, 1]);
- ``complement``: 1 − numerator / denominator (承诺时限压缩比 = 1 − Σ承诺 / Σ法定);
- ``average``: numerator / denominator in the indicator's unit (到现场次数, 平均等候时长).
A denominator of 0 gives no value (None), never 0 or 100 %.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models import Value as Literal
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from yiwang.bundles.models import BundleCase
from yiwang.cases.models import Case, CaseLicenseRef
from yiwang.cases.models import Channel as CaseChannel
from yiwang.cases.models import Status as CaseStatus
from yiwang.catalog.models import CaseKind, Item, ItemVersion
from yiwang.catalog.selectors import current_version_ids
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.evaluations.models import BAD_LEVELS, GOOD_LEVELS, Channel, Evaluation
from yiwang.evaluations.models import Level as RatingLevel
from yiwang.halls.models import Ticket
from yiwang.licenses.models import License
from yiwang.organizations.models import Department, Region, ServiceHall

from .models import Level
from .periods import Period

ONLINE = (CaseChannel.ONLINE, CaseChannel.MOBILE)
RECEIVED = [s for s in CaseStatus.values if s != CaseStatus.DRAFT]


# --- units -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    kind: str  # Level
    pk: int
    code: str
    name: str
    path: str = ""  # regions: the materialised path

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "code": self.code, "name": self.name}


REGION_LEVELS = (Level.CITY, Level.DISTRICT, Level.STREET)


def _region_unit(r: Region) -> Unit:
    return Unit(r.level, r.pk, r.code, r.name, r.path)


def _department_unit(d: Department) -> Unit:
    return Unit(Level.DEPARTMENT, d.pk, d.uscc, d.short_name or d.name)


def _hall_unit(h: ServiceHall) -> Unit:
    return Unit(Level.HALL, h.pk, h.code or str(h.pk), h.name)


def units(level: str, *, period: Period | None = None) -> list[Unit]:
    """Every unit of a level (items: those with cases received in the period)."""
    if level in REGION_LEVELS:
        qs = Region.objects.filter(level=level)
        if period is not None:
            qs = qs.valid_on(period.end)
        return [_region_unit(r) for r in qs.order_by("code")]
    if level == Level.DEPARTMENT:
        qs = Department.objects.all()
        if period is not None:
            qs = qs.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=period.start))
        return [_department_unit(d) for d in qs.order_by("id")]
    if level == Level.HALL:
        return [_hall_unit(h) for h in ServiceHall.objects.order_by("id")]
    if level == Level.ITEM:
        qs = Item.objects.filter(external=False)
        if period is not None:
            qs = qs.filter(
                Exists(
                    Case.objects.filter(
                        item=OuterRef("pk"), received_on__gte=period.start, received_on__lte=period.end
                    )
                )
            )
        return [Unit(Level.ITEM, i.pk, i.code, i.code) for i in qs.order_by("code")[:500]]
    raise ValidationFailed(fields={"level": ["层级应为 " + "、".join(Level.values)]})


def unit_get(key: str) -> Unit:
    """`district:420102`, `department:<USCC>`, `hall:<code>`, `item:<implementation code>`."""
    kind, _, code = (key or "").partition(":")
    if kind in REGION_LEVELS:
        r = Region.objects.filter(code=code, level=kind).first()
        if r:
            return _region_unit(r)
    elif kind == Level.DEPARTMENT:
        d = Department.objects.filter(uscc=code).first()
        if d:
            return _department_unit(d)
    elif kind == Level.HALL:
        h = ServiceHall.objects.filter(Q(code=code) | Q(pk=int(code) if code.isdigit() else None)).first()
        if h:
            return _hall_unit(h)
    elif kind == Level.ITEM:
        i = Item.objects.filter(code=code).first()
        if i:
            return Unit(Level.ITEM, i.pk, i.code, i.code)
    else:
        raise ValidationFailed(fields={"unit": ["单位应写作 层级:编码，如 district:420102"]})
    raise NotFound("单位不存在", code="unit_not_found")


# --- sources and queries ----------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    key: str
    label: str
    # unit kind → lookup: regions by path prefix, the others by id
    scopes: dict[str, str]
    record: Callable[[Any], dict]
    select: tuple[str, ...] = ()
    # the Excel export's columns: (header, a field path or expression for `values_list`, an
    # optional function of that value only — a label lookup): rows are read as tuples, no models
    columns: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...] = ()

    def scope(self, qs: QuerySet, unit: Unit) -> QuerySet:
        kind = "region" if unit.kind in REGION_LEVELS else unit.kind
        lookup = self.scopes.get(kind)
        if lookup is None:
            raise ValidationFailed(fields={"level": [f"{self.label}不按“{Level(unit.kind).label}”统计"]})
        if kind == "region":
            if lookup == "*":  # city-wide records without a region (bundle cases): the city only
                if unit.kind != Level.CITY:
                    raise ValidationFailed(fields={"level": [f"{self.label}仅按全市统计"]})
                return qs
            return qs.filter(**{f"{lookup}__startswith": unit.path})
        return qs.filter(**{lookup: unit.pk})


def _labels(choices) -> Callable[[Any], Any]:
    labels = dict(choices)
    return lambda v: labels.get(v, v)


_YES_NO = {True: "是", False: "否"}.get


def _local(dt: datetime | None) -> str:
    return timezone.localtime(dt).isoformat(timespec="minutes") if dt else ""


CASES = Source(
    "cases",
    "办件",
    {
        "region": "region__path",
        Level.DEPARTMENT: "department_id",
        Level.HALL: "hall_id",
        Level.ITEM: "item_id",
    },
    lambda c: {
        "kind": "case",
        "id": c.pk,
        "ref": c.number,
        "label": c.item_version.name,
        "department": c.department.short_name or c.department.name,
        "status": c.status,
        "status_label": c.get_status_display(),
        "channel": c.channel,
        "received_on": c.received_on.isoformat() if c.received_on else None,
        "due_date": c.due_date.isoformat() if c.due_date else None,
        "completed_at": _local(c.completed_at),
    },
    ("item_version", "department"),
    (
        ("办件编号", "number", None),
        ("事项", "item_version__name", None),
        ("部门", Coalesce(NullIf("department__short_name", Literal("")), "department__name"), None),
        ("状态", "status", _labels(CaseStatus.choices)),
        ("渠道", "channel", _labels(CaseChannel.choices)),
        ("收件日期", "received_on", None),
        ("办结期限", "due_date", None),
        ("办结时间", "completed_at", None),
    ),
)
RATINGS = Source(
    "ratings",
    "评价",
    {
        "region": "region__path",
        Level.DEPARTMENT: "department_id",
        Level.HALL: "hall_id",
        Level.ITEM: "item_id",
    },
    lambda e: {
        "kind": "rating",
        "id": e.pk,
        "ref": e.case.number,
        "label": e.get_level_display(),
        "level": e.level,
        "rated_on": e.rated_on.isoformat(),
        "anonymous": e.anonymous,
        "work_order": getattr(getattr(e, "work_order", None), "number", None),
    },
    ("case",),
    (
        ("办件编号", "case__number", None),
        ("评价等级", "level", _labels(RatingLevel.choices)),
        ("评价渠道", "channel", _labels(Channel.choices)),
        ("评价日期", "rated_on", None),
        ("匿名", "anonymous", _YES_NO),
        ("差评工单", "work_order__number", None),
    ),
)
ITEM_VERSIONS = Source(
    "item_versions",
    "事项",
    {
        "region": "item__department__region__path",
        Level.DEPARTMENT: "item__department_id",
        Level.ITEM: "item_id",
    },
    lambda v: {
        "kind": "item",
        "id": v.pk,
        "ref": v.item.code,
        "label": v.name,
        "version": v.version,
        "statutory_limit_days": v.statutory_limit_days,
        "promised_limit_days": v.promised_limit_days,
        "case_kind": v.case_kind,
    },
    ("item",),
    (
        ("事项编码", "item__code", None),
        ("事项名称", "name", None),
        ("版本", "version", None),
        ("法定办结时限（工作日）", "statutory_limit_days", None),
        ("承诺办结时限（工作日）", "promised_limit_days", None),
        ("办件类型", "case_kind", _labels(CaseKind.choices)),
    ),
)
BUNDLE_CASES = Source(
    "bundle_cases",
    "一件事办件",
    {"region": "*"},
    lambda b: {
        "kind": "bundle_case",
        "id": b.pk,
        "ref": b.number,
        "label": b.bundle.name,
        "received_on": b.received_on.isoformat(),
        "savings": {
            k: b.savings.get(k)
            for k in (
                "materials_separately",
                "materials_saved",
                "materials_waived",
                "visits_separately",
                "visits_avoided",
            )
        },
    },
    ("bundle",),
    (
        ("一件事办件编号", "number", None),
        ("一件事", "bundle__name", None),
        ("收件日期", "received_on", None),
        ("分别办理所需材料", "savings__materials_separately", None),
        ("减少材料", "savings__materials_saved", None),
        ("免提交材料", "savings__materials_waived", None),
        ("分别办理跑动次数", "savings__visits_separately", None),
        ("减少跑动", "savings__visits_avoided", None),
    ),
)
LICENSE_REFS = Source(
    "license_refs",
    "免提交用证",
    {
        "region": "case__region__path",
        Level.DEPARTMENT: "case__department_id",
        Level.HALL: "case__hall_id",
        Level.ITEM: "case__item_id",
    },
    lambda r: {
        "kind": "license_ref",
        "id": r.pk,
        "ref": r.case.number,
        "label": r.material_code,
        "via": r.via,
    },
    ("case",),
    (("办件编号", "case__number", None), ("材料编码", "material_code", None), ("方式", "via", None)),
)
TICKETS = Source(
    "tickets",
    "排队取号",
    {"region": "hall__region__path", Level.HALL: "hall_id"},
    lambda t: {
        "kind": "ticket",
        "id": t.pk,
        "ref": f"{t.day:%Y%m%d}-{t.number}",
        "label": t.hall.name,
        "queued_at": _local(t.queued_at),
        "called_at": _local(t.called_at),
        "wait_minutes": round((t.called_at - t.queued_at).total_seconds() / 60, 1) if t.called_at else None,
    },
    ("hall",),
    (
        ("日期", "day", None),
        ("号码", "number", None),
        ("大厅", "hall__name", None),
        ("取号时间", "queued_at", None),
        ("叫号时间", "called_at", None),
    ),
)


def count(qs: QuerySet) -> float:
    return qs.count()


def sum_of(field_name: str) -> Callable[[QuerySet], float]:
    def measure(qs: QuerySet) -> float:
        return qs.aggregate(s=Sum(field_name))["s"] or 0

    return measure


def json_sum(*keys: str) -> Callable[[QuerySet], float]:
    """Σ of keys of a JSON field (bundle savings), read in Python: portable across databases."""

    def measure(qs: QuerySet) -> float:
        return sum(
            sum(int((s or {}).get(k) or 0) for k in keys) for s in qs.values_list("savings", flat=True)
        )

    return measure


def wait_minutes(qs: QuerySet) -> float:
    total = 0.0
    for queued, called in qs.values_list("queued_at", "called_at"):
        total += (called - queued).total_seconds() / 60
    return total


@dataclass(frozen=True)
class Query:
    name: str
    label: str
    source: Source
    build: Callable[[Period], QuerySet]
    measure: Callable[[QuerySet], float] = count

    def queryset(self, period: Period, unit: Unit) -> QuerySet:
        return self.source.scope(self.build(period), unit)

    def value(self, period: Period, unit: Unit) -> float:
        return self.measure(self.queryset(period, unit))


def _day_range(period: Period) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=tz)
    return start, datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz)


def completed_cases(period: Period) -> QuerySet:
    start, end = _day_range(period)
    return Case.objects.filter(status=CaseStatus.COMPLETED, completed_at__gte=start, completed_at__lt=end)


def received_cases(period: Period) -> QuerySet:
    return Case.objects.filter(
        status__in=RECEIVED, received_on__gte=period.start, received_on__lte=period.end
    )


def ratings(period: Period) -> QuerySet:
    return Evaluation.objects.filter(excluded=False, rated_on__gte=period.start, rated_on__lte=period.end)


def bad_ratings(period: Period) -> QuerySet:
    return ratings(period).filter(level__in=BAD_LEVELS)


def current_item_versions(period: Period) -> QuerySet:
    """The version of every local item valid on the period's last day (main, sub- and business
    items), as `/api/v1/items` lists them."""
    ids = current_version_ids(
        item_ids=Item.objects.filter(external=False).values_list("pk", flat=True), on=period.end
    )
    return ItemVersion.objects.filter(pk__in=list(ids.values()))


def _limits(period: Period) -> QuerySet:
    return current_item_versions(period).filter(statutory_limit_days__gt=0, promised_limit_days__isnull=False)


def bundle_cases(period: Period) -> QuerySet:
    return BundleCase.objects.filter(received_on__gte=period.start, received_on__lte=period.end)


def licence_cases(period: Period) -> QuerySet:
    """Completed, approved cases of items that issue a licence on this platform."""
    return (
        completed_cases(period).filter(decision="approve", item__license_types__issued_here=True).distinct()
    )


def called_tickets(period: Period) -> QuerySet:
    return Ticket.objects.filter(day__gte=period.start, day__lte=period.end, called_at__isnull=False)


def _on_time(qs: QuerySet) -> QuerySet:
    # due dates are days; a case completed on its due date is on time
    return qs.filter(Q(due_date__isnull=True) | Q(completed_at__date__lte=F("due_date")))


Q_COMPLETED = Query("completed_cases", "期内办结的办件", CASES, completed_cases)
Q_RECEIVED = Query("received_cases", "期内收件的办件", CASES, received_cases)
Q_RATINGS = Query("ratings", "期内评价（申诉成立的除外）", RATINGS, ratings)
Q_BAD = Query("bad_ratings", "期内差评（4、5 级）", RATINGS, bad_ratings)


# --- the registry ------------------------------------------------------------------------------
ALL_LEVELS = tuple(Level.values)
CASE_LEVELS = (Level.CITY, Level.DISTRICT, Level.STREET, Level.DEPARTMENT, Level.HALL, Level.ITEM)
ITEM_LEVELS = (Level.CITY, Level.DISTRICT, Level.DEPARTMENT, Level.ITEM)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str
    numerator: Query
    denominator: Query
    unit: str = "%"
    direction: str = "higher"  # higher | lower is better
    formula: str = "ratio"  # ratio | complement | average
    source: str = "办件"
    levels: tuple[str, ...] = CASE_LEVELS
    group: str = ""
    target: float | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    def combine(self, num: float, den: float) -> float | None:
        if not den:
            return None
        if self.formula == "complement":
            return round(1 - num / den, 4)
        if self.formula == "average":
            return round(num / den, 2)
        return round(num / den, 4)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "definition": self.definition,
            "unit": self.unit,
            "direction": self.direction,
            "formula": self.formula,
            "numerator": {"name": self.numerator.name, "label": self.numerator.label},
            "denominator": {"name": self.denominator.name, "label": self.denominator.label},
            "source": self.source,
            "levels": list(self.levels),
            "group": self.group,
            "target": self.target,
        }


REGISTRY: dict[str, Indicator] = {}


def register(ind: Indicator) -> Indicator:
    if ind.code in REGISTRY:
        raise ValueError(f"indicator {ind.code} registered twice")
    REGISTRY[ind.code] = ind
    return ind


register(
    Indicator(
        "online_full_process_rate",
        "网上全流程办理率",
        "期内办结的办件中，网上（电脑端、移动端）申请且事项无需到现场（到现场次数为 0）的比例",
        Query(
            "online_zero_visit_completed",
            "网上申请、零跑动事项的办结件",
            CASES,
            lambda p: completed_cases(p).filter(channel__in=ONLINE, item_version__visits_required=0),
        ),
        Q_COMPLETED,
        group="三率一数",
        target=0.9,
    )
)
register(
    Indicator(
        "online_application_rate",
        "上网办理率",
        "期内收件的办件中，通过网上（电脑端、移动端）提交的比例",
        Query(
            "online_received", "网上提交的收件", CASES, lambda p: received_cases(p).filter(channel__in=ONLINE)
        ),
        Q_RECEIVED,
        group="三率一数",
        target=0.8,
    )
)
register(
    Indicator(
        "online_completion_rate",
        "网上办结率",
        "期内办结的办件中，网上（电脑端、移动端）申请并办结的比例",
        Query(
            "online_completed",
            "网上申请的办结件",
            CASES,
            lambda p: completed_cases(p).filter(channel__in=ONLINE),
        ),
        Q_COMPLETED,
        group="三率一数",
        target=0.8,
    )
)
register(
    Indicator(
        "onsite_visits",
        "到现场次数",
        "期内办结的办件平均到现场次数：各办件事项版本规定的到现场次数之和 ÷ 办结件数",
        Query(
            "visits_required_sum",
            "办结件的到现场次数之和",
            CASES,
            completed_cases,
            sum_of("item_version__visits_required"),
        ),
        Q_COMPLETED,
        unit="次",
        direction="lower",
        formula="average",
        group="三率一数",
        target=0.5,
    )
)
register(
    Indicator(
        "on_time_completion_rate",
        "按时办结率",
        "期内办结的办件中，在承诺办结期限（含延期、扣除暂停）内办结的比例",
        Query("completed_on_time", "按期办结的办件", CASES, lambda p: _on_time(completed_cases(p))),
        Q_COMPLETED,
        target=1.0,
    )
)
register(
    Indicator(
        "promise_compression_ratio",
        "承诺时限压缩比",
        "1 − Σ承诺办结时限 ÷ Σ法定办结时限，取期末有效的每个事项版本（主项、子项、办理项，两个时限都有的）",
        Query(
            "promised_days_sum",
            "承诺办结时限之和（工作日）",
            ITEM_VERSIONS,
            _limits,
            sum_of("promised_limit_days"),
        ),
        Query(
            "statutory_days_sum",
            "法定办结时限之和（工作日）",
            ITEM_VERSIONS,
            _limits,
            sum_of("statutory_limit_days"),
        ),
        formula="complement",
        source="事项目录",
        levels=ITEM_LEVELS,
        target=0.6,
    )
)
register(
    Indicator(
        "immediate_item_share",
        "即办件比例",
        "期末有效的事项版本中，办件类型为即办件的比例",
        Query(
            "immediate_items",
            "即办件事项",
            ITEM_VERSIONS,
            lambda p: current_item_versions(p).filter(case_kind=CaseKind.IMMEDIATE),
        ),
        Query("items", "期末有效的事项", ITEM_VERSIONS, current_item_versions),
        source="事项目录",
        levels=ITEM_LEVELS,
        target=0.3,
    )
)
register(
    Indicator(
        "material_reduction_rate",
        "减材料",
        "期内收件的一件事办件合并（一表一套）和免交（电子证照、部门核发、共享）的材料数 ÷ 各事项分别申请应交的材料数",
        Query(
            "materials_saved",
            "减少的材料数",
            BUNDLE_CASES,
            bundle_cases,
            json_sum("materials_saved", "materials_waived"),
        ),
        Query(
            "materials_separately",
            "分别申请应交的材料数",
            BUNDLE_CASES,
            bundle_cases,
            json_sum("materials_separately"),
        ),
        source="一件事、电子证照",
        levels=(Level.CITY,),
        target=0.3,
    )
)
register(
    Indicator(
        "visit_reduction_rate",
        "减跑动",
        "一件事办件少跑的次数 ÷ 分别申请各事项需到现场的次数",
        Query("visits_avoided", "少跑的次数", BUNDLE_CASES, bundle_cases, json_sum("visits_avoided")),
        Query(
            "visits_separately",
            "分别申请需到现场的次数",
            BUNDLE_CASES,
            bundle_cases,
            json_sum("visits_separately"),
        ),
        source="一件事",
        levels=(Level.CITY,),
        target=0.5,
    )
)
register(
    Indicator(
        "satisfaction_rate",
        "满意率",
        "期内评价中 1–3 级（非常满意、满意、基本满意）的比例；申诉成立的差评不计入",
        Query("good_ratings", "1–3 级评价", RATINGS, lambda p: ratings(p).filter(level__in=GOOD_LEVELS)),
        Q_RATINGS,
        source="好差评",
        group="好差评",
        target=0.999,
    )
)
register(
    Indicator(
        "bad_review_timely_rate",
        "差评及时处置率",
        "期内差评中，处置工单在办结期限内处置完成的比例",
        Query(
            "bad_handled_in_time",
            "按期处置的差评",
            RATINGS,
            lambda p: bad_ratings(p).filter(work_order__handled_on__lte=F("work_order__due_date")),
        ),
        Q_BAD,
        source="好差评",
        group="好差评",
        target=1.0,
    )
)
register(
    Indicator(
        "bad_review_rectified_rate",
        "差评整改率",
        "期内差评中，处置工单已处置完成（整改或解释）的比例",
        Query(
            "bad_handled",
            "已处置的差评",
            RATINGS,
            lambda p: bad_ratings(p).filter(work_order__handled_on__isnull=False),
        ),
        Q_BAD,
        source="好差评",
        group="好差评",
        target=1.0,
    )
)
register(
    Indicator(
        "real_name_revisit_rate",
        "实名差评回访率",
        "期内实名差评中，已回访的比例",
        Query(
            "real_name_bad_revisited",
            "已回访的实名差评",
            RATINGS,
            lambda p: bad_ratings(p).filter(anonymous=False, work_order__revisited_on__isnull=False),
        ),
        Query("real_name_bad", "实名差评", RATINGS, lambda p: bad_ratings(p).filter(anonymous=False)),
        source="好差评",
        group="好差评",
        target=1.0,
    )
)
register(
    Indicator(
        "proactive_rating_rate",
        "主动评价率",
        "期内办结的办件中，申请人主动评价（12345 热线代录的除外）的比例",
        Query(
            "completed_rated",
            "有主动评价的办结件",
            CASES,
            lambda p: completed_cases(p).filter(
                Exists(Evaluation.objects.filter(case=OuterRef("pk")).exclude(channel=Channel.HOTLINE))
            ),
        ),
        Q_COMPLETED,
        source="办件、好差评",
        group="好差评",
        target=0.6,
    )
)
register(
    Indicator(
        "license_collection_rate",
        "证照归集率",
        "期内准予并办结、事项在本平台签发电子证照的办件中，已签发（归集）电子证照的比例",
        Query(
            "licence_cases_issued",
            "已签发电子证照的办件",
            CASES,
            lambda p: licence_cases(p).filter(Exists(License.objects.filter(case=OuterRef("pk")))),
        ),
        Query("licence_cases", "应签发电子证照的办件", CASES, licence_cases),
        source="电子证照",
        group="电子证照",
        target=1.0,
    )
)
register(
    Indicator(
        "license_use_rate",
        "用证率",
        "期内收件的办件中，以电子证照免提交至少一项材料的比例",
        Query(
            "received_with_licence",
            "用电子证照免提交材料的收件",
            CASES,
            lambda p: received_cases(p).filter(Exists(CaseLicenseRef.objects.filter(case=OuterRef("pk")))),
        ),
        Q_RECEIVED,
        source="电子证照",
        group="电子证照",
        target=0.3,
    )
)
register(
    Indicator(
        "average_queue_wait",
        "平均等候时长",
        "期内已叫号的排队号，从取号（排队）到叫号的平均分钟数",
        Query("wait_minutes_sum", "等候分钟数之和", TICKETS, called_tickets, wait_minutes),
        Query("called_tickets", "已叫号的排队号", TICKETS, called_tickets),
        unit="分钟",
        direction="lower",
        formula="average",
        source="预约叫号",
        levels=(Level.CITY, Level.DISTRICT, Level.STREET, Level.HALL),
        target=15.0,
    )
)

# Named queries used by deductions and tasks (not indicators themselves).
Q_OVERDUE_COMPLETED = Query(
    "completed_late",
    "超期办结的办件",
    CASES,
    lambda p: completed_cases(p).filter(due_date__isnull=False, completed_at__date__gt=F("due_date")),
)
Q_BAD_LATE = Query(
    "bad_not_handled_in_time",
    "未按期处置的差评",
    RATINGS,
    lambda p: bad_ratings(p).filter(
        Q(work_order__handled_on__gt=F("work_order__due_date"))
        | Q(work_order__handled_on__isnull=True, work_order__due_date__lt=p.end)
    ),
)
DEDUCTION_QUERIES = {q.name: q for q in (Q_OVERDUE_COMPLETED, Q_BAD_LATE)}


def open_overdue_cases(*, on, unit: Unit | None = None) -> QuerySet:
    """Cases accepted and not yet decided whose due date is past (红灯) on `on`."""
    qs = Case.objects.filter(
        status__in=[CaseStatus.ACCEPTED, CaseStatus.REVIEWED, CaseStatus.APPROVED, CaseStatus.DENIED],
        due_date__lt=on,
        clock_stopped=False,
    ).select_related("item_version", "department")
    return CASES.scope(qs, unit) if unit is not None else qs


def indicator_get(code: str) -> Indicator:
    ind = REGISTRY.get(code)
    if ind is None:
        raise NotFound("指标不存在", code="indicator_not_found")
    return ind


@dataclass(frozen=True)
class Value:
    indicator: str
    period: str
    unit: Unit
    value: float | None
    numerator: float
    denominator: float

    def as_dict(self) -> dict:
        return {
            "indicator": self.indicator,
            "period": self.period,
            "unit": self.unit.as_dict(),
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
        }


def value_compute(ind: Indicator, period: Period, unit: Unit) -> Value:
    if unit.kind not in ind.levels:
        raise ValidationFailed(fields={"level": [f"“{ind.name}”不按“{Level(unit.kind).label}”统计"]})
    num = ind.numerator.value(period, unit)
    den = ind.denominator.value(period, unit)
    return Value(ind.code, period.label, unit, ind.combine(num, den), num, den)


def values_compute(ind: Indicator, period: Period, level: str) -> list[Value]:
    return [value_compute(ind, period, u) for u in units(level, period=period)]


def records(ind: Indicator, period: Period, unit: Unit, side: str) -> QuerySet:
    """The records counted in the numerator or the denominator (drill-down)."""
    if side not in ("numerator", "denominator"):
        raise ValidationFailed(fields={"side": ["应为 numerator 或 denominator"]})
    q = ind.numerator if side == "numerator" else ind.denominator
    qs = q.queryset(period, unit)
    if q.source.select:
        qs = qs.select_related(*q.source.select)
    return qs.order_by("pk")


def record_rows(ind: Indicator, period: Period, unit: Unit, side: str) -> tuple[list[str], Iterator[tuple]]:
    """The drill-down records as export rows: the source's column headers, and the rows read as
    tuples through a server-side cursor (PostgreSQL) in chunks — no model instance per row."""
    q = ind.numerator if side == "numerator" else ind.denominator
    columns = q.source.columns
    qs = records(ind, period, unit, side).values_list(*(c[1] for c in columns))
    fmts = [(n, c[2]) for n, c in enumerate(columns) if c[2] is not None]

    def rows() -> Iterator[tuple]:
        with report_query_settings():
            for row in qs.iterator(chunk_size=5000):
                if fmts:
                    row = list(row)
                    for n, fmt in fmts:
                        row[n] = fmt(row[n])
                yield row

    return [c[0] for c in columns], rows()


@contextmanager
def report_query_settings() -> Iterator[None]:
    """PostgreSQL, while an export's queries run: `work_mem` = `YIWANG_REPORT_WORK_MEM` (default
    64MB) and `cursor_tuple_fraction` = 1, then the session's own values again.
    - A period's records of a region are scattered over the case table; with the default 4 MB the
      bitmap of their pages goes lossy and every row of those pages is checked again (10 M cases:
      11.8 s for the two sides' SELECTs of a 100k-row export, 4.5 s with 64 MB).
    - The export reads every row through a server-side cursor, and a cursor is planned for its
      first 10 % by default: the planner walked the primary key in ORDER BY order over the whole
      table instead of sorting the few rows it needs (docs/benchmarks.md, 考核督办 at scale)."""
    if connection.vendor != "postgresql" or not settings.YIWANG_REPORT_WORK_MEM:
        yield
        return
    with connection.cursor() as cur:
        cur.execute(
            "SELECT set_config('work_mem', %s, false), set_config('cursor_tuple_fraction', '1', false)",
            [settings.YIWANG_REPORT_WORK_MEM],
        )
    try:
        yield
    finally:
        try:
            with connection.cursor() as cur:
                cur.execute("RESET work_mem; RESET cursor_tuple_fraction")
        except DatabaseError:  # an aborted transaction: its rollback undoes the SET too
            pass


def record_out(ind: Indicator, side: str, obj: Any) -> dict:
    q = ind.numerator if side == "numerator" else ind.denominator
    return q.source.record(obj)
