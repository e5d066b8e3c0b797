"""Training writes (docs/training.md): courses and their completion, the question bank, exams
(papers drawn by rules, answers saved one small transaction each on server time, marking),
question statistics, competitions (rankings, qualification, judges without conflicts of
interest) and certifications (持证上岗). Every state change is one transaction."""

from __future__ import annotations

import json
import math
import random
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.notifications.services import notification_send
from yiwang.organizations.models import Department, Region, Role, ServiceHall, StaffRole, Window

from . import selectors
from .models import (
    LEVEL_ORDER,
    Answer,
    Attempt,
    AttemptStatus,
    Certification,
    CertStatus,
    Competition,
    Course,
    CourseAssignment,
    CourseCompletion,
    Entry,
    Exam,
    HallRequirement,
    JudgeScore,
    Kind,
    Question,
    QuestionStat,
    Round,
    RoundKind,
    Topic,
)

REMIND_DAYS = 30  # certifications: reminder this many days before expiry
TRUE_FALSE_OPTIONS = [{"value": "true", "label": "正确"}, {"value": "false", "label": "错误"}]


# --- courses ------------------------------------------------------------------------------------
@transaction.atomic
def course_create(
    *, title: str, topic: str, role: str = "", summary: str = "", materials: list | None = None
) -> Course:
    if topic not in Topic.values:
        raise ValidationFailed(fields={"topic": ["未知的主题"]})
    if role and role not in Role.values:
        raise ValidationFailed(fields={"role": ["未知的角色"]})
    return Course.objects.create(
        title=title, topic=topic, role=role, summary=summary, materials=materials or []
    )


@transaction.atomic
def course_assign(
    *,
    course: Course,
    due: date,
    role: str = "",
    department: Department | None = None,
    region: Region | None = None,
) -> CourseAssignment:
    if role and role not in Role.values:
        raise ValidationFailed(fields={"role": ["未知的角色"]})
    return CourseAssignment.objects.create(
        course=course, due=due, role=role, department=department, region=region
    )


@transaction.atomic
def course_complete(*, user: User, course: Course, now: datetime | None = None) -> CourseCompletion:
    obj, _ = CourseCompletion.objects.get_or_create(
        course=course, user=user, defaults={"completed_at": now or timezone.now()}
    )
    return obj


# --- the question bank --------------------------------------------------------------------------
def _question_clean(data: dict) -> dict:
    kind = data.get("kind")
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        raise ValidationFailed(fields={"kind": ["未知的题型"]})
    text = (data.get("text") or "").strip()
    if not text:
        errors["text"] = ["题干不能为空"]
    topic = data.get("topic") or Topic.WINDOW
    if topic not in Topic.values:
        errors["topic"] = ["未知的主题"]
    difficulty = int(data.get("difficulty") or 2)
    if difficulty not in (1, 2, 3):
        errors["difficulty"] = ["难度为 1（易）、2（中）或 3（难）"]
    options = list(data.get("options") or [])
    answer = data.get("answer")
    values = [o["value"] for o in options]
    if kind == Kind.TRUE_FALSE:
        options = TRUE_FALSE_OPTIONS
        answer = "true" if answer in (True, "true", "T", "TRUE", "对", "正确") else "false"
    elif kind == Kind.SINGLE:
        if len(options) < 2 or answer not in values:
            errors["answer"] = ["单选题至少两个选项，答案须为其中之一"]
    elif kind == Kind.MULTIPLE:
        answer = sorted(set(answer or []))
        if len(options) < 2 or not answer or not set(answer) <= set(values):
            errors["answer"] = ["多选题至少两个选项，答案须为选项中的一个或多个"]
    elif kind == Kind.FILL:
        answer = [
            str(a).strip() for a in (answer if isinstance(answer, list) else [answer]) if str(a or "").strip()
        ]
        if not answer:
            errors["answer"] = ["填空题须给出可接受的答案"]
        options = []
    else:
        answer = str(answer or "")
        options = []
    if len(set(values)) != len(values):
        errors["options"] = ["选项值不能重复"]
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "kind": kind,
        "text": text,
        "options": options,
        "answer": answer,
        "topic": topic,
        "difficulty": difficulty,
        "points": int(data.get("points") or 1),
        "explanation": data.get("explanation") or "",
    }


