"""Messages to the applicant about their case, through the notification service.

Every notice the applicant must receive by law — 受理通知书, 补齐补正告知书, 不予受理通知书,
特别程序告知书, 延期告知书, 准予/不予许可决定书 (in the words of the item type), 办结通知书 — is also
a message (inbox, and SMS / e-mail where the person or
the instance chose them; legal kinds cannot be switched off). The one call site is
`services.transitions._notice`, inside the transaction that issues the notice; the message's key
is the notice number, so each notice is sent exactly once whatever retries or sweeps happen.

Cases of a 一件事 are notified like any other case (each department's notice is a legal act of
its own); the bundle adds its combined supplement and 统一出件 messages (bundles.services)."""

from __future__ import annotations

from yiwang.notifications.services import notification_send

from .models import Case, Delivery, Notice, NoticeKind
from .wording import wording_for

EVENT_OF_NOTICE = {
    NoticeKind.ACCEPTANCE: "case.accepted",
    NoticeKind.SUPPLEMENT: "case.supplement_requested",
    NoticeKind.REFUSAL: "case.refused",
    NoticeKind.SPECIAL_PROCEDURE: "case.special_procedure",
    NoticeKind.EXTENSION: "case.extended",
    NoticeKind.APPROVAL: "case.decided",
    NoticeKind.DENIAL: "case.decided",
    NoticeKind.COMPLETION: "case.completed",
    # 容缺受理, 告知承诺制, 离婚冷静期 (cases/kinds.py): the notice's data is the message's context
    NoticeKind.TOLERANCE: "case.tolerance_accepted",
    NoticeKind.TOLERANCE_LAPSED: "case.tolerance_lapsed",
    NoticeKind.VERIFICATION: "case.verified",
    NoticeKind.REVOCATION: "case.revoked",
    NoticeKind.COOLING_OFF: "case.cooling_off",
    NoticeKind.COOLING_OFF_ENDED: "case.cooling_off_ended",
}
PROCEDURE_NOTICES = {
    NoticeKind.TOLERANCE,
    NoticeKind.TOLERANCE_LAPSED,
    NoticeKind.VERIFICATION,
    NoticeKind.REVOCATION,
    NoticeKind.COOLING_OFF,
    NoticeKind.COOLING_OFF_ENDED,
}


def _context(case: Case, notice: Notice) -> dict:
    data = notice.data or {}
    context = {
        "number": case.number,
        "item": case.item_version.name,
        "department": case.department.name,
        "notice": notice.number,
    }
    if notice.kind == NoticeKind.ACCEPTANCE:
        context.update(
            accepted_on=data.get("accepted_on", ""),
            due_date=data.get("due_date", ""),
            limit_days=data.get("limit_days") or "",
        )
    elif notice.kind == NoticeKind.SUPPLEMENT:
        missing = data.get("missing") or []
        context.update(
            missing=[missing] if isinstance(missing, str) else list(missing), note=data.get("note", "")
        )
    elif notice.kind == NoticeKind.REFUSAL:
        context.update(
            reason=data.get("reason") or data.get("note") or "",
            competent_agency=data.get("competent_agency", ""),
            **_remedy(data),
        )
    elif notice.kind == NoticeKind.SPECIAL_PROCEDURE:
        context.update(
            procedure=data.get("name") or data.get("kind_label") or data.get("kind") or "",
            basis=data.get("basis", ""),
            expected_days=data.get("expected_days") or "",
            planned_end=data.get("planned_end", ""),
        )
    elif notice.kind == NoticeKind.EXTENSION:
        context.update(
            reason=data.get("reason", ""),
            days=data.get("days") or "",
            due_date=data.get("due_date", ""),
            statutory_due_date=data.get("statutory_due_date", ""),
        )
    elif notice.kind in (NoticeKind.APPROVAL, NoticeKind.DENIAL):
        words = wording_for(case)
        approve = notice.kind == NoticeKind.APPROVAL
        context.update(
            decision="approve" if approve else "deny",
            decision_label=words.approve if approve else words.deny,
            reason=data.get("reason") or data.get("note") or "",
            note=data.get("note", ""),
            **_remedy(data),
        )
    elif notice.kind in PROCEDURE_NOTICES:
        context.update({k: v for k, v in data.get("message", {}).items() if k not in context})
    elif notice.kind == NoticeKind.COMPLETION:
        delivery = data.get("delivery") or ""
        decision = data.get("decision") or case.decision or ""
        words = wording_for(case)
        context.update(
            decision=decision,
            decision_label=words.approve if decision == "approve" else words.deny if decision else "",
            delivery=Delivery(delivery).label if delivery in Delivery.values else delivery,
            licenses=list(data.get("licenses") or []),
        )
    return context


def _remedy(data: dict) -> dict:
    remedy = data.get("remedy")
    if not isinstance(remedy, dict):
        return {}
    return {k: remedy.get(k, "") for k in ("review_body", "review_days", "court", "litigation_months")}


def applicant_notify(*, case: Case, notice: Notice) -> None:
    """Tell the applicant of a notice they must receive (call inside the notice's transaction)."""
    event = EVENT_OF_NOTICE.get(notice.kind)
    if event is None:
        return
    notification_send(
        event_kind=event,
        recipient=case.owner,
        context=_context(case, notice),
        key=f"case:{case.number}:notice:{notice.number}",
        link=f"/my/cases/{case.number}/",
    )
