"""Case writes: submission (online, window, kiosk, mobile), the lifecycle of DESIGN.md §4.4, and
the clock. Every write is one transaction; every transition is checked against role and scope
(403), state (409 invalid_transition) and version (409 stale_version), and recorded as an
immutable CaseEvent. The conditional UPDATE on `version` makes two staff acting at once safe on
SQLite and PostgreSQL alike: exactly one wins."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from dataclasses import dataclass, field
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, prefetch_related_objects
from django.utils import timezone

from yiwang.accounts.models import AccountKind, TrustLevel, User
from yiwang.accounts.services import clean_id_number, clean_uscc, id_number_hash, phone_hash
from yiwang.catalog import forms as catalog_forms
from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import MaterialForm
from yiwang.core import keys
from yiwang.core.errors import (
    DomainError,
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from yiwang.core.idempotency import run_idempotent
from yiwang.core.text import is_digits, reject_markup
from yiwang.evaluations.services import evaluation_invite
from yiwang.licenses import selectors as licenses
from yiwang.licenses.services import license_issue_all, license_use_record
from yiwang.organizations.models import Department, Region, Role
from yiwang.organizations.selectors import clerk_window_for_item, staff_scope
from yiwang.workdays import selectors as workdays

from . import clock, ledgering, numbers, tasks
from .materials import check_upload
from .models import (
    Case,
    CaseEvent,
    CaseLicenseRef,
    CaseMaterial,
    CaseParty,
    CaseRecord,
    Channel,
    ClockStop,
    Delivery,
    IdType,
    Notice,
    NoticeKind,
    PartyRole,
    Status,
    StopKind,
)

APPLICANT = "applicant"
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
OPEN_STATUSES = {Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.ACCEPTED, Status.REVIEWED}
RUNNING = {Status.ACCEPTED, Status.REVIEWED}
SUPPLEMENT_NOTICE_DAYS = clock.SUPPLEMENT_NOTICE_DAYS  # §32: one notice within 5 working days
EXTENSION_DAYS = 10  # 行政许可法 §42
SPECIAL_PROCEDURES = {
    "hearing": "听证",
    "tender": "招标",
    "auction": "拍卖",
    "inspection": "检验",
    "testing": "检测",
    "quarantine": "检疫",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
    "public_notice": "公示",
    "site_inspection": "现场核查",
}
REMEDY = "如不服本决定，可以自收到本决定之日起六十日内依法申请行政复议，或者自收到本决定之日起六个月内依法向人民法院提起行政诉讼。"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str | None  # None: status unchanged (clock actions) or computed (return)
    roles: frozenset[str]
    notice: str | None = None
    required: tuple[str, ...] = field(default=())


def _rule(sources, target, roles, notice=None, required=()):
    return Rule(frozenset(sources), target, frozenset(roles), notice, tuple(required))


S = Status
RULES: dict[str, Rule] = {
    "submit": _rule({S.DRAFT}, S.SUBMITTED, {APPLICANT}, NoticeKind.RECEIPT),
    "accept": _rule({S.SUBMITTED}, S.ACCEPTED, {Role.CLERK}, NoticeKind.ACCEPTANCE),
    "refuse": _rule({S.SUBMITTED}, S.REFUSED, {Role.CLERK}, NoticeKind.REFUSAL, ["reason"]),
    "request_supplement": _rule(
        {S.SUBMITTED}, S.SUPPLEMENT_REQUESTED, {Role.CLERK}, NoticeKind.SUPPLEMENT, ["missing"]
    ),
    "supplement": _rule({S.SUPPLEMENT_REQUESTED}, S.SUBMITTED, {APPLICANT}),
    "review": _rule({S.ACCEPTED}, S.REVIEWED, {Role.REVIEWER}),
    "return": _rule({S.ACCEPTED, S.REVIEWED}, None, {Role.REVIEWER, Role.APPROVER}, None, ["reason"]),
    "approve": _rule({S.REVIEWED, S.ACCEPTED}, S.APPROVED, {Role.APPROVER, Role.CLERK}, NoticeKind.APPROVAL),
    "deny": _rule(
        {S.REVIEWED, S.ACCEPTED}, S.DENIED, {Role.APPROVER, Role.CLERK}, NoticeKind.DENIAL, ["reason"]
    ),
    "complete": _rule(
        {S.APPROVED, S.DENIED}, S.COMPLETED, {Role.APPROVER, Role.CLERK}, NoticeKind.COMPLETION, ["delivery"]
    ),
    "transfer": _rule(
        {S.ACCEPTED, S.REVIEWED}, S.ACCEPTED, {Role.REVIEWER, Role.DEPT_ADMIN}, None, ["department", "reason"]
    ),
    "extend": _rule(RUNNING, None, {Role.APPROVER}, NoticeKind.EXTENSION, ["reason"]),
    "start_special_procedure": _rule(
        RUNNING, None, {Role.REVIEWER, Role.APPROVER}, NoticeKind.SPECIAL_PROCEDURE, ["kind", "basis"]
    ),
    "end_special_procedure": _rule(RUNNING, None, {Role.REVIEWER, Role.APPROVER}),
    "suspend": _rule(RUNNING, None, {Role.REVIEWER, Role.APPROVER}, None, ["reason"]),
    "resume": _rule(RUNNING, None, {Role.REVIEWER, Role.APPROVER}),
    "withdraw": _rule(OPEN_STATUSES, S.WITHDRAWN, {APPLICANT}),
}
ACTION_LABELS = {
    "create": "创建",
    "save_draft": "暂存",
    "submit": "提交申请",
    "accept": "受理",
    "refuse": "不予受理",
    "request_supplement": "补齐补正告知",
    "supplement": "补正材料",
    "review": "审核通过",
    "return": "退回",
    "approve": "准予许可",
    "deny": "不予许可",
    "complete": "办结",
    "transfer": "转办",
    "extend": "延长办理期限",
    "start_special_procedure": "启动特别程序",
    "end_special_procedure": "结束特别程序",
    "suspend": "挂起",
    "resume": "恢复办理",
    "withdraw": "撤回申请",
    "add_material": "上传材料",
    "deemed_accepted": "视为受理",
    "moved": "机构调整移交",
    "release": "前置事项办结，自动提交",
    "stop": "终止办理",
}


def today() -> date:
    return timezone.localdate()


# --- who is acting ---------------------------------------------------------------------------------
def is_applicant(*, actor: User, case: Case) -> bool:
    if actor.pk == case.owner_id:
        return True
    return actor.pk == case.filed_by_id and actor.kind != AccountKind.STAFF


def acting_roles(*, actor: User, case: Case) -> set[str]:
    """The roles `actor` holds *on this case* (scope applied)."""
    roles: set[str] = set()
    if is_applicant(actor=actor, case=case):
        roles.add(APPLICANT)
    if actor.kind != AccountKind.STAFF or case.status == Status.DRAFT:
        return roles  # a draft is the applicant's own until submitted
    scope = staff_scope(actor)
    halls = None if case.hall_id is None else {case.hall_id}
    if Role.CLERK in scope.roles and clerk_window_for_item(user=actor, item=case.item, hall_ids=halls):
        roles.add(Role.CLERK)
    region_path = case.region.path
    for role, dept_id, path in scope.department_roles:
        if dept_id == case.department_id and region_path.startswith(path):
            roles.add(role)
    return roles


def _check_role(*, action: str, rule: Rule, roles: set[str], case: Case) -> str:
    allowed = set(rule.roles)
    if action in {"approve", "deny", "complete"} and not case.item_version.is_immediate:
        allowed.discard(Role.CLERK)  # a clerk decides only 即办件, on the spot
    granted = roles & allowed
    if not granted:
        raise PermissionDenied("您没有办理此操作的权限", code="forbidden")
    for preferred in (APPLICANT, Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPT_ADMIN):
        if preferred in granted:
            return preferred
    return sorted(granted)[0]


# --- submission -----------------------------------------------------------------------------------
def applicant_account(*, actor: User, channel: str, parties: dict) -> User:
    """Resolve who applies. Online, mobile and kiosk: always the logged-in person or company —
    filing in someone else's name needs their written authorisation, which only a window can check
    (the clerk records the agent as a party). Window: the clerk identifies the applicant on the
    spot (`parties.applicant` required); an account is found or opened for them."""
    given = parties.get("applicant")
    if channel == Channel.WINDOW:
        if not given:
            raise ValidationFailed(fields={"parties.applicant": ["窗口收件须录入申请人身份信息"]})
        return _window_principal(_clean_party(given, prefix="parties.applicant"))
    if actor.kind == AccountKind.STAFF:
        raise PermissionDenied("工作人员账号不能以网上渠道代替申请人提交，请使用窗口收件", code="forbidden")
    if given and not _is_same_party(actor, given):
        raise PermissionDenied(
            "网上申请只能以本人或本单位名义提交；代他人办理请携授权委托书到窗口办理",
            code="agent_not_authorised",
        )
    return actor


def _is_same_party(user: User, given: dict) -> bool:
    if given.get("uscc"):
        return (
            user.kind == AccountKind.LEGAL
            and clean_uscc(given["uscc"], field="parties.applicant.uscc") == user.uscc
        )
    number = clean_id_number(given.get("id_number") or "", field="parties.applicant.id_number")
    return (
        user.kind == AccountKind.PERSON
        and bool(user.id_number_hash)
        and id_number_hash(number) == user.id_number_hash
    )


def _clean_party(p: object, *, prefix: str) -> dict:
    """A party as typed by a clerk or an API client: a name, an ID number or credit code, a phone."""
    if not isinstance(p, dict):
        raise ValidationFailed(fields={prefix: ["应为对象"]})
    name, phone = p.get("name"), p.get("phone") or ""
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed(fields={f"{prefix}.name": ["请填写姓名或名称"]})
    if len(name.strip()) > 200:
        raise ValidationFailed(fields={f"{prefix}.name": ["姓名或名称过长（最多200个字符）"]})
    reject_markup(field=f"{prefix}.name", value=name)
    if not isinstance(phone, str) or (phone and not PHONE_RE.match(phone)):
        raise ValidationFailed(fields={f"{prefix}.phone": ["联系电话应为11位手机号码"]})
    out = {"name": name.strip(), "phone": phone}
    if p.get("uscc"):
        out["uscc"] = clean_uscc(str(p["uscc"]), field=f"{prefix}.uscc")
    else:
        out["id_number"] = clean_id_number(str(p.get("id_number") or ""), field=f"{prefix}.id_number")
    return out


def _window_principal(given: dict) -> User:
    """The applicant a clerk identified in person: their account, or a new one (no password; they
    can claim it by registering online with the same ID number later)."""
    if "uscc" in given:
        lookup, defaults = (
            {"uscc": given["uscc"]},
            {
                "username": f"legal-{given['uscc']}",
                "kind": AccountKind.LEGAL,
                "display_name": given["name"],
                "trust_level": TrustLevel.VERIFIED,  # the clerk checked the business licence
            },
        )
    else:
        digest = id_number_hash(given["id_number"])
        lookup, defaults = (
            {"id_number_hash": digest},
            {
                "username": f"p-{digest[:20]}",
                "kind": AccountKind.PERSON,
                "display_name": given["name"],
                "id_number": given["id_number"],
                "phone": given["phone"],
                "phone_hash": phone_hash(given["phone"]),
                "trust_level": TrustLevel.CERTIFICATE,  # identified in person
            },
        )
    user = User.objects.filter(**lookup).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(**lookup, **defaults)
                user.set_unusable_password()
                user.save()
        except IntegrityError:  # opened at the same moment by another window
            user = User.objects.get(**lookup)
    if user.kind == AccountKind.PERSON and user.trust_level < TrustLevel.CERTIFICATE:
        User.objects.filter(pk=user.pk).update(trust_level=TrustLevel.CERTIFICATE)
    return user


OTHER_PARTY_ROLES = (PartyRole.AGENT, PartyRole.LEGAL_REP, PartyRole.SUBJECT, PartyRole.RIGHTS_HOLDER)


def _other_parties(parties: dict) -> dict[str, dict]:
    """Validated parties besides the applicant, keyed by role."""
    unknown = set(parties) - {"applicant", *(r.value for r in OTHER_PARTY_ROLES)}
    if unknown:
        raise ValidationFailed(fields={f"parties.{r}": ["未知的当事人身份"] for r in sorted(unknown)})
    return {
        r.value: _clean_party(parties[r.value], prefix=f"parties.{r.value}")
        for r in OTHER_PARTY_ROLES
        if parties.get(r.value)
    }


def _party_row(
    *, case: Case, role: str, name: str, uscc: str = "", id_number: str = "", phone: str = "", user=None
) -> CaseParty:
    if uscc:
        return CaseParty(
            case=case,
            role=role,
            name=name,
            id_type=IdType.USCC,
            id_number=uscc,
            id_hash=keys.lookup_hash(uscc, kind="uscc"),
            user=user,
        )
    return CaseParty(
        case=case,
        role=role,
        name=name,
        id_type=IdType.RIC,
        id_number=id_number,
        id_hash=id_number_hash(id_number),
        phone=phone,
        user=user,
    )


def _party_rows(*, case: Case, owner: User, extra: dict[str, dict]) -> list[CaseParty]:
    if owner.kind == AccountKind.LEGAL:
        rows = [_party_row(case=case, role=PartyRole.APPLICANT, name=str(owner), uscc=owner.uscc, user=owner)]
    else:
        rows = [
            _party_row(
                case=case,
                role=PartyRole.APPLICANT,
                name=str(owner),
                id_number=owner.id_number,
                phone=owner.phone,
                user=owner,
            )
        ]
    return rows + [_party_row(case=case, role=role, **p) for role, p in extra.items()]


def form_protect(form: dict) -> dict:
    """Encrypt the sensitive elements of a form for storage."""
    sensitive = catalog.sensitive_element_ids(form.keys())
    return {
        k: (keys.encrypt(str(v), context=k) if k in sensitive and v not in (None, "") else v)
        for k, v in form.items()
    }


def form_reveal(stored: dict) -> dict:
    """Decrypt the sensitive elements (only those: a plain value that merely looks like a token
    stays what it is)."""
    sensitive = catalog.sensitive_element_ids(stored.keys())
    return {
        k: (keys.decrypt(v, context=k) if k in sensitive and keys.is_encrypted(v) else v)
        for k, v in stored.items()
    }


@dataclass(frozen=True)
class Upload:
    """A material checked in full (known to the item, real type sniffed, size) before anything
    is written."""

    code: str
    name: str
    data: bytes
    content_type: str
    sha256: str


def _check_material(*, version, code: str, name: str, data: bytes) -> Upload:
    if code not in {m.code for m in version.materials.all()}:
        raise ValidationFailed(fields={f"materials.{code}": ["本事项不需要该材料"]})
    content_type, digest = check_upload(field=f"materials.{code}", name=name, data=data)
    return Upload(code=code, name=name[:200], data=data, content_type=content_type, sha256=digest)


def _decode_materials(materials: list[dict], *, version) -> list[Upload]:
    out = []
    for i, m in enumerate(materials or []):
        code, name = str(m.get("code") or "").strip(), str(m.get("name") or "").strip()
        if not code:
            raise ValidationFailed(fields={f"materials.{i}.code": ["请指明材料编码"]})
        try:
            data = base64.b64decode(m.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise ValidationFailed(
                fields={f"materials.{i}.content_base64": ["文件内容须为base64编码"]}
            ) from exc
        out.append(_check_material(version=version, code=code, name=name or code, data=data))
    return out


def _store(*, case: Case, actor: User, uploads: list[Upload]) -> list[CaseMaterial]:
    """Write checked uploads through Django's storage API (local files embedded, S3-compatible
    storage in production) and their rows. If anything fails before the transaction ends, the
    files written so far are removed again."""
    rows, written = [], []
    try:
        for u in uploads:
            ext = u.name.rsplit(".", 1)[-1].lower() if "." in u.name else "bin"
            row = CaseMaterial(
                case=case,
                material_code=u.code,
                original_name=u.name,
                content_type=u.content_type,
                size=len(u.data),
                sha256=u.sha256,
                uploaded_by=actor,
            )
            row.file.save(f"{case.number}-{u.sha256[:16]}.{ext}", ContentFile(u.data), save=False)
            written.append(row.file.name)
            row.save()
            rows.append(row)
    except Exception:
        for name in written:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise
    return rows


@transaction.atomic
def case_submit(
    *,
    actor: User,
    item_code: str,
    form: dict,
    channel: str,
    parties: dict | None = None,
    materials: list[dict] | None = None,
    draft: bool = False,
    on: date | None = None,
    item_version=None,
    license_refs: dict[str, str] | None = None,
    waiting_for: str = "",
) -> Case:
    """File an application (or save a draft). Validates the form against the item's schema,
    encrypts sensitive elements, records all parties, stores materials, and — unless a draft —
    issues the 收件清单 and starts the 5-working-day supplement window.

    A 一件事 bundle passes the `item_version` it pinned, `license_refs` {material code: licence
    identifier} for materials satisfied by e-licences (免提交), and for an item that needs another
    item's result a `waiting_for` reason (a held draft the system submits later, `case_release`)."""
    on = on or today()
    parties = parties or {}
    if channel not in Channel.values:
        raise ValidationFailed(fields={"channel": ["渠道取值应为 online、window、kiosk 或 mobile"]})
    if item_version is None:
        try:
            version = catalog.item_version_current(code=item_code, on=on)
        except DomainError as exc:
            raise ValidationFailed(fields={"item_code": ["事项不存在或未发布"]}) from exc
    else:  # pinned by a bundle: it must still be the version in force
        version = item_version
        current = catalog.current_version_ids(item_ids=[version.item_id], on=on).get(version.item_id)
        if current != version.pk:
            raise ValidationFailed(fields={"item_code": [f"“{version.name}”的办事指南已更新，请重新填写"]})
    prefetch_related_objects([version], "materials")  # read once for uploads and the check
    window = None
    if channel == Channel.WINDOW:
        window = clerk_window_for_item(user=actor, item=version.item)
        if window is None:
            raise PermissionDenied("您所在窗口不受理该事项", code="forbidden")
    if not isinstance(parties, dict):
        raise ValidationFailed(fields={"parties": ["应为对象"]})
    extra_parties = _other_parties(parties)
    owner = applicant_account(actor=actor, channel=channel, parties=parties)
    objects = set(version.service_objects or [])
    if objects:
        is_person = owner.kind == AccountKind.PERSON
        if is_person and "1" not in objects:
            raise ValidationFailed(
                fields={"parties.applicant": ["本事项的服务对象为法人或其他组织，自然人不能申请"]}
            )
        if not is_person and objects == {"1"}:
            raise ValidationFailed(fields={"parties.applicant": ["本事项的服务对象为自然人，法人不能申请"]})
    clean = catalog_forms.form_validate(item_version=version, form=form or {}, partial=draft)
    decoded = _decode_materials(materials or [], version=version)
    role = _filer_role(actor, channel)
    refs = _check_license_refs(license_refs or {}, version=version, owner=owner, on=on)
    if not draft:
        _require_materials(version=version, channel=channel, have={u.code for u in decoded} | set(refs))
    item = version.item
    region = item.department.region
    now = timezone.now()
    case = Case.objects.create(
        number=numbers.case_number(region_code=region.code, on=on),
        item=item,
        item_version=version,
        department=item.department,
        region=region,
        hall_id=window.hall_id if window else None,
        window=window,
        owner=owner,
        filed_by=actor,
        channel=channel,
        status=Status.DRAFT if draft else Status.SUBMITTED,
        version=1 if draft else 2,
        form=form_protect(clean),
        applicant_name=str(owner),
        submitted_at=None if draft else now,
        received_on=None if draft else on,
        waiting_for=waiting_for if draft else "",
    )
    CaseParty.objects.bulk_create(_party_rows(case=case, owner=owner, extra=extra_parties))
    files = _store(case=case, actor=actor, uploads=decoded)
    _attach_license_refs(case=case, actor=actor, refs=refs)
    if draft:
        _event(case=case, action="save_draft", frm="", to=Status.DRAFT, actor=actor, role=role, on=on)
        return case
    # A direct submission is a draft created and submitted at once: both events, one INSERT.
    events = CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                seq=1,
                action="create",
                from_status="",
                to_status=Status.DRAFT,
                actor=actor,
                actor_role=role,
                at=now,
            ),
            CaseEvent(
                case=case,
                seq=2,
                action="submit",
                from_status=Status.DRAFT,
                to_status=Status.SUBMITTED,
                actor=actor,
                actor_role=role,
                at=now,
            ),
        ]
    )
    ledgering.record_events(case, events)
    _notice(
        case=case, kind=NoticeKind.RECEIPT, on=on, data={"materials": [f.original_name for f in files]}, seq=1
    )
    transaction.on_commit(lambda: tasks.case_changed.delay(case_id=case.pk, action="submit"))
    return case


