"""电子证照共享 endpoint: a citizen or business lists its own licences of one type held in the
provincial licence library (issued elsewhere), to name one in an application for 免提交
(`license_refs`). Each call is a look-up at the province and is recorded (ProvinceExchange)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from yiwang.accounts.auth import api_auth
from yiwang.accounts.models import AccountKind
from yiwang.core.errors import DomainError, PermissionDenied, ValidationFailed
from yiwang.licenses.hooks import ExternalLookupFailed
from yiwang.licenses.models import LicenseStatus

from .services import sharing

router = Router(tags=["docking"])


class ProvinceUnavailable(DomainError):
    status = 503
    code = "province_unavailable"


@router.get("/province/licenses", auth=api_auth)
def province_license_list(request: HttpRequest, type_code: str = "", purpose: str = ""):
    user = request.auth
    if user.kind not in (AccountKind.PERSON, AccountKind.LEGAL):
        raise PermissionDenied("仅个人和法人可查询本人的电子证照", code="forbidden")
    if len(type_code) != 21 or not type_code.isalnum():
        raise ValidationFailed(fields={"type_code": ["证照类型代码应为21位（GB/T 36904）"]})
    if len(purpose) > 200:
        raise ValidationFailed(fields={"purpose": ["内容过长"]})
    try:
        found = sharing.licenses_lookup(
            applicant=user, type_code=type_code, purpose=purpose or "查询本人电子证照"
        )
    except ExternalLookupFailed as exc:
        raise ProvinceUnavailable("暂时无法查询省级电子证照库，请稍后再试") from exc
    return {
        "items": [
            {
                "identifier": f.identifier,
                "type_code": f.type_code,
                "type_name": f.type_name,
                "number": f.number,
                "issuer_name": f.issuer_name,
                "issuer_code": f.issuer_code,
                "issue_date": f.issued_on.isoformat() if f.issued_on else None,
                "valid_from": f.valid_from.isoformat() if f.valid_from else None,
                "valid_until": f.valid_until.isoformat() if f.valid_until else None,
                "status": f.status,
                "status_label": LicenseStatus(f.status).label,
                "source": f.source,
            }
            for f in found
        ],
        "count": len(found),
    }
