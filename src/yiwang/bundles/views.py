"""Pages of 高效办成一件事 (thin: selectors read, services write, templates show). They work
without JavaScript: the questionnaire is a GET form, the merged form a POST form whose "增加一行"
button re-renders it with one more person row."""

from __future__ import annotations

import base64
import re
import uuid
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from yiwang.accounts.decorators import applicant_required
from yiwang.catalog import formspec
from yiwang.catalog import selectors as catalog
from yiwang.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.masking import mask
from yiwang.core.text import as_int

from . import presenters, selectors, services
from .models import Audience

DEFAULT_ROWS = 3  # blank person rows of a repeatable party (员工录用) without JavaScript
ANSWER_PREFIX = "a."
REF_PREFIX = "license_ref."
ACCOUNT_LABELS = {"person": "个人", "legal": "企业（法人）"}  # who applies, as the guide says it
_ROW_RE = re.compile(r"^(?P<key>[a-z_]+)\[(?P<i>\d+)\]\.(?P<el>.+)$")


def _bundle_or_404(code: str):
    try:
        return selectors.bundle_published(code=code)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# --- catalogue and guide ---------------------------------------------------------------------
@require_GET
def bundle_index(request: HttpRequest) -> HttpResponse:
    groups = [
        {"code": code, "label": label, "rows": [presenters.bundle_summary(b) for b in qs]}
        for code, label in Audience.choices
        if code != Audience.ANY and (qs := list(selectors.bundles_published(audience=code)))
    ]
    return render(request, "bundles/index.html", {"groups": groups})


@require_GET
def bundle_guide(request: HttpRequest, code: str) -> HttpResponse:
    bundle = _bundle_or_404(code)
    detail = presenters.bundle_detail(bundle)
    questions = {q["id"]: q for q in bundle.questionnaire or []}
    for item in detail["items"]:
        item["when_text"] = "；".join(
            f"{questions[qid]['text']} {'或'.join(_option_label(questions[qid], v) for v in wanted)}"
            for qid, wanted in (item["when"] or {}).items()
            if qid in questions
        )
    for m in detail["materials"]:
        m["electronic"] = m.get("material_form") in ("2", "3")
    detail["questions"] = [
        {"text": q["text"], "accounts": _accounts_text(q)} for q in bundle.questionnaire or []
    ]
    return render(request, "bundles/guide.html", {"b": detail})


def _accounts_text(question: dict) -> str:
    """For the question that decides the account kind: which answer needs which account."""
    return "；".join(
        f"选“{o.get('label', o['value'])}”的，请使用{ACCOUNT_LABELS.get(o['audience'], '')}账号申请"
        for o in question.get("options") or []
        if o.get("audience")
    )


def _option_label(question: dict, value) -> str:
    return next(
        (
            str(o.get("label", o["value"]))
            for o in question.get("options") or []
            if str(o["value"]) == str(value)
        ),
        str(value),
    )


# --- questionnaire (情形引导) ----------------------------------------------------------------
def _answers_from(bundle, data) -> dict:
    """Answers from a GET or POST: one value per question, a list for a multiple-choice one."""
    multiple = {q["id"] for q in bundle.questionnaire or [] if q.get("multiple")}
    out: dict = {}
    for key in data:
        if not key.startswith(ANSWER_PREFIX):
            continue
        qid = key[len(ANSWER_PREFIX) :]
        if qid in multiple:
            values = [v for v in data.getlist(key) if v]
            if values:
                out[qid] = values
        elif data.get(key):
            out[qid] = data.get(key)
    return out


def _answer_pairs(answers: dict) -> list[tuple[str, str]]:
    """(name, value) pairs to carry the answers in links and hidden inputs."""
    return [
        (ANSWER_PREFIX + k, str(v))
        for k, vs in answers.items()
        for v in (vs if isinstance(vs, list) else [vs])
    ]


def _questions(bundle, answers: dict, errors: dict) -> list[dict]:
    out = []
    for q in bundle.questionnaire or []:
        qid = q["id"]
        given = answers.get(qid, "")
        chosen = {str(v) for v in given} if isinstance(given, list) else {str(given)}
        out.append(
            {
                "id": qid,
                "name": ANSWER_PREFIX + qid,
                "html_id": formspec.html_id("q", qid),
                "text": q["text"],
                "multiple": bool(q.get("multiple")),
                "accounts": _accounts_text(q),
                "options": [
                    {
                        "value": str(o["value"]),
                        "label": o.get("label", o["value"]),
                        "id": formspec.html_id("q", f"{qid}-{o['value']}"),
                        "checked": str(o["value"]) in chosen,
                    }
                    for o in q.get("options") or []
                ],
                "errors": list(errors.get(f"answers.{qid}") or []),
            }
        )
    return out


