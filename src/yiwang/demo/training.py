"""Demo data for training (docs/training.md): a bank of 110 questions on real service rules (read
from data/training_bank.gift), courses assigned to window staff, an exam open to `clerk` that
`clerk` has not taken, a past exam taken by seven demo staff (with its question statistics), the
annual skill competition with rankings, and certifications (`clerk` valid, `clerk2` expired,
`reviewer` waiting to be checked); the city hall requires certified window staff.
Idempotent: a second run finds what the first wrote."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.organizations.models import ServiceHall, StaffRole
from yiwang.training import gift, services
from yiwang.training.models import Certification, Competition, Course, Exam, Question

from . import orgdata

BANK = Path(__file__).resolve().parent / "data" / "training_bank.gift"
OPEN_EXAM = "窗口业务月度测试（演示）"
PAST_EXAM = "2026年第三季度窗口业务测试"
COMPETITION = "2026年武汉市政务服务技能竞赛"
TAKERS = ["clerk2", "reviewer", "approver", "dept_admin", "cdo", "reviewer2", "approver2"]
RUBRIC = [
    {"criterion": "受理规范与一次性告知", "max": 40},
    {"criterion": "平台操作准确", "max": 30},
    {"criterion": "服务礼仪与沟通", "max": 30},
]
COURSES = [
    ("窗口服务规范：首问负责、一次性告知、限时办结", "window", "clerk",
     [{"title": "《行政许可法》第三十二条（受理与一次告知）", "url": "https://www.gov.cn/banshi/2005-08/21/content_25117.htm"}]),
    ("一网通办平台操作：受理、补正、容缺与告知承诺", "platform", "",
     [{"title": "平台操作手册：办件受理与补正", "url": "/workbench/"}]),
    ("政务服务“好差评”与差评整改", "rating", "",
     [{"title": "国办发〔2019〕51号 关于建立政务服务“好差评”制度提高政务服务水平的意见", "url": "https://www.gov.cn/zhengce/content/2019-12/03/content_5457921.htm"}]),
    ("高效办成一件事：开办餐饮店一件事办理指引", "bundle", "clerk",
     [{"title": "开办餐饮店一件事：事项与材料", "url": "/bundles/"}]),
]  # fmt: skip
OPEN_RULES = [
    {"topic": "law", "difficulty": 1, "count": 4},
    {"topic": "law", "difficulty": 2, "count": 4},
    {"topic": "rating", "difficulty": 1, "count": 2},
    {"topic": "procedure", "difficulty": 2, "count": 2},
    {"topic": "window", "difficulty": 1, "count": 2},
    {"topic": "bundle", "difficulty": 2, "count": 2},
    {"topic": "identity", "difficulty": 2, "count": 2},
    {"topic": "platform", "difficulty": 2, "count": 2},
]


def _bank() -> int:
    rows = gift.gift_parse(BANK.read_text(encoding="utf-8"))
    have = set(Question.objects.values_list("text", flat=True))
    new = [r for r in rows if r["text"] not in have]
    if new:
        services.questions_import(rows=new)
    return len(new)


def _users() -> dict[str, User]:
    return {
        u.username: u for u in User.objects.filter(username__in=["clerk", "admin", "supervisor", *TAKERS])
    }


def _certifications(users: dict[str, User], today: date) -> int:
    made = 0
    plan = [
        ("clerk", "4201202400123", today - timedelta(days=400), today + timedelta(days=900), True),
        ("clerk2", "4201202100456", today - timedelta(days=1500), today - timedelta(days=40), True),
        ("reviewer", "4201202500789", today - timedelta(days=30), today + timedelta(days=1800), False),
    ]
    for username, number, start, until, check in plan:
        if username not in users or Certification.objects.filter(number=number).exists():
            continue
        c = services.certification_upload(
            user=users[username], number=number, issuer="武汉市人力资源和社会保障局", level="四级/中级工",
            valid_from=start, valid_until=until,
        )  # fmt: skip
        if check and "admin" in users:
            services.certification_check(
                actor=users["admin"], certification=c, approve=True, note="与原件一致"
            )
        made += 1
    hall = ServiceHall.objects.filter(name=orgdata.CITY_HALL).first()
    if hall is not None:
        services.hall_requirement_set(hall=hall, required=True)
    return made


def _courses(users: dict[str, User], today: date) -> int:
    made = 0
    for title, topic, role, materials in COURSES:
        if Course.objects.filter(title=title).exists():
            continue
        c = services.course_create(title=title, topic=topic, role=role, materials=materials,
                                   summary="面向全市政务服务窗口人员的业务培训。")  # fmt: skip
        services.course_assign(course=c, role=role, due=today + timedelta(days=30))
        for name in ("clerk2", "reviewer") if role == "" else ("clerk2",):
            if name in users:
                services.course_complete(user=users[name], course=c)
        made += 1
    return made


def _past_exam(users: dict[str, User], now) -> Exam:
    exam = Exam.objects.filter(title=PAST_EXAM).first()
    if exam is not None:
        return exam
    start = now - timedelta(days=60)
    exam = services.exam_create(
        title=PAST_EXAM, rules=OPEN_RULES, opens_at=start, closes_at=start + timedelta(days=7), duration_minutes=30,
    )  # fmt: skip
    rng = random.Random(2026)
    for k, name in enumerate(TAKERS):
        user = users.get(name)
        if user is None:
            continue
        at = start + timedelta(hours=k + 1)
        a = services.attempt_start(user=user, exam=exam, now=at)
        skill = 0.55 + 0.06 * k  # later takers know more
        for p in a.paper:
            q = Question.objects.get(pk=p["q"])
            right = rng.random() < skill
            value = _answer(q, right=right, rng=rng)
            services.answer_save(
                attempt_id=a.pk, user=user, question_id=q.pk, value=value, now=at + timedelta(minutes=1)
            )
        services.attempt_finish(attempt=a, now=at + timedelta(minutes=20))
    services.exam_statistics(exam=exam)
    return exam


def _answer(q: Question, *, right: bool, rng: random.Random):
    if q.kind == "fill":
        return q.answer[0] if right else "不知道"
    if q.kind == "multiple":
        return q.answer if right else q.answer[:1]
    if right:
        return q.answer
    wrong = [o["value"] for o in q.options if o["value"] != q.answer]
    return rng.choice(wrong)


def _competition(users: dict[str, User], exam: Exam, now) -> Competition:
    comp = Competition.objects.filter(title=COMPETITION).first()
    if comp is not None:
        return comp
    comp = services.competition_create(
        year=2026, title=COMPETITION,
        rounds=[
            {"level": "community", "kind": "written", "exam": exam, "qualify": 4},
            {"level": "street", "kind": "practical", "rubric": RUBRIC, "qualify": 2},
            {"level": "district", "kind": "practical", "rubric": RUBRIC, "qualify": 1},
            {"level": "city", "kind": "practical", "rubric": RUBRIC},
        ],
    )  # fmt: skip
    community = comp.rounds.get(level="community")
    for name in TAKERS:
        if name in users:
            role = StaffRole.objects.filter(user=users[name]).select_related("department", "window").first()
            team = role.department.name if role and role.department_id else "江岸区政务服务中心"
            services.entry_add(round=community, user=users[name], team=team,
                               department=role.department if role else None, window=role.window if role else None)  # fmt: skip
    services.round_close(round=community)
    street = comp.rounds.get(level="street")
    rng = random.Random(7)
    for entry in street.entries.all():
        for judge in ("supervisor", "admin"):
            if judge in users:
                scores = {c["criterion"]: rng.randint(c["max"] * 6 // 10, c["max"]) for c in RUBRIC}
                services.judge_score(judge=users[judge], entry=entry, scores=scores, now=now)
    services.round_close(round=street)
    return comp


@transaction.atomic
def demo_load() -> dict:
    today = timezone.localdate()
    now = timezone.now()
    users = _users()
    out = {
        "questions": _bank(),
        "certifications": _certifications(users, today),
        "courses": _courses(users, today),
    }
    if not Exam.objects.filter(title=OPEN_EXAM).exists():
        services.exam_create(
            title=OPEN_EXAM, rules=OPEN_RULES, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=60),
            duration_minutes=30, max_attempts=2, roles=["clerk"],
        )  # fmt: skip
    past = _past_exam(users, now)
    comp = _competition(users, past, now)
    out["competition"] = comp.pk
    return out
