"""Citizen portal pages: login, search and guides, the application form, my cases, notices.
Thin views: parse, call a service or selector, render. Rules live in the services."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts import oidc
from yiwang.accounts import services as accounts
from yiwang.accounts.decorators import applicant_required, is_staff
from yiwang.accounts.selectors import profile_elements
from yiwang.cases import notices as case_notices
from yiwang.cases import presenters, selectors, services
from yiwang.cases.models import NoticeKind, Status
from yiwang.cases.pages import case_context, case_or_404, case_receipt_rows
from yiwang.catalog import formspec
from yiwang.catalog import selectors as catalog
from yiwang.catalog.formspec import apply_context
from yiwang.catalog.models import CaseKind
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.masking import mask_phone
from yiwang.core.pagination import seek_page
from yiwang.core.seal import NotAPdf
from yiwang.core.text import as_int, is_digits
from yiwang.notifications.services import notification_send
from yiwang.workdays import selectors as workdays

from . import prefs as a11y
from . import selectors as portal
from . import services as portal_services
from .context import current_prefs


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return None


# --- accessibility toolbar (无障碍): works without JavaScript, answers the toolbar's JS in JSON ----
@require_POST
def prefs(request: HttpRequest) -> HttpResponse:
    """One toolbar action (`toggle` = a switch, `scheme.<code>`, `zoom_in`/`zoom_out`,
    `rate.<r>`, `volume.<v>`, `reset`; `<switch>.on`/`.off` sets a switch instead of toggling). Kept in
    cookies (this browser) and, when logged in, on the account. Without JavaScript the page comes
    back with the toolbar open and the change announced in the status message; the toolbar's
    script gets JSON with the new <html> classes instead."""
    raw = (request.POST.get("toggle") or "")[:40]
    toggle, _, value = raw.partition(".")
    current = current_prefs(request)
    explicit = request.POST.get("value") or value
    if toggle in a11y.SWITCHES and explicit in ("on", "off"):
        change = a11y.Change({**current, toggle: "1" if explicit == "on" else ""}, "")
    else:
        change = a11y.apply(current, toggle=toggle, value=value)
    values = a11y.clean(change.prefs)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not wants_json and toggle not in ("panel", "elder") and raw:
        values["panel"] = "1"  # the page comes back with the toolbar still open
    if request.user.is_authenticated:
        values = portal_services.account_prefs_save(user=request.user, values=values)
    if wants_json:
        response: HttpResponse = JsonResponse(
            {
                "prefs": values,
                "classes": a11y.classes(values),
                "pressed": a11y.pressed(values),
                "message": change.message,
            }
        )
    else:
        if change.message:
            messages.info(request, change.message)
        response = redirect(_safe_next(request, request.POST.get("next")) or "/")
    _prefs_cookies(response, values)
    return response


def _prefs_cookies(response: HttpResponse, values: dict[str, str]) -> None:
    """The settings as cookies: every page reads them from there (no query per page); an account's
    saved settings are copied into them at login."""
    for name, default in a11y.DEFAULTS.items():
        cookie = a11y.COOKIE_PREFIX + name
        if values.get(name, default) == default:
            response.delete_cookie(cookie, samesite="Lax")
        else:
            response.set_cookie(cookie, values[name], max_age=a11y.MAX_AGE, samesite="Lax", httponly=True)
    response.delete_cookie("yw_contrast", samesite="Lax")  # the former 高对比度 cookie


# --- login -----------------------------------------------------------------------------------
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    ctx = {"next": next_url or "", "username": "", "error": ""}
    status = 200
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()
        ctx["username"] = username
        try:
            user = accounts.login_check(
                request=request, username=username, password=request.POST.get("password") or ""
            )
        except DomainError as exc:
            ctx["error"] = exc.message
            ctx["throttled"] = exc.status == 429
            status = exc.status
        else:
            return _logged_in(request, user, next_url)
    return _login_page(request, ctx, status)


def _login_page(request: HttpRequest, ctx: dict, status: int = 200) -> HttpResponse:
    return render(request, "portal/login.html", {**ctx, "oidc_enabled": oidc.enabled()}, status=status)


def _logged_in(request: HttpRequest, user, next_url: str | None) -> HttpResponse:
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    response = redirect(next_url or ("workbench:queue" if is_staff(user) else "portal:my_cases"))
    saved = portal_services.account_prefs(user)  # the settings follow the person
    if saved is not None:
        _prefs_cookies(response, saved)
    return response


@require_POST
def oidc_login(request: HttpRequest) -> HttpResponse:
    """统一身份认证登录: off to the provincial provider (accounts.oidc), back at `oidc_callback`."""
    next_url = _safe_next(request, request.POST.get("next")) or ""
    try:
        return redirect(oidc.login_begin(request=request, next_url=next_url))
    except DomainError as exc:
        ctx = {"next": next_url, "username": "", "error": exc.message}
        return _login_page(request, ctx, exc.status)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "")[:4096] for k in ("code", "state", "error")}
    try:
        user, next_url = oidc.login_complete(request=request, params=params)
    except DomainError as exc:
        ctx = {"next": "", "username": "", "error": exc.message, "throttled": exc.status == 429}
        return _login_page(request, ctx, exc.status)
    # login() keeps the session's data when nobody was logged in; another account's would go
    sealed = request.session.get(oidc.ID_TOKEN_KEY)
    response = _logged_in(request, user, _safe_next(request, next_url))
    request.session[oidc.ID_TOKEN_KEY] = sealed
    return response


def login_unlock_view(request: HttpRequest) -> HttpResponse:
    """The holder of a locked account lifts the lock with a code sent to the phone on record
    (accounts.services policy). The page never says whether an account exists or is locked."""
    ctx = {"username": (request.POST.get("username") or "").strip()[:150], "sent": False, "error": ""}
    status = 200
    if request.method == "POST" and request.POST.get("step") == "send":
        user = accounts.user_by_username(ctx["username"])
        code = accounts.unlock_code_issue(user=user) if user is not None else None
        if code is not None:
            notification_send(
                event_kind="account.unlock_code",
                recipient=user,
                context={"code": code},
                key=f"account:{user.pk}:unlock:{uuid.uuid4().hex}",
            )
        ctx["sent"] = True
    elif request.method == "POST" and request.POST.get("step") == "unlock":
        if accounts.login_unlock(username=ctx["username"], code=request.POST.get("code") or ""):
            messages.success(request, "登录锁定已解除，请重新登录")
            return redirect("portal:login")
        ctx.update(sent=True, error="验证码不正确或已失效")
        status = 422
    return render(request, "portal/login_unlock.html", ctx, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    id_token = oidc.id_token_recall(request=request)
    logout(request)
    messages.success(request, "您已安全退出")
    # logged in through the provincial provider: end that session too, then come back home
    provider_logout = oidc.logout_url(id_token=id_token, return_to=settings.YIWANG_BASE_URL.rstrip("/") + "/")
    return redirect(provider_logout or "portal:home")


# --- catalogue -------------------------------------------------------------------------------
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    theme = (request.GET.get("theme") or "").strip()
    department = (request.GET.get("department") or "").strip()
    level = (request.GET.get("level") or "").strip()
    if department and not is_digits(department):
        department = ""
    qs = catalog.items_search(
        q=q or None, theme=theme or None, department=department or None, level=level or None
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    searched = bool(q or theme or department or level)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("source", None)
    ctx = {
        "q": q,
        "theme": theme,
        "department": department,
        "level": level,
        "facets": portal.browse_facets(),
        "page": page,
        "searched": searched,
        "page_query": f"&{params.urlencode()}" if params else "",  # the pager's: no `source`
        "immediate": CaseKind.IMMEDIATE,
        "applicant": request.user.is_authenticated and not is_staff(request.user),
    }
    if ctx["applicant"]:
        ctx.update(portal.my_open_work(request.user))
    if current_prefs(request).get("elder") == "1" and not searched:
        # 长辈版: same URL, same data, one task per screen: the elder services and phone help.
        ctx.update(portal.elder_services())
        return render(request, "portal/home_elder.html", ctx)
    if not searched:
        ctx.update(portal.home_entries(), most_used=portal.items_most_used(), halls=portal.halls())
        ctx["bundles"] = portal.bundles_list()
    return render(request, "portal/home.html", ctx)


@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    """长辈版 电话帮办: a callback request to the chosen hall (no account needed). The form is a
    screen of its own (one task per screen), linked from the top of the elder home."""
    if request.method == "GET":
        ctx = {"callback_errors": {}, "callback_values": {}, "halls": portal.halls(), "error": ""}
        return render(request, "portal/callback.html", ctx)
    hall_id = request.POST.get("hall") or ""
    hall = next((h for h in portal.halls() if str(h.pk) == hall_id), None)
    values = {k: (request.POST.get(k) or "").strip()[:200] for k in ("name", "phone", "topic", "hall")}
    try:
        row = portal_services.callback_request(
            hall=hall, name=values["name"], phone=values["phone"], topic=values["topic"], user=request.user
        )
    except ValidationFailed as exc:
        ctx = {
            "callback_errors": exc.fields,
            "callback_values": values,
            "halls": portal.halls(),
            "error": exc.message,
        }
        return render(request, "portal/callback.html", ctx, status=422)
    messages.success(
        request, f"已收到您的回电请求，{row.hall.name}的工作人员将尽快拨打 {mask_phone(row.phone)} 与您联系"
    )
    return redirect("portal:home")


def _guide_or_404(code: str):
    try:
        return catalog.item_guide(code=code)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_GET
def item_guide(request: HttpRequest, code: str) -> HttpResponse:
    version = _guide_or_404(code)
    return render(request, "portal/item_guide.html", {"v": version, **guide_labels(version)})


def guide_labels(version) -> dict:
    from yiwang.catalog.models import (
        ExerciseLevel,
        HandlingForm,
        MaterialForm,
        MaterialSource,
        MaterialType,
        OnlineDepth,
        ResultType,
        ServiceObject,
    )

    def names(choices, codes):
        labels = dict(choices)
        return "、".join(labels.get(str(c), str(c)) for c in (codes or []))

    materials = [
        {
            "m": m,
            "type": dict(MaterialType.choices).get(m.material_type, ""),
            "form": dict(MaterialForm.choices).get(m.material_form, ""),
            "source": dict(MaterialSource.choices).get(m.source, ""),
        }
        for m in version.materials.all()
    ]
    results = [
        {**r, "type_label": dict(ResultType.choices).get(str(r.get("type")), "")}
        for r in (version.results or [])
        if isinstance(r, dict)
    ]
    return {
        "service_objects": names(ServiceObject.choices, version.service_objects),
        "levels": names(ExerciseLevel.choices, version.exercise_levels),
        "handling_forms": names(HandlingForm.choices, version.handling_forms),
        "online_depth": names(OnlineDepth.choices, version.online_depth),
        "materials": materials,
        "results": results,
        "fees": [f for f in (version.fees or []) if isinstance(f, dict)],
        "can_apply_online": "2" in (version.handling_forms or []) or "3" in (version.handling_forms or []),
    }


# --- application -----------------------------------------------------------------------------
def _prefill(user, version) -> tuple[dict, str]:
    """Initial values: the account's own data, then (一键续办) the rest from the applicant's last
    case of this item. Returns the values and that case's number ("" if none)."""
    props = (version.form_schema or {}).get("properties") or {}
    known, _ = profile_elements(user)
    values = {k: v for k, (v, _) in known.items() if k in props}
    last = selectors.last_case_form(user=user, item_code=version.item.code)
    if last is None:
        return values, ""
    number, form = last
    values.update({k: v for k, v in form.items() if k in props and k not in values and v not in (None, "")})
    return values, number


