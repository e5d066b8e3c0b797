"""Rate limit of the public verification (API and page), per client address, shared through the
cache so it holds across processes (the pattern of the accounts login throttle).

YIWANG_LICENSE_VERIFY_RATE requests per YIWANG_LICENSE_VERIFY_WINDOW seconds (default 60 per 60)."""

from __future__ import annotations

import os

from django.core.cache import cache
from django.http import HttpRequest

from yiwang.core.errors import Throttled

MESSAGE = "核验请求过于频繁，请稍后再试"


def limits() -> tuple[int, int]:
    rate = int(os.environ.get("YIWANG_LICENSE_VERIFY_RATE", "60"))
    window = int(os.environ.get("YIWANG_LICENSE_VERIFY_WINDOW", "60"))
    return max(rate, 1), max(window, 1)


def hit(request: HttpRequest, *, scope: str) -> bool:
    """Count one request; False once the address is over the limit in this window."""
    from yiwang.accounts.services import client_ip

    rate, window = limits()
    key = f"licenses:verify:{scope}:{client_ip(request)}"
    if cache.add(key, 1, window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= rate


def check(request: HttpRequest, *, scope: str) -> None:
    if not hit(request, scope=scope):
        raise Throttled(MESSAGE)
