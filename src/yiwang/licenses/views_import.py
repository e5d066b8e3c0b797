"""Staff pages for 归集 / 修复: upload a file, read its row report, work the repair queue.
Thin views over services and selectors; no JavaScript needed."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts.decorators import staff_required
from yiwang.core.errors import DomainError

from . import importing, presenters, selectors, services

TEMPLATE_COLUMNS = [
    "证照类型代码",
    "证照类型",
    "持证主体",
    "持证主体代码类型",
    "持证主体代码",
    "颁证单位代码",
    "颁证日期",
    "有效期至",
    "原证照编号",
    "经营场所",
    "经营面积（平方米）",
]
FORM_FIELDS = [
    ("type_code", "证照类型代码", "定义机构统一社会信用代码＋三位顺序号；也可只填证照类型名称"),
    ("type_name", "证照类型", ""),
    ("holder_name", "持证主体", "留空则保持原值"),
    ("holder_id_type", "持证主体代码类型", "111 公民身份号码，001 统一社会信用代码；留空则自动判断"),
    ("holder_id", "持证主体代码", "出于隐私保护不显示原值；留空则保持原值"),
    ("issuer_code", "颁证单位代码", "本平台部门的统一社会信用代码"),
    ("issued_on", "颁证日期", "YYYY-MM-DD"),
    ("valid_until", "有效期至", "YYYY-MM-DD；留空按证照类型的有效期规则；长期有效填“长期”"),
    ("original_number", "原证照编号", ""),
]


def _error_lines(exc: DomainError) -> list[str]:
    labels = dict((k, label) for k, label, _ in FORM_FIELDS) | {
        "file": "文件",
        "metadata": "照面信息",
        "row": "记录",
    }
    out = [f"{labels.get(k, k)}：{'；'.join(v)}" for k, v in exc.fields.items()]
    return out or [exc.message]


@staff_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = ["请选择要导入的 Excel 或 CSV 文件"]
        elif upload.size > importing.MAX_BYTES:
            errors = [f"文件不能超过 {importing.MAX_BYTES // (1024 * 1024)} MB"]
        else:
            try:
                batch = services.license_import_file(
                    content=upload.read(), filename=upload.name or "", actor=request.user
                )
            except DomainError as exc:
                errors = _error_lines(exc)
            else:
                messages.success(
                    request,
                    f"已导入 {batch.total_rows} 行：签发 {batch.issued_count} 张，{batch.rejected_count} 行待修复。",
                )
                return redirect("licenses:import_batch", pk=batch.pk)
    batches = Paginator(selectors.import_batches_for(user=request.user), 20).get_page(request.GET.get("page"))
    status = 400 if errors else 200
    return render(
        request,
        "licenses/import.html",
        {"errors": errors, "batches": batches, "columns": TEMPLATE_COLUMNS, "max_rows": importing.MAX_ROWS},
        status=status,
    )


@staff_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        ("\ufeff" + ",".join(TEMPLATE_COLUMNS) + "\r\n").encode(), content_type="text/csv"
    )
    response["Content-Disposition"] = 'attachment; filename="licence-import-template.csv"'
    return response


@staff_required
@require_GET
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.import_batches_for(user=request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return render(request, "licenses/import_batch.html", {"batch": batch, "rows": batch.report})


@staff_required
@require_GET
def repair_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "pending")
    if status not in presenters.REPAIR_STATUS and status != "all":
        status = "pending"
    qs = selectors.repairs_for(user=request.user, status=None if status == "all" else status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    items = [(r, presenters.repair_out(r)) for r in page]
    return render(
        request,
        "licenses/repairs.html",
        {"page": page, "items": items, "status": status, "statuses": presenters.REPAIR_STATUS},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def repair_page(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.repair_for(user=request.user, pk=pk)
    if item is None:
        raise Http404
    stored = services.repair_values(item)
    errors: list[str] = []
    submitted: dict[str, str] | None = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "discard":
                services.license_repair_discard(
                    item=item, actor=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, f"第 {item.row_number} 行已作废。")
                return redirect("licenses:repairs")
            submitted = {
                k: request.POST.get(k, "") for k in request.POST if k not in ("csrfmiddlewaretoken", "action")
            }
            item = services.license_repair_reissue(item=item, actor=request.user, values=submitted)
            messages.success(request, f"已重新签发：{item.license.identifier}")
            return redirect("licenses:repairs")
        except DomainError as exc:
            errors = _error_lines(exc)
    out = presenters.repair_out(item)
    shown = submitted if submitted is not None else stored
    fields = [
        {
            "name": name,
            "label": label,
            "hint": hint,
            "value": "" if name in ("holder_id", "holder_name") else shown.get(name, ""),
            "original": out["values"].get(name, "") if name in ("holder_id", "holder_name") else "",
        }
        for name, label, hint in FORM_FIELDS
    ]
    known = {n for n, _, _ in FORM_FIELDS}
    extra = [{"name": k, "value": (submitted or stored).get(k, "")} for k in stored if k not in known]
    return render(
        request,
        "licenses/repair.html",
        {"item": item, "out": out, "fields": fields, "extra": extra, "errors": errors},
        status=422 if errors else 200,
    )
