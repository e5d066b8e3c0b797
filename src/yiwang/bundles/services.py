"""高效办成一件事 — writes: publishing a bundle (pins item versions, derives the merged form and
materials, refuses conflicts, dependency cycles and limits beyond 行政许可法 §42), submitting a
bundle case (one form → one case per applicable item through `cases.services.case_submit`, never a
second copy of case logic), following the department cases (dependent items start when their
inputs exist, refusals stop dependents, one combined supplement notice, 统一出件), and the
combined resubmission."""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from graphlib import CycleError, TopologicalSorter

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.cases import numbers
from yiwang.cases import services as cases
from yiwang.cases.models import Case, Channel, Status
from yiwang.catalog import forms as catalog_forms
from yiwang.catalog import selectors as catalog
from yiwang.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from yiwang.core.idempotency import run_idempotent
from yiwang.core.text import reject_markup
from yiwang.ledger import rederive
from yiwang.ledger import services as ledger
from yiwang.notifications.services import notification_send
from yiwang.organizations.models import Role
from yiwang.organizations.selectors import staff_scope
from yiwang.workdays import selectors as workdays

from . import merge as merging
from . import selectors
from .models import (
    JOINT_EXTENSION_DAYS,
    JOINT_LIMIT_DAYS,
    Audience,
    Bundle,
    BundleCase,
    BundleCaseStatus,
    BundleChild,
    BundleItem,
    BundleMessage,
    BundleStatus,
)

log = logging.getLogger("yiwang.bundles")

LEDGER_KIND = "bundles.bundle.published"
MAX_REPEAT = 50  # people in one 员工录用 submission
ACCOUNT_KINDS = {Audience.PERSON: AccountKind.PERSON, Audience.LEGAL: AccountKind.LEGAL}


def today() -> date:
    return timezone.localdate()


# --- publishing ---------------------------------------------------------------------------------


def _questionnaire_problems(questionnaire, audience: str = "") -> tuple[dict[str, set[str]], list[str]]:
    """Each question has an id, a text and at least two options; `multiple` is a flag; an option's
    `audience` (person / legal) is for a bundle open to either, where exactly one question's
    options all carry one (the answer decides the account kind)."""
    options: dict[str, set[str]] = {}
    problems: list[str] = []
    if not isinstance(questionnaire, list):
        return options, ["情形引导应为问题列表"]
    routing = 0
    for i, q in enumerate(questionnaire, 1):
        qid = q.get("id") if isinstance(q, dict) else None
        opts = [o for o in (q.get("options") or []) if isinstance(o, dict)] if qid else []
        values = [o.get("value") for o in opts]
        if not qid or not q.get("text") or len(values) < 2:
            problems.append(f"第{i}个问题应有 id、问题文字和至少两个选项")
            continue
        if qid in options:
            problems.append(f"问题 id“{qid}”重复")
            continue
        options[qid] = {str(v) for v in values}
        if not isinstance(q.get("multiple", False), bool):
            problems.append(f"问题“{qid}”的 multiple 应为 true 或 false")
        kinds = [o.get("audience") for o in opts if o.get("audience")]
        if kinds:
            routing += 1
            if audience != Audience.ANY:
                problems.append(f"问题“{qid}”的选项指定了申请账号类型，仅适用于面向个人和企业的一件事")
            elif q.get("multiple") or len(kinds) != len(opts) or not set(kinds) <= set(ACCOUNT_KINDS):
                problems.append(f"问题“{qid}”为单选，且每个选项都应指定申请账号类型（person 或 legal）")
    if audience == Audience.ANY and routing != 1:
        problems.append("面向个人和企业的一件事应有且只有一个问题，由其选项确定申请账号类型")
    return options, problems


def _critical_path(components: list[BundleItem], versions: dict[str, object]) -> tuple[int, list[str]]:
    """The longest chain of promised limits along the dependencies (working days)."""
    order = TopologicalSorter({c.item.code: set(c.depends_on or []) for c in components}).static_order()
    best: dict[str, tuple[int, list[str]]] = {}
    by_code = {c.item.code: c for c in components}
    for code in order:
        days = versions[code].promised_limit_days or versions[code].statutory_limit_days or 0
        before = max((best[d] for d in by_code[code].depends_on or [] if d in best), default=(0, []))
        best[code] = (before[0] + days, [*before[1], versions[code].name])
    return max(best.values(), default=(0, []))


