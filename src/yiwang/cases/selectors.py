"""Case reads, and what each user may see:
- citizens and companies: cases they own or filed themselves;
- clerks: cases of items their windows serve, not yet tied to another hall;
- reviewers, approvers, department admins: cases of their department within their region;
- supervisors: every case within their region (read only); platform admins: all (read only).
A case outside this set does not exist for the caller (404)."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date
from functools import reduce

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from yiwang.accounts.models import AccountKind, User
from yiwang.catalog.models import ItemVersion
from yiwang.core.errors import Conflict, NotFound
from yiwang.core.pagination import OrderedUnion
from yiwang.core.rawjoin import Join, RawJoin
from yiwang.identity import selectors as identity
from yiwang.organizations.models import Role
from yiwang.organizations.selectors import region_q, staff_scope, window_service
from yiwang.workdays import selectors as workdays

from . import clock
from .formdata import form_reveal
from .models import (
    Case,
    CaseEvent,
    CaseParty,
    ClockStop,
    Dishonesty,
    Status,
    StopKind,
    Verification,
    VerificationStatus,
)
from .rules import APPLICANT, acting_roles, allowed_actions

__all__ = [
    "OWN_ORDER",
    "QUEUE_ORDER",
    "QUEUE_STATUSES",
    "allowed_actions",
    "case_events",
    "case_for_actor",
    "case_form",
    "case_ledger_records",
    "case_list",
    "case_listing",
    "case_queue",
    "cases_visible",
    "dishonesty_for_staff",
    "dishonesty_of",
    "last_case_form",
    "own_cases",
    "receipt_out",
    "verifications_for_staff",
    "warning_counts",
    "window_applicant",
    "window_form",
]

QUEUE_STATUSES = {
    Role.CLERK: [Status.SUBMITTED],
    Role.REVIEWER: [Status.ACCEPTED],
    Role.APPROVER: [Status.REVIEWED, Status.APPROVED, Status.DENIED],
    Role.DEPT_ADMIN: [Status.ACCEPTED, Status.REVIEWED],
}


def _visible_parts(user: User) -> list[Q]:
    """What `user` may see, as parts whose union is the visible set (`_visible_q` ORs them): one
    per kind of scope, the staff member's own filed cases last. `case_queue` reads each part in
    order by its own index instead of the OR, which no index serves in order."""
    if user.kind != AccountKind.STAFF:
        return [Q(owner=user), Q(filed_by=user)]
    scope = staff_scope(user)
    if Role.PLATFORM_ADMIN in scope.roles:
        return [~Q(status=Status.DRAFT), Q(filed_by=user)]
    parts = []
    if scope.window_ids:
        # a window of mine serves the item, and the case is not taken by another hall: either no
        # hall yet (online) or the hall of that very window. The windows' departments and items
        # are read first, so this is a filter on the case's own columns (indexed), not an EXISTS
        # evaluated for every case (docs/benchmarks.md, "The case paths at 10 million cases").
        q, everywhere = Q(pk__in=[]), Q(pk__in=[])
        for hall_id, (dept_ids, item_ids) in window_service(scope).items():
            serves = Q(pk__in=[])
            if dept_ids:
                serves |= Q(department_id__in=sorted(dept_ids))
            if item_ids:
                serves |= Q(item_id__in=sorted(item_ids))
            everywhere |= serves
            q |= Q(hall_id=hall_id) & serves
        parts.append(q | (Q(hall__isnull=True) & everywhere))
    for _role, dept_id, path in scope.department_roles:
        parts.append(Q(department_id=dept_id, region__path__startswith=path))
    if Role.SUPERVISOR in scope.roles:
        parts.append(region_q(scope.region_paths[Role.SUPERVISOR]))
    # a draft belongs to its applicant until it is submitted
    return [p & ~Q(status=Status.DRAFT) for p in parts] + [Q(filed_by=user)]


def _visible_q(user: User) -> Q:
    return reduce(operator.or_, _visible_parts(user))


def cases_visible(*, user: User) -> QuerySet[Case]:
    return Case.objects.filter(_visible_q(user))


# The guide's texts and lists (what the service guide shows, not what a case's handling reads) are
# left out of a case's item version; they load on first access. `form_schema` too: the few
# actions that validate a form read it.
_VERSION_FIELDS = (
    "item",
    "version",
    "status",
    "valid_from",
    "valid_until",
    "published_at",
    "name",
    "item_type",
    "power_source",
    "statutory_limit_days",
    "promised_limit_days",
    "case_kind",
    "online_grade",
    "visits_required",
    "cross_city_scope",
    "tolerance_acceptance",
    "commitment_system",
    "tolerance_days",
    "tolerance_lapse",
    "verification_days",
    "cooling_off_days",
    "confirm_days",
    "special_procedures",
    "extension_days",
    "acceptance_limit_days",
)
# An applicant's case (`_visible_q` for anyone who is not staff: owner or filer), with its item,
# item version, department and region, in one plain statement (core.rawjoin): the case detail's
# hottest read, whose ORM compilation cost more than the query.
_APPLICANT_CASE = RawJoin(
    Case,
    [Join("item"), Join("item_version", _VERSION_FIELDS), Join("department"), Join("region")],
    where='t0."number" = %s AND (t0."owner_id" = %s OR t0."filed_by_id" = %s)',
)


def case_for_actor(*, actor: User, number: str) -> Case:
    if actor.kind != AccountKind.STAFF:  # the same rows `_visible_q` gives an applicant
        case = _APPLICANT_CASE.first([number, actor.pk, actor.pk])
        if case is None:
            raise NotFound("办件不存在", code="not_found")
        return case
    # Only the relations every caller reads are joined: PostgreSQL's planning time grows fast with
    # each join (7 joins cost ~1.7 ms to plan against ~0.3 ms for 4; docs/benchmarks.md). The hall
    # (a left join: online cases have none) is joined too, as the staff case page always shows it;
    # the window (window cases only) and the owner load lazily when used. `number` is unique, so
    # no ORDER BY (`.first()` would add the model's `-created_at` sort).
    rows = list(
        cases_visible(user=actor)
        .select_related("item", "item_version", "department", "region", "hall")
        .filter(number=number)
        .order_by()[:1]
    )
    if not rows:
        raise NotFound("办件不存在", code="not_found")
    return rows[0]


def _open_procedure_end() -> Subquery:
    """The planned end of an open special procedure (its warning light), without a query per row."""
    return Subquery(
        ClockStop.objects.filter(
            case=OuterRef("pk"), kind=StopKind.SPECIAL_PROCEDURE, ended_on__isnull=True
        ).values("planned_end")[:1]
    )


def _listed(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What a case list's row reads: the item, its version and department joined, the open special
    procedure's planned end annotated."""
    return qs.select_related("item", "item_version", "department").annotate(
        open_procedure_end=_open_procedure_end()
    )


