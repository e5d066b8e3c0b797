"""Staff lists of the 告知承诺制: the department's 事后核查 tasks (due date and warning light, the
most urgent first) and the 失信 records of the cases a staff member may see (names masked). The
steps themselves are case actions on the case page (cases/services/procedures.py)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yiwang.accounts.decorators import staff_required
from yiwang.cases import selectors, services
from yiwang.core.masking import mask
from yiwang.workdays import selectors as workdays


@staff_required
@require_GET
def verifications(request: HttpRequest) -> HttpResponse:
    done = request.GET.get("all") == "1"
    qs = selectors.verifications_for_staff(user=request.user, pending_only=not done)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    today, cal = services.today(), workdays.calendar()
    rows = []
    for v in page.object_list:
        level, left = workdays.warning_light(due=v.due_on, today=today, cal=cal)
        pending = v.status == "pending"
        rows.append(
            {
                "number": v.case.number,
                "item": v.case.item_version.name,
                "applicant": mask("name", v.case.applicant_name),
                "department": v.department.name,
                "due_on": v.due_on,
                "status_label": v.get_status_display(),
                "left": left if pending else None,
                "level": level if pending else "",
            }
        )
    return render(request, "workbench/verifications.html", {"page": page, "rows": rows, "all": done})


@staff_required
@require_GET
def dishonesty(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.dishonesty_for_staff(user=request.user), 30).get_page(request.GET.get("page"))
    rows = [
        {
            "name": mask("name", r.name),
            "number": r.case.number,
            "item": r.case.item_version.name,
            "finding": r.finding,
            "recorded_on": r.recorded_on,
        }
        for r in page.object_list
    ]
    return render(request, "workbench/dishonesty.html", {"page": page, "rows": rows})