def _check_license_refs(refs: dict, *, version, owner: User, on: date) -> dict[str, object]:
    """免提交: each referenced licence must be of the material's licence type and usable by the
    applicant now (own, or authorised by its holder; valid signature, status and expiry)."""
    if not isinstance(refs, dict):
        raise ValidationFailed(fields={"license_refs": ["应为对象：材料编码 → 证照标识"]})
    by_code = {m.code: m for m in version.materials.all()}
    usable, errors = {}, {}
    for code, identifier in refs.items():
        material = by_code.get(code)
        if material is None or not material.license_type_code:
            errors[f"materials.{code}"] = ["该材料不能以电子证照代替"]
            continue
        try:
            usable[code] = licenses.license_reference_check(
                identifier=str(identifier),
                applicant=owner,
                type_code=material.license_type_code,
                on=on,
                item_code=version.item.code,
            )
        except ValidationFailed as exc:
            errors[f"materials.{code}"] = [f"{exc.message}，请上传{material.name}"]
    if errors:
        raise ValidationFailed(fields=errors)
    return usable


def _attach_license_refs(*, case: Case, actor: User, refs: dict) -> None:
    for code, use in refs.items():
        CaseLicenseRef.objects.create(case=case, material_code=code, license=use.license, via=use.via)
        license_use_record(
            license=use.license,
            user=actor,
            purpose=f"免提交：{case.item_version.name}",
            fields=[],
            case_number=case.number,
            authorisation=use.authorisation,
        )


