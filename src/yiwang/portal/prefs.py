"""The accessibility toolbar's settings (无障碍): what each setting may be, the page classes they
give, the cookies that keep them per browser and the account row that keeps them per account.

One source of truth for the server (base.html's classes, the toolbar's pressed states) and for the
toolbar's JavaScript (the prefs view answers JSON with the same classes). Cookies are read on
every page; a logged-in person's saved settings win over the browser's."""

from __future__ import annotations

from dataclasses import dataclass

COOKIE_PREFIX = "yw_"
MAX_AGE = 365 * 24 * 3600

# 配色: at least four high-contrast colour sets (each ≥ 7:1, WCAG AAA for text).
SCHEMES = {
    "yb": "黑底黄字",
    "wb": "黑底白字",
    "bw": "白底黑字",
    "by": "黄底黑字",
    "bl": "蓝底白字",
}
ZOOMS = ("100", "125", "150", "175", "200")  # 放大 / 缩小 of the whole page
RATES = {"0.75": "慢", "1": "中", "1.25": "快", "1.5": "很快"}
VOLUMES = {"0.5": "小", "0.75": "中", "1": "大"}

# On/off settings: name -> label (the toolbar's names, also the screen-reader announcements).
SWITCHES = {
    "large": "大字号",
    "cursor": "大鼠标",
    "guide": "十字光标",
    "caption": "大字幕",
    "text": "纯文本",
    "elder": "长辈版",
    "speak": "指读",
    "panel": "无障碍工具栏",
}
# Every setting and the values it may take ("" = off / default).
ALLOWED: dict[str, tuple[str, ...]] = {
    **{name: ("", "1") for name in SWITCHES},
    "scheme": ("", *SCHEMES),
    "zoom": ZOOMS,
    "rate": tuple(RATES),
    "volume": tuple(VOLUMES),
}
DEFAULTS = {name: "" for name in ALLOWED} | {"zoom": "100", "rate": "1", "volume": "1"}


def clean(values: dict) -> dict[str, str]:
    """Only known settings with allowed values; everything else falls back to the default."""
    out = dict(DEFAULTS)
    for name, allowed in ALLOWED.items():
        value = str(values.get(name, "") or "")
        if value in allowed:
            out[name] = value
    return out


def from_cookies(cookies) -> dict[str, str]:
    values = {name: cookies.get(COOKIE_PREFIX + name, "") for name in ALLOWED}
    # The old 高对比度 cookie (yw_contrast=1) is 配色 黑底黄字.
    if cookies.get("yw_contrast") == "1" and not values["scheme"]:
        values["scheme"] = "yb"
    return clean(values)


@dataclass(frozen=True)
class Change:
    prefs: dict[str, str]
    message: str  # what the screen reader hears (also the page's status message without JS)


def apply(prefs: dict[str, str], *, toggle: str, value: str = "") -> Change:
    """One toolbar action on the settings: a switch toggled, a colour set chosen (again = off),
    zoom in or out, speech rate or volume set, or everything reset."""
    new = dict(prefs)
    if toggle in SWITCHES:
        new[toggle] = "" if prefs.get(toggle) == "1" else "1"
        state = "已开启" if new[toggle] else "已关闭"
        return Change(new, f"{state}{SWITCHES[toggle]}")
    if toggle == "contrast":  # the former 高对比度 button
        toggle, value = "scheme", "yb"
    if toggle == "scheme":
        if value not in SCHEMES or prefs.get("scheme") == value:
            new["scheme"] = ""
            return Change(new, "已恢复默认配色")
        new["scheme"] = value
        return Change(new, f"配色：{SCHEMES[value]}")
    if toggle in ("zoom_in", "zoom_out"):
        i = ZOOMS.index(prefs.get("zoom") or "100")
        i = min(i + 1, len(ZOOMS) - 1) if toggle == "zoom_in" else max(i - 1, 0)
        new["zoom"] = ZOOMS[i]
        return Change(new, f"页面缩放 {ZOOMS[i]}%")
    if toggle == "rate" and value in RATES:
        new["rate"] = value
        return Change(new, f"语速：{RATES[value]}")
    if toggle == "volume" and value in VOLUMES:
        new["volume"] = value
        return Change(new, f"音量：{VOLUMES[value]}")
    if toggle == "reset":
        return Change(dict(DEFAULTS), "已重置全部无障碍设置")
    return Change(new, "")


def classes(prefs: dict[str, str]) -> str:
    """The classes on <html> (site.css and a11y.css style them; they work without JavaScript)."""
    out = []
    if prefs.get("large") == "1":
        out.append("pref-large")
    if prefs.get("scheme"):
        out += ["pref-contrast", f"cs-{prefs['scheme']}"]
    if prefs.get("zoom", "100") != "100":
        out.append(f"zoom-{prefs['zoom']}")
    for name in ("cursor", "guide", "caption", "text", "elder", "speak"):
        if prefs.get(name) == "1":
            out.append(f"pref-{name}")
    return " ".join(out)


def pressed(prefs: dict[str, str]) -> dict[str, bool]:
    """aria-pressed of every toolbar button, keyed by the button's data-pref."""
    out = {name: prefs.get(name) == "1" for name in SWITCHES}
    out.update({f"scheme-{code}": prefs.get("scheme") == code for code in SCHEMES})
    return out
