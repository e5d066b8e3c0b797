"""PDF rendering of official documents (受理通知书, 不予受理通知书, 告知书 ...).

Pure Python (fpdf2); no Django, no system fonts. Chinese text is set in the
Noto Sans CJK SC subset shipped in ``fonts/`` (see fonts/README.md), which is
embedded (subsetted again to the glyphs used) in every PDF produced here.

    from yiwang.core.pdf import render_pdf
    pdf_bytes = render_pdf(
        title="受理通知书",
        blocks=[("p", "张三：您于2025年3月1日提交的食品经营许可申请，经审查，符合受理条件，决定予以受理。"),
                ("kv", "受理编号：JA2025030100001")],
        footer="武汉市江岸区市场监督管理局",
        seal_text="武汉市江岸区市场监督管理局\\n行政审批专用章",
    )

``render_document`` does the same but leaves the seal off the page and returns where it goes
(``SealSpot``): core.seal then draws it as the appearance of the PDF's digital signature, from
``seal_appearance`` (a one-page PDF of just the seal, vector, in the shipped font).

Block kinds: ``h1`` / ``h2`` headings, ``p`` paragraph (first line indented
two characters), ``kv`` a "label：value" line whose value wraps under itself.
Lines break between any two hanzi, at spaces between Latin words, and never
put closing punctuation (，。、）》 ...) at the start of a line or opening
punctuation (（《“ ...) at the end of one.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

__all__ = [
    "BLOCK_KINDS",
    "FONT_FAMILY",
    "FONT_PATH",
    "RenderedPdf",
    "SealSpot",
    "missing_chars",
    "render_document",
    "render_pdf",
    "seal_appearance",
    "seal_spot",
    "wrap_text",
]

FONT_PATH: Path = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Subset.ttf"
FONT_FAMILY = "NotoSansSC"
BLOCK_KINDS = frozenset({"h1", "h2", "p", "kv"})

# Everything is laid out in points (unit="pt"): 1 mm = 72 / 25.4 pt.
MM = 72 / 25.4
# Margins close to GB/T 9704 (党政机关公文格式): left 28 mm, right 26 mm.
MARGIN_LEFT = 28 * MM
MARGIN_RIGHT = 26 * MM
MARGIN_TOP = 25 * MM
MARGIN_BOTTOM = 28 * MM  # content stops here; the footer sits inside this band

TITLE_SIZE = 22.0  # 二号
H1_SIZE = 16.0  # 三号
H2_SIZE = 14.0  # 四号
BODY_SIZE = 12.0  # 小四
FOOTER_SIZE = 9.0
LINE_SPACING = 1.6  # line height = size * LINE_SPACING

TEXT_COLOR = (0, 0, 0)
MUTED_COLOR = (90, 90, 90)
SEAL_COLOR = (218, 37, 29)
SEAL_RADIUS = 21 * MM  # 42 mm, the usual diameter of an organ's official seal

# 避头 / 避尾 punctuation (kinsoku): never start / never end a line with these.
_NO_LINE_START = set("，。、；：？！）］｝〕〉》」』】〗〙〛’”…‥·・—～％‰℃°,.;:?!)]}>%")
_NO_LINE_END = set("（［｛〔〈《「『【〖〘〚‘“([{<")
_KV_SEPARATOR = re.compile(r"[：:]")


@functools.cache
def _font_codepoints() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # a dependency of fpdf2

    with TTFont(FONT_PATH, lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_chars(text: str) -> list[str]:
    """Characters of ``text`` the shipped font cannot draw (in order, without duplicates).

    fpdf2 only logs a warning and leaves such characters out of the PDF, so check
    names and addresses with this before issuing a document that must be exact.
    """
    have = _font_codepoints()
    seen: dict[str, None] = {}
    for ch in text:
        if not ch.isspace() and ord(ch) not in have:
            seen.setdefault(ch)
    return list(seen)


def _is_cjk(ch: str) -> bool:
    """True for characters between which a line may break (ideographs, kana, CJK punctuation)."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF  # radicals, CJK symbols & punctuation, kana, ideographs
        or 0xAC00 <= cp <= 0xD7AF  # hangul
        or 0xF900 <= cp <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= cp <= 0xFE4F  # CJK compatibility forms
        or 0xFF00 <= cp <= 0xFFEF  # fullwidth / halfwidth forms
        or 0x20000 <= cp <= 0x3FFFF  # extension B and beyond
    )


