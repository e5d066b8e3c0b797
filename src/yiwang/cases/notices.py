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
from yiwang.organizations.selectors import remedy_sentence

from .models import Case, Notice, NoticeKind
from .presenters import STATUS_LABELS
from .wording import agency, wording_for

VERIFY_MAX_BYTES = 20 * 1024 * 1024  # an uploaded PDF to verify
DELIVERY_LABELS = {"window": "窗口领取", "post": "邮寄送达", "electronic": "电子送达"}


def notice_for_case(*, case: Case, number: str) -> Notice:
    notice = case.notices.filter(number=number).first()
    if notice is None:
        raise NotFound("文书不存在")
    return notice


def _remedy(case: Case, d: dict) -> str:
    """The remedy sentence of an adverse notice: the bodies and limits stored with the decision
    (older notices stored a sentence); a company's refusal names the item's complaint channel."""
    remedy = d.get("remedy")
    if isinstance(remedy, dict):
        return remedy_sentence(remedy)
    if isinstance(remedy, str) and remedy:
        return remedy
    if not wording_for(case).adverse_is_administrative:
        complaint = case.item_version.complaint.strip()
        return f"如对办理结果有异议，可以通过以下方式投诉：{complaint}" if complaint else ""
    return "如不服本决定，可以依法申请行政复议或者提起行政诉讼。"


def notice_title(notice: Notice) -> str:
    """The title follows the item type for decisions (准予许可 / 予以确认 / 给付 / 办结)."""
    if notice.kind in (NoticeKind.APPROVAL, NoticeKind.DENIAL):
        words = wording_for(notice.case)
        return words.approve_title if notice.kind == NoticeKind.APPROVAL else words.deny_title
    return notice.get_kind_display()


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
            f"法定办结期限：{d['statutory_due_date']}。" if d.get("statutory_due_date") else "",
        ]
    if k == NoticeKind.REFUSAL:
        competent = d.get("competent_agency")
        return [
            f"你（单位）提出的“{item}”申请，经审查，{agency(case)}决定不予受理。",
            f"理由：{d.get('reason') or d.get('note')}",
            (f"该申请事项依法不属于本机关职权范围，请向{competent}申请。" if competent else ""),
            _remedy(case, d),
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
        name = d.get("name") or d.get("kind_label") or d.get("kind")
        return [
            f"你（单位）申请的“{item}”需进行{name}，依据：{d.get('basis')}。",
            (
                f"预计所需时间：{d['expected_days']}个工作日（预计于{d.get('planned_end')}前结束）。"
                if d.get("expected_days")
                else ""
            ),
            "特别程序所需时间不计算在办理期限内，程序结束后本机关将继续办理并告知结果。",
        ]
    if k == NoticeKind.EXTENSION:
        return [
            f"你（单位）申请的“{item}”因{d.get('reason')}，经本机关负责人批准，办理期限延长{d.get('days')}个工作日，延长后办结期限为{d.get('due_date')}。",
            f"延长后的法定办结期限：{d['statutory_due_date']}。" if d.get("statutory_due_date") else "",
        ]
    words = wording_for(case)
    if k == NoticeKind.APPROVAL:
        return [
            f"你（单位）提出的“{item}”申请，" + words.approve_text.format(agency=agency(case)),
            f"说明：{d.get('note') or '无'}",
            (
                f"本决定依据你（单位）签署的告知承诺书作出。本机关将于{d['verification_due']}前进行事后核查；"
                "经核查承诺不实的，本机关将依法撤销本决定，并记入失信记录。"
                if d.get("verification_due")
                else ""
            ),
        ]
    if k == NoticeKind.DENIAL:
        return [
            f"你（单位）提出的“{item}”申请，" + words.deny_text.format(agency=agency(case)),
            f"理由：{d.get('reason')}",
            _remedy(case, d),
        ]
    if k == NoticeKind.COMPLETION:
        decision = words.approve if d.get("decision") == "approve" else words.deny
        licences = d.get("licenses") or []
        return [
            f"你（单位）申请的“{item}”已办结，办理结果：{decision}。",
            ("本次核发证照：" + "、".join(licences) + "。") if licences else "",
            f"结果送达方式：{DELIVERY_LABELS.get(d.get('delivery'), d.get('delivery'))}。",
        ]
    return _procedure_body(notice) or [STATUS_LABELS.get(case.status, "")]


def _procedure_body(notice: Notice) -> list[str]:
    """容缺受理, 告知承诺制 and 离婚冷静期 notices (cases/services/procedures.py)."""
    case, d, k = notice.case, notice.data, notice.kind
    item = case.item_version.name
    if k == NoticeKind.TOLERANCE:
        lapse = "本机关将不予许可" if d.get("lapse") == "refuse" else "本机关将中止审查，暂停作出决定"
        return [
            f"你（单位）提出的“{item}”申请，主要申请材料齐全、符合法定形式，"
            "本机关对以下次要材料予以容缺受理：",
            *[f"{i}. {m['name']}" for i, m in enumerate(d.get("materials") or [], 1)],
            f"请于{d.get('due_on')}前（受理后{d.get('days')}个工作日内）补交上述材料。逾期未补交的，{lapse}。",
            "容缺材料补交前，本机关不作出准予许可决定。",
        ]
    if k == NoticeKind.TOLERANCE_LAPSED:
        return [
            f"你（单位）申请的“{item}”，容缺受理的材料（{'、'.join(d.get('materials') or [])}）逾期未补交。",
            "本机关决定中止审查，暂停作出决定；补交后恢复办理，中止期间不计入办理期限。",
        ]
    if k == NoticeKind.VERIFICATION:
        return [
            f"你（单位）按告知承诺制申请的“{item}”，经本机关事后核查，承诺内容属实，决定继续有效。",
            f"核查意见：{d.get('finding')}",
        ]
    if k == NoticeKind.REVOCATION:
        licences = d.get("licenses") or []
        return [
            f"你（单位）按告知承诺制申请的“{item}”，经本机关事后核查，承诺内容不实：{d.get('finding')}",
            "依据《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》"
            "（国办发〔2020〕42号），本机关决定撤销该许可决定"
            + (f"，相关电子证照（{'、'.join(licences)}）同时撤销" if licences else "")
            + "，并将承诺不实的情况记入失信记录。",
            _remedy(case, d),
        ]
    if k == NoticeKind.COOLING_OFF:
        return [
            f"你们提出的“{item}”申请已受理。依照《中华人民共和国民法典》第一千零七十七条，"
            f"自本机关收到申请之日起三十日为离婚冷静期，至{d.get('withdraw_until')}止。",
            "冷静期内任何一方不愿意离婚的，可以到本机关撤回离婚登记申请。",
            f"冷静期届满后，请双方于{d.get('confirm_until')}前共同亲自到本机关申请发给离婚证；"
            "期限内未申请的，视为撤回离婚登记申请。",
        ]
    if k == NoticeKind.COOLING_OFF_ENDED:
        return [f"你们提出的“{item}”申请，{d.get('reason')}，本机关终止办理。"]
    return []


def notice_content(notice: Notice) -> dict:
    case = notice.case
    return {
        "title": notice_title(notice),
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