def _reverify_license_refs(case: Case, *, on: date) -> None:
    """At acceptance the clerk's check: every licence the application relies on is still usable."""
    refs = {r.material_code: r.license.identifier for r in case.license_refs.select_related("license")}
    if refs:
        _check_license_refs(refs, version=case.item_version, owner=case.owner, on=on)


def _require_materials(*, version, channel: str, have: set[str]) -> None:
    """Online, mobile and kiosk submissions carry every required electronic material (a window
    checks paper on the spot; 容缺受理 items may lack a tolerable one)."""
    if channel == Channel.WINDOW:
        return
    missing = [
        m
        for m in version.materials.all()
        if m.required
        and m.material_form in (MaterialForm.ELECTRONIC, MaterialForm.BOTH)
        and m.code not in have
        and not (m.tolerable and version.tolerance_acceptance)
    ]
    if missing:
        raise ValidationFailed(fields={f"materials.{m.code}": [f"请上传{m.name}"] for m in missing})


def case_submit_once(
    *,
    key: str,
    scope: str,
    actor: User,
    item_code: str,
    form: dict,
    channel: str,
    parties: dict | None = None,
    materials: list[dict] | None = None,
    draft: bool = False,
) -> dict:
    """`case_submit` for pages: a form posted twice with the same token (a double click, a
    reload) files one case. Returns {"number", "draft"} of the first answer."""

    def handler():
        case = case_submit(
            actor=actor,
            item_code=item_code,
            form=form,
            channel=channel,
            parties=parties,
            materials=materials,
            draft=draft,
        )
        return 201, {"number": case.number, "draft": draft}

    body = {
        "item_code": item_code,
        "form": form,
        "channel": channel,
        "parties": parties or {},
        "draft": draft,
        "materials": [(m["code"], m["name"], len(m["content_base64"])) for m in materials or []],
    }
    return run_idempotent(owner=str(actor.pk), key=key, scope=scope, body=body, handler=handler)[1]


