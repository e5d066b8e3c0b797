"""Reads of the knowledge base: `ask` answers a question from the shared index (index.py) with
ranked, cited answers; the guidance (情形) of an item or one thing; staff lists."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from yiwang.bundles.models import Bundle, BundleStatus
from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import Item
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.masking import mask_personal_data

from . import index, text
from .models import Article, PointKind, Question, QuestionStatus, Section
from .services import Q_MAX, TEXT_MAX, article_roles

HOTLINE = "12345"
MIN_SCORE = 2.0  # below this the best match is no answer (measured on the labelled set)
RELATIVE = 0.35  # answers scoring under this share of the best are dropped
LIFE_EVENT_SHARE = 0.3  # a one thing this close to the best comes first for a life event

# (section, pattern): what the question asks for
INTENTS = [
    (
        Section.MATERIALS,
        re.compile(
            r"材料|带什么|带啥|要带|准备什么|准备啥|需要什么|要什么|要啥|需要哪些|什么证件|证明材料|资料"
        ),
    ),
    (Section.LIMITS, re.compile(r"多久|多长时间|几天|多少天|时限|多快|什么时候能|几个工作日|要多长")),
    (Section.LOCATIONS, re.compile(r"在哪|哪里|哪儿|什么地方|地址|去哪|哪个窗口|哪个大厅|网点")),
    (Section.FEES, re.compile(r"多少钱|收费|费用|要钱|花钱|免费|交钱")),
    (Section.CONDITIONS, re.compile(r"条件|能不能|可不可以|可以办吗|能办吗|符合|资格|要求")),
]
_SQLISH = re.compile(r"(--|;|/\*|\*/|\b(select|union|drop|insert|delete|update)\b)", re.I)


def intent(q: str) -> str | None:
    for section, pattern in INTENTS:
        if pattern.search(q):
            return section
    return None


def validate_q(q: str | None, *, limit: int = Q_MAX) -> str:
    q = (q or "").strip()
    if not q:
        raise ValidationFailed("请输入问题", fields={"q": ["必填"]})
    if len(q) > limit:
        raise ValidationFailed(
            f"问题不能超过 {limit} 个字" + ("，较长的内容请用 POST 提交" if limit == Q_MAX else ""),
            fields={"q": [f"不能超过 {limit} 个字"]},
        )
    return q


@dataclass
class Query:
    tokens: list[str]
    section: str | None
    life_event: bool


def query_tokens(q: str, loaded: index.Loaded) -> Query:
    """Tokens of a question: its words with the catalogue terms of colloquial ones, character
    bigrams, pinyin bigrams (homophone typos), and for Latin letters the words whose pinyin or
    initials they are (with one typo tolerated) or, failing that, their syllables' bigrams."""
    clean = _SQLISH.sub(" ", q)
    expanded = text.expand(clean)
    extra: list[str] = []
    pinyin_tokens: list[str] = []
    for run in text.latin_runs(clean):
        hits, sylls = _latin(run, loaded)
        if hits:
            extra.extend(hits[:3])
        elif sylls:
            pinyin_tokens += text.pinyin_bigrams(sylls)
        pinyin_tokens.append(f"{text.INITIALS}{run}")
    if extra:
        expanded = text.expand(expanded + " " + " ".join(extra))
    words = text.words(expanded)
    tokens = words * 2 + text.bigrams(expanded) + text.pinyin_bigrams(text.syllables(clean)) + pinyin_tokens
    return Query(tokens=tokens, section=intent(q), life_event=text.is_life_event(expanded))


def _variants(run: str) -> list[str]:
    """The run and, for runs of 5 letters or more, its one-typo variants (a letter dropped, two
    neighbours swapped)."""
    if len(run) < 5:
        return [run]
    swaps = [run[:i] + run[i + 1] + run[i] + run[i + 2 :] for i in range(len(run) - 1)]
    drops = [run[:i] + run[i + 1 :] for i in range(len(run))]
    return [run, *swaps, *drops]


