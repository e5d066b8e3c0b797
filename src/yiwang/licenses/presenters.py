"""Chinese labels for the disclosable claims of a licence credential."""

from __future__ import annotations

from django.utils import timezone

from yiwang.core.formats import local_time
from yiwang.core.masking import mask_id_number

LABELS = {
    "x_original_number": "原证照编号",
    "identifier": "证照标识",
    "number": "证照编号",
    "name": "证照名称",
    "type_code": "证照类型代码",
    "type_name": "证照类型名称",
    "version": "版本号",
    "issue_date": "颁证日期",
    "issuer_name": "颁发机构",
    "issuer_code": "颁发机构代码",
    "definer_name": "定义机构",
    "definer_code": "定义机构代码",
    "valid_from": "有效期起始",
    "valid_until": "有效期截止",
    "jurisdiction": "管辖区划",
    "holder": "持证主体",
    "holder_id": "持证主体代码",
    "holder_id_type": "持证主体代码类型",
    "related_item": "关联事项",
}
STATUS = {"valid": "有效", "suspended": "暂停", "revoked": "注销", "expired": "已过期"}
AUTHORISATION_STATUS = {"active": "有效", "revoked": "已撤销", "expired": "已到期", "pending": "未生效"}
PRESENTATION_STATUS = {"active": "有效", "withdrawn": "已撤回", "expired": "已过期"}
ID_TYPES = {"111": "公民身份号码", "001": "统一社会信用代码"}
FORM_LABELS = {
    "grantee_id_type": "被授权方代码类型",
    "grantee_id": "被授权方代码",
    "grantee_name": "被授权方名称",
    "purpose": "用途",
    "recipient": "接收方",
    "item_codes": "限定事项",
    "valid_until": "有效期至",
    "fields": "出示信息",
}
REASONS = {
    "malformed": "凭证格式不正确",
    "key_binding_unsupported": "不支持持有者绑定凭证",
    "unknown_key": "签名密钥不存在",
    "unsupported_alg": "不支持的签名算法",
    "unknown_issuer": "签发方不是本平台",
    "bad_signature": "签名验证失败，凭证可能被篡改",
    "disclosure_mismatch": "出示的字段与签名内容不符",
    "duplicate_disclosure": "字段重复出示",
    "unsupported_sd_alg": "不支持的摘要算法",
    "expired": "证照已过有效期",
    "not_yet_valid": "证照尚未生效",
    "unknown_status_list": "无法确认证照状态",
    "unknown_license": "证照不存在",
    "suspended": "证照已暂停使用",
    "revoked": "证照已注销",
    "withdrawn": "持证人已撤回该加注件",
    "unknown_presentation": "加注件不存在",
}


def label(name: str, type_fields: list[dict] | None = None) -> str:
    if name.startswith("x_"):
        for f in type_fields or []:
            if f.get("name") == name[2:]:
                return f.get("title") or name
        return LABELS.get(name, name[2:])
    return LABELS.get(name, name)


def type_fields(type_code: str | None) -> list[dict]:
    """The metadata fields of a licence type (their Chinese titles label `x_` claims)."""
    if not type_code:
        return []
    from .models import LicenseType

    return LicenseType.objects.filter(code=type_code).values_list("metadata_fields", flat=True).first() or []


def disclosed_rows(disclosed: dict, type_fields: list[dict] | None = None) -> list[tuple[str, object]]:
    return [(label(k, type_fields), v) for k, v in disclosed.items()]


def masked_party_id(id_type: str, value: str) -> str:
    """公民身份号码 masked; a 统一社会信用代码 is public registration data and shown whole."""
    return mask_id_number(value) if id_type == "111" else value


def authorisation_state(a, *, today=None) -> str:
    today = today or timezone.localdate()
    if a.revoked_at is not None:
        return "revoked"
    if a.valid_until < today:
        return "expired"
    if a.valid_from > today:
        return "pending"
    return "active"