@transaction.atomic
def bundle_publish(*, bundle: Bundle, on: date | None = None) -> Bundle:
    """Pin every component to its published item version, derive the merged form and materials,
    and publish. Anything wrong blocks publishing with a message naming the items and fields."""
    on = on or today()
    bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
    components = list(bundle.components.select_related("item"))
    problems: dict[str, list[str]] = {}
    cap = JOINT_LIMIT_DAYS + (JOINT_EXTENSION_DAYS if bundle.extension_approved else 0)
    if not 1 <= bundle.promised_days <= cap:
        problems["promised_days"] = [
            f"承诺时限应为1–{cap}个工作日（《行政许可法》第四十二条第二款：联合办理不超过45日，经批准可延长15日）"
        ]
    if len(components) < 2:
        problems["components"] = ["一件事至少由两个事项组成"]
    options, q_problems = _questionnaire_problems(bundle.questionnaire, bundle.audience)
    if q_problems:
        problems["questionnaire"] = q_problems
    versions = {}
    codes = {c.item.code for c in components}
    for c in components:
        key = f"components.{c.item.code}"
        try:
            versions[c.item.code] = catalog.item_version_current(code=c.item.code, on=on)
        except DomainError:
            problems.setdefault(key, []).append("事项没有现行有效的已发布版本")
        for qid, wanted in (c.when or {}).items():
            if qid not in options or not set(map(str, wanted)) <= options[qid]:
                problems.setdefault(key, []).append(f"适用情形引用了不存在的问题或选项：{qid}={wanted}")
        for dep in c.depends_on or []:
            if dep not in codes or dep == c.item.code:
                problems.setdefault(key, []).append(f"前置事项“{dep}”不在本一件事中")
    if not problems:
        try:
            TopologicalSorter({c.item.code: set(c.depends_on or []) for c in components}).prepare()
        except CycleError as exc:
            names = [versions[code].name for code in exc.args[1]]
            problems["components"] = ["前置事项形成循环：" + " → ".join(names)]
    if problems:
        raise ValidationFailed("一件事配置有误，不能发布", fields=problems)
    days, chain = _critical_path(components, versions)
    if days > bundle.promised_days:
        raise ValidationFailed(
            "一件事配置有误，不能发布",
            fields={
                "promised_days": [
                    f"依赖链“{' → '.join(chain)}”各事项承诺时限合计{days}个工作日，超过一件事承诺的{bundle.promised_days}个工作日"
                ]
            },
        )
    merged = merging.merge([selectors.component_of(versions[c.item.code]) for c in components])
    if merged.conflicts:
        raise ValidationFailed("合并申请表时发现冲突，不能发布", fields=merged.conflicts)
    for c in components:
        BundleItem.objects.filter(pk=c.pk).update(item_version=versions[c.item.code])
    bundle.merged_schema = merged.schema
    bundle.merged_materials = merged.materials
    bundle.status = BundleStatus.PUBLISHED
    bundle.version += 1
    bundle.published_at = timezone.now()
    bundle.save()
    ledger.entry_append(kind=LEDGER_KIND, subject=bundle.code, payload=ledger_payload(bundle))
    return bundle


def ledger_payload(bundle: Bundle) -> dict:
    definition = selectors.bundle_definition(bundle)
    digest = hashlib.sha256(ledger.canonical(definition)).hexdigest()
    return {"code": bundle.code, "version": bundle.version, "definition_sha256": digest}


def _rederive(row) -> dict | None:
    from yiwang.ledger.models import Entry

    stored = row.payload if isinstance(row.payload, dict) else {}
    bundle = Bundle.objects.filter(code=stored.get("code")).first()
    if bundle is None:
        return None
    newer = Entry.objects.filter(kind=LEDGER_KIND, index__gt=row.index, payload__code=bundle.code).exists()
    return stored if newer else ledger_payload(bundle)  # only the newest definition is live


def ledger_register() -> None:
    rederive.register(LEDGER_KIND, _rederive)


# --- submission ---------------------------------------------------------------------------------


