"""QR rendering of a code (segno): SVG, alphanumeric mode, error correction level M."""

from __future__ import annotations

import segno


def svg(code: str, *, scale: int = 6, title: str = "电子身份码") -> str:
    """Inline SVG (no XML declaration) of the code, dark modules black on white, quiet zone 4."""
    return segno.make(code, error="m", micro=False).svg_inline(
        scale=scale, dark="#000", light="#fff", title=title, omitsize=True
    )


def version(code: str) -> int:
    return segno.make(code, error="m", micro=False).version
