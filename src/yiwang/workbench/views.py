"""Staff workbench pages: the queue, the case page with only the actions allowed now, and window
intake. Thin views over cases.services / cases.selectors; every rule is checked there."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from yiwang.accounts.decorators import staff_required
from yiwang.cases import presenters, selectors, services
from yiwang.cases.models import Delivery, Status
from yiwang.cases.pages import case_context, case_or_404
from yiwang.cases.special_procedures import declared_procedures
from yiwang.catalog import formspec
from yiwang.catalog import selectors as catalog
from yiwang.catalog.formspec import apply_context
from yiwang.catalog.models import ItemVersion
from yiwang.core.errors import DomainError, NotFound, StaleVersion
from yiwang.core.masking import mask
from yiwang.core.pagination import CappedPaginator
from yiwang.docking.selectors_systems import docked_case
from yiwang.federation.selectors import case_federation
from yiwang.identity import selectors as identity_selectors
from yiwang.identity import services as identity_services
from yiwang.organizations.models import Role
from yiwang.organizations.selectors import staff_scope
from yiwang.workdays import selectors as workdays

from . import selectors as workbench

STALE_MESSAGE = "该办件已被他人处理，请刷新后重试"

# Which inputs each action's small form carries (besides `version` and `action`).
ACTION_FIELDS: dict[str, list[str]] = {
    "accept": ["tolerated", "note"],
    "refuse": ["reason", "competent_agency"],
    "request_supplement": ["missing", "note"],
    "review": ["note"],
    "return": ["reason"],
    "approve": ["note"],
    "deny": ["reason"],
    "complete": ["delivery", "note"],
    "transfer": ["department", "reason"],
    "request_extension": ["reason"],
    "approve_extension": ["note"],
    "reject_extension": ["reason"],
    "extend": ["reason"],
    "start_special_procedure": ["kind", "expected_days", "note"],
    "end_special_procedure": ["note"],
    "suspend": ["reason"],
    "resume": ["note"],
    # 容缺受理, 告知承诺制, 离婚冷静期 (cases/services/procedures.py)
    "tolerance_receive": ["material", "note"],
    "tolerance_lapse": ["note"],
    "verify_confirm": ["note"],
    "verify_false": ["finding"],
    "confirm_divorce": ["party", "note"],
    "cooling_off_withdraw": ["party", "note"],
}
DANGER = {"refuse", "deny", "return", "tolerance_lapse", "verify_false", "cooling_off_withdraw"}
PARTY_CHOICES = [("applicant", "申请人"), ("other", "另一方当事人")]


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in Status.values:
        status = None
    # the queue as index-ordered reads merged, its count capped: a department's backlog of tens of
    # thousands costs what a short queue does (docs/benchmarks.md, "The case paths at 10 million cases")
    queue = selectors.case_queue(user=request.user, status=status)
    page = CappedPaginator(queue, 30).get_page(request.GET.get("page"))
    today, cal = services.today(), workdays.calendar()  # one calendar snapshot for every row
    rows = []
    for c in page.object_list:
        row = presenters.case_summary(c, today=today, cal=cal)
        row["applicant"] = mask("name", c.applicant_name)
        rows.append(row)
    scope = staff_scope(request.user)
    roles = [label for code, label in Role.choices if code in scope.roles]
    return render(
        request,
        "workbench/queue.html",
        {
            "page": page,
            "rows": rows,
            "status": status or "",
            "page_query": f"&status={status}" if status else "",
            "statuses": [(c, label) for c, label in Status.choices if c != Status.DRAFT],
            "roles": roles,
            "is_clerk": Role.CLERK in scope.roles,
            "is_platform_admin": scope.has(Role.PLATFORM_ADMIN),
            # 事项认领 (catalog.selectors.claim_departments): a department's admin, or a platform
            # admin for the departments of their regions — read from the scope, no query
            "may_claim": bool(scope.departments_for(Role.DEPT_ADMIN)) or scope.has(Role.PLATFORM_ADMIN),
        },
    )


def _action_forms(
    *, case, allowed: list[str], posted: dict | None, errors: dict, special_kinds: list
) -> list[dict]:
    posted = posted or {}
    forms = []
    for action in allowed:
        if action not in ACTION_FIELDS:
            continue  # applicant actions (submit, supplement, withdraw) are not staff actions
        if action == "start_special_procedure" and not special_kinds:
            continue  # the item declares no special procedure: its clock cannot be stopped
        mine = posted.get("action") == action
        forms.append(
            {
                "action": action,
                "label": services.ACTION_LABELS.get(action, action),
                "fields": ACTION_FIELDS[action],
                "danger": action in DANGER,
                "values": posted if mine else {},
                "errors": errors if mine else {},
            }
        )
    return forms


def _render_case(request, case, *, reveal=False, error="", errors=None, posted=None, status=200):
    if case.clock_stopped:  # the clock and the checks read the stops: once
        prefetch_related_objects([case], "stops")
    cal = workdays.calendar()  # one snapshot for the clock and the allowed actions
    try:
        ctx = case_context(case, viewer=request.user, reveal=reveal, cal=cal)
    except DomainError as exc:  # reveal refused
        ctx = case_context(case, viewer=request.user, cal=cal)
        error, status = exc.message, exc.status
    allowed = selectors.allowed_actions(actor=request.user, case=case, cal=cal)
    materials = ctx["item_material_rows"] if {"request_supplement", "accept"} & set(allowed) else []
    special_kinds = [
        (code, f"{entry.get('name') or label}（依据：{entry.get('basis')}）")
        for code, entry in declared_procedures(case.item_version.special_procedures).items()
        for label in [services.SPECIAL_PROCEDURES[code]]
    ]
    ctx.update(
        {
            "revealed": reveal and not error,
            "allowed": allowed,
            "action_forms": _action_forms(
                case=case, allowed=allowed, posted=posted, errors=errors or {}, special_kinds=special_kinds
            ),
            "error": error,
            "delivery_choices": Delivery.choices,
            "special_kinds": special_kinds,
            "departments": workbench.transfer_departments(exclude_id=case.department_id)
            if "transfer" in allowed or "refuse" in allowed
            else [],
            "item_materials": [m.name for m in materials] if "request_supplement" in allowed else [],
            "tolerable_materials": [(m.code, m.name) for m in materials if m.tolerable]
            if "accept" in allowed and case.item_version.tolerance_acceptance
            else [],
            "outstanding": [(t["code"], t["name"]) for t in ctx["d"]["tolerated"] if not t["received_on"]],
            "party_choices": PARTY_CHOICES,
            # 失信 records matter where the applicant could promise instead of proving
            "dishonesty": selectors.dishonesty_of(person_id=case.owner_id)
            if case.item_version.commitment_system
            else [],
            # 部门业务系统对接: the case is handled in a department's own system
            "docked": docked_case(case),
            # 一圈通办: received in another city, or a part of a 多地联办 case
            "federated": case_federation(case),
        }
    )
    return render(request, "workbench/case.html", ctx, status=status)


@staff_required
@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    return _render_case(request, case_or_404(request.user, number))


@staff_required
@require_POST
def case_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """Show the unmasked form; selectors.case_form logs each field viewed."""
    return _render_case(request, case_or_404(request.user, number), reveal=True)


def _posted(post: QueryDict) -> dict:
    """The action form as posted (shown again with the errors if the action fails)."""
    posted = {
        k: post.get(k, "")
        for k in (
            "action",
            "note",
            "reason",
            "delivery",
            "department",
            "kind",
            "basis",
            "material",
            "finding",
            "party",
            "expected_days",
            "competent_agency",
        )
    }
    posted["tolerated_list"] = post.getlist("tolerated")
    posted["missing_list"] = post.getlist("missing")
    posted["missing_other"] = post.get("missing_other", "")
    return posted


def _action_fields(action: str, posted: dict) -> dict:
    """The fields of the action's small form, as `case_apply_action` takes them: the materials
    to supplement are the boxes ticked plus one per line typed."""
    fields: dict = {}
    for name in ACTION_FIELDS.get(action, []):
        if name == "note":
            continue
        if name == "missing":
            missing = [m for m in posted["missing_list"] if m.strip()]
            missing += [line.strip() for line in posted["missing_other"].splitlines() if line.strip()]
            fields["missing"] = missing
        elif name == "tolerated":
            fields["tolerated"] = [c for c in posted["tolerated_list"] if c.strip()]
        else:
            fields[name] = posted.get(name, "").strip()
    return fields


def _posted_version(post: QueryDict) -> int:
    """The version the page was rendered with; a page without one is stale (409)."""
    try:
        return int(post.get("version") or "")
    except ValueError as exc:
        raise StaleVersion(STALE_MESSAGE) from exc


@staff_required
@require_POST
def case_act(request: HttpRequest, number: str) -> HttpResponse:
    case = case_or_404(request.user, number)
    action = request.POST.get("action") or ""
    posted = _posted(request.POST)
    try:
        services.case_apply_action(
            case=case,
            actor=request.user,
            action=action,
            note=posted["note"].strip(),
            version=_posted_version(request.POST),
            **_action_fields(action, posted),
        )
    except DomainError as exc:  # 403 / 409 / 422: the page again, with the message and the form
        case = case_or_404(request.user, number)
        return _render_case(
            request, case, error=exc.message, errors=exc.fields, posted=posted, status=exc.status
        )
    messages.success(request, f"已办理：{services.ACTION_LABELS.get(action, action)}")
    try:
        selectors.case_for_actor(actor=request.user, number=number)
    except NotFound:
        return redirect("workbench:queue")  # e.g. transferred out of this department
    return redirect("workbench:case", number=number)


# --- window intake -----------------------------------------------------------------------------
IDENTITY = [
    ("name", "申请人姓名或单位名称", True, ""),
    ("id_number", "公民身份号码", False, "自然人填写18位居民身份证号码"),
    ("uscc", "统一社会信用代码", False, "单位申请时填写，填写后按法人办理"),
    ("phone", "联系电话", False, "11位手机号码"),
]


def _identity_fields(values: dict, errors: dict) -> list[dict]:
    return [
        {
            "name": name,
            "id": f"p-{name}",
            "label": label,
            "required": required,
            "hint": hint,
            "value": values.get(name, ""),
            "errors": errors.get(f"parties.applicant.{name}", [])
            + (errors.get("parties.applicant", []) if name == "name" else []),
        }
        for name, label, required, hint in IDENTITY
    ]


def _intake_context(version, *, error: str = "", verified: dict | None = None) -> dict:
    ctx = apply_context(version=version, values={}, errors={}, token=uuid.uuid4().hex, error=error)
    ctx["identity"] = _identity_fields({}, {})
    ctx["verified"] = verified
    return ctx


def _intake_start(request: HttpRequest, version) -> HttpResponse:
    """The intake form; with intent=identify, first check the applicant's 电子身份码 (one-time,
    logged and ledgered by the identity app) and file for the verified person."""
    if request.POST.get("intent") != "identify":
        return render(request, "workbench/intake.html", _intake_context(version))
    code = (request.POST.get("identity_code") or "").strip()
    try:
        check = identity_services.code_verify(code=code, verifier=request.user)
    except DomainError as exc:
        ctx = _intake_context(version, error=exc.message or "请扫描或输入电子身份码")
        return render(request, "workbench/intake.html", ctx, status=exc.status)
    if check.outcome != "valid":
        error = identity_services.rejection(check).message
        return render(request, "workbench/intake.html", _intake_context(version, error=error), status=422)
    verified = {"check": check.pk, **identity_selectors.person_masked(check.person)}
    return render(request, "workbench/intake.html", _intake_context(version, verified=verified))


def _intake_failed(
    version: ItemVersion, *, exc: DomainError, form: dict, token: str, files_lost: bool
) -> dict:
    """The intake form again with the errors, those of the applicant's identity at its fields."""
    errors = exc.fields or {}
    anchors = {f"parties.applicant.{k}": f"p-{k}" for k, *_ in IDENTITY}
    anchors["parties.applicant"] = "p-name"
    ctx = apply_context(
        version=version,
        values=form,
        errors=errors,
        token=token,
        extra_anchors=anchors,
        files_lost=files_lost,
        error="" if errors else exc.message,
    )
    labels = {f"parties.applicant.{k}": label for k, label, *_ in IDENTITY}
    for row in ctx["summary"]:
        for key, label in labels.items():
            if row["href"] == f"#{anchors[key]}" and label not in row["text"]:
                row["text"] = f"{label}：{row['text']}"
    ctx["identity"] = _identity_fields({}, errors)
    return ctx


