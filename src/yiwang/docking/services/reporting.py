"""数据上报: cases (办件), ratings (好差评) and licences reported to the provincial platform in the
national code tables (docs/integration.md, "数据上报", has the mapping and says which formats are
assumed).

- Cases: one record per case event (the case's state after it), put by the cases follower after
  the transition commits (`report_case_follow`) and by the catch-up (`reports_catch_up`) for any
  event a lost task left out; the outbox keeps one case's records in order (key = case number).
- Ratings: one record per rating, put in the rating's transaction (evaluations.hooks).
- Licences: one record per licence change, put in the change's transaction (licenses.hooks).

Each record is one `ReportRecord` (unique per kind, subject and revision, so a second put is the
same record) with one outbox message (same idempotency key at the province) and its delivery
status. Records carry codes, numbers and times: no names, no identifiers of persons."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from yiwang.accounts.models import AccountKind
from yiwang.cases.models import Case, CaseEvent, Channel
from yiwang.core import outbox
from yiwang.evaluations.models import Evaluation
from yiwang.licenses.models import License

from .. import province
from ..models import ExchangeKind, ReportKind, ReportRecord
from .sharing import DESTINATION, _delivered, _raise_for, _undelivered

log = logging.getLogger("yiwang.docking")

TOPIC_REPORT = "province.report"
PATHS = {
    ReportKind.CASE: "/reports/cases",
    ReportKind.RATING: "/reports/ratings",
    ReportKind.LICENSE: "/reports/licenses",
}

# 办件状态 (assumed: no national table is public; docs/integration.md)
CASE_STATUS = {
    "submitted": ("01", "申报（收件）"),
    "supplement_requested": ("02", "补齐补正"),
    "accepted": ("03", "受理"),
    "refused": ("04", "不予受理"),
    "reviewed": ("05", "审查"),
    "approved": ("06", "决定（准予）"),
    "denied": ("07", "决定（不予）"),
    "completed": ("08", "办结"),
    "withdrawn": ("09", "撤回"),
    "revoked": ("10", "撤销许可"),
}
# 办理形式 GB/T 39046 A (1 窗口办理, 2 网上办理, 3 移动端, 4 快递申请, 9 其他)
CASE_CHANNEL = {Channel.WINDOW: "1", Channel.ONLINE: "2", Channel.MOBILE: "3", Channel.KIOSK: "9"}
# 服务对象 GB/T 39046 A (1 自然人, 2 企业法人)
APPLICANT_TYPE = {AccountKind.PERSON: "1", AccountKind.LEGAL: "2"}
# 好差评 评价渠道 (as provincial 好差评 interface documents list it; assumed)
RATING_CHANNEL = {"web": "1", "mobile": "2", "device": "4", "kiosk": "5", "hotline": "6", "sms": "7"}
RATING_STAGE = {"accept": "1", "complete": "2"}  # assumed
RATING_CLASS = {"per_visit": "1", "per_case": "2", "public": "3", "supervision": "4"}  # assumed
LEVEL_NAMES = {"1": "非常满意", "2": "满意", "3": "基本满意", "4": "不满意", "5": "非常不满意"}
LICENSE_STATUS = {"valid": "1", "suspended": "2", "revoked": "3", "expired": "4"}  # assumed


def _ts(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _day(value) -> str | None:
    return value.isoformat() if value else None


# --- records in national fields --------------------------------------------------------------------
def case_record(case: Case, event: CaseEvent) -> dict:
    status, status_name = CASE_STATUS.get(event.to_status, ("99", event.to_status))
    version = case.item_version
    return {
        "case_number": case.number,  # 办件编号（申办流水号）
        "item_code": case.item.code,  # 事项实施编码
        "item_basic_code": case.item.basic_code,  # 基本编码
        "item_name": version.name,
        "department_code": case.department.uscc,  # 实施主体统一社会信用代码
        "department_name": case.department.name,
        "region_code": case.region.code,  # 行政区划代码
        "case_kind": version.case_kind or "9",  # 办件类型 1 即办件 / 2 承诺件
        "channel": CASE_CHANNEL.get(case.channel, "9"),  # 办理形式
        "applicant_type": APPLICANT_TYPE.get(case.owner.kind, "6"),  # 服务对象
        "status": status,
        "status_name": status_name,
        "event_seq": event.seq,
        "action": event.action,
        "event_time": _ts(event.at),
        "submitted_at": _ts(case.submitted_at),
        "received_on": _day(case.received_on),
        "accepted_on": _day(case.accepted_on),
        "promised_days": version.promised_limit_days,
        "statutory_days": version.statutory_limit_days,
        "extension_days": case.extension_days,
        "due_date": _day(case.due_date),
        "statutory_due_date": _day(case.statutory_due_date),
        "decision": {"approve": "1", "deny": "0"}.get(case.decision, ""),
        "completed_at": _ts(case.completed_at) if event.to_status == "completed" else None,
    }


def rating_record(ev: Evaluation) -> dict:
    return {
        "rating_id": f"{settings.YIWANG_CITY}-{ev.pk}",  # 评价编号
        "case_number": ev.case.number,
        "item_code": ev.item.code,
        "department_code": ev.department.uscc,
        "region_code": ev.region.code,
        "stage": RATING_STAGE.get(ev.stage, ""),
        "level": ev.level,  # GB/T 39046 A.8
        "level_name": LEVEL_NAMES.get(ev.level, ""),
        "channel": RATING_CHANNEL.get(ev.channel, "9"),
        "channel_class": RATING_CLASS.get(ev.channel_class, ""),
        "dimensions": {str(k): str(v) for k, v in (ev.dimensions or {}).items()},
        "tags": [str(t) for t in (ev.tags or [])],
        "has_comment": bool(ev.comment),
        "anonymous": ev.anonymous,
        "bad": ev.level in ("4", "5"),
        "rated_at": _ts(ev.rated_at),
        "hall_code": getattr(ev.hall, "code", "") if ev.hall_id else "",
    }


def license_record(lic: License, *, event: str) -> dict:
    status = "valid" if event == "issued" else event
    return {
        "identifier": lic.identifier,
        "number": lic.number,
        "type_code": lic.type.code,
        "type_name": lic.type.name,
        "issuer_code": lic.issuer_uscc,
        "issuer_name": lic.issuer_name,
        "issue_date": _day(lic.issued_on),
        "valid_until": _day(lic.valid_until) or "长期",
        "holder_type": "2" if lic.holder_id_type == "001" else "1",
        "event": event,
        "status": LICENSE_STATUS.get(status, ""),
        "item_code": lic.case.item.code if lic.case_id else "",
        "case_number": lic.case.number if lic.case_id else "",
        "region_code": lic.jurisdiction,
    }


# --- putting records ----------------------------------------------------------------------------
def _put(*, kind: str, subject: str, revision: str, source_id: int, record: dict, key: str) -> ReportRecord:
    """One record and its outbox message, in the caller's transaction; the same (kind, subject,
    revision) again is the record already written."""
    existing = ReportRecord.objects.filter(kind=kind, subject=subject, revision=revision).first()
    if existing is not None:
        return existing
    idem = f"{settings.YIWANG_CITY}:report:{kind}:{subject}:{revision}"
    payload = {"kind": kind, "from": settings.YIWANG_CITY, "record": record}
    try:
        with transaction.atomic():
            message = outbox.outbox_put(
                topic=TOPIC_REPORT, key=key, payload=payload, idempotency_key=idem, destination=DESTINATION
            )
            return ReportRecord.objects.create(
                kind=kind, subject=subject, revision=revision, source_id=source_id, message=message
            )
    except IntegrityError:  # put concurrently (the follower and the catch-up)
        return ReportRecord.objects.get(kind=kind, subject=subject, revision=revision)


@transaction.atomic
def report_case_events(*, case: Case) -> int:
    """Put a record for every event of the case not reported yet (drafts are not reported).
    Returns how many were put."""
    reported = set(
        ReportRecord.objects.filter(kind=ReportKind.CASE, subject=case.number).values_list(
            "revision", flat=True
        )
    )
    n = 0
    for ev in case.events.exclude(to_status="draft").order_by("seq"):
        if str(ev.seq) in reported:
            continue
        _put(
            kind=ReportKind.CASE,
            subject=case.number,
            revision=str(ev.seq),
            source_id=ev.pk,
            record=case_record(case, ev),
            key=f"case:{case.number}",
        )
        n += 1
    return n


def report_case_follow(*, case_id: int, action: str) -> None:
    """cases.followers: after a transition commits, report the case's new events."""
    if not province.configured():
        return
    case = (
        Case.objects.select_related("item", "item_version", "department", "region", "owner")
        .filter(pk=case_id)
        .first()
    )
    if case is not None:
        report_case_events(case=case)


