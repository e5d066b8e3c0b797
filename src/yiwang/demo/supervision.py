"""考核督办 demo: a quarter of history (the last full quarter before today) — cases of the
catalogue's items received across the city's districts with realistic completion times, some
late; ratings with a realistic share of bad reviews and their work orders —, a few cases overdue
now, the quarter's district and department assessments (closed), one published bulletin of each
kind, and rectification tasks (from overdue cases, from indicators below target, one escalated).

History rows are written directly (bulk), as an import of past records would: no ledger entries,
no notifications. Idempotent: a second run adds nothing."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.cases.models import Case
from yiwang.catalog.models import Item, ItemVersion
from yiwang.catalog.selectors import current_version_ids
from yiwang.evaluations.models import CHANNEL_CLASS, CHANNEL_DIMENSIONS, Evaluation, WorkOrder
from yiwang.organizations.models import Region, RegionLevel
from yiwang.supervision import services
from yiwang.supervision.models import Assessment, AssessmentStatus, Bulletin, BulletinStatus, Task
from yiwang.supervision.periods import period_containing
from yiwang.workdays.selectors import add_workdays

PREFIX = "SV"  # demo history case numbers: SV + date + sequence
CASES_PER_DAY = 9
SEED = 20261206


def _aware(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _backdate(version_ids: list[int], since) -> int:
    """Make these versions valid from `since` where nothing else of their item was valid before
    them (a later version of an item keeps its own date: history then shows the earlier one)."""
    moved = 0
    for v in ItemVersion.objects.filter(pk__in=version_ids).filter(
        Q(valid_from__isnull=True) | Q(valid_from__gt=since)
    ):
        earlier = ItemVersion.objects.filter(item_id=v.item_id, version__lt=v.version).exists()
        if not earlier:
            moved += ItemVersion.objects.filter(pk=v.pk).update(valid_from=since)
    return moved


def _history(today) -> dict:
    if Case.objects.filter(number__startswith=PREFIX).exists():
        return {"cases": 0}
    rng = random.Random(SEED)
    quarter = period_containing(today, "quarter").previous()
    citizen = User.objects.filter(username="citizen").first()
    items = list(Item.objects.filter(external=False).select_related("department").order_by("code")[:400])
    # the demo catalogue is published on the day it is loaded: the versions valid today are made
    # valid from before the history starts (as a real catalogue's would be), so the past quarters'
    # item indicators (承诺时限压缩比, 即办件比例) have values instead of "—"
    local = Item.objects.filter(external=False).values_list("pk", flat=True)
    _backdate(
        list(current_version_ids(item_ids=local, on=today).values()), quarter.start - timedelta(days=365)
    )
    ids = current_version_ids(item_ids=[i.pk for i in items], on=today)
    versions = {
        v.item_id: v for v in ItemVersion.objects.filter(pk__in=list(ids.values()), promised_limit_days__gt=0)
    }
    items = [i for i in items if i.pk in versions]
    districts = list(Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code")[:13])
    if citizen is None or not items or not districts:
        return {"cases": 0}
    rng.shuffle(items)
    items = items[:60]
    # each district has its own habits: a share of late completions and of bad reviews
    late_share = {d.pk: rng.choice([0.0, 0.01, 0.02, 0.04, 0.08]) for d in districts}
    cases: list[Case] = []
    day, seq = quarter.start, 0
    while day <= quarter.end:
        if add_workdays(day - timedelta(days=1), 1).date == day:  # a working day
            for _ in range(CASES_PER_DAY):
                seq += 1
                item = rng.choice(items)
                v = versions[item.pk]
                region = rng.choice(districts)
                channel = rng.choices(["online", "mobile", "window", "kiosk"], [45, 20, 30, 5])[0]
                due = add_workdays(day, v.promised_limit_days).date
                late = rng.random() < late_share[region.pk]
                if late:
                    done = add_workdays(due, rng.randint(1, 4)).date
                else:
                    done = (
                        add_workdays(day, rng.randint(1, v.promised_limit_days)).date
                        if v.promised_limit_days > 1
                        else day
                    )
                completed = done <= min(quarter.end, today - timedelta(days=1))
                cases.append(
                    Case(
                        number=f"{PREFIX}{day:%Y%m%d}{seq:05d}", item=item, item_version=v,
                        department=item.department, region=region, owner=citizen, filed_by=citizen,
                        channel=channel, status="completed" if completed else "accepted",
                        applicant_name="张*", submitted_at=_aware(day, 9), received_on=day, accepted_on=day,
                        limit_days=v.promised_limit_days, due_date=due, statutory_limit_days=v.statutory_limit_days,
                        completed_at=_aware(done, rng.randint(9, 17), rng.randint(0, 59)) if completed else None,
                        decision="approve" if completed else "",
                    )
                )  # fmt: skip
        day += timedelta(days=1)
    # a few cases accepted three weeks ago with five-day limits: overdue now (红灯)
    start = today - timedelta(days=21)
    for n in range(8):
        item = items[n % len(items)]
        v = versions[item.pk]
        cases.append(
            Case(
                number=f"{PREFIX}{start:%Y%m%d}9{n:04d}", item=item, item_version=v, department=item.department,
                region=districts[n % len(districts)], owner=citizen, filed_by=citizen, channel="window",
                status="accepted", applicant_name="张*", submitted_at=_aware(start, 9), received_on=start,
                accepted_on=start, limit_days=5, due_date=add_workdays(start, 5).date,
                statutory_limit_days=v.statutory_limit_days,
            )
        )  # fmt: skip
    Case.objects.bulk_create(cases, batch_size=500)
    saved = list(
        Case.objects.filter(number__startswith=PREFIX, status="completed").select_related("region", "item")
    )
    evaluations = []
    for c in saved:
        if rng.random() > 0.7:
            continue
        level = rng.choices(["1", "2", "3", "4", "5"], [70, 18, 8, 3, 1])[0]
        channel = rng.choice(["web", "mobile", "sms", "device"])
        rated = timezone.localtime(c.completed_at).date() + timedelta(days=rng.randint(0, 2))
        anonymous = rng.random() < 0.2
        ev = Evaluation(
            case=c, stage="complete", level=level, channel=channel, channel_class=CHANNEL_CLASS[channel],
            dimension_kind=CHANNEL_DIMENSIONS[channel], anonymous=anonymous, rater=None if anonymous else citizen,
            department_id=c.department_id, region=c.region, item=c.item, rated_at=_aware(rated, 18), rated_on=rated,
            tags=["slow"] if level in ("4", "5") else [],
        )  # fmt: skip
        evaluations.append(ev)
    Evaluation.objects.bulk_create(evaluations, batch_size=500)
    orders = []
    for ev in Evaluation.objects.filter(case__number__startswith=PREFIX, level__in=("4", "5")).order_by("pk"):
        due = add_workdays(ev.rated_on, 5).date
        handled = add_workdays(ev.rated_on, rng.randint(1, 7)).date if rng.random() < 0.92 else None
        revisited = (
            handled + timedelta(days=1) if handled and not ev.anonymous and rng.random() < 0.85 else None
        )
        if handled and handled >= today:
            handled = revisited = None
        status = (
            "closed" if (revisited or (handled and ev.anonymous)) else ("disposed" if handled else "assigned")
        )
        orders.append(
            WorkOrder(
                evaluation=ev, number=f"CP{PREFIX}{ev.pk:07d}", department_id=ev.department_id,
                region_id=ev.region_id, status=status, received_on=ev.rated_on, limit_days=5, due_date=due,
                handled_on=handled, disposal="fixed" if handled else "", revisited_on=revisited,
                revisit_result="satisfied" if revisited else "", closed_on=revisited or (handled if ev.anonymous else None),
            )
        )  # fmt: skip
    WorkOrder.objects.bulk_create(orders, batch_size=500)
    return {"cases": len(cases), "ratings": len(evaluations), "work_orders": len(orders)}


def _publish(b: Bulletin, supervisor: User) -> None:
    if b.status == BulletinStatus.DRAFT:
        b = services.bulletin_act(bulletin=b, actor=supervisor, action="review")
    if b.status == BulletinStatus.REVIEWED:
        services.bulletin_act(bulletin=b, actor=supervisor, action="publish")


def demo_load() -> dict:
    today = timezone.localdate()
    out = {"history": _history(today)}
    supervisor = User.objects.filter(username="supervisor").first()
    if supervisor is None:
        return out
    quarter = period_containing(today, "quarter").previous()
    with transaction.atomic():
        for level in ("district", "department"):
            a = services.assessment_run(period=quarter.label, level=level)
            if a.status == AssessmentStatus.DRAFT:
                a = services.assessment_act(assessment=a, actor=supervisor, action="publish")
            if a.status == AssessmentStatus.PUBLISHED:
                services.assessment_act(assessment=a, actor=supervisor, action="close")
        last_week = period_containing(quarter.end, "week")
        for kind, period in (
            ("daily", quarter.end.isoformat()),
            ("weekly", last_week.label),
            ("monthly", period_containing(quarter.end, "month").label),
            ("quarterly", quarter.label),
        ):
            _publish(
                services.bulletin_generate(kind=kind, period=period, on=quarter.end + timedelta(days=1)),
                supervisor,
            )
    # rectification tasks: the department assessment's lines below target, three overdue cases,
    # and what other apps found; the oldest overdue one escalated
    dept_assessment = Assessment.objects.get(period=quarter.label, level="department")
    if not Task.objects.filter(period=quarter.label, source="indicator").exists():
        made = services.tasks_from_assessment(
            assessment=dept_assessment, actor=supervisor, on=quarter.end + timedelta(days=3)
        )
        out["indicator_tasks"] = len(made)
    overdue = (
        Case.objects.filter(number__startswith=PREFIX, status="accepted", due_date__lt=today)
        .select_related("item_version", "department")
        .order_by("due_date")[:3]
    )
    for c in overdue:
        if not Task.objects.filter(case=c).exists():
            services.task_from_case(case=c, actor=supervisor, limit_days=3, on=c.due_date + timedelta(days=1))
    out["absorbed"] = services.tasks_absorb(on=today)
    out["escalated"] = services.tasks_escalate_overdue(on=today)
    out["bulletins"] = Bulletin.objects.filter(status=BulletinStatus.PUBLISHED).count()
    return out
