"""Chinese labels for the disclosable claims of a licence credential."""

from __future__ import annotations

LABELS = {
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
REASONS = {
    "malformed": "凭证格式不正确",
    "key_binding_unsupported": "不支持持有者绑定凭证",
    "unknown_key": "签名密钥不存在",
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
}


def label(name: str, type_fields: list[dict] | None = None) -> str:
    if name.startswith("x_"):
        for f in type_fields or []:
            if f.get("name") == name[2:]:
                return f.get("title") or name
        return name[2:]
    return LABELS.get(name, name)


def disclosed_rows(disclosed: dict, type_fields: list[dict] | None = None) -> list[tuple[str, object]]:
    return [(label(k, type_fields), v) for k, v in disclosed.items()]