def _units(text: str) -> list[str]:
    """Split text into unbreakable units; " " units are break opportunities between words.

    A run of non-CJK, non-space characters (a Latin word, a number, "JA2025-001")
    stays together; each CJK character is its own unit; then kinsoku glues closing
    punctuation to the unit before it and opening punctuation to the unit after it.
    """
    raw: list[str] = []
    word = ""
    for ch in text:
        if ch.isspace() and ch != "\u3000":
            if word:
                raw.append(word)
                word = ""
            if raw and raw[-1] != " ":
                raw.append(" ")
        elif _is_cjk(ch):
            if word:
                raw.append(word)
                word = ""
            raw.append(ch)
        else:
            word += ch
    if word:
        raw.append(word)

    units: list[str] = []
    glue_next = False
    for unit in raw:
        if unit == " ":
            glue_next = False
            units.append(unit)
            continue
        if glue_next or (units and units[-1] != " " and unit[0] in _NO_LINE_START):
            if units and units[-1] != " ":
                units[-1] += unit
            else:
                units.append(unit)
        else:
            units.append(unit)
        glue_next = unit[-1] in _NO_LINE_END
    return units


def wrap_text(text: str, width: float, measure, first_line_width: float | None = None) -> list[str]:
    """Greedy line breaking of mixed Chinese/Latin text.

    ``measure(s) -> float`` gives the rendered width of ``s`` (e.g. ``FPDF.get_string_width``);
    ``width`` is the available line width, ``first_line_width`` (if given) that of the first
    line (for an indented paragraph). Explicit newlines start new lines. No character is
    dropped except spaces at which a line was broken.
    """
    lines: list[str] = []
    for para in text.split("\n"):
        avail = first_line_width if (first_line_width is not None and not lines) else width
        line = ""
        pending_space = False
        for unit in _units(para):
            if unit == " ":
                pending_space = bool(line)
                continue
            candidate = line + (" " if pending_space else "") + unit
            if measure(candidate) <= avail + 1e-6:
                line = candidate
                pending_space = False
                continue
            if line:
                lines.append(line)
                avail = width
                line = ""
                pending_space = False
            # A unit wider than a whole line (a long number or URL): split it by character.
            for ch in unit:
                if line and measure(line + ch) > avail + 1e-6:
                    lines.append(line)
                    avail = width
                    line = ""
                line += ch
        lines.append(line)
    return lines


class _NoticePDF(FPDF):
    """FPDF with the shipped CJK font and a footer (text + page x of n) on every page."""

    def __init__(self, footer_text: str | None) -> None:
        super().__init__(orientation="P", unit="pt", format="A4")
        self.footer_text = footer_text
        if not FONT_PATH.is_file():  # pragma: no cover - packaging error
            raise FileNotFoundError(f"CJK font missing: {FONT_PATH} (see scripts/build_font_subset.py)")
        self.add_font(FONT_FAMILY, "", str(FONT_PATH))
        self.set_font(FONT_FAMILY, size=BODY_SIZE)
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(False)  # page breaks are done line by line in _Layout
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        y = self.h - MARGIN_BOTTOM + 8 * MM
        with self.local_context(draw_color=MUTED_COLOR, text_color=MUTED_COLOR, line_width=0.5):
            self.line(self.l_margin, y, self.w - self.r_margin, y)
            self.set_font(FONT_FAMILY, size=FOOTER_SIZE)
            self.set_xy(self.l_margin, y + 3)
            width = self.w - self.l_margin - self.r_margin
            page = f"第 {self.page_no()} 页 / 共 {{nb}} 页"
            if self.footer_text:
                # Leave room on the right for the page number.
                text_w = width - self.get_string_width("第 99 页 / 共 99 页") - 12
                footer_lines = wrap_text(self.footer_text, text_w, self.get_string_width)
                for i, line in enumerate(footer_lines[:2]):
                    self.set_xy(self.l_margin, y + 3 + i * FOOTER_SIZE * 1.4)
                    self.cell(text_w, FOOTER_SIZE * 1.4, line)
            self.set_xy(self.l_margin, y + 3)
            self.cell(width, FOOTER_SIZE * 1.4, page, align="R")