def _filer_role(actor: User, channel: str) -> str:
    return Role.CLERK if channel == Channel.WINDOW else APPLICANT


def _do_submit(
    *, case: Case, actor: User | None, role: str, on: date, note: str = "", action: str = "submit"
) -> Case:
    """A saved draft becomes a submission: materials and the whole form are checked again."""
    files = list(case.materials.all())
    have = {f.material_code for f in files} | set(case.license_refs.values_list("material_code", flat=True))
    _require_materials(version=case.item_version, channel=case.channel, have=have)
    revealed = form_reveal(case.form)
    clean = catalog_forms.form_validate(item_version=case.item_version, form=revealed, partial=False)
    update = {
        "submitted_at": timezone.now(),
        "received_on": on,
        "form": form_protect(clean),
        "waiting_for": "",
    }
    case = _transition(
        case=case,
        action=action,
        to=Status.SUBMITTED,
        actor=actor,
        role=role,
        version=case.version,
        note=note,
        on=on,
        fields=update,
    )
    _notice(case=case, kind=NoticeKind.RECEIPT, on=on, data={"materials": [f.original_name for f in files]})
    return case


@transaction.atomic
def case_release(*, case: Case, license_refs: dict[str, str] | None = None, on: date | None = None) -> Case:
    """A held 一件事 item whose inputs now exist: attach the licences that now satisfy its
    materials (免提交) and submit it for the applicant, as a system event. Idempotent: a case no
    longer held is returned unchanged."""
    on = on or today()
    case = Case.objects.select_related("item_version", "item", "owner").get(pk=case.pk)
    if case.status != Status.DRAFT or not case.waiting_for:
        return case
    prefetch_related_objects([case.item_version], "materials")
    refs = _check_license_refs(license_refs or {}, version=case.item_version, owner=case.owner, on=on)
    _attach_license_refs(case=case, actor=case.owner, refs=refs)
    return _do_submit(case=case, actor=None, role="system", on=on, note="前置事项已办结", action="release")