def _list_statuses(user: User, status: str | None, queue: bool) -> list[str] | None:
    """The statuses a list is limited to: the one asked for, or a staff member's queue's (their
    roles'); None for no limit."""
    if status:
        return [status]
    if user.kind == AccountKind.STAFF and queue:
        scope = staff_scope(user)
        statuses = {s for role in scope.roles for s in QUEUE_STATUSES.get(role, [])}
        return sorted(statuses) or None
    return None


# The staff queue's order (and an applicant's list filtered by status): most urgent first, cases
# without a due date (not yet accepted) last, then oldest submission (drafts, never submitted,
# last) — NULLs placed explicitly, so both databases agree (SQLite would put them first) and a
# cursor can seek on them; the id makes it total.
QUEUE_ORDER = (F("due_date").asc(nulls_last=True), F("submitted_at").asc(nulls_last=True), "id")
# An applicant's list: newest first.
OWN_ORDER = ("-created_at", "-id")
# Every status a staff scope's part can hold (drafts are their applicant's, or the filer's own).
SCOPED_STATUSES = [s for s in Status.values if s != Status.DRAFT]


def case_list(*, user: User, status: str | None = None, queue: bool = True) -> QuerySet[Case]:
    """Own cases for applicants, newest first; for staff the work queue, most urgent first — as
    one OR over the visible parts. The lists people page through read `case_queue`, `own_cases`
    and `case_listing` instead (the same rows in the same order, read in index order); this
    stays for short reads (the portal's open cases, the kiosk) and as what tests compare with."""
    qs = _listed(cases_visible(user=user))
    statuses = _list_statuses(user, status, queue)
    if status:
        return qs.filter(status=status).order_by(*QUEUE_ORDER)
    if user.kind != AccountKind.STAFF:
        return qs.order_by(*OWN_ORDER)
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by(*QUEUE_ORDER)


def _disjoint(parts: list[QuerySet], covers: list[Q]) -> list[QuerySet]:
    """Each part's rows minus those of the parts before it (`covers[i]`: the filter of part i):
    querysets whose counts add up to the union's (OrderedUnion's `counted`). The first part, the
    biggest by construction (a department's backlog), is counted alone, in its own index."""
    return [part.exclude(reduce(operator.or_, covers[:i])) if i else part for i, part in enumerate(parts)]


