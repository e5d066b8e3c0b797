"""The channel configuration of the notification service, read from settings at each use (tests
and operators may change it without a restart of anything but the process).

- `YIWANG_NOTIFICATION_CHANNELS` — channels (besides the inbox) every category uses unless a
  person chooses otherwise: any of `email`, `sms`, `log` (default `log`: embedded/demo mode).
- `YIWANG_NOTIFICATION_CATEGORY_CHANNELS` — per category, e.g. `case=sms;evaluation=email,log`.
- `YIWANG_NOTIFICATION_OPTIONAL_CHANNELS` — what a person may switch on or off (`email,sms`;
  SMS only once a gateway is configured).
- Legacy: `YIWANG_EVALUATION_NOTIFIER` (categories evaluation and participation) and
  `YIWANG_PARTICIPATION_NOTIFIER` (participation) still work: the old class paths
  `yiwang.evaluations.notify.LogChannel` / `…EmailChannel` mean `log` / `email`, and a list of
  channel codes is accepted too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

log = logging.getLogger("yiwang.notifications")

INAPP, EMAIL, SMS, LOG = "inapp", "email", "sms", "log"
EXTERNAL = (EMAIL, SMS, LOG)
PERSONAL = (EMAIL, SMS)  # channels a person may choose
LEGACY = {
    "yiwang.evaluations.notify.LogChannel": LOG,
    "yiwang.evaluations.notify.EmailChannel": EMAIL,
}
DEFAULT_SMS_GATEWAY = "yiwang.notifications.sms.HttpJsonGateway"
RETRY_CAP = timedelta(hours=6)
LEASE = timedelta(minutes=5)  # a send that crashed is taken up again after this


class ConfigError(ValueError):
    pass


def parse_channels(value: str) -> list[str]:
    """`"email,log"` → ["email", "log"]; the two legacy class paths map to one code."""
    value = (value or "").strip()
    if value in LEGACY:
        return [LEGACY[value]]
    codes = [c.strip() for c in value.split(",") if c.strip()]
    unknown = [c for c in codes if c not in EXTERNAL]
    if unknown:
        raise ConfigError(f"unknown notification channel(s): {', '.join(unknown)}")
    return list(dict.fromkeys(codes))


def parse_category_channels(value: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in (value or "").split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise ConfigError(f"expected category=channels, got {part.strip()!r}")
        category, channels = part.split("=", 1)
        out[category.strip()] = parse_channels(channels)
    return out


def _safe(parse, value, default):
    try:
        return parse(value)
    except ConfigError as exc:  # the system check reports it at start-up; never fail a caller
        log.warning("notification settings: %s", exc)
        return default


def category_defaults(category: str) -> list[str]:
    """The channels (besides the inbox) a category uses for a person who has not chosen."""
    mapping = _safe(
        parse_category_channels, getattr(settings, "YIWANG_NOTIFICATION_CATEGORY_CHANNELS", ""), {}
    )
    if category in mapping:
        return mapping[category]
    legacy = ""
    if category == "participation":
        legacy = getattr(settings, "YIWANG_PARTICIPATION_NOTIFIER", "") or getattr(
            settings, "YIWANG_EVALUATION_NOTIFIER", ""
        )
    elif category == "evaluation":
        legacy = getattr(settings, "YIWANG_EVALUATION_NOTIFIER", "")
    if legacy:
        return _safe(parse_channels, legacy, [LOG])
    return _safe(parse_channels, getattr(settings, "YIWANG_NOTIFICATION_CHANNELS", LOG), [LOG])


def sms_configured() -> bool:
    gateway = getattr(settings, "YIWANG_SMS_GATEWAY", DEFAULT_SMS_GATEWAY) or DEFAULT_SMS_GATEWAY
    return gateway != DEFAULT_SMS_GATEWAY or bool(getattr(settings, "YIWANG_SMS_URL", ""))


def optional_channels() -> list[str]:
    """The channels a person may switch on or off on this instance."""
    codes = _safe(parse_channels, getattr(settings, "YIWANG_NOTIFICATION_OPTIONAL_CHANNELS", "email,sms"), [])
    return [c for c in codes if c in PERSONAL and (c != SMS or sms_configured())]


def max_attempts() -> int:
    return max(1, int(getattr(settings, "YIWANG_NOTIFICATION_MAX_ATTEMPTS", 8)))


def retry_delay(*, attempt: int, delivery_id: int) -> timedelta:
    """Exponential backoff after the `attempt`-th failure (base, 2×base, 4×base … capped at six
    hours), spread by up to 18 % per delivery so that a gateway outage is not retried in lockstep."""
    base = float(getattr(settings, "YIWANG_NOTIFICATION_RETRY_SECONDS", 60))
    delay = min(timedelta(seconds=base * 2 ** max(attempt - 1, 0)), RETRY_CAP)
    return delay + delay * ((delivery_id % 10) / 50)


def link_base() -> str:
    base = getattr(settings, "YIWANG_NOTIFICATION_LINK_BASE", "") or getattr(
        settings, "YIWANG_LICENSE_ISSUER", ""
    )
    return base.rstrip("/")


def absolute(link: str) -> str:
    if not link or re.match(r"^https?://", link):
        return link
    return link_base() + (link if link.startswith("/") else "/" + link)


# --- quiet hours (SMS) --------------------------------------------------------------------------
@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def until(self, now: datetime) -> datetime | None:
        """The end of the quiet period `now` falls in (local time), or None outside it."""
        local = timezone.localtime(now)
        t = local.time()
        inside = (self.start <= t < self.end) if self.start < self.end else (t >= self.start or t < self.end)
        if not inside:
            return None
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end


_QUIET = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$")


def parse_quiet_hours(value: str) -> QuietHours | None:
    """`"22-7"` or `"21:30-07:30"` (local time; may wrap midnight); empty = none."""
    if not (value or "").strip():
        return None
    m = _QUIET.match(value)
    if not m:
        raise ConfigError(f"quiet hours should look like 22-7, got {value!r}")
    h1, m1, h2, m2 = (int(x or 0) for x in m.groups())
    if not (0 <= h1 <= 23 and 0 <= h2 <= 23 and 0 <= m1 <= 59 and 0 <= m2 <= 59):
        raise ConfigError(f"quiet hours out of range: {value!r}")
    start, end = time(h1, m1), time(h2, m2)
    return None if start == end else QuietHours(start, end)


def quiet_hours() -> QuietHours | None:
    return _safe(parse_quiet_hours, getattr(settings, "YIWANG_SMS_QUIET_HOURS", ""), None)


def quiet_until(now: datetime) -> datetime | None:
    """When SMS may go out again if `now` is inside the configured quiet hours, else None."""
    hours = quiet_hours()
    return hours.until(now) if hours else None


def problems() -> list[str]:
    """Misconfigurations, for the system check."""
    out = []
    for name, parse in (
        ("YIWANG_NOTIFICATION_CHANNELS", parse_channels),
        ("YIWANG_NOTIFICATION_CATEGORY_CHANNELS", parse_category_channels),
        ("YIWANG_NOTIFICATION_OPTIONAL_CHANNELS", parse_channels),
        ("YIWANG_EVALUATION_NOTIFIER", parse_channels),
        ("YIWANG_PARTICIPATION_NOTIFIER", parse_channels),
        ("YIWANG_SMS_QUIET_HOURS", parse_quiet_hours),
    ):
        try:
            parse(getattr(settings, name, "") or "")
        except ConfigError as exc:
            out.append(f"{name}: {exc}")
    return out