@transaction.atomic
def question_create(**data) -> Question:
    return Question.objects.create(**_question_clean(data))


@transaction.atomic
def questions_import(*, rows: list[dict]) -> list[Question]:
    """All rows or none (a bad row names its number)."""
    out = []
    for n, row in enumerate(rows, 1):
        try:
            out.append(Question.objects.create(**_question_clean(row)))
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"第 {n} 题有误：" + "；".join("；".join(v) for v in exc.fields.values()), fields=exc.fields
            ) from exc
    return out


# --- exams --------------------------------------------------------------------------------------
@transaction.atomic
def exam_create(
    *,
    title: str,
    rules: list[dict],
    opens_at: datetime,
    closes_at: datetime,
    duration_minutes: int = 30,
    pass_percent: int = 60,
    max_attempts: int = 1,
    roles: list[str] | None = None,
) -> Exam:
    if not rules or closes_at <= opens_at:
        raise ValidationFailed(fields={"rules": ["须有组卷规则，截止时间须晚于开始时间"]})
    for r in rules:
        have = Question.objects.filter(topic=r["topic"], difficulty=r["difficulty"], active=True).count()
        if int(r["count"]) > have:
            raise ValidationFailed(
                fields={
                    "rules": [f"题库中{Topic(r['topic']).label}难度{r['difficulty']}的题目只有 {have} 道"]
                }
            )
    return Exam.objects.create(
        title=title,
        rules=rules,
        opens_at=opens_at,
        closes_at=closes_at,
        duration_minutes=duration_minutes,
        pass_percent=pass_percent,
        max_attempts=max_attempts,
        roles=roles or [],
    )


def _draw(exam: Exam, rng: random.Random) -> tuple[list[dict], int, dict[int, Question]]:
    """The candidate's paper, its maximum score and the questions drawn. One query reads the pools
    of all the rules (the active questions of each topic × difficulty): 300 candidates starting at
    once each pay one query, not one per rule plus two."""
    pools: dict[tuple[str, int], list[Question]] = {
        (r["topic"], int(r["difficulty"])): [] for r in exam.rules
    }
    wanted = Q(pk__in=[])
    for topic, difficulty in pools:
        wanted |= Q(topic=topic, difficulty=difficulty)
    for q in Question.objects.filter(wanted, active=True).order_by("pk").only(*PAPER_FIELDS):
        pools[(q.topic, q.difficulty)].append(q)
    drawn: dict[int, Question] = {}
    for r in exam.rules:
        pool = pools[(r["topic"], int(r["difficulty"]))]
        drawn |= {q.pk: q for q in rng.sample(pool, min(int(r["count"]), len(pool)))}
    paper = [{"q": pk} for pk in drawn]
    rng.shuffle(paper)
    for p in paper:
        q = drawn[p["q"]]
        values = [o["value"] for o in q.options]
        rng.shuffle(values)
        p["o"] = values
        p["k"] = q.kind  # the kind, so that saving an answer needs no look-up of the question
    return paper, sum(q.points for q in drawn.values()), drawn


PAPER_FIELDS = ("pk", "topic", "difficulty", "kind", "text", "options", "points")


