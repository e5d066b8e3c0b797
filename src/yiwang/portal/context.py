"""Template context for every page (settings.TEMPLATES context_processors): the accessibility
toolbar's settings, the classes they put on <html> and the toolbar's pressed states."""

from __future__ import annotations

from . import prefs as a11y


def current_prefs(request) -> dict[str, str]:
    """The browser's settings (cookies). An account's saved settings follow the person: the login
    copies them into the cookies and every change is saved to both, so no page queries them."""
    cached = getattr(request, "_yw_prefs", None)
    if cached is None:
        cached = request._yw_prefs = a11y.from_cookies(request.COOKIES)
    return cached


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