def _split_repeat(form: dict, bundle: Bundle) -> tuple[dict, list[dict]]:
    """员工录用: `form["employees"]` (for repeat_party employee) is a list of per-person forms."""
    party = bundle.repeat_party
    if not party:
        return form, []
    rows = form.get(f"{party}s")
    common = {k: v for k, v in form.items() if k != f"{party}s"}
    if (
        not isinstance(rows, list)
        or not rows
        or len(rows) > MAX_REPEAT
        or not all(isinstance(r, dict) for r in rows)
    ):
        raise ValidationFailed(fields={f"{party}s": [f"请填写1–{MAX_REPEAT}名人员的信息"]})
    return common, rows


def _validate_all(schema: dict, common: dict, rows: list[dict], party: str) -> tuple[dict, list[dict]]:
    """Validate the merged form once (one coherent error list for the applicant)."""
    props = schema.get("properties", {})
    repeat_keys = {k for k in props if party and k.startswith(party + ".")}
    base = {**schema, "properties": {k: v for k, v in props.items() if k not in repeat_keys}}
    base["required"] = [k for k in schema.get("required", []) if k not in repeat_keys]
    errors: dict[str, list[str]] = {}
    clean_rows = []
    try:
        clean = catalog_forms.schema_validate(schema=base, form=common)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        clean = {}
    if repeat_keys:
        row_schema = {
            "properties": {k: props[k] for k in repeat_keys},
            "required": [k for k in schema.get("required", []) if k in repeat_keys],
        }
        for i, row in enumerate(rows):
            try:
                clean_rows.append(catalog_forms.schema_validate(schema=row_schema, form=row))
            except ValidationFailed as exc:
                errors.update({f"{party}s[{i}].{k}": v for k, v in exc.fields.items()})
    if errors:
        raise ValidationFailed(fields=errors)
    return clean, clean_rows


def _missing_materials(plan, materials: list, refs: dict) -> dict[str, list[str]]:
    """Required electronic materials neither uploaded, nor referenced as a licence (免提交), nor
    produced by an earlier item of the bundle."""
    uploaded = {m.get("code") for m in materials if isinstance(m, dict)}
    return {
        f"materials.{m['code']}": [f"请上传{m['name']}"]
        for m in plan.materials
        if m.get("required", True)
        and m.get("material_form") in ("2", "3")
        and not m.get("tolerable")
        and m["code"] not in uploaded
        and m["code"] not in refs
        and not m.get("x-produced-by")
    }