@applicant_required
@require_GET
def bundle_start(request: HttpRequest, code: str) -> HttpResponse:
    bundle = _bundle_or_404(code)
    if not bundle.questionnaire:
        return redirect("bundles:apply", code=code)
    return _render_questions(request, bundle, _answers_from(bundle, request.GET), {})


def _render_questions(request, bundle, answers: dict, errors: dict, status: int = 200) -> HttpResponse:
    questions = _questions(bundle, answers, errors)
    summary = [
        {"href": f"#{q['options'][0]['id']}" if q["options"] else "", "text": e}
        for q in questions
        for e in q["errors"]
    ] + [{"href": "", "text": e} for e in errors.get("answers") or []]
    return render(
        request,
        "bundles/start.html",
        {"bundle": bundle, "questions": questions, "summary": summary},
        status=status,
    )


def _routes(question: dict) -> bool:
    """The question whose answer decides the account kind (a bundle for 个人和企业)."""
    return any(o.get("audience") for o in question.get("options") or [])


# --- the merged form ---------------------------------------------------------------------------
def _repeat_info(schema: dict) -> tuple[str, str, set[str]]:
    rep = schema.get("x-repeat") or {}
    party = rep.get("party", "")
    keys = {k for k in schema.get("properties", {}) if party and k.startswith(party + ".")}
    return party, rep.get("key", ""), keys


def _display(key: str, value) -> str:
    kind = catalog.element_masks([key]).get(key)
    if kind in ("id_number", "hidden"):
        return mask("id_number" if kind == "id_number" else "hidden", str(value))
    return str(value)


def _fields(schema: dict, keys: list[str], values: dict, errors: dict, *, name_of=None, prefix="f") -> list:
    """Page fields for these element ids, with prefill marks. `name_of` maps an element id to the
    POST name (person rows); errors are looked up by that name."""
    name_of = name_of or (lambda k: k)
    props = schema.get("properties", {})
    sub = {"properties": {k: props[k] for k in keys}, "required": schema.get("required", [])}
    out = []
    for f in formspec.form_fields(version=SimpleNamespace(form_schema=sub), prefix=prefix):
        name = name_of(f.key)
        pre = props[f.key].get("x-prefill") if name == f.key else None
        f.element = f.key
        f.key = name
        f.id = formspec.html_id(prefix, name)
        f.errors = list(errors.get(name) or [])
        f.source = pre["source"] if pre else ""
        f.locked = bool(pre and pre.get("authoritative"))
        if f.locked:
            f.value = _display(f.element, pre["value"])
            f.hint = f"由{pre['source']}提供，不能修改；如有误请联系{pre['source']}更正"
        else:
            v = values.get(name)
            f.value = v if v not in (None, "") else (pre["value"] if pre else "")
            if pre:
                f.hint = "；".join(filter(None, [f.hint, f"已预填，来源：{pre['source']}，可修改"]))
        out.append(f)
    return out


def _posted_form(schema: dict, data) -> tuple[dict, list[dict], int, list[int]]:
    """The merged form from a POST: common values, person rows (blank rows dropped), row count.
    Authoritative prefilled values are taken from the register, never from the page."""
    _, repeat_key, row_keys = _repeat_info(schema)
    props = schema.get("properties", {})
    form: dict = {}
    rows: dict[int, dict] = {}
    for key in props:
        pre = props[key].get("x-prefill")
        if key in row_keys:
            continue
        if pre and pre.get("authoritative"):
            form[key] = pre["value"]
            continue
        value = (data.get(key) or "").strip()
        if value:
            form[key] = value
    for name, value in data.items():
        m = _ROW_RE.match(name)
        if m and m["key"] == repeat_key and m["el"] in row_keys and value.strip():
            rows.setdefault(int(m["i"]), {})[m["el"]] = value.strip()
    count = max(as_int(data.get("rows"), DEFAULT_ROWS) or DEFAULT_ROWS, 1)
    count = min(count, services.MAX_REPEAT)
    kept = [i for i in sorted(rows) if i < count]
    return form, [rows[i] for i in kept], count, kept


def _materials_from(preview: dict, files, data) -> tuple[list[dict], dict]:
    out, refs = [], {}
    limit = settings.UPLOAD_MAX_BYTES + 1
    for m in preview["materials"]:
        if m.get("waived_by"):
            ident = (data.get(REF_PREFIX + m["code"]) or "").strip()
            if ident:
                refs[m["code"]] = ident[:200]
            continue
        upload = files.get(formspec.html_id("m", m["code"]))
        if upload is not None:
            out.append(
                {
                    "code": m["code"],
                    "name": upload.name or m["code"],
                    "content_base64": base64.b64encode(upload.read(limit)).decode(),
                }
            )
    return out, refs