def report_rating_put(*, evaluation: Evaluation) -> ReportRecord | None:
    """evaluations.hooks.rating_recorded (in the rating's transaction)."""
    if not province.configured():
        return None
    return _put(
        kind=ReportKind.RATING,
        subject=f"{evaluation.pk}",
        revision="1",
        source_id=evaluation.pk,
        record=rating_record(evaluation),
        key=f"rating:{evaluation.case.number}",
    )


def report_license_put(*, license: License, event: str, ref: str) -> ReportRecord | None:
    """licenses.hooks.license_changed (in the change's transaction)."""
    if not province.configured():
        return None
    return _put(
        kind=ReportKind.LICENSE,
        subject=license.identifier,
        revision=f"{event}:{ref}",
        source_id=license.pk,
        record=license_record(license, event=event),
        key=f"license:{license.identifier}",
    )


def reports_catch_up(*, limit: int = 2000, since: datetime | None = None) -> dict[str, int]:
    """Put what was never reported (a follower task lost after its transition committed, or
    records from before a province was configured): case events and ratings without a record,
    all of them or those since `since` (the periodic task looks at the last two days)."""
    if not province.configured():
        return {"cases": 0, "ratings": 0}
    unreported = CaseEvent.objects.exclude(to_status="draft").filter(
        ~Exists(ReportRecord.objects.filter(kind=ReportKind.CASE, source_id=OuterRef("pk")))
    )
    if since is not None:
        unreported = unreported.filter(at__gte=since)
    case_ids = list(unreported.order_by("case_id").values_list("case_id", flat=True).distinct()[:limit])
    cases = 0
    for case in Case.objects.select_related("item", "item_version", "department", "region", "owner").filter(
        pk__in=case_ids
    ):
        cases += report_case_events(case=case)
    ratings = 0
    rated = Evaluation.objects.filter(
        ~Exists(ReportRecord.objects.filter(kind=ReportKind.RATING, source_id=OuterRef("pk")))
    )
    if since is not None:
        rated = rated.filter(rated_at__gte=since)
    rated = rated.select_related("case", "item", "department", "region", "hall").order_by("pk")[:limit]
    for ev in rated:
        with transaction.atomic():
            report_rating_put(evaluation=ev)
        ratings += 1
    return {"cases": cases, "ratings": ratings}


# --- sending ------------------------------------------------------------------------------------
def send_report(message: outbox.OutboxEnvelope) -> None:
    """Outbox sender of TOPIC_REPORT: one record to the province's endpoint of its kind."""
    kind = str(message.payload.get("kind") or "")
    path = PATHS.get(kind)
    if path is None:
        raise outbox.PermanentSendError("未知的上报类别")
    record = message.payload.get("record") or {}
    subject = str(
        record.get("case_number")
        if kind == ReportKind.CASE
        else record.get("rating_id") or record.get("identifier") or ""
    )
    try:
        answer = province.call(
            kind=ExchangeKind.REPORT,
            path=path,
            payload=message.payload,
            subject=subject,
            idempotency_key=message.idempotency_key,
            message_id=message.id,
            attempt=message.attempt,
            timeout=message.timeout,
        )
    except province.ProvinceError as exc:
        _undelivered(ReportRecord, message, exc)
        _raise_for(exc)
    _delivered(ReportRecord, message, answer)