@transaction.atomic
def bundle_case_submit(
    *,
    actor: User,
    bundle_code: str,
    answers: dict,
    form: dict,
    channel: str,
    materials: list[dict] | None = None,
    license_refs: dict[str, str] | None = None,
    parties: dict | None = None,
    on: date | None = None,
) -> BundleCase:
    """One submission: a bundle case and, in the same transaction, one department case per
    applicable item (per person for a repeatable party). Items that need another item's result
    are held and submitted by the system when it exists. Nothing is half-created.

    一窗受理: at a window the clerk files for the applicant named in `parties.applicant` (found or
    opened as for any window case); each department case checks the clerk's window serves it."""
    on = on or today()
    bundle = selectors.bundle_published(code=bundle_code)
    if channel not in Channel.values:
        raise ValidationFailed(fields={"channel": ["渠道取值应为 online、window、kiosk 或 mobile"]})
    if not isinstance(form, dict):
        raise ValidationFailed(fields={"form": ["申请表应为 JSON 对象"]})
    if channel == Channel.WINDOW and Role.CLERK not in staff_scope(actor).roles:
        raise PermissionDenied("窗口收件仅供窗口工作人员使用", code="forbidden")
    if not isinstance(parties, dict | None):
        raise ValidationFailed(fields={"parties": ["应为对象"]})
    owner = cases.applicant_account(actor=actor, channel=channel, parties=parties or {})
    outdated = selectors.bundle_outdated(bundle, on=on)
    if outdated:
        raise Conflict(
            f"“{'、'.join(outdated)}”的办事指南已更新，该一件事待重新发布后方可申请", code="bundle_outdated"
        )
    plan = selectors.bundle_plan(bundle=bundle, answers=answers)
    account_check(bundle=bundle, answers=plan.answers, owner=owner)
    common, rows = _split_repeat(form, bundle)
    refs = license_refs or {}
    if not isinstance(refs, dict):
        raise ValidationFailed(fields={"license_refs": ["应为对象：材料编码 → 证照标识"]})
    # One answer with every problem: the form's and the missing materials' together (a window
    # checks paper materials on the spot, as for any window case).
    errors = {} if channel == Channel.WINDOW else _missing_materials(plan, materials or [], refs)
    try:
        clean, clean_rows = _validate_all(plan.schema, common, rows, bundle.repeat_party)
    except ValidationFailed as exc:
        raise ValidationFailed(fields={**exc.fields, **errors}) from exc
    if errors:
        raise ValidationFailed(fields=errors)
    for key, value in clean.items():
        if isinstance(value, str):
            reject_markup(field=key, value=value)
    prefilled = selectors.prefill_enforce(bundle=bundle, plan=plan, actor=actor, applicant=owner, form=clean)
    number = "YJS" + numbers.case_number(region_code=bundle.lead_department.region.code, on=on)
    due = workdays.add_workdays(on, bundle.promised_days)
    bcase = BundleCase.objects.create(
        number=number,
        bundle=bundle,
        bundle_version=bundle.version,
        owner=owner,
        filed_by=actor,
        channel=channel,
        answers=plan.answers,
        received_on=on,
        promised_days=bundle.promised_days,
        due_date=due.date,
        due_date_provisional=due.provisional,
        savings=plan.savings(
            people=max(1, len(clean_rows)), waived=len(refs), prefilled=prefilled, channel=channel
        ),
    )
    for comp in plan.components:
        version = comp.item_version
        produced = {
            m["code"] for m in plan.materials if m.get("x-produced-by") and m["code"] in comp.material_codes
        }
        waiting = ""
        if any(dep in plan.codes for dep in comp.depends_on):
            names = "、".join(plan.names[d] for d in comp.depends_on if d in plan.codes)
            waiting = f"等待“{names}”办结"
        people = clean_rows if comp.uses_party(bundle.repeat_party) else [{}]
        for index, row in enumerate(people):
            item_form = merging.split_form({**clean, **row}, version.form_schema)
            item_materials = [
                m for m in materials or [] if isinstance(m, dict) and m.get("code") in comp.material_codes
            ]
            item_refs = {
                code: ident
                for code, ident in refs.items()
                if code in comp.material_codes and code not in produced
            }
            case = cases.case_submit(
                actor=actor,
                item_code=comp.item.code,
                form=item_form,
                channel=channel,
                materials=item_materials,
                draft=bool(waiting),
                on=on,
                item_version=version,
                license_refs=item_refs,
                waiting_for=waiting,
                parties=parties,
            )
            BundleChild.objects.create(
                bundle_case=bcase,
                case=case,
                item_code=comp.item.code,
                party_index=index,
                depends_on=[d for d in comp.depends_on if d in plan.codes],
                required=comp.required,
            )
    return bcase


def account_check(*, bundle: Bundle, answers: dict, owner: User) -> None:
    """The applicant's account is of the kind the bundle (or, for a bundle open to either, the
    answer that decides it — 个体工商户 or 企业) asks for."""
    kind, reason = selectors.account_kind_for(bundle, answers)
    wanted = ACCOUNT_KINDS.get(kind)
    if wanted is not None and owner.kind == wanted:
        return
    who = AccountKind(wanted).label if wanted else "相应"
    if reason:
        message = f"您选择了“{reason}”，请使用{who}账号申请"
    else:
        message = f"该一件事面向{Audience(bundle.audience).label}，请使用{who}账号申请"
    raise PermissionDenied(message, code="forbidden")


def bundle_case_submit_once(*, key: str, actor: User, **kwargs) -> tuple[int, dict]:
    """`bundle_case_submit` behind an Idempotency-Key: the same key and body give the first answer."""

    def handler():
        bcase = bundle_case_submit(actor=actor, **kwargs)
        return 201, {
            "number": bcase.number,
            "status": bcase.status,
            "status_label": bcase.get_status_display(),
        }

    body = {k: v for k, v in kwargs.items() if k != "materials"}
    body["materials"] = [
        (m.get("code"), m.get("name"), len(str(m.get("content_base64", ""))))
        for m in kwargs.get("materials") or []
        if isinstance(m, dict)
    ]
    return run_idempotent(owner=str(actor.pk), key=key, scope="bundle-cases", body=body, handler=handler)


# --- following the department cases -------------------------------------------------------------


# Department-case actions that can move a bundle on (a held item, a message, the final status).
FOLLOWED_ACTIONS = {
    "request_supplement",
    "supplement",
    "complete",
    "refuse",
    "deny",
    "withdraw",
    "stop",
    "release",
}