@transaction.atomic
def case_stop_held(*, case: Case, reason: str, on: date | None = None) -> Case:
    """A held 一件事 item whose input will never exist (the prior item was refused): it ends,
    with the reason, as a system event. Idempotent."""
    case = Case.objects.get(pk=case.pk)
    if case.status != Status.DRAFT or not case.waiting_for:
        return case
    return _transition(
        case=case,
        action="stop",
        to=Status.WITHDRAWN,
        actor=None,
        role="system",
        version=case.version,
        note=reason,
        on=on or today(),
        fields={"waiting_for": ""},
    )


@transaction.atomic
def case_update_draft(
    *,
    case: Case,
    actor: User,
    form: dict,
    version: int | None = None,
    materials: list[dict] | None = None,
    submit: bool = False,
    on: date | None = None,
) -> Case:
    """Save a draft's form and new files, and optionally submit it — all in one transaction and
    against the version the applicant edited (another tab's save gets 409 stale_version)."""
    if not is_applicant(actor=actor, case=case):
        raise PermissionDenied("只有申请人可以修改暂存的申请", code="forbidden")
    if case.status != Status.DRAFT:
        raise InvalidTransition("只有暂存状态的申请可以修改")
    if case.waiting_for:
        raise InvalidTransition(f"本事项{case.waiting_for}，申请内容已在一件事中提交，不能单独修改")
    if version is not None and version != case.version:
        raise StaleVersion()
    clean = catalog_forms.form_validate(item_version=case.item_version, form=form, partial=True)
    uploads = _decode_materials(materials or [], version=case.item_version)
    case.form = form_protect(clean)
    case = _transition(
        case=case,
        action="save_draft",
        to=Status.DRAFT,
        actor=actor,
        role=APPLICANT,
        version=case.version,
        fields={"form": case.form},
    )
    _store(case=case, actor=actor, uploads=uploads)
    if submit:
        case = _do_submit(case=case, actor=actor, role=APPLICANT, on=on or today())
    return case


@transaction.atomic
def case_material_add(
    *, case: Case, actor: User, code: str, name: str, data: bytes, version: int | None = None
) -> CaseMaterial:
    """One more file: the applicant while drafting or answering a supplement notice, a clerk
    scanning papers at the window before acceptance. Version-checked and recorded."""
    roles = acting_roles(actor=actor, case=case)
    allowed = {
        APPLICANT: {Status.DRAFT, Status.SUPPLEMENT_REQUESTED},
        Role.CLERK: {Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED},
    }
    if not roles & set(allowed):
        raise PermissionDenied("您不能为该办件上传材料", code="forbidden")
    role = APPLICANT if APPLICANT in roles else Role.CLERK
    if case.status not in allowed[role]:
        raise InvalidTransition("当前状态不能上传材料")
    if version is not None and version != case.version:
        raise StaleVersion()
    upload = _check_material(version=case.item_version, code=code, name=name, data=data)
    case = _transition(
        case=case,
        action="add_material",
        to=case.status,
        actor=actor,
        role=role,
        version=case.version,
        data={"material": code, "name": upload.name},
    )
    return _store(case=case, actor=actor, uploads=[upload])[0]