def attempt_start(*, user: User, exam: Exam, now: datetime | None = None) -> Attempt:
    """The candidate's paper (drawn and shuffled for them), timed on the server. A candidate who
    comes back while an attempt is still open gets that attempt (nothing is lost).

    A first start is three statements — the candidate's attempts so far, the bank's pools, and
    the INSERT, which is its own transaction (300 candidates start at once: each round trip
    counts). Two starts of the same candidate at once: the unique (exam, user, number) lets one
    INSERT win and the other request returns that attempt. An expired attempt still open is
    handed in first (`attempt_finish`, its own transaction)."""
    now = now or timezone.now()
    if not selectors.exam_open_to(user=user, exam=exam, now=now):
        raise NotFound("没有这场考试，或考试未开放")
    attempts = list(Attempt.objects.filter(exam=exam, user=user).order_by("number"))
    for a in attempts:
        if a.status == AttemptStatus.OPEN and now < a.ends_at:
            return a
    for a in attempts:
        if a.status == AttemptStatus.OPEN:
            attempt_finish(attempt=a, now=now)
    if len(attempts) >= exam.max_attempts:
        raise Conflict("本场考试的可考次数已用完", code="no_attempts_left")
    ends = min(now + timedelta(minutes=exam.duration_minutes), exam.closes_at)
    paper, max_score, drawn = _draw(exam, random.Random())
    number = len(attempts) + 1
    try:
        # a savepoint only inside a caller's transaction (no BEGIN/COMMIT round trips otherwise)
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            attempt = Attempt.objects.create(
                exam=exam,
                user=user,
                number=number,
                paper=paper,
                started_at=now,
                ends_at=ends,
                max_score=max_score,
            )
    except IntegrityError:  # the same candidate twice at once: the other request made it
        return Attempt.objects.get(exam=exam, user=user, number=number)
    attempt.drawn = drawn  # the questions, already read: selectors.paper_out needs no query
    return attempt


def _value_clean(kind: str, values: set[str], value):
    if value is None or value == "" or value == []:
        return None
    if kind in (Kind.SINGLE, Kind.TRUE_FALSE):
        if value not in values:
            raise ValidationFailed(fields={"answer": ["请选择一个选项"]})
        return value
    if kind == Kind.MULTIPLE:
        if not isinstance(value, list) or not set(value) <= values:
            raise ValidationFailed(fields={"answer": ["多选题的答案是选项值的列表"]})
        return sorted(set(value))
    if not isinstance(value, str) or len(value) > 5000:
        raise ValidationFailed(fields={"answer": ["答案须为不超过 5000 字的文字"]})
    return value.strip()


# One statement writes an answer: the attempt row is re-checked (open, before its end) and locked
# in the same statement that upserts the answer. PostgreSQL: FOR NO KEY UPDATE in the CTE — a
# hand-in (which updates that row) in flight makes the save wait, and the save then re-reads the
# row and finds it closed; SQLite: the statement holds the database's write lock. The ON CONFLICT
# keeps one row per (attempt, question): the later commit's value is the one stored.
_ANSWER_UPSERT = {
    "postgresql": """
        WITH open_attempt AS (
            SELECT id FROM training_attempt
            WHERE id = %s AND user_id = %s AND status = %s AND ends_at > %s
            FOR NO KEY UPDATE
        )
        INSERT INTO training_answer (attempt_id, question_id, value, saved_at)
        SELECT id, %s, %s::jsonb, %s FROM open_attempt
        ON CONFLICT (attempt_id, question_id)
        DO UPDATE SET value = EXCLUDED.value, saved_at = EXCLUDED.saved_at
        RETURNING id""",
    "sqlite": """
        INSERT INTO training_answer (attempt_id, question_id, value, saved_at)
        SELECT id, %s, %s, %s FROM training_attempt
        WHERE id = %s AND user_id = %s AND status = %s AND ends_at > %s
        ON CONFLICT (attempt_id, question_id)
        DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at
        RETURNING id""",
}