def _route_context(version, post=None) -> dict:
    """告知承诺制: the 承诺书 to show and the route the applicant chose (the ordinary route unless
    they chose the commitment)."""
    if not version.commitment_system:
        return {}
    route = (post.get("route") if post is not None else "") or "ordinary"
    accepted = post is not None and post.get("commitment_accepted") == "yes"
    return {
        "commitment_text": catalog.commitment_text(version),
        "route": route,
        "commitment_accepted": accepted,
    }


@applicant_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    version = _guide_or_404(code)
    if request.method != "POST":
        values, renewed_from = _prefill(request.user, version)
        ctx = apply_context(
            version=version,
            values=values,
            errors={},
            token=uuid.uuid4().hex,
            renewed_from=renewed_from,
            **_route_context(version),
        )
        return render(request, "portal/apply.html", ctx)

    token = (request.POST.get("idempotency_token") or "")[:64] or uuid.uuid4().hex
    draft = request.POST.get("intent") == "draft"
    form = formspec.form_from_post(version=version, data=request.POST)
    materials = formspec.materials_from_files(version=version, files=request.FILES)
    route = _route_context(version, request.POST)
    try:
        out = services.case_submit_once(
            key=token,
            scope="page:apply",
            actor=request.user,
            item_code=code,
            form=form,
            channel="online",
            materials=materials,
            draft=draft,
            route=route.get("route", "ordinary"),
            commitment_accepted=route.get("commitment_accepted", False),
            electronic_delivery=request.POST.get("electronic_delivery") == "on",
        )
    except ValidationFailed as exc:
        errors = exc.fields or {"_": [exc.message]}
        ctx = apply_context(
            version=version,
            values=form,
            errors=errors,
            token=token,
            extra_anchors={
                "parties.applicant": "form-start",
                "route": "route-ordinary",
                "commitment_accepted": "commitment_accepted",
            },
            files_lost=bool(materials),
            **route,
        )
        return render(request, "portal/apply.html", ctx, status=422)
    except DomainError as exc:
        ctx = apply_context(version=version, values=form, errors={}, token=token, error=exc.message, **route)
        return render(request, "portal/apply.html", ctx, status=exc.status)
    messages.success(
        request, "申请已暂存，可在办件页面提交" if out.get("draft") else "申请已提交，请留意办理进度"
    )
    return redirect("portal:case", number=out["number"])