def _material_rows(preview: dict, errors: dict) -> list[dict]:
    rows = []
    for m in preview["materials"]:
        hid = formspec.html_id("m", m["code"])
        rows.append(
            {
                **m,
                "id": hid,
                "hint_id": f"{hid}-hint",
                "error_id": f"{hid}-error",
                "electronic": m.get("material_form") in ("2", "3"),
                "items_text": "、".join(m.get("items") or []),
                "errors": list(errors.get(f"materials.{m['code']}") or []),
            }
        )
    return rows


def _apply_context(*, bundle, preview, values, rows, row_count, errors, token, **more) -> dict:
    schema = preview["form_schema"]
    _, repeat_key, row_keys = _repeat_info(schema)
    common = [k for k in schema["properties"] if k not in row_keys]
    fields = _fields(schema, common, values, errors)
    people = []
    for i in range(row_count):
        row = rows[i] if i < len(rows) else {}
        names = {k: f"{repeat_key}[{i}].{k}" for k in row_keys}
        row_values = {names[k]: v for k, v in row.items() if k in names}
        people.append(
            {
                "index": i + 1,
                "fields": _fields(
                    schema,
                    [k for k in schema["properties"] if k in row_keys],
                    row_values,
                    errors,
                    name_of=names.get,
                    prefix="p",
                ),
            }
        )
    materials = _material_rows(preview, errors)
    person_fields = [
        SimpleNamespace(key=f.key, id=f.id, label=f"第{p['index']}人 {f.label}")
        for p in people
        for f in p["fields"]
    ]
    summary = formspec.error_summary(
        errors=errors,
        fields=fields + person_fields,
        materials=[SimpleNamespace(code=m["code"], id=m["id"], name=m["name"]) for m in materials],
    )
    return {
        "bundle": bundle,
        "p": preview,
        "answers": _answer_pairs(preview["answers"]),
        "fields": fields,
        "people": people,
        "repeat_key": repeat_key,
        "row_count": row_count,
        "materials": materials,
        "accept": formspec.ACCEPT,
        "token": token,
        "summary": summary,
        "savings": presenters.savings_view(preview["savings"]),
        **more,
    }


@applicant_required
def bundle_apply(request: HttpRequest, code: str) -> HttpResponse:
    bundle = _bundle_or_404(code)
    data = request.POST if request.method == "POST" else request.GET
    answers = _answers_from(bundle, data)
    try:
        preview = selectors.bundle_preview(bundle=bundle, answers=answers, actor=request.user)
        services.account_check(bundle=bundle, answers=preview["answers"], owner=request.user)
    except ValidationFailed as exc:
        return _render_questions(request, bundle, answers, exc.fields or {}, status=422)
    except PermissionDenied as exc:  # e.g. 个体工商户 chosen with a company account
        routing = next((q["id"] for q in bundle.questionnaire or [] if _routes(q)), "")
        key = f"answers.{routing}" if routing else "answers"
        return _render_questions(request, bundle, answers, {key: [exc.message]}, status=403)
    if request.method != "POST":
        ctx = _apply_context(
            bundle=bundle,
            preview=preview,
            values={},
            rows=[],
            row_count=DEFAULT_ROWS,
            errors={},
            token=uuid.uuid4().hex,
        )
        return render(request, "bundles/apply.html", ctx)

    return _apply_post(request, bundle=bundle, preview=preview, answers=answers)


