#!/usr/bin/env python3
"""Rebuild src/yiwang/core/fonts/NotoSansSC-Subset.ttf (the font embedded in generated PDFs).

Origin
------
Source font: "Noto Sans CJK SC" Regular, Version 2.004 (face index 2 of
``NotoSansCJK-Regular.ttc``) from Debian 12's package ``fonts-noto-cjk``
(1:20220127+repack1-1), upstream https://github.com/notofonts/noto-cjk,
licensed under the SIL Open Font License 1.1 (OFL.txt next to the subset).

Steps (not run in CI; needs the source font and fontTools):

    apt-get update && apt-get install -y fonts-noto-cjk
    pip install 'fonttools>=4.50'
    python scripts/build_font_subset.py            # writes src/yiwang/core/fonts/NotoSansSC-Subset.ttf
    python scripts/build_font_subset.py --check    # only prints coverage / size

What it does
------------
1. Character set: the whole GB2312 repertoire (6763 level-1+2 hanzi plus its
   symbol rows: CJK punctuation, fullwidth ASCII, ①⑴⒈Ⅰ numbering, ℃ №, Greek,
   Cyrillic, kana, box drawing), printable ASCII, Latin-1, general punctuation,
   CJK Symbols and Punctuation, Halfwidth/Fullwidth Forms, and EXTRA_HANZI:
   a short hand-picked list of place/person-name characters outside GB2312
   (硚口区 of Wuhan, 镕, 喆, 堃, 珺 ...). Add to EXTRA_HANZI when a real name
   renders as a blank.
2. Subset with fontTools' subsetter. Equivalent CLI (font number 2 = SC):

       pyftsubset NotoSansCJK-Regular.ttc --font-number=2 --text-file=chars.txt \\
           --layout-features-=locl,vert,vrt2,vkrn,vpal,valt,vhal,vchw,vjmo --name-IDs='*' --name-languages='*' --no-hinting --drop-tables+=VORG,vhea,vmtx \\
           --output-file=subset.otf

3. Convert the CFF (PostScript, cubic) outlines to TrueType (glyf, quadratic)
   with fontTools' cu2qu pen (as in fontTools' Snippets/otf2ttf.py), because
   TrueType-flavoured fonts are the most widely supported embedding path for
   PDF libraries and viewers (fpdf2 embeds them as CIDFontType2).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEFAULT_FONT_NUMBER = 2  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK in the Debian/upstream TTC
DEFAULT_OUTPUT = REPO / "src" / "yiwang" / "core" / "fonts" / "NotoSansSC-Subset.ttf"

# Frequently met in names of people and places but not in GB2312.
EXTRA_HANZI = (
    "硚"  # 硚口区 (Wuhan)
    "镕喆堃珺昇玥犇赟燚垚韡頔玏瑄祎翀彧旻晞曌洺芃浛"
    "啰溦昕"  # 啰: 通用规范汉字表 level 1
    "栢堉琍瑢珣璟炘焜煜昶晔"
    "䶮"
)

DROPPED_FEATURES = {"locl", "vert", "vrt2", "vkrn", "vpal", "valt", "vhal", "vchw", "vjmo"}

RANGES = [
    (0x0020, 0x007E),  # printable ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement: ° ± × ÷ · © ®
    (0x2010, 0x2027),  # general punctuation: ‐ – — ‘ ’ “ ” … ‧
    (0x2030, 0x203B),  # ‰ ′ ″ ※
    (0x2103, 0x2103),  # ℃
    (0x2116, 0x2116),  # №
    (0x2122, 0x2122),  # ™
    (0x2160, 0x216B),  # Ⅰ..Ⅻ
    (0x2460, 0x2473),  # ①..⑳
    (0x25A0, 0x25CF),  # □ ■ △ ○ ● ◎ (check boxes in forms)
    (0x2605, 0x2606),  # ★ ☆ (the seal star)
    (0x3000, 0x303F),  # CJK symbols and punctuation: 　、。〈〉《》「」『』【】〔〕
    (0xFF01, 0xFF65),  # fullwidth ASCII variants and halfwidth CJK punctuation
    (0xFFE0, 0xFFE6),  # ￠ ￡ ￢ ￣ ￤ ￥ ￦
]


def gb2312_chars() -> set[str]:
    """Every character of GB2312 (rows 1-9 symbols, 16-55 level-1, 56-87 level-2 hanzi)."""
    chars: set[str] = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # unassigned cells
                chars.add(bytes((row, cell)).decode("gb2312"))
    return chars


def wanted_codepoints() -> set[int]:
    cps = {ord(c) for c in gb2312_chars()}
    cps |= {ord(c) for c in EXTRA_HANZI}
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    return cps


def _to_quadratic(glyph_set, max_err: float = 1.0) -> dict:
    quad = {}
    for name in glyph_set:
        tt_pen = TTGlyphPen(glyph_set)
        # reverse_direction: PostScript outlines are counter-clockwise, TrueType clockwise.
        glyph_set[name].draw(Cu2QuPen(tt_pen, max_err, reverse_direction=True))
        quad[name] = tt_pen.glyph()
    return quad


def otf_to_ttf(font: TTFont, max_err: float = 1.0) -> None:
    """CFF -> glyf in place (after fontTools Snippets/otf2ttf.py)."""
    assert font.sfntVersion == "OTTO" and "CFF " in font, "expected a CFF-flavoured OpenType font"
    order = font.getGlyphOrder()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = _to_quadratic(font.getGlyphSet(), max_err)
    del font["CFF "]
    for tag in ("VORG", "vhea", "vmtx"):  # vertical metrics reference CFF origins; unused here
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, g in glyf.glyphs.items():
        if hasattr(g, "xMin"):
            hmtx[name] = (hmtx[name][0], g.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
    ):
        setattr(maxp, attr, 0)
    maxp.maxComponentElements = max(len(getattr(g, "components", []) or []) for g in glyf.glyphs.values())
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0  # no glyph names (CID fonts only had "cidNNNNN" anyway); saves space
    post.extraNames = []
    post.mapping = {}
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def build(source: Path, font_number: int, output: Path, check: bool) -> int:
    font = TTFont(source, fontNumber=font_number, lazy=False)
    family = font["name"].getDebugName(4)
    version = font["name"].getDebugName(5)
    cmap = font.getBestCmap()
    want = wanted_codepoints()
    missing = sorted(cp for cp in want if cp not in cmap)
    unicodes = sorted(cp for cp in want if cp in cmap)
    hanzi = sum(1 for cp in unicodes if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF)
    print(f"source: {source} #{font_number}: {family} / {version}")
    print(f"codepoints wanted {len(want)}, present {len(unicodes)} ({hanzi} hanzi), absent {len(missing)}")
    if missing:
        # Noto Sans CJK has no glyph for these (rare punctuation and geometric shapes): fine.
        print("absent:", " ".join(f"U+{cp:04X}" for cp in missing[:40]), "..." if len(missing) > 40 else "")
    if check:
        return 0

    opts = subset.Options()
    opts.font_number = font_number
    # fontTools' default feature list minus language-specific forms (locl: JP/KR/TC glyph
    # variants) and vertical-writing features; keeping "*" would double the glyph count.
    opts.layout_features = [f for f in opts.layout_features if f not in DROPPED_FEATURES]
    opts.name_IDs = ["*"]  # keep copyright (0), license (13) and license URL (14) as the OFL asks
    opts.name_languages = ["*"]
    opts.hinting = False
    opts.notdef_outline = True
    opts.drop_tables += ["VORG", "vhea", "vmtx"]
    opts.recalc_bounds = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=unicodes)
    sub.subset(font)

    otf_to_ttf(font)
    output.parent.mkdir(parents=True, exist_ok=True)
    font.recalcTimestamp = False  # keep head.modified from the source: byte-identical rebuilds
    font.save(output, reorderTables=True)

    # Verify what we wrote.
    out = TTFont(output)
    assert "glyf" in out and "CFF " not in out
    out_cmap = out.getBestCmap()
    lost = [cp for cp in unicodes if cp not in out_cmap]
    assert not lost, f"lost {len(lost)} code points"
    print(f"wrote {output} ({output.stat().st_size / 1e6:.2f} MB, {len(out.getGlyphOrder())} glyphs)")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="NotoSansCJK-Regular.ttc (or an .otf)")
    p.add_argument("--font-number", type=int, default=DEFAULT_FONT_NUMBER, help="face index in a TTC")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    p.add_argument("--check", action="store_true", help="report coverage only, write nothing")
    args = p.parse_args(argv)
    if not args.source.exists():
        print(f"{args.source} not found: apt-get install fonts-noto-cjk (or pass --source)", file=sys.stderr)
        return 2
    return build(args.source, args.font_number, args.output, args.check)


if __name__ == "__main__":
    raise SystemExit(main())