# --- my cases --------------------------------------------------------------------------------
@applicant_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in Status.values:
        status = None
    # owned and filed cases as two index-ordered reads merged, the count capped, the pager's links
    # carrying cursors: a page far down the list is a seek, not an OFFSET (docs/benchmarks.md,
    # "The case paths at 10 million cases")
    cases = selectors.own_cases(user=request.user, status=status)
    page = seek_page(cases, 20, request.GET)
    today, cal = services.today(), workdays.calendar()  # the calendar once, not per row
    rows = [presenters.case_summary(c, today=today, cal=cal) for c in page.object_list]
    return render(
        request,
        "portal/my_cases.html",
        {
            "page": page,
            "rows": rows,
            "status": status or "",
            "page_query": f"&status={status}" if status else "",
            "statuses": Status.choices,
        },
    )


@applicant_required
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    case = case_or_404(request.user, number)
    errors: dict = {}
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action") or ""
        fields: dict = {}
        if action == "supplement":
            fields["materials"] = formspec.materials_from_files(
                version=case.item_version, files=request.FILES
            )
        try:
            version = int(request.POST.get("version") or 0)
        except ValueError:
            version = 0
        try:
            services.case_apply_action(
                case=case,
                actor=request.user,
                action=action,
                note=(request.POST.get("note") or "").strip(),
                version=version,
                **fields,
            )
        except DomainError as exc:
            error, errors, status = exc.message, exc.fields, exc.status
            case = case_or_404(request.user, number)
        else:
            messages.success(request, f"已{services.ACTION_LABELS.get(action, action)}")
            return redirect("portal:case", number=number)
    ctx = case_context(case, viewer=request.user)
    allowed = selectors.allowed_actions(actor=request.user, case=case)
    ctx.update(
        {
            "allowed": allowed,
            "error": error,
            "errors": errors,
            "supplement_materials": formspec.material_fields(version=case.item_version, errors=errors)
            if "supplement" in allowed
            else [],
            "accept": formspec.ACCEPT,
            "receipts": case_receipt_rows(case),
        }
    )
    return render(request, "portal/case.html", ctx, status=status)