@staff_required
def intake(request: HttpRequest) -> HttpResponse:
    scope = staff_scope(request.user)
    if Role.CLERK not in scope.roles:
        return render(request, "403.html", {"message": "窗口收件仅供窗口工作人员使用。"}, status=403)
    items = workbench.intake_items(user=request.user)
    code = (request.POST.get("item") or request.GET.get("item") or "").strip()
    if not code:
        return render(request, "workbench/intake_choose.html", {"items": items})
    version = items.filter(item__code=code).first()
    if version is None:
        ctx = {"items": items, "error": "您所在窗口不受理该事项，请重新选择"}
        return render(request, "workbench/intake_choose.html", ctx, status=404)
    version = catalog.item_guide(code=code, public=False)
    if request.method != "POST" or request.POST.get("intent") == "identify":
        return _intake_start(request, version)

    token = (request.POST.get("idempotency_token") or "")[:64] or uuid.uuid4().hex
    typed = {k: (request.POST.get(f"p-{k}") or "").strip() for k, *_ in IDENTITY}
    check_id = request.POST.get("identity_check") or ""
    try:
        applicant = selectors.window_applicant(clerk=request.user, typed=typed, identity_check=check_id)
    except DomainError as exc:
        ctx = _intake_context(version, error=exc.message)
        return render(request, "workbench/intake.html", ctx, status=exc.status)
    form = selectors.window_form(
        version=version,
        form=formspec.form_from_post(version=version, data=request.POST),
        applicant=applicant.party,
    )
    materials = formspec.materials_from_files(version=version, files=request.FILES)
    try:
        out = services.case_submit_once(
            key=token,
            scope="page:intake",
            actor=request.user,
            item_code=code,
            form=form,
            channel="window",
            parties={"applicant": applicant.party},
            materials=materials,
        )
    except DomainError as exc:
        ctx = _intake_failed(version, exc=exc, form=form, token=token, files_lost=bool(materials))
        if applicant.person is None:
            ctx["identity"] = _identity_fields(typed, exc.fields or {})
        else:  # a verified person is shown, not typed
            ctx["verified"] = {"check": check_id, **identity_selectors.person_masked(applicant.person)}
        return render(request, "workbench/intake.html", ctx, status=exc.status)
    messages.success(request, "窗口收件成功，收件清单已生成")
    return redirect("workbench:case", number=out["number"])