def answer_save(
    *, attempt_id: int, user: User, question_id: int, value, now: datetime | None = None
) -> Answer:
    """Save one answer, one transaction of one statement. Refused once the server's clock has
    passed the attempt's end (409 exam_over) or after submission (409 attempt_closed).

    Two round trips to the database (300 candidates answer at once; each round trip waits for a
    busy CPU): the attempt's paper (what the question's kind and options are, to check the value;
    it never changes once drawn) and its state, then the write itself, which checks the state
    again and locks the attempt (`_ANSWER_UPSERT`): a hand-in between the two is seen."""
    now = now or timezone.now()
    row = Attempt.objects.filter(pk=attempt_id, user=user).values_list("status", "ends_at", "paper").first()
    if row is None:
        raise NotFound("没有这份答卷")
    status, ends_at, paper = row
    _attempt_writable(status, ends_at, now)
    entry = next((p for p in paper if p["q"] == question_id), None)
    if entry is None:
        raise NotFound("试卷中没有这道题")
    clean = _value_clean(entry["k"], set(entry["o"]), value)
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    stored = None if clean is None else json.dumps(clean)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            params = [attempt_id, user.pk, AttemptStatus.OPEN, at, question_id, stored, at]
        else:
            params = [question_id, stored, at, attempt_id, user.pk, AttemptStatus.OPEN, at]
        cur.execute(_ANSWER_UPSERT[connection.vendor], params)
        written = cur.fetchone()
    if written is None:  # closed or timed out since the first read
        status, ends_at = Attempt.objects.filter(pk=attempt_id).values_list("status", "ends_at").get()
        _attempt_writable(status, ends_at, now)
        raise Conflict("答案未保存，请重试", code="not_saved")  # not reached: the row was open
    return Answer(pk=written[0], attempt_id=attempt_id, question_id=question_id, value=clean, saved_at=now)


def _attempt_writable(status: str, ends_at: datetime, now: datetime) -> None:
    if status != AttemptStatus.OPEN:
        raise Conflict("答卷已交，不能再修改", code="attempt_closed")
    if now >= ends_at:
        raise Conflict("考试时间已到，答案未保存", code="exam_over")


def auto_mark(question: Question, value) -> Decimal | None:
    """Points for a closed question (None for a short answer: a person marks it)."""
    if question.kind == Kind.SHORT:
        return None
    pts = Decimal(question.points)
    if value is None:
        return Decimal(0)
    if question.kind == Kind.MULTIPLE:
        return pts if sorted(value) == sorted(question.answer) else Decimal(0)
    if question.kind == Kind.FILL:
        norm = "".join(str(value).split()).lower()
        return pts if any(norm == "".join(a.split()).lower() for a in question.answer) else Decimal(0)
    return pts if value == question.answer else Decimal(0)


def _finalise(attempt: Attempt) -> None:
    answers = list(Answer.objects.filter(attempt=attempt))
    if any(a.score is None for a in answers):
        attempt.status = AttemptStatus.MARKING
        attempt.score = None
        attempt.passed = None
    else:
        attempt.status = AttemptStatus.DONE
        attempt.score = sum((a.score for a in answers), Decimal(0))
        attempt.passed = (
            bool(attempt.max_score) and attempt.score * 100 >= attempt.max_score * attempt.exam.pass_percent
        )
    attempt.save(update_fields=["status", "score", "passed", "submitted_at"])


