"""QR codes (segno) of links, as inline SVG for pages and API answers."""

from __future__ import annotations

import segno


def svg(text: str, *, scale: int = 4, title: str = "二维码") -> str:
    """Inline SVG (no XML declaration), dark modules black on white, quiet zone 4, level M."""
    return segno.make(text, error="m", micro=False).svg_inline(
        scale=scale, dark="#000", light="#fff", title=title, omitsize=True
    )
