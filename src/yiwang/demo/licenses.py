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
# (licence type name, issuing department name)
MALL_LICENSES = [("营业执照", "武汉市市场监督管理局"), ("公共场所卫生许可证", "武汉市卫生健康委员会")]


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
    for type_name, dept_name in MALL_LICENSES:
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
            field = (type_.metadata_fields or [{}])[0].get("name", "address")
            lic = services.license_import(
                type_=type_,
                issuer=dept,
                holder_name=MALL_NAME,
                holder_id_type=HolderIdType.USCC,
                holder_id=mall.uscc,
                holder_user=mall,
                issued_on=today - timedelta(days=400),
                metadata={field: "武汉市江岸区中山大道1号示例广场"},
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