@applicant_required
def draft_edit(request: HttpRequest, number: str) -> HttpResponse:
    """Continue a draft: save the form and new files, optionally submit — one service call, one
    transaction, checked against the version the page was rendered with."""
    case = case_or_404(request.user, number)
    if case.status != Status.DRAFT:
        return redirect("portal:case", number=number)
    version = case.item_version
    extra = {"edit": True, "case": case, "uploaded": [m.material_code for m in case.materials.all()]}
    if request.method != "POST":
        values = selectors.case_form(case=case, viewer=request.user, reveal=True)
        return render(
            request,
            "portal/apply.html",
            apply_context(version=version, values=values, errors={}, token="", **extra),
        )
    form = formspec.form_from_post(version=version, data=request.POST)
    materials = formspec.materials_from_files(version=version, files=request.FILES)
    posted_version = request.POST.get("version", "")
    try:
        case = services.case_update_draft(
            case=case,
            actor=request.user,
            form=form,
            version=as_int(posted_version),
            materials=materials,
            submit=request.POST.get("intent") == "submit",
        )
    except DomainError as exc:
        case = case_or_404(request.user, number)
        extra.update(case=case, uploaded=[m.material_code for m in case.materials.all()])
        errors = exc.fields or {}
        ctx = apply_context(
            version=version,
            values=form,
            errors=errors,
            token="",
            error="" if errors else exc.message,
            **extra,
        )
        return render(request, "portal/apply.html", ctx, status=exc.status)
    submitted = request.POST.get("intent") == "submit"
    messages.success(request, "申请已提交，请留意办理进度" if submitted else "已暂存")
    return redirect("portal:case", number=number)


