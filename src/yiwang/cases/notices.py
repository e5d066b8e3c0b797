"""Notices (文书) of DESIGN.md §4.4, rendered from the Notice row as HTML and as PDF (with the
shipped CJK font and the department's electronic seal: a PAdES signature by the department's seal
key, core.seal). One function builds the content; both formats render that same content.
`render_sealed_pdf` is called once per notice (cases.services.sealing stores the result);
`verify_upload` checks an uploaded notice or printed licence PDF for the public verify API."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from yiwang.core import pdf, seal
from yiwang.core.errors import NotFound
from yiwang.licenses import pdf as license_pdf
from yiwang.licenses.models import License

from .models import Case, Notice, NoticeKind
from .presenters import STATUS_LABELS

VERIFY_MAX_BYTES = 20 * 1024 * 1024  # an uploaded PDF to verify
DELIVERY_LABELS = {"window": "窗口领取", "post": "邮寄送达", "electronic": "电子送达"}


def notice_for_case(*, case: Case, number: str) -> Notice:
    notice = case.notices.filter(number=number).first()
    if notice is None:
        raise NotFound("文书不存在")
    return notice


def _body(notice: Notice) -> list[str]:
    case, d = notice.case, notice.data
    item = case.item_version.name
    k = notice.kind
    if k == NoticeKind.RECEIPT:
        files = d.get("materials") or []
        return [
            f"你（单位）于{d['on']}提交的“{item}”申请材料已收到，办件编号{case.number}。",
            f"已收材料{len(files)}份："
            + ("、".join(files) if files else "无电子材料（纸质材料当场核验）")
            + "。",
        ]
    if k == NoticeKind.ACCEPTANCE:
        return [
            f"你（单位）提出的“{item}”申请，经审查，申请材料齐全、符合法定形式，本机关决定予以受理。",
            f"受理日期：{d['accepted_on']}。本机关将在{d['limit_days']}个工作日内（{d['due_date']}前）作出决定，法定特别程序所需时间不计算在内。",
        ]
    if k == NoticeKind.REFUSAL:
        return [
            f"你（单位）提出的“{item}”申请，经审查，本机关决定不予受理。",
            f"理由：{d.get('reason') or d.get('note')}",
            "如不服本决定，可以依法申请行政复议或者提起行政诉讼。",
        ]
    if k == NoticeKind.SUPPLEMENT:
        missing = d.get("missing") or []
        return [
            f"你（单位）提出的“{item}”申请，申请材料不齐全或者不符合法定形式，请一次性补正以下内容：",
            *[f"{i}. {m}" for i, m in enumerate(missing, 1)],
            f"说明：{d.get('note') or '无'}",
            "补正后本机关将依法受理。",
        ]
    if k == NoticeKind.SPECIAL_PROCEDURE:
        return [
            f"你（单位）申请的“{item}”需进行{d.get('kind_label') or d.get('kind')}，依据：{d.get('basis')}。",
            "特别程序所需时间不计算在办理期限内，程序结束后本机关将继续办理并告知结果。",
        ]
    if k == NoticeKind.EXTENSION:
        return [
            f"你（单位）申请的“{item}”因{d.get('reason')}，经本机关负责人批准，办理期限延长{d.get('days')}个工作日，延长后办结期限为{d.get('due_date')}。"
        ]
    if k == NoticeKind.APPROVAL:
        return [
            f"你（单位）提出的“{item}”申请，经审查，符合法定条件和标准，本机关决定准予许可。",
            f"说明：{d.get('note') or '无'}",
        ]
    if k == NoticeKind.DENIAL:
        return [
            f"你（单位）提出的“{item}”申请，经审查，本机关决定不予许可。",
            f"理由：{d.get('reason')}",
            d.get("remedy", ""),
        ]
    if k == NoticeKind.COMPLETION:
        decision = "准予许可" if d.get("decision") == "approve" else "不予许可"
        return [
            f"你（单位）申请的“{item}”已办结，办理结果：{decision}。",
            f"结果送达方式：{DELIVERY_LABELS.get(d.get('delivery'), d.get('delivery'))}。",
        ]
    return [STATUS_LABELS.get(case.status, "")]


def notice_content(notice: Notice) -> dict:
    case = notice.case
    return {
        "title": notice.get_kind_display(),
        "number": notice.number,
        "addressee": f"{case.applicant_name}：",
        "paragraphs": [p for p in _body(notice) if p],
        "fields": [
            ("办件编号", case.number),
            ("事项名称", case.item_version.name),
            ("办理部门", case.department.name),
        ],
        "issuer": case.department.name,
        "date": timezone.localtime(notice.issued_at).strftime("%Y年%m月%d日"),
        "seal": f"{case.department.name}\n政务服务专用章",
    }


def render_html(notice: Notice) -> str:
    return render_to_string("cases/notice.html", {"n": notice_content(notice)})


def field_name(notice: Notice) -> str:
    """The signature field of the notice's seal: names the notice in the signed bytes."""
    return f"{FIELD_PREFIX}{notice.number}"


FIELD_PREFIX = "YiwangNotice-"


def render_sealed_pdf(notice: Notice) -> bytes:
    """The notice as PDF, sealed (signed) by its department's seal key: seconds of CPU at worst,
    so never in the request that issues the notice (cases.services.sealing)."""
    c = notice_content(notice)
    doc = pdf.render_document(**_pdf_args(notice, c))
    dept = notice.case.department
    return seal.seal_pdf(
        doc.pdf,
        organ=seal.Organ(uscc=dept.uscc, name=dept.name),
        field_name=field_name(notice),
        reason=f"{c['title']}（文书编号 {notice.number}）",
        spot=doc.seal,
    )


def verify_upload(data: bytes) -> dict:
    """The public verify answer for an uploaded PDF (API.md): who sealed it, when, for which case
    and notice, and whether it was altered. Raises seal.NotAPdf for a file that is no PDF."""
    check = seal.verify_pdf(data)
    case_number = notice_kind = licence = None
    name = check.field_name or ""
    if check.ours and name.startswith(FIELD_PREFIX):
        row = Notice.objects.select_related("case").filter(number=name[len(FIELD_PREFIX) :]).first()
        if row is not None:
            case_number, notice_kind = row.case.number, row.kind
    elif check.ours and name.startswith(license_pdf.FIELD_PREFIX):
        ident = license_pdf.identifier_from_field(name)
        if License.objects.filter(identifier=ident).exists():
            licence = ident
    return {
        "valid": check.valid,
        "altered": check.altered,
        "signer": check.signer,
        "signer_uscc": check.signer_uscc,
        "signed_at": timezone.localtime(check.signed_at).isoformat() if check.signed_at else None,
        "case": case_number,
        "notice_kind": notice_kind,
        "license": licence,
        "message": check.message,
    }


def _pdf_args(notice: Notice, c: dict) -> dict:
    blocks = [("h2", f"文书编号：{c['number']}"), ("p", c["addressee"])]
    blocks += [("p", p) for p in c["paragraphs"]]
    blocks += [("kv", f"{k}：{v}") for k, v in c["fields"]]
    blocks += [("kv", f"出具机关：{c['issuer']}"), ("kv", f"日期：{c['date']}")]
    return {
        "title": c["title"],
        "blocks": blocks,
        "footer": f"{c['issuer']} · 办件编号 {notice.case.number}",
        "seal_text": c["seal"],
    }