def authorisation_brief(a) -> dict:
    return {
        "id": a.pk,
        "purpose": a.purpose,
        "item_codes": a.item_codes,
        "valid_from": a.valid_from.isoformat(),
        "valid_until": a.valid_until.isoformat(),
    }


def authorisation_out(a) -> dict:
    state = authorisation_state(a)
    return {
        **authorisation_brief(a),
        "identifier": a.license.identifier,
        "grantee_name": a.grantee_name,
        "grantee_id_type": a.grantee_id_type,
        "grantee_id_masked": masked_party_id(a.grantee_id_type, a.grantee_id),
        "status": state,
        "status_label": AUTHORISATION_STATUS[state],
        "created_at": local_time(a.created_at),
        "revoked_at": local_time(a.revoked_at),
    }


def presentation_out(p, *, with_credential: bool = False) -> dict:
    from . import qr, selectors, services

    state = selectors.presentation_state(p)
    out = {
        "id": p.pk,
        "identifier": p.license.identifier,
        "purpose": p.purpose,
        "recipient": p.recipient,
        "fields": p.fields,
        "maker": p.maker,
        "created_at": local_time(p.created_at),
        "valid_until": local_time(p.expires_at),
        "withdrawn_at": local_time(p.withdrawn_at),
        "status": state,
        "status_label": PRESENTATION_STATUS[state],
        "url": services.presentation_url(p),
    }
    if with_credential:
        out["qr_svg"] = qr.svg(out["url"])
        out["credential"] = p.credential
    return out


def use_out(u) -> dict:
    return {
        "id": u.id,
        "at": local_time(u.at),
        "channel": u.channel,
        "channel_label": u.get_channel_display(),
        "user": u.user_label,
        "purpose": u.purpose,
        "fields": u.fields,
        "field_labels": [label(f) for f in u.fields],
        "case": u.case_number or None,
        "authorisation": u.authorisation_id,
        "presentation": u.presentation_id,
    }


def _time_text(value: object) -> str:
    text = str(value or "")
    return text[:16].replace("T", " ") if len(text) >= 16 and text[10:11] == "T" else text


def annotation_rows(annotation: dict | None) -> list[tuple[str, str]]:
    """The 加注 of a verified presentation as (label, text) rows."""
    if not annotation:
        return []
    return [
        ("加注人", str(annotation.get("maker", ""))),
        ("加注时间", _time_text(annotation.get("made_at"))),
        ("用途", str(annotation.get("purpose", ""))),
        ("接收方", str(annotation.get("recipient", ""))),
        ("有效期至", _time_text(annotation.get("valid_until"))),
    ]


# --- 归集 / 修复 --------------------------------------------------------------------------------------
REPAIR_STATUS = {"pending": "待修复", "reissued": "已修复签发", "discarded": "已作废"}


def batch_out(b, *, with_report: bool = True) -> dict:
    out = {
        "id": b.pk,
        "filename": b.filename,
        "format": b.file_format,
        "created_at": local_time(b.created_at),
        "created_by": (b.created_by.display_name or b.created_by.username) if b.created_by else "命令行",
        "total_rows": b.total_rows,
        "issued": b.issued_count,
        "rejected": b.rejected_count,
    }
    if with_report:
        out["rows"] = b.report
    return out


def repair_out(r) -> dict:
    from . import importing, services

    return {
        "id": r.pk,
        "batch": r.batch_id,
        "row": r.row_number,
        "status": r.status,
        "status_label": REPAIR_STATUS.get(r.status, r.status),
        "values": importing.masked_values(services.repair_values(r)),
        "errors": r.errors,
        "department": r.department.name if r.department_id else None,
        "license": r.license.identifier if r.license_id else None,
        "note": r.note,
        "created_at": local_time(r.created_at),
        "resolved_at": local_time(r.resolved_at) if r.resolved_at else None,
    }