def bundle_follow_case(*, case_id: int, action: str) -> None:
    """cases follower: a department case changed; move its bundle on (idempotent)."""
    if action not in FOLLOWED_ACTIONS:
        return
    link = BundleChild.objects.filter(case_id=case_id).values_list("bundle_case_id", flat=True).first()
    if link is not None:
        bundle_case_advance(bundle_case_id=link)


SUCCESS = "success"
FAILED = "failed"


def child_outcome(case: Case) -> str | None:
    """success / failed once a department case is final; None while open."""
    if case.status == Status.COMPLETED:
        return SUCCESS if case.decision == "approve" else FAILED
    if case.status in (Status.REFUSED, Status.DENIED, Status.WITHDRAWN):
        return FAILED
    return None


@transaction.atomic
def bundle_case_advance(*, bundle_case_id: int, on: date | None = None) -> BundleCase:
    """Look at every department case of the bundle and act on what changed: release held items
    whose inputs now exist (with the licences just issued, 免提交), stop the dependents of a
    failed item and tell the applicant at once, combine open supplement requests into one notice,
    and when every required item is final deliver all results together (统一出件). Safe to run any
    number of times (tasks, the periodic sweep)."""
    on = on or today()
    bcase = BundleCase.objects.select_related("bundle", "owner").get(pk=bundle_case_id)
    children = list(bcase.children.select_related("case", "case__item_version"))
    for _ in range(len(children) + 1):  # a stop can unblock nothing else; at most one pass per child
        if not _advance_once(bcase, children, on):
            break
        for child in children:
            child.case.refresh_from_db()
    return _settle(bcase, children)


def _advance_once(bcase: BundleCase, children: list[BundleChild], on: date) -> bool:
    outcome = {}
    for child in children:
        result = child_outcome(child.case)
        if result is not None:
            outcome.setdefault(child.item_code, []).append(result)
    changed = False
    for child in children:
        case = child.case
        if case.status != Status.DRAFT or not case.waiting_for:
            continue
        deps = child.depends_on or []
        failed = [d for d in deps if FAILED in outcome.get(d, [])]
        if failed:
            names = "、".join(selectors.child_name(children, d) for d in failed)
            reason = f"前置事项“{names}”未能办结，本事项终止"
            try:
                cases.case_stop_held(case=case, reason=reason, on=on)
            except StaleVersion:  # stopped by another process at the same moment
                continue
            BundleChild.objects.filter(pk=child.pk).update(stopped_reason=reason)
            changed = True
        elif all(outcome.get(d) and set(outcome[d]) == {SUCCESS} for d in deps):
            refs = selectors.licence_refs_for(case=case, bundle_case=bcase, on=on)
            try:
                cases.case_release(case=case, license_refs=refs, on=on)
            except ValidationFailed as exc:  # e.g. the licence it needs was revoked meanwhile
                log.warning("bundle %s: release of case %s failed: %s", bcase.pk, case.pk, exc.fields)
                continue
            except StaleVersion:  # another process released it at the same moment
                continue
            changed = True
    return changed


MESSAGE_EVENTS = {
    BundleMessage.Kind.REFUSAL: "bundle.item_failed",
    BundleMessage.Kind.SUPPLEMENT: "bundle.supplement_requested",
    BundleMessage.Kind.DELIVERY: "bundle.delivered",
}


def _message(bcase: BundleCase, kind: str, key: str, data: dict) -> None:
    """Record what the applicant is told about the bundle as a whole and tell them, once per fact
    (the BundleMessage key; the notification's key names that row)."""
    message, created = BundleMessage.objects.get_or_create(
        bundle_case=bcase, key=key, defaults={"kind": kind, "data": data}
    )
    if not created:
        return
    notification_send(
        event_kind=MESSAGE_EVENTS[kind],
        recipient=bcase.owner,
        context={"number": bcase.number, "bundle": bcase.bundle.name, **data},
        key=f"bundle:{bcase.number}:message:{message.pk}",
        link=f"/my/bundles/{bcase.number}/",
    )
    BundleMessage.objects.filter(pk=message.pk).update(notified=True)


