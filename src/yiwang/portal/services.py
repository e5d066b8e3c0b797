"""The portal's writes: a person's accessibility settings saved to the account, and the elder
mode's phone-help callback request to a hall."""

from __future__ import annotations

from django.db import transaction
from stdnum.exceptions import ValidationError

from yiwang.core.errors import ValidationFailed
from yiwang.core.identifiers import validate_phone

from . import prefs as a11y
from .models import AccessibilitySettings, CallbackRequest


def account_prefs(user) -> dict[str, str] | None:
    """The settings saved to the account (None when it has none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = AccessibilitySettings.objects.filter(user=user).first()
    # (rows saved before the open toolbar stopped being a setting may still say panel=1)
    return a11y.clean({**row.values, "panel": ""}) if row is not None else None


@transaction.atomic
def account_prefs_save(*, user, values: dict) -> dict[str, str]:
    """Save the settings to the account. Whether the toolbar is open is this browser's, not a
    setting: it does not follow the person (on a phone an open toolbar fills the first screens
    of every page)."""
    clean = a11y.clean(values)
    AccessibilitySettings.objects.update_or_create(user=user, defaults={"values": {**clean, "panel": ""}})
    return clean


@transaction.atomic
def callback_request(*, hall, name: str, phone: str, topic: str = "", user=None) -> CallbackRequest:
    """Ask the hall to call back (长辈版 电话帮办). The number is checked, the name required."""
    fields: dict[str, list[str]] = {}
    name = (name or "").strip()[:50]
    topic = (topic or "").strip()[:200]
    if not name:
        fields["name"] = ["请填写您的称呼"]
    try:
        phone = validate_phone(phone or "")
    except ValidationError:
        fields["phone"] = ["请填写 11 位手机号码"]
    if hall is None:
        fields["hall"] = ["请选择服务大厅"]
    if fields:
        raise ValidationFailed("提交的内容有误，请按提示修改", fields=fields)
    return CallbackRequest.objects.create(
        hall=hall,
        name=name,
        phone=phone,
        topic=topic,
        user=user if getattr(user, "is_authenticated", False) else None,
    )
