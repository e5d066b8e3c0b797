"""Demo data for licence use (the seed's 免提交 example): a shopping-mall operator holds a
营业执照 and a 公共场所卫生许可证 and authorises the demo business (a tenant restaurant company) to
use them in its applications; the operator has also made one 加注件 for a bank. Idempotent."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.licenses import services
from yiwang.licenses.models import (
    HolderIdType,
    License,
    LicenseAuthorisation,
    LicensePresentation,
    LicenseType,
)
from yiwang.organizations.models import Department

from .codes import uscc_make

MALL_USERNAME = "mall"
MALL_NAME = "武汉示例商业广场运营管理有限公司"
TENANT_USERNAME = "business"
MALL_ADDRESS = "武汉市江岸区中山大道1号示例广场"
# (licence type name, issuing department name, face items its standard lists — demo values)
MALL_LICENSES = [
    (
        "营业执照",
        "武汉市市场监督管理局",
        {
            "domicile": MALL_ADDRESS,
            "entity_type": "有限责任公司（自然人投资或控股）",
            "legal_representative": "周强",
            "registered_capital": "5000万元人民币",
            "business_scope": "一般项目：商业综合体管理服务；物业管理；停车场服务；柜台、摊位出租；"
            "会议及展览服务（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
        },
    ),
    (
        "公共场所卫生许可证",
        "武汉市卫生健康委员会",
        {"address": MALL_ADDRESS, "legal_representative": "周强", "licensed_items": "商场（店）"},
    ),
]


def mall_uscc() -> str:
    return uscc_make(seed=MALL_NAME, region_code="420102", registry="9", category="1")


@transaction.atomic
def demo_load(*, world=None, password: str | None = None) -> dict:
    """Create (once) the mall operator's account (`mall`, legal person; unusable password unless
    `password` is given), its two licences, an authorisation to the demo business and a 加注件.
    Needs the licence catalogue, the two departments and the `business` user; what is missing is
    skipped and named in the result. `world` (tests) supplies the tenant as world.company."""
    from yiwang.accounts import services as accounts

    out: dict = {"licenses": 0, "authorisations": 0, "presentations": 0, "skipped": []}
    tenant = getattr(world, "company", None) or User.objects.filter(username=TENANT_USERNAME).first()
    if tenant is None or not tenant.uscc:
        out["skipped"].append("tenant")
        return out
    mall = User.objects.filter(username=MALL_USERNAME).first()
    if mall is None:
        mall = accounts.legal_register(
            username=MALL_USERNAME,
            password=password or secrets.token_urlsafe(24),
            name=MALL_NAME,
            uscc=mall_uscc(),
            legal_representative="周强",
        )
        if not password:
            mall.set_unusable_password()
            mall.save(update_fields=["password"])
    elif password:
        mall.set_password(password)
        mall.save(update_fields=["password"])
    today = timezone.localdate()
    held = []
    for type_name, dept_name, face in MALL_LICENSES:
        type_ = LicenseType.objects.filter(name=type_name).first()
        dept = (
            getattr(world, "dept", None)
            if world is not None
            else Department.objects.filter(name=dept_name).first()
        )
        if type_ is None or dept is None:
            out["skipped"].append(type_name)
            continue
        lic = License.objects.filter(type=type_, holder_user=mall, case__isnull=True).first()
        if lic is None:
            known = {f.get("name") for f in type_.metadata_fields or []}
            metadata = {k: v for k, v in face.items() if k in known}
            if "established_on" in known:
                metadata["established_on"] = (today - timedelta(days=400)).isoformat()
            lic = services.license_import(
                type_=type_,
                issuer=dept,
                holder_name=MALL_NAME,
                holder_id_type=HolderIdType.USCC,
                holder_id=mall.uscc,
                holder_user=mall,
                issued_on=today - timedelta(days=400),
                metadata=metadata,
            )
            out["licenses"] += 1
        held.append(lic)
    for lic in held:
        if not LicenseAuthorisation.objects.filter(license=lic, revoked_at__isnull=True).exists():
            until = today + timedelta(days=365)
            if lic.valid_until and until > lic.valid_until:
                until = lic.valid_until
            services.license_authorise(
                license=lic,
                actor=mall,
                grantee_id_type=HolderIdType.USCC,
                grantee_id=tenant.uscc,
                grantee_name=tenant.display_name,
                purpose="入驻商户办理食品经营许可、公共场所卫生许可等事项时使用",
                valid_until=until,
            )
            out["authorisations"] += 1
    if held and not LicensePresentation.objects.filter(license=held[0]).exists():
        services.license_present(
            license=held[0],
            actor=mall,
            purpose="办理对公账户年检",
            recipient="示例银行武汉江岸支行",
            fields=["name", "holder", "holder_id", "valid_until"],
            valid_until=today + timedelta(days=30),
        )
        out["presentations"] += 1
    return out