def _settle(bcase: BundleCase, children: list[BundleChild]) -> BundleCase:
    results = {}
    for child in children:
        result = child_outcome(child.case)
        results[child.pk] = result
        if result == FAILED:
            case = child.case
            _message(
                bcase,
                BundleMessage.Kind.REFUSAL,
                f"failed:{case.number}",
                {
                    "case": case.number,
                    "item": case.item_version.name,
                    "status": case.status,
                    "reason": child.stopped_reason or selectors.last_reason(case),
                },
            )
    open_supplements = [c.case for c in children if c.case.status == Status.SUPPLEMENT_REQUESTED]
    if open_supplements:
        key = "supplement:" + ",".join(sorted(c.number for c in open_supplements))
        _message(bcase, BundleMessage.Kind.SUPPLEMENT, key, selectors.combined_supplement(open_supplements))
    required = [c for c in children if c.required]
    if all(c.case.status == Status.WITHDRAWN for c in children) and any(
        not c.stopped_reason for c in children
    ):
        status = BundleCaseStatus.WITHDRAWN  # the applicant withdrew (the rest stopped with it)
    elif all(results[c.pk] is not None for c in required):
        ok = [c for c in required if results[c.pk] == SUCCESS]
        status = (
            BundleCaseStatus.COMPLETED
            if len(ok) == len(required)
            else BundleCaseStatus.PARTLY_COMPLETED
            if ok
            else BundleCaseStatus.FAILED
        )
    elif open_supplements:
        status = BundleCaseStatus.SUPPLEMENT_REQUESTED
    else:
        status = BundleCaseStatus.IN_PROGRESS
    update = {"status": status}
    final = status in (BundleCaseStatus.COMPLETED, BundleCaseStatus.PARTLY_COMPLETED, BundleCaseStatus.FAILED)
    if final and bcase.delivered_at is None:
        outcome = selectors.bundle_outcome(children)
        update.update(outcome=outcome, delivered_at=timezone.now())
        _message(bcase, BundleMessage.Kind.DELIVERY, "delivery", outcome)
    if status != bcase.status or "outcome" in update:
        BundleCase.objects.filter(pk=bcase.pk).update(version=F("version") + 1, **update)
        for k, v in update.items():
            setattr(bcase, k, v)
        bcase.version += 1
    return bcase


def bundle_cases_advance_open() -> int:
    """Periodic sweep: nothing is lost if a task was (the followers are best-effort)."""
    ids = list(
        BundleCase.objects.filter(
            status__in=[BundleCaseStatus.IN_PROGRESS, BundleCaseStatus.SUPPLEMENT_REQUESTED]
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        bundle_case_advance(bundle_case_id=pk)
    return len(ids)


# --- combined resubmission ----------------------------------------------------------------------


@transaction.atomic
def bundle_case_supplement(
    *,
    bundle_case: BundleCase,
    actor: User,
    form: dict | None = None,
    materials: list[dict] | None = None,
    version: int | None = None,
    note: str = "",
) -> BundleCase:
    """One resubmission (补正) for every department that asked: each gets the fields its item asks
    for and the materials it lists, through the ordinary `supplement` action."""
    if bundle_case.owner_id != actor.pk:
        raise PermissionDenied("只有申请人可以补正", code="forbidden")
    if version is not None and version != bundle_case.version:
        raise StaleVersion()
    waiting = [
        c.case
        for c in bundle_case.children.select_related("case", "case__item_version")
        if c.case.status == Status.SUPPLEMENT_REQUESTED
    ]
    if not waiting:
        raise InvalidTransition("没有需要补正的事项")
    form = form or {}
    if not isinstance(form, dict):
        raise ValidationFailed(fields={"form": ["申请表应为 JSON 对象"]})
    used: set[str] = set()
    for case in waiting:
        props = (case.item_version.form_schema or {}).get("properties") or {}
        codes = {m.code for m in case.item_version.materials.all()}
        part = {k: v for k, v in form.items() if k in props}
        mats = [m for m in materials or [] if isinstance(m, dict) and m.get("code") in codes]
        used |= set(part) | {m["code"] for m in mats}
        cases.case_apply_action(
            case=case,
            actor=actor,
            action="supplement",
            note=note,
            version=case.version,
            form=part,
            materials=mats,
        )
    unknown = [k for k in form if k not in used] + [
        f"materials.{m.get('code')}"
        for m in materials or []
        if isinstance(m, dict) and m.get("code") not in used
    ]
    if unknown:
        raise ValidationFailed(fields={k: ["补正的事项中没有这一栏目或材料"] for k in unknown})
    return bundle_case_advance(bundle_case_id=bundle_case.pk)
