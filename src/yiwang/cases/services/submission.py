"""Filing an application: who applies (online, window, kiosk, mobile), the parties, the form
(sensitive elements encrypted), materials (checked in full before anything is written), drafts,
and a 一件事 bundle's held items released or stopped. Every write is one transaction; a draft
becomes a submission through the case workflow (cases.services.transitions)."""

from __future__ import annotations

import base64
import binascii
import contextlib
from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from yiwang.accounts.models import AccountKind, TrustLevel, User
from yiwang.accounts.services import clean_id_number, clean_uscc, id_number_hash, phone_hash
from yiwang.catalog import forms as catalog_forms
from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import CATALOG_REVISION, ItemVersion, MaterialForm
from yiwang.core import keys, rawinsert
from yiwang.core.errors import DomainError, InvalidTransition, PermissionDenied, ValidationFailed
from yiwang.core.idempotency import run_idempotent
from yiwang.core.identifiers import identifier_clean
from yiwang.core.text import reject_markup
from yiwang.organizations.models import ORGANIZATIONS_REVISION, Role
from yiwang.organizations.selectors import clerk_window_for_item
from yiwang.workdays.models import CALENDAR_REVISION

from .. import ledgering, numbers, tasks
from ..clock import today
from ..formdata import form_protect, form_reveal
from ..materials import check_upload
from ..models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseParty,
    Channel,
    IdType,
    NoticeKind,
    PartyRole,
    Status,
)
from ..rules import APPLICANT, acting_roles, is_applicant, workflow
from . import procedures
from .license_refs import _attach_license_refs, _check_license_refs
from .transitions import _event, _notice, _notice_new, _notice_write, _transition


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
    if not isinstance(phone, str):
        raise ValidationFailed(fields={f"{prefix}.phone": ["联系电话应为11位手机号码"]})
    if phone:
        phone = identifier_clean("phone", phone, field=f"{prefix}.phone")
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
                # the clerk saw the ID card, but a filing is no identity procedure: claimed online
                # later, the account must not carry level 5 from a typed number
                "trust_level": TrustLevel.VERIFIED,
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
    # An existing account's trust level is not changed by a filing (docs/security.md,
    # "Decisions"): it is raised only by the identity procedures, which keep their own records.
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
    *,
    case: Case,
    role: str,
    name: str,
    uscc: str = "",
    id_number: str = "",
    phone: str = "",
    user: User | None = None,
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


@dataclass(frozen=True)
class Upload:
    """A material checked in full (known to the item, real type sniffed, size) before anything
    is written."""

    code: str
    name: str
    data: bytes
    content_type: str
    sha256: str


def _check_material(*, version: ItemVersion, code: str, name: str, data: bytes) -> Upload:
    if code not in {m.code for m in version.materials.all()}:
        raise ValidationFailed(fields={f"materials.{code}": ["本事项不需要该材料"]})
    content_type, digest = check_upload(field=f"materials.{code}", name=name, data=data)
    return Upload(code=code, name=name[:200], data=data, content_type=content_type, sha256=digest)


def _decode_materials(materials: list[dict], *, version: ItemVersion) -> list[Upload]:
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
        # the files first, then their rows in one INSERT
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
            rows.append(row)
        rawinsert.insert(rows)
    except Exception:
        for name in written:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise
    return rows