def case_queue(*, user: User, status: str | None = None, queue: bool = True) -> OrderedUnion:
    """A staff member's work queue (the workbench page; with queue=False every visible case, as
    `GET /api/v1/cases?queue=false` lists): `case_list(user=…, status=…, queue=…)`'s rows in
    QUEUE_ORDER, read as an OrderedUnion of one index-ordered read per visible part and status
    (`_visible_parts`: the department's `cases_dept_status_due_rh` range, the window's, the staff
    member's own filed cases…) instead of one OR over the whole backlog, which PostgreSQL could
    only sort in full or find by walking the global due-date index and filtering
    (docs/benchmarks.md, "The case paths at 10 million cases"). Paginate it with
    core.pagination.CappedPaginator (its count stops at the cap) or, for an exact count, with
    `count()`: one count per part, each part less the parts before it."""
    statuses = _list_statuses(user, status, queue)
    parts = _visible_parts(user)
    scoped = statuses or SCOPED_STATUSES  # one read per status: (department, status, due_date) is in order
    branches, counted, covers = [], [], []
    for part in parts[:-1]:
        branches += [Case.objects.filter(part, status=s) for s in scoped]
        counted.append(Case.objects.filter(part, status__in=scoped))
        covers.append(part)
    own = Case.objects.filter(parts[-1])
    own = own.filter(status__in=statuses) if statuses else own
    branches.append(own)
    counted.append(own)
    covers.append(parts[-1])
    return OrderedUnion(
        _listed(Case.objects.all()), branches, QUEUE_ORDER, counted=_disjoint(counted, covers)
    )


def own_cases(*, user: User, status: str | None = None) -> OrderedUnion:
    """An applicant's case list (我的办件): `case_list(user=…, status=…)`'s rows in its order
    (newest first; by due date within a status), read as the union of the cases they own
    (`cases_owner_created`) and those they filed (`cases_filer_created_owner`), each in order, instead
    of an OR that reads and sorts every one of their cases for a page of 20. Its exact count is
    the owned ones' and the filed-not-owned ones'."""
    parts = _visible_parts(user)
    branches = [Case.objects.filter(part) for part in parts]
    if status:
        branches = [b.filter(status=status) for b in branches]
    order = QUEUE_ORDER if status else OWN_ORDER
    return OrderedUnion(_listed(Case.objects.all()), branches, order, counted=_disjoint(branches, parts))


def case_listing(*, user: User, status: str | None = None, queue: bool = True) -> OrderedUnion:
    """What `GET /api/v1/cases` lists: an applicant's own cases (`own_cases`), a staff member's
    queue or, with queue=False, every case they may see (`case_queue`) — `case_list`'s rows in its
    order, read in index order, with an exact count and cursors (core.pagination.paginate)."""
    if user.kind != AccountKind.STAFF:
        return own_cases(user=user, status=status)
    return case_queue(user=user, status=status, queue=queue)


# A case's events with their actors' names, and its parties, each in one plain statement
# (core.rawjoin): every case page and detail answer reads them. The actor's personal fields are
# not read (the answers show a staff member's name, or 申请人), so none is decrypted.
_EVENTS = RawJoin(
    CaseEvent,
    [Join("actor", ("username", "display_name", "kind"))],
    where='t0."case_id" = %s ORDER BY t0."seq"',
)
_PARTIES = RawJoin(CaseParty, [], where='t0."case_id" = %s ORDER BY t0."id"')


def case_events(case: Case) -> list[CaseEvent]:
    return _EVENTS.all([case.pk])


def case_parties(case: Case) -> list[CaseParty]:
    return _PARTIES.all([case.pk])


