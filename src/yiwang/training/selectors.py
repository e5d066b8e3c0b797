"""Training reads: exams open to a staff member, a paper as the candidate sees it, the marking
queue, training records and completion rates, rankings, and 持证上岗 — `certified(user, on=)`,
the selector the window assignment rule and the window terminal's login (halls) use."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.organizations.models import Department, Role, ServiceHall, StaffRole
from yiwang.organizations.selectors import staff_scope

from .models import (
    Answer,
    Attempt,
    AttemptStatus,
    Certification,
    CertStatus,
    Course,
    CourseAssignment,
    CourseCompletion,
    Entry,
    Exam,
    HallRequirement,
    Kind,
    Question,
    Round,
)

MANAGER_ROLES = {Role.PLATFORM_ADMIN, Role.SUPERVISOR}


def certified(user: User, on: date, kind: str | None = None) -> bool:
    """Does `user` hold a certification checked by a hall admin and valid on `on`? (`kind`:
    one named certificate, e.g. 行政办事员; any when None.)"""
    qs = Certification.objects.filter(
        user=user, status=CertStatus.VERIFIED, valid_from__lte=on, valid_until__gte=on
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.exists()


def may_manage(user: User) -> bool:
    """Training managers: platform admins and supervisors (courses, bank, exams, marking)."""
    return bool(staff_scope(user).roles & MANAGER_ROLES)


def may_check_certification(*, actor: User, holder: User) -> bool:
    """A hall's admin checks its staff's certificates: a platform admin, or a supervisor whose
    region covers a hall where the holder has a window."""
    scope = staff_scope(actor)
    if Role.PLATFORM_ADMIN in scope.roles:
        return True
    paths = scope.region_paths.get(Role.SUPERVISOR, [])
    halls = StaffRole.objects.filter(user=holder, window__isnull=False).values_list(
        "window__hall__region__path", flat=True
    )
    return any(h.startswith(p) for h in halls for p in paths)


def exam_open_to(*, user: User, exam: Exam, now: datetime) -> bool:
    if not (exam.opens_at <= now < exam.closes_at):
        return False
    if not exam.roles:
        return user.is_authenticated and user.kind == "staff"
    return bool(staff_scope(user).roles & set(exam.roles))


def exams_open(*, user: User, now: datetime | None = None) -> list[Exam]:
    now = now or timezone.now()
    exams = Exam.objects.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at")
    return [e for e in exams if exam_open_to(user=user, exam=e, now=now)]


def attempt_for(*, user: User, attempt_id: int) -> Attempt | None:
    return Attempt.objects.select_related("exam").filter(pk=attempt_id, user=user).first()


def paper_out(attempt: Attempt, *, with_answers: bool = False) -> list[dict]:
    """The questions in the candidate's order, options in their shuffled order, and what they
    saved; never the key (unless `with_answers`, for the review after marking)."""
    drawn = getattr(attempt, "drawn", None)  # set by services.attempt_start on a new attempt
    if drawn is not None and not with_answers:
        qs, saved = drawn, {}  # a new attempt: its questions were just read, nothing saved yet
    else:
        qs = {q.pk: q for q in Question.objects.filter(pk__in=[p["q"] for p in attempt.paper])}
        saved = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    out = []
    for n, p in enumerate(attempt.paper, 1):
        q = qs[p["q"]]
        labels = {o["value"]: o["label"] for o in q.options}
        a = saved.get(q.pk)
        row = {
            "n": n,
            "id": q.pk,
            "kind": q.kind,
            "kind_label": Kind(q.kind).label,
            "text": q.text,
            "options": [{"value": v, "label": labels[v]} for v in p["o"]],
            "answer": a.value if a else None,
            "points": q.points,
        }
        if with_answers:
            row.update(key=q.answer, explanation=q.explanation, score=a.score if a else None)
        out.append(row)
    return out


def marking_queue() -> list[Answer]:
    return list(
        Answer.objects.filter(
            attempt__status=AttemptStatus.MARKING, score__isnull=True, question__kind=Kind.SHORT
        )
        .select_related("question", "attempt__exam")
        .order_by("attempt__submitted_at", "pk")
    )


def courses_for(user: User) -> list[tuple[Course, date, bool]]:
    """The courses assigned to `user` (by role, department or region), with the earliest due
    date and whether they are done."""
    roles = StaffRole.objects.filter(user=user).select_related("region", "department")
    out: dict[int, date] = {}
    for a in CourseAssignment.objects.select_related("course", "region"):
        for r in roles:
            if a.role and a.role != r.role:
                continue
            if (
                a.department_id
                and a.department_id != r.department_id
                and not (r.window_id and r.window.departments.filter(pk=a.department_id).exists())
            ):
                continue
            out[a.course_id] = min(out.get(a.course_id, a.due), a.due)
            break
    done = set(CourseCompletion.objects.filter(user=user).values_list("course_id", flat=True))
    courses = Course.objects.in_bulk(list(out))
    return [(courses[c], due, c in done) for c, due in sorted(out.items(), key=lambda x: x[1])]


def training_record(user: User) -> dict:
    return {
        "courses": [(c, d) for c, _, d in courses_for(user)],
        "completions": list(CourseCompletion.objects.filter(user=user).select_related("course")),
        "attempts": list(Attempt.objects.filter(user=user).select_related("exam").order_by("-started_at")),
        "certifications": list(Certification.objects.filter(user=user).order_by("-valid_until")),
    }


def _user_departments(user_ids) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for r in StaffRole.objects.filter(user_id__in=user_ids).prefetch_related("window__departments"):
        if r.department_id:
            out[r.user_id].add(r.department_id)
        if r.window_id:
            out[r.user_id].update(d.pk for d in r.window.departments.all())
    return out


def completion_rates() -> list[dict]:
    """Per department: assigned (staff × course) pairs and how many are completed, for the
    supervision KPIs."""
    staff = User.objects.filter(kind="staff", staff_roles__isnull=False).distinct()
    depts = _user_departments([u.pk for u in staff])
    done = set(CourseCompletion.objects.values_list("user_id", "course_id"))
    per: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for u in staff:
        for course, _due, _d in courses_for(u):
            for d in depts.get(u.pk, ()):
                per[d][0] += 1
                per[d][1] += (u.pk, course.pk) in done
    names = Department.objects.in_bulk(list(per))
    return [
        {"department": names[d], "assigned": a, "completed": c, "rate": round(c / a, 3) if a else None}
        for d, (a, c) in sorted(per.items(), key=lambda x: names[x[0]].name)
    ]


def round_ranking(round: Round) -> list[Entry]:
    return list(round.entries.filter(rank__isnull=False).select_related("user").order_by("rank", "pk"))


def team_ranking(rnd: Round) -> list[dict]:
    """Teams ranked by their members' mean score in the round."""
    teams: dict[str, list] = defaultdict(list)
    for e in rnd.entries.filter(score__isnull=False):
        teams[e.team].append(e.score)
    rows = sorted(({"team": t, "score": sum(s) / len(s), "members": len(s)} for t, s in teams.items()),
                  key=lambda r: -r["score"])  # fmt: skip
    for i, r in enumerate(rows, 1):
        r["rank"] = i
        r["score"] = round(r["score"], 2)
    return rows


def certifications_visible(user: User) -> list[Certification]:
    """One's own; a hall admin (platform admin, supervisor) also their staff's."""
    scope = staff_scope(user)
    qs = Certification.objects.select_related("user")
    if Role.PLATFORM_ADMIN in scope.roles:
        return list(qs.order_by("status", "valid_until"))
    paths = scope.region_paths.get(Role.SUPERVISOR, [])
    q = Q(user=user)
    for p in paths:
        q |= Q(user__staff_roles__window__hall__region__path__startswith=p)
    return list(qs.filter(q).distinct().order_by("status", "valid_until"))


def uncertified_by_hall(*, on: date) -> list[dict]:
    """Halls requiring certification, each with the staff on its windows who hold no valid one."""
    out = []
    for req in HallRequirement.objects.filter(requires_certification=True).select_related("hall"):
        staff = User.objects.filter(staff_roles__window__hall=req.hall).distinct().order_by("username")
        missing = [u for u in staff if not certified(u, on=on, kind=req.kind)]
        out.append({"hall": req.hall, "kind": req.kind, "staff": missing, "total": staff.count()})
    return out


def hall_requires(hall: ServiceHall) -> bool:
    return HallRequirement.objects.filter(hall=hall, requires_certification=True).exists()