# --- transitions ------------------------------------------------------------------------------------
@dataclass
class Act:
    """One action being applied: who, to which case, on which day, with which fields."""

    case: Case
    actor: User
    action: str
    rule: Rule
    role: str
    note: str
    on: date
    fields: dict

    def go(self, *, to: str | None = None, data: dict | None = None, update: dict | None = None) -> Case:
        """Record the transition (status `to`, default: the rule's target or unchanged)."""
        target = to or self.rule.target or self.case.status
        self.case = _transition(
            case=self.case,
            action=self.action,
            to=target,
            actor=self.actor,
            role=self.role,
            version=self.case.version,
            note=self.note,
            on=self.on,
            data=data,
            fields=update,
        )
        return self.case

    def notice(self, kind: str | None = None, data: dict | None = None) -> None:
        _notice(case=self.case, kind=kind or self.rule.notice, on=self.on, data=data or {})

    @property
    def data(self) -> dict:
        return {k: v for k, v in self.fields.items() if v not in (None, "", [], {})}


@transaction.atomic
def case_apply_action(
    *,
    case: Case,
    actor: User,
    action: str,
    note: str = "",
    version: int | None = None,
    on: date | None = None,
    **fields,
) -> Case:
    """Apply one lifecycle action (API.md's list). Raises 403 / 409 / 422 per the contract."""
    on = on or today()
    rule, role = action_check(actor=actor, case=case, action=action, on=on, version=version)
    missing = {f: ["必填"] for f in rule.required if not str(fields.get(f) or "").strip()}
    if missing:
        raise ValidationFailed(fields=missing)
    note = (note or "").strip()
    for key, value in [("note", note), *((k, v) for k, v in fields.items() if isinstance(v, str))]:
        reject_markup(field=key, value=value)
    act = Act(
        case=case,
        actor=actor,
        action=action,
        rule=rule,
        role=role,
        note=note,
        on=on,
        fields=fields,
    )
    return _HANDLERS.get(action, _simple)(act)


def action_check(
    *, actor: User, case: Case, action: str, on: date | None = None, version: int | None = None
) -> tuple[Rule, str]:
    """May `actor` take `action` on `case` now? Role and scope (403), state and the rules of the
    lifecycle (409). Returns the rule and the role acted in; changes nothing. Pages use it to
    show only the actions possible now (cases.selectors.allowed_actions)."""
    rule = RULES.get(action)
    if rule is None:
        raise ValidationFailed(fields={"action": [f"未知的操作：{action}"]})
    roles = acting_roles(actor=actor, case=case)
    role = _check_role(action=action, rule=rule, roles=roles, case=case)
    if version is not None and version != case.version:
        raise StaleVersion()
    if case.status not in rule.sources:
        raise InvalidTransition(
            f"办件当前状态为“{case.get_status_display()}”，不能{ACTION_LABELS.get(action, action)}"
        )
    on = on or today()
    stopped = "办件计时暂停中（特别程序或挂起），请先结束"
    if action in {"approve", "deny"}:
        if case.status == Status.ACCEPTED and not case.item_version.is_immediate:
            raise InvalidTransition("承诺件须先经审核再作决定")
        if case.clock_stopped:
            raise InvalidTransition(stopped + "后再作决定")
    elif action == "return":
        if case.clock_stopped:
            raise InvalidTransition(stopped + "后再退回")
        if case.status == Status.REVIEWED:
            if Role.APPROVER not in roles:
                raise PermissionDenied("审核后的办件只能由审批人退回", code="forbidden")
            role = Role.APPROVER
    elif action in {"start_special_procedure", "suspend"} and case.clock_stopped:
        raise InvalidTransition("办件计时已暂停")
    elif action in {"end_special_procedure", "resume"}:
        kind = StopKind.SPECIAL_PROCEDURE if action == "end_special_procedure" else StopKind.SUSPENSION
        if not case.stops.filter(kind=kind, ended_on__isnull=True).exists():
            raise InvalidTransition(
                "没有进行中的特别程序" if kind == StopKind.SPECIAL_PROCEDURE else "办件未挂起"
            )
    elif action == "submit" and case.waiting_for:
        raise InvalidTransition(f"本事项{case.waiting_for}，届时由系统自动提交")
    elif action == "extend" and case.extension_days:
        raise InvalidTransition("办理期限只能延长一次")
    elif action == "request_supplement":
        if case.supplement_requested_on:
            raise InvalidTransition("补齐补正应一次性告知，本件已告知过")
        deadline = workdays.add_workdays(case.received_on, SUPPLEMENT_NOTICE_DAYS).date
        if on > deadline:
            raise InvalidTransition(
                f"已超过收件后{SUPPLEMENT_NOTICE_DAYS}个工作日的补正告知期限（{deadline:%Y-%m-%d}），"
                "依法视为自收件之日起受理，请直接受理"
            )
    elif action == "refuse" and clock.deemed_acceptance(case, today=on):
        raise InvalidTransition(
            f"收件后{SUPPLEMENT_NOTICE_DAYS}个工作日内未作处理，依法视为自收件之日起受理，不能再不予受理"
        )
    return rule, role


def _simple(a: Act) -> Case:
    a.go(data=a.data)
    if a.rule.notice:
        a.notice(data={"note": a.note, **a.data})
    return a.case


def _submit(a: Act) -> Case:
    return _do_submit(case=a.case, actor=a.actor, role=a.role, on=a.on, note=a.note)