def warning_counts(*, today: date) -> dict:
    """How many cases show 黄灯 / 红灯 today, for the supervisors (the hourly `sweep_overdue`):
    a case counts once, by the worst of its lights — the due date of a running case, the
    acceptance limit after a supplement (§32 ⑤, `clock.acceptance_deadline`) and the planned end
    of an open special procedure (§45) — the same lights the queue shows (`clock.clock_view`).
    `acceptance` and `procedure` break those two down."""
    cal = workdays.calendar()
    worst: dict[int, str] = {}

    def light(pk: int, level: str) -> None:
        if level != "normal":
            worst[pk] = clock.worst(worst.get(pk, "normal"), level)

    # running cases: 0–2 working days left (yellow), past the due date (red)
    horizon = cal.add_workdays(today, workdays.YELLOW_DAYS).date
    running = Case.objects.filter(
        status__in=[Status.ACCEPTED, Status.REVIEWED], due_date__isnull=False, due_date__lte=horizon
    )
    for pk, due in running.values_list("pk", "due_date"):
        light(pk, workdays.warning_light(due=due, today=today, cal=cal)[0])
    # supplemented, waiting for acceptance (few rows: the limit is per item version)
    waiting = (
        Case.objects.filter(
            status=Status.SUBMITTED,
            accepted_on__isnull=True,
            supplement_requested_on__isnull=False,
            received_on__gte=F("supplement_requested_on"),
        )
        .select_related("item_version")
        .only("pk", "status", "accepted_on", "received_on", "supplement_requested_on", "item_version")
    )
    acceptance = {"red": 0, "yellow": 0}
    for case in waiting:
        due = clock.acceptance_deadline(case, cal=cal)
        level = workdays.warning_light(due=due, today=today, cal=cal)[0] if due else "normal"
        if level != "normal":
            acceptance[level] += 1
        light(case.pk, level)
    # open special procedures with a planned end
    procedures = ClockStop.objects.filter(
        kind=StopKind.SPECIAL_PROCEDURE,
        ended_on__isnull=True,
        planned_end__isnull=False,
        planned_end__lte=horizon,
        case__status__in=[Status.ACCEPTED, Status.REVIEWED],
    )
    procedure = {"red": 0, "yellow": 0}
    for pk, end in procedures.values_list("case_id", "planned_end"):
        level = workdays.warning_light(due=end, today=today, cal=cal)[0]
        if level != "normal":
            procedure[level] += 1
        light(pk, level)
    levels = list(worst.values())
    by_status = dict(Case.objects.values_list("status").annotate(n=Count("id")))
    return {
        "red": levels.count("red"),
        "yellow": levels.count("yellow"),
        "acceptance": acceptance,
        "procedure": procedure,
        "by_status": by_status,
    }


def case_form(*, case: Case, viewer: User, reveal: bool = False) -> dict:
    """The case's form. Sensitive elements are masked unless `reveal` is asked by someone entitled
    to see them (the applicant, or staff acting on the case); staff views are logged."""
    from yiwang.accounts.services import personal_data_view_log
    from yiwang.catalog import selectors as catalog
    from yiwang.core.errors import PermissionDenied
    from yiwang.core.masking import mask

    from . import ledgering

    form = form_reveal(case.form)
    masks = catalog.element_masks(form.keys())
    if reveal:
        roles = acting_roles(actor=viewer, case=case)
        if not roles:
            raise PermissionDenied("您无权查看该办件的完整个人信息", code="forbidden")
        if viewer.kind == AccountKind.STAFF:
            for element in masks:
                personal_data_view_log(
                    viewer=viewer,
                    object_type="case",
                    object_ref=case.number,
                    field=element,
                    reason="办件审查",
                    subject=ledgering.commitment(case),
                )
        return form
    return {k: (mask(masks[k], v) if k in masks and isinstance(v, str) else v) for k, v in form.items()}


def case_ledger_records(case: Case) -> list[dict]:
    """What the case put into the ledger: its events and notices, in order, with their entries."""
    events = [
        {"what": "event", "label": e.action, "at": e.at, "entry": e.ledger_entry}
        for e in case.events.exclude(ledger_entry=None).order_by("seq")
    ]
    notices = [
        {"what": "notice", "label": n.number, "at": n.issued_at, "entry": n.ledger_entry}
        for n in case.notices.exclude(ledger_entry=None).order_by("issued_at", "id")
    ]
    return sorted(events + notices, key=lambda r: (r["at"], r["entry"]))


def receipt_out(record: dict) -> dict:
    from yiwang.core.formats import local_time
    from yiwang.ledger.services import receipt_for

    receipt = receipt_for(entry_id=record["entry"])
    return {
        "what": record["what"],
        "label": record["label"],
        "at": local_time(record["at"]),
        "status": "integrated" if receipt else "pending",
        "receipt": receipt,
    }


def last_case_form(*, user: User, item_code: str) -> tuple[str, dict] | None:
    """一键续办: the number and form (decrypted) of the applicant's latest filed case of this item,
    to fill a new application from; None if there is none."""
    case = (
        Case.objects.filter(owner=user, item__code=item_code)
        .exclude(status=Status.DRAFT)
        .order_by("-submitted_at", "-pk")
        .only("number", "form")
        .first()
    )
    return (case.number, form_reveal(case.form)) if case else None


