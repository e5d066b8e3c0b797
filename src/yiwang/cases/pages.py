"""What the citizen's and the staff member's case pages share (the portal and the workbench are
siblings in one layer and import neither each other, docs/architecture.md): the case found for
the viewer (404 otherwise), the case page's context, and its 存证记录 (ledger receipts)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from django.urls import reverse

from yiwang.catalog import formspec
from yiwang.core.errors import NotFound
from yiwang.ledger.views import receipt_link_param
from yiwang.workdays.selectors import WorkCalendar

from . import presenters, selectors, services
from .models import Case, Status


def case_or_404(user, number: str) -> Case:
    try:
        return selectors.case_for_actor(actor=user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def case_context(case: Case, *, viewer, reveal: bool = False, cal: WorkCalendar | None = None) -> dict:
    """The case page's context. `cal`: the page's one calendar snapshot (the workbench also works
    out the allowed actions with it); `item_materials`: the item version's materials, read once."""
    detail = presenters.case_detail(
        case,
        today=services.today(),
        events=selectors.case_events(case),
        parties=selectors.case_parties(case),
        masked_form=selectors.case_form(case=case, viewer=viewer, reveal=reveal),
        cal=cal,
    )
    version = case.item_version
    labels = {f.key: f.label for f in formspec.form_fields(version=version)}
    form_rows = [(labels.get(k, k), v) for k, v in detail["form"].items()]
    for e in detail["events"]:
        e["label"] = services.ACTION_LABELS.get(e["action"], e["action"])
        e["to_label"] = presenters.STATUS_LABELS.get(e["to"], e["to"])
        e["at_display"] = datetime.fromisoformat(e["at"]).strftime("%Y-%m-%d %H:%M") if e["at"] else ""
    missing = []
    if case.status == Status.SUPPLEMENT_REQUESTED:
        ev = case.events.filter(action="request_supplement").order_by("-seq").first()
        missing = (ev.data or {}).get("missing") or [] if ev else []
    item_materials = list(version.materials.all())
    names = {m.code: m.name for m in item_materials}
    return {
        "case": case,
        "d": detail,
        "form_rows": form_rows,
        "notices": list(case.notices.all()),
        "case_materials": [
            {"pk": m.pk, "name": m.original_name, "label": names.get(m.material_code, m.material_code)}
            for m in case.materials.order_by("uploaded_at", "id")
        ],
        "missing": missing,
        "item_material_rows": item_materials,
    }


def case_receipt_rows(case: Case) -> list[dict]:
    """The case page's 存证记录: what, when, integrated or pending, and a link to check it
    (template `cases/_receipts.html`)."""
    rows = []
    for record in selectors.case_ledger_records(case):
        row = selectors.receipt_out(record)
        if record["what"] == "notice":
            row["label"] = f"文书 {record['label']}"
        else:
            row["label"] = services.ACTION_LABELS.get(record["label"], record["label"])
        receipt = row["receipt"]
        row["link"] = f"{reverse('ledger:verify')}?r={receipt_link_param(receipt)}" if receipt else ""
        rows.append(row)
    return rows