def _accept(a: Act) -> Case:
    case, on = a.case, a.on
    _reverify_license_refs(case, on=on)
    if case.accepted_on:  # accepted before and sent back to the window: the clock goes on as it was
        accepted_on, limit = case.accepted_on, case.limit_days
        update = _recomputed(case, today_=on)
    else:
        accepted_on = clock.deemed_acceptance(case, today=on) or on
        limit = case.item_version.promised_limit_days
        due, provisional = clock.due_date_for(
            accepted_on=accepted_on, limit_days=limit, extension_days=0, stops=[], today=on
        )
        update = {
            "accepted_on": accepted_on,
            "limit_days": limit,
            "due_date": due,
            "due_date_provisional": provisional,
        }
    due = update["due_date"]
    if case.hall_id is None:
        window = clerk_window_for_item(user=a.actor, item=case.item)
        if window is not None:
            update.update(window_id=window.pk, hall_id=window.hall_id)
    data = {"accepted_on": accepted_on.isoformat(), "due_date": due.isoformat()}
    if accepted_on != on:
        data["deemed_accepted_on_receipt"] = True
    a.go(data=data, update=update)
    a.notice(data={"accepted_on": accepted_on.isoformat(), "due_date": due.isoformat(), "limit_days": limit})
    return a.case


def _request_supplement(a: Act) -> Case:
    if isinstance(a.fields.get("missing"), str):
        a.fields["missing"] = [a.fields["missing"]]
    a.go(data=a.data, update={"supplement_requested_on": a.on})
    a.notice(data={"note": a.note, **a.data})
    return a.case


def _supplement(a: Act) -> Case:
    update = {"received_on": a.on}
    form = a.fields.get("form")
    if form:
        merged = {**form_reveal(a.case.form), **form}
        update["form"] = form_protect(
            catalog_forms.form_validate(item_version=a.case.item_version, form=merged)
        )
    _store(
        case=a.case,
        actor=a.actor,
        uploads=_decode_materials(a.fields.get("materials") or [], version=a.case.item_version),
    )
    return a.go(update=update)


def _return(a: Act) -> Case:
    back = Status.ACCEPTED if a.case.status == Status.REVIEWED else Status.SUBMITTED
    return a.go(to=back, data=a.data)


def _decide(a: Act) -> Case:
    data = {**a.data, **({"remedy": REMEDY} if a.action == "deny" else {})}
    a.go(data=data, update={"decision": a.action})
    a.notice(data={"note": a.note, **data})
    return a.case


def _complete(a: Act) -> Case:
    delivery = a.fields.get("delivery")
    if delivery not in Delivery.values:
        raise ValidationFailed(fields={"delivery": ["送达方式应为 window、post 或 electronic"]})
    a.go(data={"delivery": delivery}, update={"delivery": delivery, "completed_at": timezone.now()})
    # 电子证照: an approved case whose result is a licence gets it signed in this same transaction
    issued = (
        license_issue_all(
            case=a.case,
            holder=a.case.parties.filter(role=PartyRole.APPLICANT).first(),
            form=form_reveal(a.case.form or {}),
        )
        if a.case.decision == "approve"
        else []
    )
    a.notice(
        data={
            "delivery": delivery,
            "decision": a.case.decision,
            "licenses": [lic.identifier for lic in issued],
        }
    )
    case = a.case
    transaction.on_commit(lambda: evaluation_invite(case=case))  # 好差评: invite the applicant to rate
    return case


def _transfer(a: Act) -> Case:
    ref = str(a.fields.get("department", ""))
    depts = Department.objects.valid_on(a.on)
    target = (
        depts.filter(pk=int(ref)).first() if is_digits(ref) and len(ref) <= 18 else None
    ) or depts.filter(uscc=ref).first()
    if target is None:
        raise ValidationFailed(fields={"department": ["转办部门不存在或已撤销"]})
    if target.pk == a.case.department_id:
        raise ValidationFailed(fields={"department": ["不能转办给本部门"]})
    data = {
        "from_department": a.case.department.name,
        "to_department": target.name,
        "reason": a.fields.get("reason"),
    }
    return a.go(data=data, update={"department_id": target.pk, "region_id": target.region_id})


def _recomputed(case: Case, *, extension_days: int | None = None, today_: date) -> dict:
    ext = case.extension_days if extension_days is None else extension_days
    due, provisional = clock.due_date_for(
        accepted_on=case.accepted_on,
        limit_days=case.limit_days or 0,
        extension_days=ext,
        stops=list(case.stops.all()),
        today=today_,
    )
    return {"due_date": due, "due_date_provisional": provisional}


def _extend(a: Act) -> Case:
    update = {
        "extension_days": EXTENSION_DAYS,
        **_recomputed(a.case, extension_days=EXTENSION_DAYS, today_=a.on),
    }
    data = {"reason": a.fields["reason"], "days": EXTENSION_DAYS, "due_date": update["due_date"].isoformat()}
    a.go(data=data, update=update)
    a.notice(data=data)
    return a.case


def _stop(a: Act) -> Case:
    special = a.action == "start_special_procedure"
    kind = a.fields.get("kind")
    if special and kind not in SPECIAL_PROCEDURES:
        choices = "、".join(f"{k}（{v}）" for k, v in SPECIAL_PROCEDURES.items())
        raise ValidationFailed(fields={"kind": ["特别程序种类应为：" + choices]})
    ClockStop.objects.create(
        case=a.case,
        kind=StopKind.SPECIAL_PROCEDURE if special else StopKind.SUSPENSION,
        procedure=kind if special else "",
        legal_basis=a.fields.get("basis", "") if special else "",
        reason=a.fields.get("reason", "") or a.note,
        started_on=a.on,
    )
    if special:
        data = {"kind": kind, "kind_label": SPECIAL_PROCEDURES[kind], "basis": a.fields.get("basis")}
    else:
        data = {"reason": a.fields.get("reason")}
    a.go(data=data, update={"clock_stopped": True})
    if special:
        a.notice(data=data)
    return a.case


