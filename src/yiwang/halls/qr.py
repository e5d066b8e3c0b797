"""QR codes of appointment codes and ticket links (segno): inline SVG, error correction M."""

from __future__ import annotations

import segno


def svg(text: str, *, scale: int = 5, title: str = "预约码") -> str:
    return segno.make(text, error="m", micro=False).svg_inline(
        scale=scale, dark="#000", light="#fff", title=title, omitsize=True
    )