def _apply_post(request: HttpRequest, *, bundle, preview: dict, answers: dict) -> HttpResponse:
    data, schema = request.POST, preview["form_schema"]
    token = (data.get("idempotency_token") or "")[:64] or uuid.uuid4().hex
    form, rows, row_count, kept = _posted_form(schema, data)
    if form:  # values the applicant typed can unlock register lookups (e.g. a parent's ID number)
        preview = selectors.bundle_preview(bundle=bundle, answers=answers, actor=request.user, known=form)
        form, rows, row_count, kept = _posted_form(preview["form_schema"], data)
    values = {k: v for k, v in data.items() if k in schema["properties"]}
    page = {"bundle": bundle, "preview": preview, "values": values, "token": token}
    if data.get("intent") == "add_row":
        ctx = _apply_context(
            **page,
            rows=_rows_as_posted(data, schema, row_count),
            row_count=min(row_count + 1, services.MAX_REPEAT),
            errors={},
            files_lost=bool(request.FILES),
        )
        return render(request, "bundles/apply.html", ctx)
    materials, refs = _materials_from(preview, request.FILES, data)
    _, repeat_key, _ = _repeat_info(schema)
    if repeat_key:
        form[repeat_key] = rows
    try:
        _, out = services.bundle_case_submit_once(
            key=token,
            actor=request.user,
            bundle_code=bundle.code,
            answers=preview["answers"],
            form=form,
            channel="online",
            materials=materials,
            license_refs=refs,
        )
    except DomainError as exc:
        errors = _rows_renumbered(exc.fields or {}, repeat_key, kept)
        ctx = _apply_context(
            **page,
            rows=_rows_as_posted(data, schema, row_count),
            row_count=row_count,
            errors=errors,
            error="" if errors else exc.message,
            files_lost=bool(materials),
        )
        if errors and not ctx["summary"]:
            ctx["error"] = exc.message
        return render(request, "bundles/apply.html", ctx, status=exc.status)
    messages.success(request, "一件事申请已提交，各部门将同步办理，请留意办理进度")
    return redirect("bundles:case", number=out["number"])


def _rows_renumbered(errors: dict, repeat_key: str, kept: list[int]) -> dict:
    """Blank person rows are not sent: map the service's row numbers back to the page's rows."""
    if not repeat_key:
        return errors
    out = {}
    for key, msgs in errors.items():
        m = _ROW_RE.match(key)
        if m and m["key"] == repeat_key and int(m["i"]) < len(kept):
            key = f"{repeat_key}[{kept[int(m['i'])]}].{m['el']}"
        out[key] = msgs
    return out


def _rows_as_posted(data, schema: dict, count: int) -> list[dict]:
    """Person rows exactly as posted (blank ones kept in place) for re-rendering."""
    _, repeat_key, row_keys = _repeat_info(schema)
    rows = [{} for _ in range(count)]
    for name, value in data.items():
        m = _ROW_RE.match(name)
        if m and m["key"] == repeat_key and m["el"] in row_keys and int(m["i"]) < count:
            rows[int(m["i"])][m["el"]] = value
    return rows


# --- my bundle cases ---------------------------------------------------------------------------
@applicant_required
@require_GET
def my_bundles(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.bundle_cases_for_owner(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "bundles/my_bundles.html", {"page": page})


def _case_or_404(user, number: str):
    try:
        bcase = selectors.bundle_case_for_actor(actor=user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if bcase.owner_id != user.pk:
        raise Http404("一件事办件不存在")
    return bcase


def _supplement_materials(bcase, errors: dict) -> list[dict]:
    """One upload per material of the items whose departments asked for a supplement."""
    return [
        {
            **row,
            "id": formspec.html_id("m", row["code"]),
            "errors": list(errors.get(f"materials.{row['code']}") or []),
            "items_text": "、".join(row["items"]),
        }
        for row in selectors.bundle_supplement_materials(bcase)
    ]


@applicant_required
def bundle_case_page(request: HttpRequest, number: str) -> HttpResponse:
    bcase = _case_or_404(request.user, number)
    errors: dict = {}
    error = ""
    status = 200
    if request.method == "POST":
        try:
            _supplement_post(request, bcase)
        except DomainError as exc:
            error, errors, status = exc.message, exc.fields or {}, exc.status
            bcase = _case_or_404(request.user, number)
        else:
            messages.success(request, "补正材料已一次提交给各相关部门")
            return redirect("bundles:case", number=number)
    detail = presenters.bundle_case_detail(bcase)
    return render(
        request,
        "bundles/case.html",
        {
            "d": detail,
            "bcase": bcase,
            "supplement": _supplement_materials(bcase, errors)
            if bcase.status == "supplement_requested"
            else [],
            "accept": formspec.ACCEPT,
            "error": error,
            "errors": errors,
            "savings": presenters.savings_view(detail["savings"] or {}),
        },
        status=status,
    )


def _supplement_post(request: HttpRequest, bcase) -> None:
    """One upload per material asked for, sent to every department that asked (raises DomainError)."""
    limit = settings.UPLOAD_MAX_BYTES + 1
    materials = [
        {"code": c, "name": f.name or c, "content_base64": base64.b64encode(f.read(limit)).decode()}
        for c in (row["code"] for row in selectors.bundle_supplement_materials(bcase))
        if (f := request.FILES.get(formspec.html_id("m", c))) is not None
    ]
    services.bundle_case_supplement(
        bundle_case=bcase,
        actor=request.user,
        materials=materials,
        note=(request.POST.get("note") or "").strip()[:500],
        version=as_int(request.POST.get("version")),
    )