# --- window intake ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class WindowApplicant:
    """Who applies at a window: the applicant party as `services.case_submit` takes it, and the
    account verified by 电子身份码 if the clerk checked one."""

    party: dict[str, str]
    person: User | None = None


def window_applicant(*, clerk: User, typed: dict[str, str], identity_check: str = "") -> WindowApplicant:
    """The applicant as the clerk typed them or — identified by 电子身份码 (a valid check by this
    clerk within 30 minutes, identity app) — the verified account, whatever was typed. Raises
    Conflict (409) when the check has expired or is not this clerk's."""
    if not identity_check:
        return WindowApplicant(party={k: v for k, v in typed.items() if v})
    person = identity.verified_person(check_id=identity_check, verifier=clerk)
    if person is None:
        raise Conflict(
            "身份码核验已超过30分钟或无效，请申请人重新出示电子身份码", code="identity_check_invalid"
        )
    party = {
        "name": person.display_name,
        "id_number": person.id_number if person.kind == AccountKind.PERSON else "",
        "uscc": person.uscc or "" if person.kind == AccountKind.LEGAL else "",
        "phone": person.phone or "",
    }
    return WindowApplicant(party={k: v for k, v in party.items() if v}, person=person)


# The form's own applicant elements that the applicant identified at the window fills in.
WINDOW_FORM_ELEMENTS = (
    ("applicant.name", "name"),
    ("applicant.id_number", "id_number"),
    ("applicant.phone", "phone"),
)


def window_form(*, version: ItemVersion, form: dict, applicant: dict[str, str]) -> dict:
    """The form filed at a window: the identity checked on the spot fills the form's own
    applicant elements the clerk left blank."""
    props = (version.form_schema or {}).get("properties") or {}
    out = dict(form)
    for key, src in WINDOW_FORM_ELEMENTS:
        if key in props and not out.get(key) and applicant.get(src):
            out[key] = applicant[src]
    return out


# --- 告知承诺制: 事后核查 and 失信 records for staff ---------------------------------------------------
def verifications_for_staff(*, user: User, pending_only: bool = True) -> QuerySet[Verification]:
    """The 事后核查 tasks of the cases a staff member may see, the most urgent first."""
    qs = Verification.objects.filter(case__in=cases_visible(user=user)).select_related(
        "case", "case__item_version", "department"
    )
    if pending_only:
        qs = qs.filter(status=VerificationStatus.PENDING)
    return qs.order_by("due_on", "id")


def dishonesty_for_staff(*, user: User) -> QuerySet[Dishonesty]:
    """失信 records of the cases a staff member may see (staff only; the page masks names)."""
    if user.kind != AccountKind.STAFF:
        return Dishonesty.objects.none()
    return (
        Dishonesty.objects.filter(case__in=cases_visible(user=user))
        .select_related("case", "case__item_version")
        .order_by("-recorded_on", "-id")
    )


def dishonesty_of(*, person_id: int) -> list[Dishonesty]:
    """An applicant's 失信 records, shown to staff on each of their cases."""
    return list(
        Dishonesty.objects.filter(person_id=person_id).select_related("case").order_by("-recorded_on")
    )


# A data query's case (exchange_case_binding), in one plain statement (core.rawjoin): it runs on
# every gateway query, and the ORM's join with an EXISTS annotation cost more than the query.
_BOUND_CASE = RawJoin(
    Case,
    [Join("region"), Join("item")],
    where='t0."number" = %s',
    extra={
        "subject_is_party": (
            f'EXISTS (SELECT 1 FROM "{CaseParty._meta.db_table}" p '  # noqa: S608 -- a table name
            'WHERE p."case_id" = t0."id" AND p."id_hash" = %s)'
        )
    },
)


def exchange_case_binding(
    *, actor: User | None, department_id: int, case_number: str, subject_hash: str, exists_only: bool
) -> str:
    """May a department's data query be made in the name of this case (exchange.hooks.case_binding)?
    "" if so; else why not. The actor must act on the case in a department role (not as its
    applicant), the case must be the querying department's, and the subject one of its parties."""

    # one plain statement: the case with its region and item, and whether the subject is a party
    case = _BOUND_CASE.first([subject_hash, case_number])
    if case is None or case.status == Status.DRAFT:
        return "" if exists_only else "case_not_found"
    if case.department_id != department_id:
        return "case_not_actionable"
    if actor is not None and not (acting_roles(actor=actor, case=case) - {APPLICANT}):
        return "case_not_actionable"
    if not case.subject_is_party:
        return "subject_not_party"
    return ""