def _latin(run: str, loaded: index.Loaded) -> tuple[list[str], list[str]]:
    """Words whose full pinyin or initials `run` is (typo tolerated), else its syllables."""
    variants = _variants(run)
    for v in variants:
        key = v if v in loaded.lexicon else loaded.deletes.get(v) if len(run) >= 5 else None
        if key:
            return loaded.lexicon[key], []
    for v in variants:
        sylls = _split_syllables(v, loaded.syllables)
        if sylls:
            return [], sylls
    return [], []


def _split_syllables(run: str, known: frozenset[str]) -> list[str]:
    """Split a run of Latin letters into pinyin syllables (longest first; [] when it cannot)."""
    out, i = [], 0
    while i < len(run):
        for j in range(min(len(run), i + 6), i, -1):
            if run[i:j] in known:
                out.append(run[i:j])
                i = j
                break
        else:
            return []
    return out


def _passage(doc: dict, section: str | None) -> tuple[str, str]:
    sections = doc["sections"]
    if section and section in sections:
        return str(section), sections[section]
    for s in (Section.ANSWER, Section.BODY, Section.OVERVIEW):
        if s in sections:
            return str(s), sections[s]
    s = next(iter(sections))
    return s, sections[s]


def ask(q: str, *, limit: int = 10, staff: bool = False, on=None) -> dict:
    """Ranked answers to a question, each with the passage that answers and its source. A one
    thing comes first for a life event; "what do I need" answers with materials, "how long" with
    limits, "where" with the halls. When nothing fits, `fallback` offers the 12345 hotline and the
    question form (never an answer)."""
    masked = mask_personal_data(q)
    limit = max(1, min(int(limit or 10), 50))
    answers = []
    loaded = index.current()
    if loaded is not None and loaded.docs and (text.has_cjk(masked) or text.latin_runs(masked)):
        query = query_tokens(masked, loaded)
        ids = loaded.retriever.get_tokens_ids(query.tokens)
        if ids:
            scores = loaded.retriever.get_scores_from_ids(ids)
            answers = _rank(scores, loaded, query, limit=limit, staff=staff, on=on)
    out = {"query": masked, "answers": answers, "fallback": None}
    if not answers:
        out["fallback"] = fallback(masked)
    return out


def _rank(
    scores: np.ndarray, loaded: index.Loaded, query: Query, *, limit: int, staff: bool, on
) -> list[dict]:
    k = min(len(scores), max(limit * 3, 20))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    order = sorted((int(i) for i in top if scores[i] > 0), key=lambda i: (-float(scores[i]), i))
    if not order or float(scores[order[0]]) < MIN_SCORE:
        return []
    today = (on or catalog.today()).isoformat()
    best = float(scores[order[0]])
    order = [i for i in order if float(scores[i]) >= best * RELATIVE]
    order = [i for i in order if not loaded.docs[i]["valid_until"] or loaded.docs[i]["valid_until"] >= today]
    if query.life_event:
        bundle = next((i for i in order if loaded.docs[i]["kind"] == PointKind.BUNDLE), None)
        if bundle is not None and float(scores[bundle]) >= best * LIFE_EVENT_SHARE:
            order.remove(bundle)
            order.insert(0, bundle)
    out = []
    for i in order[:limit]:
        doc = loaded.docs[i]
        section, passage = _passage(doc, query.section)
        answer = {
            "kind": doc["kind"],
            "code": doc["code"],
            "title": doc["title"],
            "passage": passage,
            "source": {
                "kind": doc["kind"],
                "code": doc["code"],
                "version": doc["version"],
                "section": section,
            },
            "score": round(float(scores[i]), 3),
            "subject": doc["subject"],
            "department": doc["department"],
            "external": doc["external"],
        }
        if staff:
            answer["internal_note"] = doc["notes"].get(section) or next(iter(doc["notes"].values()), "")
        out.append(answer)
    return out


def fallback(q: str) -> dict:
    return {
        "message": "知识库中没有找到合适的答案。您可以拨打 12345 政务服务便民热线，或留言咨询，责任部门答复后会回复您。",
        "hotline": HOTLINE,
        "question_form": "/knowledge/questions/new/",
        "question_api": "/api/v1/knowledge/questions",
        "query": q,
    }


# --- guidance (办事智能辅助) ---------------------------------------------------------------------