# --- public: verify a sealed notice or licence print ---------------------------------------------
@require_http_methods(["GET", "POST"])
def notice_verify(request: HttpRequest) -> HttpResponse:
    ctx: dict = {}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            ctx["error"], status = "请选择要核验的 PDF 文件", 422
        elif upload.size > case_notices.VERIFY_MAX_BYTES:
            ctx["error"], status = "文件过大（不得超过 20 MB），不是本平台出具的文书", 422
        else:
            try:
                result = case_notices.verify_upload(upload.read())
            except NotAPdf:
                ctx["error"], status = (
                    "上传的文件不是 PDF 文件，请上传本平台出具的文书或证照打印件（PDF）",
                    422,
                )
            else:
                ctx["result"] = result
                ctx["signed_at"] = (
                    datetime.fromisoformat(result["signed_at"]) if result["signed_at"] else None
                )
                ctx["notice_kind_label"] = (
                    NoticeKind(result["notice_kind"]).label if result["notice_kind"] else ""
                )
    response = render(request, "portal/notice_verify.html", ctx, status=status)
    response["Cache-Control"] = "no-store"
    return response


# --- documents (anyone who may see the case) --------------------------------------------------
@login_required
@require_GET
def notice_file(request: HttpRequest, number: str, notice: str, fmt: str) -> HttpResponse:
    case = case_or_404(request.user, number)
    try:
        row = case_notices.notice_for_case(case=case, number=notice)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    services.notice_opened(notice=row, viewer=request.user)
    if fmt == "pdf":
        resp = HttpResponse(services.notice_pdf(notice=row), content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="{row.number}.pdf"'
        resp["Cache-Control"] = "private, no-store"
        return resp
    # The page version sits in the site layout (toolbar, responsive at 200% text); the PDF is
    # the sealed document.
    return render(
        request,
        "portal/notice.html",
        {
            "n": case_notices.notice_content(row),
            "case": case,
            "notice": row,
            "back": case_url(request.user, number),
        },
    )


@login_required
@require_GET
def material_file(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = case_or_404(request.user, number)
    row = case.materials.filter(pk=pk).first()
    if row is None:
        raise Http404("材料不存在")
    with row.file.open("rb") as fh:
        data = fh.read()
    resp = HttpResponse(data, content_type=row.content_type)
    resp["Content-Disposition"] = f'inline; filename="{row.sha256[:16]}.{row.file.name.rsplit(".", 1)[-1]}"'
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


def case_url(user, number: str) -> str:
    return reverse("workbench:case" if is_staff(user) else "portal:case", kwargs={"number": number})


# --- 掌上办: the web app manifest, the service worker and its offline page ------------------------
PWA_ASSETS = (
    "portal/site.css",
    "portal/a11y.css",
    "portal/a11y.js",
    "portal/pwa.js",
    "portal/cursor.svg",
    "portal/cursor-hand.svg",
    "portal/icons/icon-192.png",
    "portal/icons/icon-512.png",
)


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "一网通办 政务服务平台",
        "short_name": "一网通办",
        "description": "一网通办：在线办事、查询办件、电子证照和电子身份码",
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3001b",
        "icons": [
            {
                "src": static(f"portal/icons/icon-{n}.png"),
                "sizes": f"{n}x{n}",
                "type": "image/png",
                "purpose": "any",
            }
            for n in (192, 512)
        ],
        "shortcuts": [
            {"name": "电子身份码", "url": reverse("identity:my_code")},
            {"name": "我的证照", "url": reverse("licenses:wallet")},
            {"name": "我的办件", "url": reverse("portal:my_cases")},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _sw_version(assets: list[str]) -> str:
    import hashlib

    from django.template.loader import get_template

    source = get_template("portal/sw.js").template.source
    return hashlib.sha256(("\n".join(assets) + source).encode()).hexdigest()[:12]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker at the site's root (scope "/"); it caches only the offline page and
    static files (templates/portal/sw.js)."""
    assets = [static(a) for a in PWA_ASSETS]
    response = render(
        request,
        "portal/sw.js",
        {
            "assets": assets,
            "offline_url": reverse("portal:offline"),
            "static_prefix": settings.STATIC_URL,
            "version": _sw_version(assets),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows without a network: the same for everyone (rendered as
    for a visitor who is not logged in, so it never holds a name)."""
    request.user = AnonymousUser()
    response = render(request, "portal/offline.html")
    response["Cache-Control"] = "public, max-age=600"
    return response