class _Layout:
    def __init__(self, pdf: _NoticePDF) -> None:
        self.pdf = pdf
        self.width = pdf.w - pdf.l_margin - pdf.r_margin
        self.bottom = pdf.h - MARGIN_BOTTOM
        self.y = pdf.t_margin
        self.last_line_mid: float | None = None

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = self.pdf.t_margin

    def space(self, amount: float) -> None:
        if self.y > self.pdf.t_margin:  # no leading space at the top of a page
            self.y += amount

    def ensure(self, height: float) -> None:
        """Start a new page unless a line of ``height`` still fits on this one."""
        if self.y + height > self.bottom:
            self.new_page()

    def draw(
        self,
        text: str,
        size: float,
        x: float,
        *,
        w: float | None = None,
        align: str = "L",
        bold: bool = False,
        color: tuple[int, int, int] = TEXT_COLOR,
    ) -> None:
        """Draw one line at the current y (does not advance)."""
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, size=size)
        pdf.set_xy(x, self.y)
        ctx: dict = {"text_color": color}
        if bold:
            # Synthetic bold: fill + stroke the glyph outlines (one weight is shipped).
            # unit="pt" keeps fpdf2's text-mode line width (emitted unscaled) in points.
            ctx.update(text_mode="FILL_STROKE", line_width=size * 0.025, draw_color=color)
        with pdf.local_context(**ctx):
            width = w if w is not None else self.width - (x - pdf.l_margin)
            pdf.cell(width, size * LINE_SPACING, text, align=align)
        self.last_line_mid = self.y + size * LINE_SPACING / 2

    def line(self, text: str, size: float, x: float, **kwargs) -> None:
        """Draw one line (on a new page if it does not fit) and advance."""
        height = size * LINE_SPACING
        self.ensure(height)
        self.draw(text, size, x, **kwargs)
        self.y += height

    def measure(self, size: float):
        pdf = self.pdf

        def width(s: str) -> float:
            pdf.set_font(FONT_FAMILY, size=size)
            return pdf.get_string_width(s)

        return width


def _kv_label_width(layout: _Layout, labels: Iterable[str]) -> float:
    """Common label column for a run of kv lines, capped at 40 % of the line."""
    measure = layout.measure(BODY_SIZE)
    widest = max((measure(label + "：") for label in labels), default=0.0)
    return min(widest, layout.width * 0.4)