def _restart(a: Act) -> Case:
    kind = StopKind.SPECIAL_PROCEDURE if a.action == "end_special_procedure" else StopKind.SUSPENSION
    stop = a.case.stops.filter(kind=kind, ended_on__isnull=True).first()
    if stop is None:
        raise InvalidTransition(
            "没有进行中的特别程序" if kind == StopKind.SPECIAL_PROCEDURE else "办件未挂起"
        )
    ClockStop.objects.filter(pk=stop.pk).update(ended_on=a.on)
    update = {"clock_stopped": False, **_recomputed(a.case, today_=a.on)}
    stopped = workdays.workdays_between(stop.started_on, a.on) if a.on > stop.started_on else 0
    return a.go(data={"stopped_workdays": stopped, "due_date": update["due_date"].isoformat()}, update=update)


def _withdraw(a: Act) -> Case:
    ClockStop.objects.filter(case=a.case, ended_on__isnull=True).update(ended_on=a.on)
    return a.go(update={"clock_stopped": False})


_HANDLERS = {
    "submit": _submit,
    "accept": _accept,
    "request_supplement": _request_supplement,
    "supplement": _supplement,
    "return": _return,
    "approve": _decide,
    "deny": _decide,
    "complete": _complete,
    "transfer": _transfer,
    "extend": _extend,
    "start_special_procedure": _stop,
    "suspend": _stop,
    "end_special_procedure": _restart,
    "resume": _restart,
    "withdraw": _withdraw,
}


def _transition(
    *,
    case: Case,
    action: str,
    to: str,
    actor: User | None,
    role: str,
    version: int,
    note: str = "",
    on: date | None = None,
    data: dict | None = None,
    fields: dict | None = None,
) -> Case:
    """The one place a case changes: a conditional UPDATE on `version` (exactly one concurrent
    writer wins, the other gets 409 stale_version), then the immutable event."""
    fields = fields or {}
    frm = case.status
    updated = Case.objects.filter(pk=case.pk, version=version).update(
        status=to, version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        raise StaleVersion()
    # Mirror the UPDATE on the instance instead of re-reading it (keeps related objects cached).
    case.status, case.version = to, version + 1
    for name, value in fields.items():
        setattr(case, name, value)
    _event(case=case, action=action, frm=frm, to=to, actor=actor, role=role, note=note, data=data, on=on)
    transaction.on_commit(lambda: tasks.case_changed.delay(case_id=case.pk, action=action))
    return case


def _event(
    *,
    case: Case,
    action: str,
    frm: str,
    to: str,
    actor,
    role: str,
    note: str = "",
    data: dict | None = None,
    on: date | None = None,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        seq=case.version,
        action=action,
        from_status=frm,
        to_status=to,
        actor=actor,
        actor_role=role,
        at=timezone.now(),
        note=note,
        data=data or {},
    )
    ledgering.record_events(case, [event])
    return event


def _notice(*, case: Case, kind: str, on: date, data: dict, seq: int | None = None) -> Notice:
    seq = seq or case.notices.count() + 1
    notice = Notice.objects.create(
        case=case,
        kind=kind,
        number=f"{case.number}-{seq:02d}",
        issued_at=timezone.now(),
        data={"on": on.isoformat(), **data},
    )
    ledgering.record_notice(case, notice)
    return notice


# --- bulk changes ---------------------------------------------------------------------------------
@transaction.atomic
def cases_recompute_due_dates(*, years: set[int], reason: str, on: date | None = None) -> int:
    """After a holiday notice is entered: recompute due dates of open accepted cases whose
    dates were provisional or fall in `years`; each changed case gets a record."""
    on = on or today()
    changed = 0
    candidates = Case.objects.filter(status__in=RUNNING, accepted_on__isnull=False).prefetch_related("stops")
    for case in candidates.iterator(chunk_size=500):
        touches = (
            case.due_date_provisional
            or case.accepted_on.year in years
            or (case.due_date and case.due_date.year in years)
        )
        if touches and _recompute_one(case, reason=reason, on=on):
            changed += 1
    return changed


def _recompute_one(case: Case, *, reason: str, on: date) -> bool:
    """Version-checked like every other write: if someone acted on the case meanwhile (an
    extension, a stop ending), re-read it and recompute from what they left."""
    for _ in range(5):
        new = _recomputed(case, today_=on)
        if new["due_date"] == case.due_date and new["due_date_provisional"] == case.due_date_provisional:
            return False
        if Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1, **new):
            CaseRecord.objects.create(
                case=case,
                kind="due_date_recomputed",
                note=f"{reason}：办结期限由{case.due_date:%Y-%m-%d}调整为{new['due_date']:%Y-%m-%d}",
                data={
                    "old": case.due_date.isoformat(),
                    "new": new["due_date"].isoformat(),
                    "was_provisional": case.due_date_provisional,
                    "provisional": new["due_date_provisional"],
                },
            )
            return True
        case = Case.objects.prefetch_related("stops").get(pk=case.pk)
        if case.status not in RUNNING:
            return False
    raise StaleVersion("办件变动频繁，办结期限重算未完成，请稍后重试")


def _move(*, qs, actor, note: str, update: dict, kind: str) -> int:
    moved = 0
    for case in qs.filter(status__in=OPEN_STATUSES | {Status.APPROVED, Status.DENIED}):
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1, **update)
        case.refresh_from_db()
        _event(
            case=case,
            action="moved",
            frm=case.status,
            to=case.status,
            actor=actor,
            role=Role.PLATFORM_ADMIN,
            note=note,
            data={"kind": kind},
        )
        moved += 1
    return moved


@transaction.atomic
def cases_move_department(*, source: Department, target: Department, actor, note: str) -> int:
    return _move(
        qs=Case.objects.filter(department=source),
        actor=actor,
        note=note,
        update={"department_id": target.pk, "region_id": target.region_id},
        kind="department",
    )


@transaction.atomic
def cases_move_region(*, source: Region, target: Region, actor, note: str) -> int:
    return _move(
        qs=Case.objects.filter(region=source),
        actor=actor,
        note=note,
        update={"region_id": target.pk},
        kind="region",
    )