# The shared revisions a submission and its answer read — the catalogue's for the current guide,
# the calendar's for the due date: read together once around both (core.revisions.tokens_read_once;
# a submission writes none of the tables behind them).
SUBMISSION_REVISIONS = (CATALOG_REVISION, ORGANIZATIONS_REVISION, CALENDAR_REVISION)


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
    item_version: ItemVersion | None = None,
    license_refs: dict[str, str] | None = None,
    waiting_for: str = "",
    route: str = "ordinary",
    commitment_accepted: bool = False,
    electronic_delivery: bool = False,
    savepoint: bool = True,
) -> Case:
    """File an application (or save a draft). Validates the form against the item's schema,
    encrypts sensitive elements, records all parties, stores materials, and — unless a draft —
    issues the 收件清单 and starts the 5-working-day supplement window.

    A 一件事 bundle passes the `item_version` it pinned, `license_refs` {material code: licence
    identifier} for materials satisfied by e-licences (免提交), and for an item that needs another
    item's result a `waiting_for` reason (a held draft the system submits later, `case_release`).

    告知承诺制: `route="commitment"` on an item that offers it, with `commitment_accepted`; the
    materials the commitment replaces are then not required (cases/services/procedures.py).
    `electronic_delivery` records the applicant's consent to receive notices electronically
    (电子送达), with its time.

    One transaction; inside a caller's transaction a savepoint, so a refused submission leaves the
    caller's transaction usable. `savepoint=False` is for a caller whose own transaction block
    fails with it anyway (the API and pages inside `core.idempotency.run_idempotent`'s
    transaction, where a refusal rolls back the key too): two round trips fewer (SAVEPOINT,
    RELEASE) on the busiest write. Outside any transaction no savepoint is made either way."""
    with transaction.atomic(savepoint=savepoint):
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
                raise ValidationFailed(
                    fields={"item_code": [f"“{version.name}”的办事指南已更新，请重新填写"]}
                )
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
        route = procedures.route_check(
            version=version, route=route, accepted=commitment_accepted, owner=owner
        )
        objects = set(version.service_objects or [])
        if objects:
            is_person = owner.kind == AccountKind.PERSON
            if is_person and "1" not in objects:
                raise ValidationFailed(
                    fields={"parties.applicant": ["本事项的服务对象为法人或其他组织，自然人不能申请"]}
                )
            if not is_person and objects == {"1"}:
                raise ValidationFailed(
                    fields={"parties.applicant": ["本事项的服务对象为自然人，法人不能申请"]}
                )
        clean = catalog_forms.form_validate(item_version=version, form=form or {}, partial=draft)
        _applicant_is_owner(clean, owner=owner, channel=channel)
        decoded = _decode_materials(materials or [], version=version)
        role = _filer_role(actor, channel)
        refs = _check_license_refs(license_refs or {}, version=version, owner=owner, on=on)
        if not draft:
            have = {u.code for u in decoded} | set(refs) | procedures.replaced_codes(version, route)
            _require_materials(version=version, channel=channel, have=have)
        item = version.item
        region = item.department.region
        now = timezone.now()
        # the rows of a submission are written by plain INSERTs (core.rawinsert: the ORM's compilation
        # of six INSERTs cost more than the statements; same values, no signals, none listened to)
        case = Case(
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
            route=route,
            electronic_delivery=bool(electronic_delivery),
            electronic_delivery_consented_at=now if electronic_delivery else None,
        )
        rawinsert.insert([case])
        parties_written = rawinsert.insert(_party_rows(case=case, owner=owner, extra=extra_parties))
        files = _store(case=case, actor=actor, uploads=decoded)
        _attach_license_refs(case=case, actor=actor, refs=refs)
        # the 承诺书 accepted is stored with the case; its hash is in the first event's ledger entry
        promised = procedures.commitment_store(case=case) if route == "commitment" else {}
        if draft:
            _event(
                case=case,
                action="save_draft",
                frm="",
                to=Status.DRAFT,
                actor=actor,
                role=role,
                on=on,
                data=promised,
            )
            return case
        # A direct submission is a draft created and submitted at once: both events, one INSERT,
        # each already naming its ledger entry (appended first).
        events = [
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
                data=promised,
            ),
        ]
        receipt = _notice_new(
            case=case,
            kind=NoticeKind.RECEIPT,
            on=on,
            data={"materials": [f.original_name for f in files]},
            seq=1,
        )
        ledgering.record(case, events=events, notices=[receipt])  # the three entries: one INSERT
        events = rawinsert.insert(events)
        # the rows just written, for the caller's answer (cases.api builds the 201 from them instead
        # of reading them back)
        case.written_rows = {"events": events, "parties": parties_written}
        _notice_write(case=case, notice=receipt, seal=False)
        # one task after commit (one broker publish): the followers are told and the receipt sealed
        tasks.case_changed_on_commit(case_id=case.pk, action="submit", notice_ids=[receipt.pk])
        return case


def _require_materials(*, version: ItemVersion, channel: str, have: set[str]) -> None:
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
    route: str = "ordinary",
    commitment_accepted: bool = False,
    electronic_delivery: bool = False,
) -> dict:
    """`case_submit` for pages: a form posted twice with the same token (a double click, a
    reload) files one case. Returns {"number", "draft"} of the first answer."""

    def handler():
        case = case_submit(
            savepoint=not key,  # with a key, inside run_idempotent's transaction (rolled back whole)
            actor=actor,
            item_code=item_code,
            form=form,
            channel=channel,
            parties=parties,
            materials=materials,
            draft=draft,
            route=route,
            commitment_accepted=commitment_accepted,
            electronic_delivery=electronic_delivery,
        )
        return 201, {"number": case.number, "draft": draft}

    body = {
        "item_code": item_code,
        "form": form,
        "channel": channel,
        "parties": parties or {},
        "draft": draft,
        "route": route,
        "electronic_delivery": electronic_delivery,
        "materials": [(m["code"], m["name"], len(m["content_base64"])) for m in materials or []],
    }
    return run_idempotent(owner=str(actor.pk), key=key, scope=scope, body=body, handler=handler)[1]


def _applicant_is_owner(clean: dict, *, owner: User, channel: str) -> None:
    """Online, mobile and kiosk, the applicant named in the form is the logged-in account itself
    (docs/security.md, "Decisions"): filing in another person's name needs their written
    authorisation, which only a window checks (the clerk records the agent as a party)."""
    if channel == Channel.WINDOW:
        return
    named = clean.get("applicant.id_number")
    if named and owner.kind == AccountKind.PERSON and named != owner.id_number:
        raise ValidationFailed(
            fields={"applicant.id_number": ["网上申请只能以本人名义提交；代他人办理请持授权委托书到窗口办理"]}
        )
    named = clean.get("applicant.uscc") or clean.get("enterprise.uscc")
    if named and owner.kind == AccountKind.LEGAL and named != owner.uscc:
        field = "applicant.uscc" if clean.get("applicant.uscc") else "enterprise.uscc"
        raise ValidationFailed(fields={field: ["网上申请只能以本单位名义提交"]})


def _filer_role(actor: User, channel: str) -> str:
    return Role.CLERK if channel == Channel.WINDOW else APPLICANT


def _do_submit(
    *, case: Case, actor: User | None, role: str, on: date, note: str = "", action: str = "submit"
) -> Case:
    """A saved draft becomes a submission: materials and the whole form are checked again."""
    files = list(case.materials.all())
    have = {f.material_code for f in files} | set(case.license_refs.values_list("material_code", flat=True))
    have |= procedures.replaced_codes(case.item_version, case.route)
    _require_materials(version=case.item_version, channel=case.channel, have=have)
    revealed = form_reveal(case.form)
    clean = catalog_forms.form_validate(item_version=case.item_version, form=revealed, partial=False)
    _applicant_is_owner(clean, owner=case.owner, channel=case.channel)
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
    workflow.ensure_version(case, version)
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
    workflow.ensure_version(case, version)
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