def _draw_seal(pdf: FPDF, cx: float, cy: float, text: str) -> None:
    """A round red seal: ring, five-pointed star, ``text`` along the upper arc and an
    optional second line (after a newline) set horizontally under the star."""
    r = SEAL_RADIUS
    ring = 1.2 * MM
    arc_text, _, bottom_text = text.strip().partition("\n")
    arc_text = arc_text.strip()
    bottom_text = bottom_text.strip()
    with pdf.local_context(
        draw_color=SEAL_COLOR,
        fill_color=SEAL_COLOR,
        text_color=SEAL_COLOR,
        line_width=ring,
        blend_mode="MULTIPLY",  # the text under the seal stays readable
        fill_opacity=0.9,
        stroke_opacity=0.9,
    ):
        pdf.circle(cx, cy, r - ring / 2, style="D")

        star_r = r * 0.30
        star_cy = cy if not bottom_text else cy - r * 0.04
        points = []
        for k in range(10):
            rad = star_r if k % 2 == 0 else star_r * 0.382
            a = math.radians(90 + 36 * k)
            points.append((cx + rad * math.cos(a), star_cy - rad * math.sin(a)))
        pdf.polygon(points, style="F")

        if arc_text:
            chars = list(arc_text)
            n = len(chars)
            max_span = math.radians(220)
            inner = r - ring * 1.5  # keep a little air between the ring and the characters
            fs = r * 0.26
            text_r = inner - fs * 0.62  # radius of the character centres
            step = fs * 1.05 / text_r  # angle per character
            if step * n > max_span:
                # Shrink the type until the text fits in max_span: fs*1.05 = step*(inner - 0.62*fs).
                step = max_span / n
                fs = step * inner / (1.05 + 0.62 * step)
                text_r = inner - fs * 0.62
            start = math.pi / 2 + step * (n - 1) / 2
            pdf.set_font(FONT_FAMILY, size=fs)
            for i, ch in enumerate(chars):
                a = start - i * step
                x = cx + text_r * math.cos(a)
                y = cy - text_r * math.sin(a)
                with pdf.rotation(math.degrees(a) - 90, x, y):
                    # Ideographs sit on the baseline with their centre ~0.38 em above it.
                    pdf.text(x - pdf.get_string_width(ch) / 2, y + fs * 0.38, ch)

        if bottom_text:
            fs = min(r * 0.17, (1.1 * r) / max(len(bottom_text), 1))
            pdf.set_font(FONT_FAMILY, size=fs)
            w = pdf.get_string_width(bottom_text)
            pdf.text(cx - w / 2, cy + r * 0.5, bottom_text)


@dataclass(frozen=True)
class SealSpot:
    """Where a seal goes: page index (0-based) and its box in PDF user space (points, origin at
    the bottom left: x1, y1, x2, y2), and the seal's text (see ``_draw_seal``)."""

    page: int
    box: tuple[float, float, float, float]
    text: str


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    seal: SealSpot | None


def seal_spot(pdf: FPDF, cx: float, cy: float, text: str) -> SealSpot:
    """The ``SealSpot`` of a seal centred at (cx, cy) in fpdf's top-down coordinates, on the
    current page."""
    r = SEAL_RADIUS
    h = pdf.h
    return SealSpot(page=pdf.page_no() - 1, box=(cx - r, h - cy - r, cx + r, h - cy + r), text=text)


@functools.lru_cache(maxsize=256)
def seal_appearance(text: str) -> bytes:
    """A one-page PDF, exactly the seal's size, with the round red seal of ``text`` (organ name on
    the upper arc, a five-pointed star, an optional second line after a newline): the visible
    appearance of an electronic seal's signature widget."""
    size = 2 * SEAL_RADIUS
    pdf = FPDF(orientation="P", unit="pt", format=(size, size))
    pdf.add_font(FONT_FAMILY, "", str(FONT_PATH))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_creator("Yiwang")
    pdf.add_page()
    _draw_seal(pdf, size / 2, size / 2, text)
    return bytes(pdf.output())


def render_pdf(
    *,
    title: str,
    blocks: Sequence[tuple[str, str]],
    footer: str | None = None,
    seal_text: str | None = None,
) -> bytes:
    """Render an A4 notice and return the PDF bytes (the seal, if any, drawn on the page: an
    unsigned picture; signed documents use ``render_document`` and core.seal)."""
    return render_document(title=title, blocks=blocks, footer=footer, seal_text=seal_text, draw_seal=True).pdf


