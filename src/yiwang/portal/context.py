"""Template context for every page (settings.TEMPLATES context_processors): the accessibility
toolbar's settings, the classes they put on <html> and the toolbar's pressed states."""

from __future__ import annotations

from . import prefs as a11y
from . import services


def current_prefs(request) -> dict[str, str]:
    """The account's saved settings when logged in (they follow the person), else the browser's."""
    cached = getattr(request, "_yw_prefs", None)
    if cached is not None:
        return cached
    values = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        values = services.account_prefs(user)
    if values is None:
        values = a11y.from_cookies(request.COOKIES)
    request._yw_prefs = values
    return values


def accessibility(request) -> dict:
    values = current_prefs(request)
    return {
        "a11y": values,
        "a11y_classes": a11y.classes(values),
        "a11y_pressed": a11y.pressed(values),
        "a11y_schemes": a11y.SCHEMES,
        "a11y_rates": a11y.RATES,
        "a11y_volumes": a11y.VOLUMES,
        "elder": values.get("elder") == "1",
    }
