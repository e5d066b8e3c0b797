"""A fixed data set for the indicator formulas (2026-Q3), built on the test world. Every value the
tests expect is computed by hand from the rows below (see test_indicators.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from yiwang.bundles.models import Bundle, BundleCase
from yiwang.cases.models import Case, CaseLicenseRef
from yiwang.catalog.models import ItemVersion
from yiwang.evaluations.models import Evaluation, WorkOrder
from yiwang.halls.models import BusinessType, Ticket
from yiwang.licenses.models import License, LicenseType

TZ = dt.timezone(dt.timedelta(hours=8))


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


@dataclass
class DataSet:
    world: object
    cases: dict = field(default_factory=dict)
    ratings: dict = field(default_factory=dict)
    orders: dict = field(default_factory=dict)


_seq = iter(range(1, 10_000))


def make_case(
    world,
    *,
    ref: str,
    item,
    region,
    channel: str,
    status: str,
    received: dt.date | None,
    due: dt.date | None,
    completed: dt.datetime | None = None,
    decision: str = "",
) -> Case:
    version = ItemVersion.objects.filter(item=item).order_by("-version").first()
    return Case.objects.create(
        number=f"T{ref}-{next(_seq):05d}",
        item=item,
        item_version=version,
        department=item.department,
        region=region,
        hall=world.hall,
        owner=world.citizen,
        filed_by=world.citizen,
        channel=channel,
        status=status,
        received_on=received,
        accepted_on=received,
        due_date=due,
        limit_days=5,
        completed_at=completed,
        decision=decision,
        applicant_name="张**",
    )


def make_rating(
    world, *, case: Case, stage: str, level: str, channel: str, on: dt.date, anonymous=False, excluded=False
) -> Evaluation:
    return Evaluation.objects.create(
        case=case,
        stage=stage,
        level=level,
        channel=channel,
        channel_class="per_case",
        dimension_kind="online",
        anonymous=anonymous,
        rater=None if anonymous else world.citizen,
        department=case.department,
        region=case.region,
        hall=case.hall,
        item=case.item,
        rated_at=dt.datetime.combine(on, dt.time(12), tzinfo=TZ),
        rated_on=on,
        excluded=excluded,
    )


def make_order(
    rating: Evaluation,
    *,
    due: dt.date,
    handled: dt.date | None = None,
    revisited: dt.date | None = None,
    status: str = "received",
) -> WorkOrder:
    return WorkOrder.objects.create(
        evaluation=rating,
        number=f"CP{rating.pk:06d}",
        department=rating.department,
        region=rating.region,
        status=status,
        received_on=rating.rated_on,
        limit_days=5,
        due_date=due,
        handled_on=handled,
        revisited_on=revisited,
    )


def build_dataset(world) -> DataSet:
    ds = DataSet(world)
    # the 即办件 needs no visit (全程网办)
    ItemVersion.objects.filter(item=world.item_immediate).update(visits_required=0)
    city, district = world.city, world.district
    c = ds.cases
    c["C1"] = make_case(
        world,
        ref="C1",
        item=world.item,
        region=city,
        channel="online",
        status="completed",
        received=d(7, 1),
        due=d(7, 8),
        completed=at(7, 7),
        decision="approve",
    )
    c["C2"] = make_case(
        world,
        ref="C2",
        item=world.item,
        region=district,
        channel="window",
        status="completed",
        received=d(7, 2),
        due=d(7, 9),
        completed=at(7, 10),
        decision="approve",
    )
    c["C3"] = make_case(
        world,
        ref="C3",
        item=world.item_immediate,
        region=district,
        channel="mobile",
        status="completed",
        received=d(7, 3),
        due=d(7, 3),
        completed=at(7, 3, 16),
    )
    c["C4"] = make_case(
        world,
        ref="C4",
        item=world.item2,
        region=city,
        channel="window",
        status="completed",
        received=d(8, 1),
        due=d(8, 15),
        completed=at(8, 14),
    )
    c["C5"] = make_case(
        world,
        ref="C5",
        item=world.item2,
        region=city,
        channel="online",
        status="accepted",
        received=d(9, 1),
        due=d(9, 10),
    )
    c["C6"] = make_case(
        world,
        ref="C6",
        item=world.item,
        region=city,
        channel="kiosk",
        status="completed",
        received=d(6, 28),
        due=d(7, 6),
        completed=at(7, 6, 23, 30),
        decision="deny",
    )
    c["C7"] = make_case(
        world,
        ref="C7",
        item=world.item,
        region=city,
        channel="window",
        status="completed",
        received=d(9, 28),
        due=d(10, 9),
        completed=at(10, 2),
    )
    r = ds.ratings
    r["E1"] = make_rating(world, case=c["C1"], stage="complete", level="1", channel="web", on=d(7, 8))
    r["E2"] = make_rating(world, case=c["C2"], stage="complete", level="5", channel="device", on=d(7, 11))
    r["E3"] = make_rating(
        world, case=c["C3"], stage="complete", level="4", channel="mobile", on=d(7, 4), anonymous=True
    )
    r["E4"] = make_rating(world, case=c["C4"], stage="complete", level="2", channel="hotline", on=d(8, 20))
    r["E5"] = make_rating(world, case=c["C6"], stage="complete", level="4", channel="web", on=d(9, 12))
    r["E6"] = make_rating(
        world, case=c["C1"], stage="accept", level="5", channel="web", on=d(7, 2), excluded=True
    )
    o = ds.orders
    o["W2"] = make_order(r["E2"], due=d(7, 18), handled=d(7, 15), revisited=d(7, 16), status="closed")
    o["W3"] = make_order(r["E3"], due=d(7, 11), handled=d(7, 14), status="disposed")
    o["W5"] = make_order(r["E5"], due=d(9, 19))
    # one-thing applications: B1 and B2 in the quarter, B3 after it
    bundle = Bundle.objects.create(
        code="newborn",
        name="新生儿出生一件事",
        audience="person",
        lead_department=world.dept2,
        promised_days=5,
    )
    for ref, recv, savings in (
        (
            "B1",
            d(7, 10),
            {
                "materials_separately": 10,
                "materials_saved": 3,
                "materials_waived": 2,
                "visits_separately": 4,
                "visits_avoided": 3,
            },
        ),
        (
            "B2",
            d(8, 10),
            {
                "materials_separately": 6,
                "materials_saved": 1,
                "materials_waived": 0,
                "visits_separately": 2,
                "visits_avoided": 2,
            },
        ),
        (
            "B3",
            d(10, 10),
            {
                "materials_separately": 9,
                "materials_saved": 9,
                "materials_waived": 0,
                "visits_separately": 9,
                "visits_avoided": 9,
            },
        ),
    ):
        BundleCase.objects.create(
            number=ref,
            bundle=bundle,
            bundle_version=1,
            owner=world.citizen,
            filed_by=world.citizen,
            channel="online",
            received_on=recv,
            promised_days=5,
            due_date=recv + dt.timedelta(days=7),
            savings=savings,
        )
    # licences: the item issues one; C1 has it, C2 not (C6 was denied)
    ltype = LicenseType.objects.create(
        code="11100000000013127D001", name="食品经营许可证", definer_name="市场监管总局"
    )
    ltype.items.add(world.item)
    lic = License.objects.create(
        identifier="1.2.156.3005.2.test.1",
        type=ltype,
        serial="1",
        status_index=1,
        issuer_name="市场监管局",
        issuer_uscc=world.dept.uscc,
        holder_name="张伟",
        holder_id_type="111",
        holder_id="x",
        holder_id_hash="x",
        case=c["C1"],
        issued_on=d(7, 7),
        valid_from=d(7, 7),
        credential="x",
        key_version=1,
    )
    for case in (c["C1"], c["C3"]):
        CaseLicenseRef.objects.create(case=case, material_code="id_card", license=lic, via="own")
    # queue: two called tickets at the city hall (10 and 30 minutes), one waiting, one at the district hall (5)
    for hall, prefix in ((world.hall, "A"), (world.hall2, "B")):
        BusinessType.objects.create(hall=hall, code=f"b{prefix}", name="综合", prefix=prefix)
    for n, (hall, prefix, queued, called) in enumerate(
        (
            (world.hall, "A", at(8, 3, 9), at(8, 3, 9, 10)),
            (world.hall, "A", at(8, 3, 9), at(8, 3, 9, 30)),
            (world.hall, "A", at(8, 3, 9, 5), None),
            (world.hall2, "B", at(9, 2, 10), at(9, 2, 10, 5)),
        ),
        start=1,
    ):
        Ticket.objects.create(
            hall=hall,
            business=BusinessType.objects.get(hall=hall),
            day=queued.date(),
            seq=n,
            number=f"{prefix}{n:03d}",
            issued_at=queued,
            queued_at=queued,
            called_at=called,
            status="called" if called else "waiting",
        )
    return ds


@pytest.fixture
def dataset(world):
    return build_dataset(world)
