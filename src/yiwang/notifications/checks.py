"""System check: notification settings that do not parse are reported at start-up (at run time
the service falls back to the defaults and logs a warning instead of failing a caller)."""

from __future__ import annotations

from django.core.checks import Error, register

from . import config


@register()
def notification_settings(app_configs, **kwargs) -> list[Error]:
    return [Error(p, id="notifications.E001") for p in config.problems()]