def render_document(
    *,
    title: str,
    blocks: Sequence[tuple[str, str]],
    footer: str | None = None,
    seal_text: str | None = None,
    draw_seal: bool = False,
) -> RenderedPdf:
    """Render an A4 notice: the PDF bytes and where its seal goes.

    ``blocks`` is a list of ``(kind, text)`` with kind in ``BLOCK_KINDS``; a "kv"
    text is "label：value" (a fullwidth or ASCII colon). ``footer`` is printed at
    the bottom of every page with "第 x 页 / 共 n 页". ``seal_text`` draws a red
    round seal over the end of the document, the text around its upper arc
    (a second line after "\\n" goes under the star, e.g. "行政审批专用章").
    """
    for kind, _text in blocks:
        if kind not in BLOCK_KINDS:
            raise ValueError(f"unknown block kind {kind!r}; expected one of {sorted(BLOCK_KINDS)}")

    pdf = _NoticePDF(footer)
    pdf.set_title(title)
    pdf.set_creator("Yiwang")
    pdf.set_lang("zh-CN")
    layout = _Layout(pdf)
    layout.new_page()

    # Title: centred, wrapped.
    for line in wrap_text(title, layout.width, layout.measure(TITLE_SIZE)):
        layout.line(line, TITLE_SIZE, pdf.l_margin, align="C", bold=True)
    layout.space(TITLE_SIZE * 0.6)

    i = 0
    while i < len(blocks):
        kind, text = blocks[i]
        if kind == "h1":
            layout.space(H1_SIZE * 0.5)
            for line in wrap_text(text, layout.width, layout.measure(H1_SIZE)):
                layout.line(line, H1_SIZE, pdf.l_margin, bold=True)
            layout.space(H1_SIZE * 0.2)
        elif kind == "h2":
            layout.space(H2_SIZE * 0.4)
            for line in wrap_text(text, layout.width, layout.measure(H2_SIZE)):
                layout.line(line, H2_SIZE, pdf.l_margin, bold=True)
            layout.space(H2_SIZE * 0.1)
        elif kind == "p":
            indent = 2 * BODY_SIZE  # 首行缩进两字
            lines = wrap_text(text, layout.width, layout.measure(BODY_SIZE), layout.width - indent)
            for n, line in enumerate(lines):
                layout.line(line, BODY_SIZE, pdf.l_margin + (indent if n == 0 else 0))
            layout.space(BODY_SIZE * 0.4)
        else:  # kv: consecutive kv blocks share one label column
            j = i
            run: list[tuple[str, str]] = []
            while j < len(blocks) and blocks[j][0] == "kv":
                parts = _KV_SEPARATOR.split(blocks[j][1], maxsplit=1)
                run.append((parts[0].strip(), parts[1].strip()) if len(parts) == 2 else ("", parts[0]))
                j += 1
            label_w = _kv_label_width(layout, (label for label, _ in run if label))
            measure = layout.measure(BODY_SIZE)
            for label, value in run:
                if not label:
                    for line in wrap_text(value, layout.width, measure):
                        layout.line(line, BODY_SIZE, pdf.l_margin)
                    continue
                label_lines = wrap_text(label + "：", label_w, measure)
                value_lines = wrap_text(value, layout.width - label_w, measure) if value else [""]
                height = BODY_SIZE * LINE_SPACING
                for n in range(max(len(label_lines), len(value_lines))):
                    layout.ensure(height)
                    if n < len(label_lines):
                        layout.draw(label_lines[n], BODY_SIZE, pdf.l_margin, w=label_w, color=MUTED_COLOR)
                    if n < len(value_lines):
                        layout.draw(value_lines[n], BODY_SIZE, pdf.l_margin + label_w)
                    layout.y += height
                layout.space(BODY_SIZE * 0.25)
            i = j
            continue
        i += 1

    spot = None
    if seal_text and seal_text.strip():
        # Over the last lines (the issuing organ and date, by convention), right-aligned.
        cx = pdf.w - pdf.r_margin - SEAL_RADIUS - 6 * MM
        anchor = layout.last_line_mid if layout.last_line_mid is not None else layout.y
        cy = min(anchor - 4 * MM, layout.bottom - SEAL_RADIUS)
        cy = max(cy, pdf.t_margin + SEAL_RADIUS)
        spot = seal_spot(pdf, cx, cy, seal_text)
        if draw_seal:
            _draw_seal(pdf, cx, cy, seal_text)

    return RenderedPdf(pdf=bytes(pdf.output()), seal=spot)
