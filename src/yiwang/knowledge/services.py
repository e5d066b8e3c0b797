"""Writes of the knowledge base: knowledge points kept in step with their sources (items, one
things, FAQs, policies), the shared index rebuilt after a change, the FAQ/policy workflow
(draft → review → published, core.workflow) and the question queue (留言咨询)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from yiwang.bundles.models import Bundle, BundleStatus
from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import Item, ItemVersion, Material
from yiwang.core.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from yiwang.core.masking import mask_personal_data
from yiwang.core.workflow import Step, Workflow, rule
from yiwang.notifications.services import notification_send
from yiwang.organizations.models import Department, Role
from yiwang.organizations.selectors import staff_scope

from . import index, text
from .models import (
    Article,
    ArticleKind,
    ArticleStatus,
    ArticleStep,
    Point,
    PointKind,
    Question,
    QuestionStatus,
    Section,
)

log = logging.getLogger("yiwang.knowledge")

Q_MAX = 200  # characters of a question in the query string (longer text: POST)
TEXT_MAX = 2000

# --- knowledge points from their sources ------------------------------------------------------------


def _days(n) -> str:
    return f"{n} 个工作日"


def _item_sections(v: ItemVersion) -> list[tuple[str, str]]:
    dept = v.item.department.name
    results = "、".join(r.get("name", "") for r in v.results or [] if r.get("name"))
    overview = f"{v.name}，实施部门：{dept}，事项类型：{v.get_item_type_display()}。"
    if results:
        overview += f"办理结果：{results}。"
    if v.online_grade:
        overview += f"网上办理深度：{v.online_grade}。"
    out = [(Section.OVERVIEW, overview)]
    if v.conditions.strip():
        out.append((Section.CONDITIONS, v.conditions.strip()))
    materials = [m for m in v.materials.all()]
    if materials:
        lines = [
            f"{i}. {m.name}（{m.get_material_type_display()}，{m.copies} 份{'' if m.required else '，非必需'}）"
            for i, m in enumerate(materials, 1)
        ]
        out.append((Section.MATERIALS, "\n".join(lines)))
    elif v.item.external:
        out.append((Section.MATERIALS, f"{v.name}的申请材料以{dept}公布的办事指南为准，请向实施部门咨询。"))
    if v.statutory_limit_days is not None or v.promised_limit_days is not None:
        parts = []
        if v.statutory_limit_days is not None:
            parts.append(f"法定办结时限 {_days(v.statutory_limit_days)}")
        if v.promised_limit_days is not None:
            parts.append(f"承诺办结时限 {_days(v.promised_limit_days)}")
        kind = f"（{v.get_case_kind_display()}）" if v.case_kind else ""
        out.append((Section.LIMITS, "，".join(parts) + kind + "。"))
    else:
        out.append((Section.LIMITS, f"本事项清单未公布办理时限，请向{dept}咨询。"))
    fees = [f"{f.get('name', '')}：{f.get('standard', '')}" for f in v.fees or []]
    out.append((Section.FEES, "；".join(fees) + "。" if fees else "不收费。"))
    halls = [h for h in v.halls.all()]
    where = [f"{h.name}（{h.address}，{h.hours}）".replace("（，）", "") for h in halls]
    loc = "；".join(where)
    if v.locations.strip():
        loc = (loc + "。" if loc else "") + v.locations.strip()
    if not loc:
        loc = f"{dept}（{v.item.department.region.name}）"
    out.append((Section.LOCATIONS, loc))
    if v.legal_basis.strip():
        out.append((Section.LEGAL_BASIS, v.legal_basis.strip()))
    return out


def _version_for_points(pk: int) -> ItemVersion:
    return (
        ItemVersion.objects.select_related("item__department__region")
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.order_by("position", "id")), "halls"
        )
        .get(pk=pk)
    )


def _bundle_sections(b: Bundle) -> list[tuple[str, str]]:
    out = [
        (Section.OVERVIEW, f"{b.name}：{b.summary}".strip("：") + f" 牵头部门：{b.lead_department.name}。")
    ]
    if b.questionnaire:
        out.append((Section.CONDITIONS, "；".join(q.get("text", "") for q in b.questionnaire)))
    names = [m.get("name", "") for m in b.merged_materials or [] if m.get("name")]
    if names:
        out.append((Section.MATERIALS, "\n".join(f"{i}. {n}" for i, n in enumerate(names, 1))))
    out.append((Section.LIMITS, f"承诺办结时限 {_days(b.promised_days)}（联合办理）。"))
    out.append((Section.LOCATIONS, f"网上申请，或到{b.lead_department.name}所在政务服务大厅综合窗口办理。"))
    return out


REVIEW_AFTER = timedelta(days=365)  # GB/T 44191: a point is reviewed a year after its source was published


def _review_on(published, fallback: date | None, on: date) -> date:
    start = timezone.localdate(published) if published else (fallback or on)
    return start + REVIEW_AFTER


def _sources(on: date) -> dict[tuple[str, str], dict]:
    """What the knowledge base should hold today: source key → version and its points."""
    out: dict[tuple[str, str], dict] = {}
    # cheap first: which item versions are current (sections are read only for changed ones)
    rows = catalog.items_search(on=on).values_list(
        "pk",
        "item__code",
        "version",
        "name",
        "item__external",
        "item__department_id",
        "valid_from",
        "valid_until",
        "published_at",
    )
    for pk, code, version, name, external, dept_id, valid_from, valid_until, published in rows:
        out[(PointKind.ITEM, code)] = {
            "version": version,
            "title": name,
            "subject": code,
            "external": external,
            "department_id": dept_id,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "review_on": _review_on(published, valid_from, on),
            "sections": lambda pk=pk: _item_sections(_version_for_points(pk)),
        }
    for b in Bundle.objects.filter(status=BundleStatus.PUBLISHED).select_related("lead_department"):
        out[(PointKind.BUNDLE, b.code)] = {
            "version": b.version,
            "title": b.name,
            "subject": b.code,
            "external": False,
            "department_id": b.lead_department_id,
            "valid_from": None,
            "valid_until": None,
            "review_on": _review_on(b.published_at, None, on),
            "sections": lambda b=b: _bundle_sections(b),
        }
    articles = Article.objects.filter(revision__gt=0).exclude(status=ArticleStatus.RETIRED)
    for a in articles:
        if (a.valid_from and a.valid_from > on) or (a.valid_until and a.valid_until < on):
            continue
        section = Section.ANSWER if a.kind == ArticleKind.FAQ else Section.BODY
        out[(a.kind, a.code)] = {
            "version": a.revision,
            "title": a.published_title,
            "subject": a.subject,
            "external": False,
            "department_id": a.department_id,
            "valid_from": a.valid_from,
            "valid_until": a.valid_until,
            "review_on": a.review_on,
            "note": a.internal_note,
            "sections": lambda a=a, s=section: [(s, a.published_body)],
        }
    return out


@transaction.atomic
def points_sync(*, on: date | None = None) -> dict:
    """Bring the knowledge points in step with their sources: a source whose version changed gets
    new points (segmented now), a source that is gone (item version replaced or retired, FAQ
    retired, policy expired) loses its points. Returns counts; `changed` tells whether the index
    needs a rebuild."""
    on = on or catalog.today()
    wanted = _sources(on)
    have: dict[tuple[str, str], int] = {}
    for kind, code, version in Point.objects.values_list("kind", "code", "version"):
        have[(kind, code)] = version
    gone = [key for key in have if key not in wanted]
    stale = [key for key, s in wanted.items() if have.get(key) != s["version"]]
    for kind, code in gone + stale:
        Point.objects.filter(kind=kind, code=code).delete()
    rows = []
    for kind, code in stale:
        s = wanted[(kind, code)]
        for pos, (section, body) in enumerate(s["sections"]()):
            title_part = s["title"] if pos == 0 else ""
            tokens = text.doc_tokens(title_part, body)
            rows.append(
                Point(
                    kind=kind,
                    code=code,
                    version=s["version"],
                    section=section,
                    title=s["title"],
                    text=body,
                    subject=s["subject"],
                    external=s["external"],
                    department_id=s["department_id"],
                    valid_from=s["valid_from"],
                    valid_until=s["valid_until"],
                    review_on=s.get("review_on"),
                    internal_note=s.get("note", ""),
                    position=pos,
                    tokens=" ".join(tokens),
                )
            )
    Point.objects.bulk_create(rows, batch_size=500)
    return {"added": len(stale), "removed": len(gone), "changed": bool(gone or stale)}


def index_sync(*, on: date | None = None, force: bool = False) -> dict:
    """Sync the points, and rebuild the shared index when something changed (or `force`)."""
    counts = points_sync(on=on)
    from .models import SearchIndex

    if counts["changed"] or force or not SearchIndex.objects.filter(pk=1).exists():
        counts["version"] = index.build()
    return counts


def index_sync_soon() -> None:
    """Queue the sync task after the current transaction commits."""
    from .tasks import knowledge_index_sync

    transaction.on_commit(lambda: knowledge_index_sync.delay())


# --- FAQs and policies (draft → review → published) -------------------------------------------------

EDITOR, PUBLISHER = "editor", "publisher"

ARTICLE_RULES = {
    "submit": rule([ArticleStatus.DRAFT], ArticleStatus.REVIEW, [EDITOR, PUBLISHER], "提交审核"),
    "return": rule([ArticleStatus.REVIEW], ArticleStatus.DRAFT, [PUBLISHER], "退回修改", note_required=True),
    "publish": rule([ArticleStatus.REVIEW], ArticleStatus.PUBLISHED, [PUBLISHER], "审核发布"),
    "revise": rule([ArticleStatus.PUBLISHED], ArticleStatus.DRAFT, [EDITOR, PUBLISHER], "修订"),
    "retire": rule(
        [ArticleStatus.PUBLISHED, ArticleStatus.DRAFT], ArticleStatus.RETIRED, [PUBLISHER], "停用"
    ),
}


def _record(article: Article, step: Step) -> ArticleStep:
    return ArticleStep.objects.create(
        article=article,
        action=step.action,
        from_status=step.frm,
        to_status=step.to,
        note=step.note,
        actor=step.actor,
        at=timezone.now(),
    )


ARTICLES: Workflow[Article] = Workflow(model=Article, rules=ARTICLE_RULES, record=_record, noun="知识")


def article_roles(user, department_id: int) -> set[str]:
    """editor: staff of the department (reviewer, approver, clerk of its windows count through their
    department roles); publisher: its department admin; the platform admin is both."""
    scope = staff_scope(user)
    roles: set[str] = set()
    for role, dept, _ in scope.department_roles:
        if dept == department_id:
            roles.add(EDITOR)
            if role == Role.DEPT_ADMIN:
                roles.add(PUBLISHER)
    if Role.PLATFORM_ADMIN in scope.roles:
        roles |= {EDITOR, PUBLISHER}
    return roles


def _clean(field: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(fields={field: ["必填"]})
    if len(value) > limit:
        raise ValidationFailed(fields={field: [f"不能超过 {limit} 个字"]})
    return value


def _next_code(kind: str) -> str:
    prefix = "FAQ" if kind == ArticleKind.FAQ else "POL"
    last = Article.objects.filter(kind=kind).order_by("-id").values_list("id", flat=True).first() or 0
    n = last + 1
    while Article.objects.filter(code=f"{prefix}-{n:06d}").exists():
        n += 1
    return f"{prefix}-{n:06d}"


def _subject_check(subject: str) -> str:
    subject = (subject or "").strip()
    if subject and not (
        Item.objects.filter(code=subject).exists() or Bundle.objects.filter(code=subject).exists()
    ):
        raise ValidationFailed(fields={"subject": ["事项或一件事不存在"]})
    return subject


@transaction.atomic
def article_create(
    *,
    actor,
    kind: str,
    department: Department,
    title: str,
    body: str,
    subject: str = "",
    document_number: str = "",
    internal_note: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    review_on: date | None = None,
) -> Article:
    if kind not in ArticleKind.values:
        raise ValidationFailed(fields={"kind": ["取值不在允许范围内"]})
    if EDITOR not in article_roles(actor, department.pk):
        raise PermissionDenied("只有该部门工作人员可以编写知识")
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationFailed(fields={"valid_until": ["失效日期不能早于生效日期"]})
    return Article.objects.create(
        code=_next_code(kind),
        kind=kind,
        department=department,
        title=_clean("title", title, 200),
        body=_clean("body", body, 20000),
        subject=_subject_check(subject),
        document_number=(document_number or "").strip()[:100],
        internal_note=(internal_note or "").strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        review_on=review_on,
        created_by=actor,
    )


ARTICLE_FIELDS = (
    "title",
    "body",
    "subject",
    "document_number",
    "internal_note",
    "valid_from",
    "valid_until",
    "review_on",
)


@transaction.atomic
def article_update(*, actor, article: Article, version: int | None = None, **fields) -> Article:
    """Change a draft (title, body, subject, 文号, internal note, validity and review dates): one
    conditional UPDATE on the draft's version, so of two editors of the same version one wins and
    the other gets 409 stale_version. A published FAQ or policy is edited by “修订” first (its
    published text stays answerable meanwhile)."""
    if EDITOR not in article_roles(actor, article.department_id):
        raise PermissionDenied("只有该部门工作人员可以编写知识")
    ARTICLES.ensure_version(article, version)
    if article.status != ArticleStatus.DRAFT:
        raise ValidationFailed("只有草稿可以修改，请先“修订”", fields={"status": ["不是草稿"]})
    unknown = set(fields) - set(ARTICLE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: ["不可修改的字段"] for k in sorted(unknown)})
    if "title" in fields:
        fields["title"] = _clean("title", fields["title"], 200)
    if "body" in fields:
        fields["body"] = _clean("body", fields["body"], 20000)
    if "subject" in fields:
        fields["subject"] = _subject_check(fields["subject"])
    for key in ("document_number", "internal_note"):
        if key in fields:
            fields[key] = (fields[key] or "").strip()[: 100 if key == "document_number" else 5000]
    valid_from = fields.get("valid_from", article.valid_from)
    valid_until = fields.get("valid_until", article.valid_until)
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationFailed(fields={"valid_until": ["失效日期不能早于生效日期"]})
    seen = article.version
    updated = Article.objects.filter(pk=article.pk, version=seen, status=ArticleStatus.DRAFT).update(
        **fields, version=seen + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise StaleVersion("该知识已被他人修改，请刷新后重试")
    article.refresh_from_db()
    return article


@transaction.atomic
def article_transition(
    *, actor, article: Article, action: str, note: str = "", version: int | None = None
) -> Article:
    """Move a FAQ or policy through its workflow; publishing makes its text the published
    revision, and publishing or retiring queues the index sync."""
    found, acting = ARTICLES.check(
        obj=article, action=action, roles=article_roles(actor, article.department_id), version=version
    )
    if found.note_required and not (note or "").strip():
        raise ValidationFailed(fields={"note": ["请填写说明"]})
    update = {}
    if action == "publish":
        update = {
            "revision": article.revision + 1,
            "published_title": article.title,
            "published_body": article.body,
            "published_at": timezone.now(),
        }
    ARTICLES.transition(
        article,
        action=action,
        to=found.target,
        actor=actor,
        role=sorted(acting)[0],
        note=(note or "").strip(),
        update=update,
    )
    if action in ("publish", "retire"):
        index_sync_soon()
    return article


# --- questions nobody could answer (留言咨询) ------------------------------------------------------


def _question_department(subject: str) -> Department:
    item = Item.objects.filter(code=subject).select_related("department").first() if subject else None
    if item is not None:
        return item.department
    bundle = (
        Bundle.objects.filter(code=subject).select_related("lead_department").first() if subject else None
    )
    if bundle is not None:
        return bundle.lead_department
    # no subject: the platform's own department (the one of the platform admin), else the first
    from yiwang.organizations.models import StaffRole

    role = StaffRole.objects.filter(role=Role.PLATFORM_ADMIN, department__isnull=False).first()
    if role is not None:
        return role.department
    dept = Department.objects.order_by("id").first()
    if dept is None:
        raise NotFound("暂无可以答复的部门")
    return dept


def _question_number() -> str:
    stamp = timezone.localtime().strftime("%Y%m%d")
    n = Question.objects.filter(number__startswith=f"ZX{stamp}").count() + 1
    while Question.objects.filter(number=f"ZX{stamp}{n:05d}").exists():
        n += 1
    return f"ZX{stamp}{n:05d}"


@transaction.atomic
def question_submit(*, text_: str, subject: str = "", actor=None) -> Question:
    """A question the knowledge base did not answer goes to the owning department's queue (the
    item's or one thing's department); ID numbers and phone numbers in it are masked first."""
    body = mask_personal_data(_clean("q", text_, TEXT_MAX))
    subject = _subject_check(subject)
    q = Question.objects.create(
        number=_question_number(),
        text=body,
        subject=subject,
        department=_question_department(subject),
        asked_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log.info("knowledge question %s to department %s", q.number, q.department_id)
    return q


@transaction.atomic
def question_answer(*, actor, question: Question, answer: str, faq_title: str = "") -> Question:
    """Answer a question of one's department: the answer becomes a FAQ in review (the
    department admin publishes it) linked to the question."""
    if EDITOR not in article_roles(actor, question.department_id):
        raise PermissionDenied("只有责任部门可以答复")
    if question.status != QuestionStatus.OPEN:
        raise ValidationFailed("该问题已答复", fields={"status": ["已答复"]})
    answer = _clean("answer", answer, 20000)
    faq = article_create(
        actor=actor,
        kind=ArticleKind.FAQ,
        department=question.department,
        title=(faq_title or question.text)[:200],
        body=answer,
        subject=question.subject,
    )
    article_transition(actor=actor, article=faq, action="submit")
    updated = Question.objects.filter(pk=question.pk, status=QuestionStatus.OPEN).update(
        status=QuestionStatus.ANSWERED,
        answer=answer,
        article=faq,
        answered_by=actor,
        answered_at=timezone.now(),
    )
    if updated != 1:
        raise ValidationFailed("该问题已答复", fields={"status": ["已答复"]})
    question.refresh_from_db()
    if question.asked_by_id:  # who asked while logged in hears the answer (inbox, their channels)
        notification_send(
            event_kind="knowledge.answered",
            recipient=question.asked_by,
            context={
                "number": question.number,
                "question": question.text[:200],
                "answer": answer[:1000],
                "department": question.department.name,
            },
            key=f"knowledge:question:{question.number}:answered",
            link="/knowledge/questions/mine/",
        )
    return question
