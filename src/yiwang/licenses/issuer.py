"""Where this platform's licences live: the issuer URL (`iss` of every credential), the status
list's URI, the public link of a 加注件, and the time zone licence dates are read in (Beijing).
Plain functions of settings, used by services, selectors and pages alike."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from .models import LicensePresentation

SHANGHAI = timezone.get_fixed_timezone(8 * 60)


def issuer_url() -> str:
    return settings.YIWANG_LICENSE_ISSUER.rstrip("/")


def status_list_uri() -> str:
    return f"{issuer_url()}/api/v1/licenses/status-list"


def presentation_path(p: LicensePresentation) -> str:
    return f"/licenses/p/{p.public_id}/"


def presentation_url(p: LicensePresentation) -> str:
    return issuer_url() + presentation_path(p)