def guidance(*, kind: str, code: str) -> dict:
    """The 情形 questions of a one thing (its questionnaire) or of an item (which of its business
    items or sub-items applies), and where the answers lead: the apply page with the situation
    chosen."""
    if kind == PointKind.BUNDLE:
        bundle = Bundle.objects.filter(code=code, status=BundleStatus.PUBLISHED).first()
        if bundle is None:
            raise NotFound("一件事不存在或未发布")
        return {
            "kind": kind,
            "code": code,
            "title": bundle.name,
            "questions": [
                {
                    "id": q["id"],
                    "text": q["text"],
                    "options": [
                        {"value": str(o["value"]), "label": o.get("label", o["value"])}
                        for o in q.get("options") or []
                    ],
                }
                for q in bundle.questionnaire or []
            ],
        }
    if kind != PointKind.ITEM:
        raise NotFound("只有事项和一件事有办事引导")
    version = catalog.item_version_current(code=code)
    children = list(Item.objects.filter(parent__code=code).order_by("code"))
    options = []
    current = catalog.current_version_ids(item_ids=[c.pk for c in children])
    names = dict(catalog.items_search().filter(pk__in=current.values()).values_list("item__code", "name"))
    for child in children:
        if child.pk in current:
            options.append({"value": child.code, "label": names.get(child.code, child.code)})
    questions = []
    if options:
        questions.append({"id": "situation", "text": "您要办理的是哪种情形？", "options": options})
    return {
        "kind": kind,
        "code": code,
        "title": version.name,
        "external": version.item.external,
        "conditions": version.conditions,
        "questions": questions,
    }


def guidance_target(*, kind: str, code: str, answers: dict[str, str]) -> str:
    """The apply page for the situation chosen (query string for a one thing's answers)."""
    from urllib.parse import urlencode

    g = guidance(kind=kind, code=code)
    wanted = {q["id"]: {o["value"] for o in q["options"]} for q in g["questions"]}
    missing = [qid for qid in wanted if answers.get(qid) not in wanted[qid]]
    if missing:
        raise ValidationFailed("请回答每个问题", fields={f"answers.{qid}": ["请选择"] for qid in missing})
    if kind == PointKind.BUNDLE:
        return f"/bundles/{code}/apply/?" + urlencode({f"a.{k}": answers[k] for k in wanted})
    target = answers.get("situation") or code
    return f"/items/{target}/apply/"


# --- staff lists ---------------------------------------------------------------------------------


def questions_for(user, *, status: str = QuestionStatus.OPEN):
    from yiwang.organizations.selectors import staff_scope

    depts = {d for _, d, _ in staff_scope(user).department_roles}
    return Question.objects.filter(department_id__in=depts, status=status).select_related("department")


def reviews_due(user, *, on=None, limit: int = 50) -> list[dict]:
    """Knowledge sources of the user's departments whose review date (复核日期, GB/T 44191) has come:
    item guides and one things a year after publishing, FAQs and policies on the date their
    department set. One row per source, the most overdue first."""
    from yiwang.organizations.selectors import staff_scope

    from .models import Point

    on = on or catalog.today()
    depts = {d for _, d, _ in staff_scope(user).department_roles}
    rows = (
        Point.objects.filter(department_id__in=depts, review_on__lte=on, position=0)
        .order_by("review_on", "kind", "code")
        .values("kind", "code", "title", "version", "review_on")[:limit]
    )
    return [dict(r) for r in rows]


def questions_of(user):
    """The questions `user` left while logged in (留言咨询), newest first."""
    return Question.objects.filter(asked_by=user).select_related("department").order_by("-asked_at", "-id")


def articles_for(user):
    from yiwang.organizations.selectors import staff_scope

    depts = {d for _, d, _ in staff_scope(user).department_roles}
    return Article.objects.filter(department_id__in=depts).select_related("department")


def article_visible(user, code: str) -> Article:
    article = Article.objects.filter(code=code).select_related("department").first()
    if article is None or not article_roles(user, article.department_id):
        raise NotFound("知识不存在")
    return article


def validate_long(q: str | None) -> str:
    return validate_q(q, limit=TEXT_MAX)