@transaction.atomic
def attempt_finish(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Hand in (the candidate, or the sweep once the time is up): closed questions are marked
    now, short answers go to the marking queue. Only answers saved before the end count."""
    now = now or timezone.now()
    n = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.OPEN).update(
        status=AttemptStatus.MARKING, submitted_at=min(now, attempt.ends_at)
    )
    attempt.refresh_from_db()
    if not n:
        return attempt
    questions = {q.pk: q for q in Question.objects.filter(pk__in=[p["q"] for p in attempt.paper])}
    saved = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    for p in attempt.paper:
        q = questions[p["q"]]
        a = saved.get(q.pk)
        if a is None:
            a = Answer(attempt=attempt, question=q, value=None, saved_at=attempt.submitted_at)
        a.score = auto_mark(q, a.value) if not (q.kind == Kind.SHORT and a.value is None) else Decimal(0)
        a.save()
    _finalise(attempt)
    return attempt


def attempt_submit(*, attempt_id: int, user: User, now: datetime | None = None) -> Attempt:
    attempt = Attempt.objects.select_related("exam").filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise NotFound("没有这份答卷")
    if attempt.status != AttemptStatus.OPEN:
        raise Conflict("答卷已交", code="attempt_closed")
    return attempt_finish(attempt=attempt, now=now)


def attempts_sweep(*, now: datetime | None = None) -> int:
    """Hand in every attempt whose time is up (beat task)."""
    now = now or timezone.now()
    n = 0
    for a in Attempt.objects.select_related("exam").filter(status=AttemptStatus.OPEN, ends_at__lte=now):
        attempt_finish(attempt=a, now=now)
        n += 1
    return n


@transaction.atomic
def answer_mark(*, marker: User, answer: Answer, score: Decimal | int | float) -> Answer:
    if not selectors.may_manage(marker):
        raise PermissionDenied("只有培训管理人员可以阅卷")
    answer = Answer.objects.select_for_update().select_related("question", "attempt__exam").get(pk=answer.pk)
    score = Decimal(str(score))
    if answer.attempt.status == AttemptStatus.OPEN:
        raise Conflict("答卷尚未交卷", code="attempt_open")
    if not 0 <= score <= answer.question.points:
        raise ValidationFailed(fields={"score": [f"得分应在 0 到 {answer.question.points} 之间"]})
    answer.score = score
    answer.marked_by = marker
    answer.save(update_fields=["score", "marked_by"])
    _finalise(answer.attempt)
    return answer


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if not sxx or not syy:
        return None
    return sxy / math.sqrt(sxx * syy)


def flag_for(facility: float, discrimination: float | None) -> str:
    """Moodle's quiz statistics guidance: facility outside 5–95 % says little; a discrimination
    index below 0.3 is weak, below 0 is wrong (the best candidates got it wrong more often)."""
    if discrimination is not None and discrimination < 0:
        return "区分度为负：请检查答案是否有误"
    if facility < 0.05:
        return "过难：几乎无人答对"
    if facility > 0.95:
        return "过易：几乎人人答对"
    if discrimination is not None and discrimination < 0.3:
        return "区分度偏低"
    return ""


@transaction.atomic
def exam_statistics(*, exam: Exam) -> list[QuestionStat]:
    """Facility (mean fraction of the points) and discrimination (correlation between the
    question's score and the rest of the paper, Moodle's "discrimination index") of every
    question, over each candidate's first finished attempt; flagged questions are marked
    `needs_review` in the bank."""
    attempts = list(Attempt.objects.filter(exam=exam, number=1, status=AttemptStatus.DONE))
    per_q: dict[int, dict[int, float]] = {}
    totals: dict[int, float] = {}
    rows = list(Answer.objects.filter(attempt__in=attempts).values("attempt_id", "question_id", "score"))
    points = dict(
        Question.objects.filter(pk__in={a["question_id"] for a in rows}).values_list("pk", "points")
    )
    for a in rows:
        frac = float(a["score"] or 0) / (points.get(a["question_id"]) or 1)
        per_q.setdefault(a["question_id"], {})[a["attempt_id"]] = frac
        totals[a["attempt_id"]] = totals.get(a["attempt_id"], 0.0) + float(a["score"] or 0)
    QuestionStat.objects.filter(exam=exam).delete()
    out = []
    for qid, scores in per_q.items():
        ids = sorted(scores)
        xs = [scores[i] for i in ids]
        rest = [totals[i] - scores[i] * (points.get(qid) or 1) for i in ids]
        facility = sum(xs) / len(xs)
        disc = _pearson(xs, rest)
        flag = flag_for(facility, disc)
        out.append(
            QuestionStat.objects.create(
                exam=exam,
                question_id=qid,
                attempts=len(xs),
                facility=facility,
                discrimination=disc,
                flag=flag,
            )
        )
        if flag:
            Question.objects.filter(pk=qid).update(needs_review=True)
    return out


# --- competitions -------------------------------------------------------------------------------
@transaction.atomic
def competition_create(*, year: int, title: str, rounds: list[dict]) -> Competition:
    """`rounds`: [{"level": "community", "kind": "written", "exam": Exam, "rubric": [...], "qualify": 3}]."""
    comp = Competition.objects.create(year=year, title=title)
    for r in rounds:
        if r["kind"] == RoundKind.WRITTEN and not r.get("exam"):
            raise ValidationFailed(fields={"exam": ["笔试轮次须指定考试"]})
        if r["kind"] == RoundKind.PRACTICAL and not r.get("rubric"):
            raise ValidationFailed(fields={"rubric": ["实操轮次须有评分细则"]})
        Round.objects.create(
            competition=comp, level=r["level"], kind=r["kind"], exam=r.get("exam"), rubric=r.get("rubric") or [],
            qualify=r.get("qualify", 3),
        )  # fmt: skip
    return comp


@transaction.atomic
def entry_add(
    *, round: Round, user: User, team: str, department: Department | None = None, window: Window | None = None
) -> Entry:
    if round.closed:
        raise Conflict("本轮已结束", code="round_closed")
    entry, _ = Entry.objects.get_or_create(
        round=round, user=user, defaults={"team": team, "department": department, "window": window}
    )
    return entry


def conflict_of_interest(*, judge: User, entry: Entry) -> bool:
    """A judge from the candidate's department or window may not score them."""
    if judge.pk == entry.user_id:
        return True
    roles = StaffRole.objects.filter(user=judge)
    if entry.department_id and roles.filter(department_id=entry.department_id).exists():
        return True
    return bool(entry.window_id and roles.filter(window_id=entry.window_id).exists())


@transaction.atomic
def judge_score(*, judge: User, entry: Entry, scores: dict, now: datetime | None = None) -> JudgeScore:
    rnd = entry.round
    if rnd.kind != RoundKind.PRACTICAL:
        raise Conflict("笔试轮次由考试计分", code="not_practical")
    if rnd.closed:
        raise Conflict("本轮已结束", code="round_closed")
    if conflict_of_interest(judge=judge, entry=entry):
        raise PermissionDenied("评委与选手同一部门或窗口，须回避", code="conflict_of_interest")
    rubric = {c["criterion"]: c["max"] for c in rnd.rubric}
    errors = {}
    for crit, top in rubric.items():
        v = scores.get(crit)
        if v is None or not 0 <= float(v) <= top:
            errors[crit] = [f"请给出 0 到 {top} 分"]
    if set(scores) - set(rubric):
        errors["scores"] = ["评分项不在细则中"]
    if errors:
        raise ValidationFailed(fields=errors)
    total = sum((Decimal(str(scores[c])) for c in rubric), Decimal(0))
    obj, _ = JudgeScore.objects.update_or_create(
        entry=entry,
        judge=judge,
        defaults={"scores": scores, "total": total, "scored_at": now or timezone.now()},
    )
    return obj


def _entry_score(entry: Entry) -> Decimal | None:
    rnd = entry.round
    if rnd.kind == RoundKind.WRITTEN:
        best = (
            Attempt.objects.filter(exam=rnd.exam, user=entry.user, status=AttemptStatus.DONE)
            .order_by("-score")
            .values_list("score", flat=True)
            .first()
        )
        return best
    totals = [j.total for j in entry.judge_scores.all()]
    return (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01")) if totals else None


@transaction.atomic
def round_close(*, round: Round) -> list[Entry]:
    """Score and rank the round (competition ranking: equal scores share a rank), mark the top
    `qualify` as qualified, enter them in the next level's round, and number the certificates
    of the qualified (and of the final round's top three)."""
    rnd = Round.objects.select_for_update().get(pk=round.pk)
    if rnd.closed:
        raise Conflict("本轮已结束", code="round_closed")
    entries = list(rnd.entries.select_related("user", "round__exam").all())
    for e in entries:
        e.score = _entry_score(e)
    ranked = sorted([e for e in entries if e.score is not None], key=lambda e: -e.score)
    last_score, last_rank = None, 0
    for i, e in enumerate(ranked, 1):
        if e.score != last_score:
            last_rank, last_score = i, e.score
        e.rank = last_rank
    level_index = LEVEL_ORDER.index(rnd.level)
    following = (
        Round.objects.filter(competition=rnd.competition, level=LEVEL_ORDER[level_index + 1]).first()
        if level_index + 1 < len(LEVEL_ORDER)
        else None
    )
    top = 3 if following is None else rnd.qualify
    for e in entries:
        e.qualified = e.rank is not None and e.rank <= rnd.qualify and following is not None
        if e.rank is not None and e.rank <= top:
            e.certificate_no = f"JS{rnd.competition.year}-{rnd.level.upper()[:3]}-{e.rank:02d}-{e.pk:05d}"
        e.save(update_fields=["score", "rank", "qualified", "certificate_no"])
        if e.qualified:
            Entry.objects.get_or_create(
                round=following,
                user=e.user,
                defaults={"team": e.team, "department": e.department, "window": e.window},
            )
    rnd.closed = True
    rnd.save(update_fields=["closed"])
    return entries


# --- certifications (持证上岗) -------------------------------------------------------------------
@transaction.atomic
def certification_upload(
    *, user: User, number: str, issuer: str, valid_from: date, valid_until: date, kind: str = "行政办事员",
    level: str = "", file=None,
) -> Certification:  # fmt: skip
    if valid_until < valid_from:
        raise ValidationFailed(fields={"valid_until": ["有效期至不能早于有效期起"]})
    if Certification.objects.filter(kind=kind, number=number).exists():
        raise Conflict("该证书编号已登记", code="duplicate_certificate")
    return Certification.objects.create(
        user=user, kind=kind, number=number, level=level, issuer=issuer, valid_from=valid_from,
        valid_until=valid_until, file=file or "",
    )  # fmt: skip


@transaction.atomic
def certification_check(
    *, actor: User, certification: Certification, approve: bool, note: str = "", now: datetime | None = None
) -> Certification:
    """The hall's admin checks an uploaded certificate against the original."""
    if not selectors.may_check_certification(actor=actor, holder=certification.user):
        raise PermissionDenied("只有所在大厅的管理人员可以核验证书")
    n = Certification.objects.filter(pk=certification.pk, status=CertStatus.PENDING).update(
        status=CertStatus.VERIFIED if approve else CertStatus.REJECTED,
        checked_by=actor,
        checked_at=now or timezone.now(),
        note=note,
    )
    if not n:
        raise Conflict("证书已核验", code="already_checked")
    certification.refresh_from_db()
    return certification


@transaction.atomic
def hall_requirement_set(*, hall: ServiceHall, required: bool, kind: str = "行政办事员") -> HallRequirement:
    obj, _ = HallRequirement.objects.update_or_create(
        hall=hall, defaults={"requires_certification": required, "kind": kind}
    )
    return obj


def certification_reminders(*, today: date) -> int:
    """Remind holders of verified certificates that expire within REMIND_DAYS, once per
    certificate and expiry date (notifications' event key)."""
    n = 0
    due = Certification.objects.filter(
        status=CertStatus.VERIFIED,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=REMIND_DAYS),
    ).select_related("user")
    for c in due:
        with transaction.atomic():
            notification_send(
                event_kind="training.certification_expiring",
                recipient=c.user,
                context={
                    "kind": c.kind,
                    "valid_until": c.valid_until.isoformat(),
                    "days": (c.valid_until - today).days,
                },
                key=f"training:cert:{c.pk}:expiring:{c.valid_until.isoformat()}",
                link="/workbench/training/certifications/",
            )
        n += 1
    return n


def window_assignment_check(*, user: User, window: Window, role: str, on: date | None = None) -> None:
    """organizations.hooks.window_assignment_check: refuse a window to staff without a valid
    certification when the window's hall requires one (持证上岗)."""
    req = HallRequirement.objects.filter(hall_id=window.hall_id, requires_certification=True).first()
    if req is None:
        return
    if not selectors.certified(user, on=on or timezone.localdate(), kind=req.kind):
        raise ValidationFailed(
            f"{window.hall.name}要求窗口人员持证上岗：{user.display_name or user.username}没有有效的{req.kind}证书",
            code="certification_required",
            fields={"window": [f"须持有有效的{req.kind}证书"]},
        )
