"""PDF rendering with the shipped CJK font (no database, no Django settings needed)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from yiwang.core.pdf import FONT_PATH, missing_chars, render_pdf, wrap_text

ORGAN = "武汉市江岸区市场监督管理局"
LONG_PARAGRAPH = (
    "经审查，你（单位）于2025年3月1日提交的食品经营许可申请材料齐全、符合法定形式，"
    "根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，本机关决定予以受理。"
    "本机关将自受理之日起二十个工作日内作出是否准予行政许可的决定；依法需要听证、检验、检测、"
    "鉴定和专家评审的，所需时间不计算在上述期限内。如需补充材料或者现场核查，工作人员将另行通知，"
    "请保持联系电话畅通。如对本决定不服，可以自收到本通知书之日起六十日内向武汉市江岸区人民政府"
    "申请行政复议，或者在六个月内依法向武汉市江岸区人民法院提起行政诉讼。"
)
NOTICE_BLOCKS = [
    ("kv", "受理编号：江市监食受〔2025〕第00123号"),
    ("kv", "申请人：张三"),
    ("kv", "申请事项：食品经营许可"),
    ("h1", "一、受理决定"),
    ("p", LONG_PARAGRAPH),
    ("h2", "（一）办理期限"),
    ("p", "二十个工作日。"),
    ("kv", "受理机关：" + ORGAN),
    ("kv", "受理日期：2025年3月1日"),
]


def _notice(**kwargs) -> bytes:
    args = {
        "title": f"{ORGAN} 受理通知书",
        "blocks": NOTICE_BLOCKS,
        "footer": f"{ORGAN} · 一网通办",
        "seal_text": f"{ORGAN}\n行政审批专用章",
    }
    args.update(kwargs)
    return render_pdf(**args)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def notice() -> bytes:
    return _notice()


def test_font_is_shipped_small_truetype_with_licence():
    assert FONT_PATH.is_file()
    assert FONT_PATH.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType outlines, not CFF ("OTTO")
    assert FONT_PATH.stat().st_size < 5 * 1024 * 1024
    licence = (FONT_PATH.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence


def test_font_covers_common_chinese():
    text = ORGAN + "受理通知书申请人张三食品经营许可，。、；：？！（）《》“”【】…—０１ＡＢ０123abcXYZ硚口区"
    assert missing_chars(text) == []
    assert missing_chars("龘😀") == ["龘", "😀"]


def test_notice_is_a4_pdf(notice):
    assert notice.startswith(b"%PDF-")
    page = PdfReader(io.BytesIO(notice)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)


def test_chinese_text_round_trips(notice):
    text = _text(notice)
    for expected in (
        ORGAN,
        "受理通知书",
        "申请人",
        "张三",
        "食品经营许可",
        "江市监食受〔2025〕第00123号",
        "一、受理决定",
        "（一）办理期限",
        "2025年3月1日",
        "行政审批专用章",
    ):
        assert expected in text, expected
    assert "第 1 页 / 共 1 页" in text


def test_font_is_embedded(notice):
    reader = PdfReader(io.BytesIO(notice))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts, "page has no font resources"
    for ref in fonts.values():
        font = ref.get_object()
        assert font["/Subtype"] == "/Type0"
        assert "NotoSansCJKSC" in font["/BaseFont"]
        descendant = font["/DescendantFonts"][0].get_object()
        assert descendant["/Subtype"] == "/CIDFontType2"
        descriptor = descendant["/FontDescriptor"].get_object()
        embedded = descriptor["/FontFile2"].get_object().get_data()
        assert embedded[:4] == b"\x00\x01\x00\x00"
        assert 1_000 < len(embedded) < 500_000  # subset to the glyphs used, not the whole font
        assert "/ToUnicode" in font  # what makes the text searchable/extractable


def test_long_chinese_paragraph_wraps_without_losing_characters(notice):
    lines = [line.strip() for line in _text(notice).splitlines()]
    # The paragraph is spread over several lines ...
    para_lines = [line for line in lines if line and _squash(line) in _squash(LONG_PARAGRAPH)]
    assert len(para_lines) >= 4
    # ... broken in the middle of Chinese text (no spaces in the paragraph) ...
    assert " " not in LONG_PARAGRAPH
    # ... and every character is still there, in order.
    assert _squash(LONG_PARAGRAPH) in _squash("".join(lines))
    # No line starts with closing punctuation (避头).
    assert not [line for line in para_lines if line[0] in "，。、；：？！）》”"]


def test_wrap_text_breaks_between_hanzi_and_keeps_latin_words():
    def measure(s: str) -> float:  # a monospace stand-in: hanzi 2, everything else 1
        return sum(2 if ord(c) > 0x2E80 else 1 for c in s)

    text = "申请人张三提交的食品经营许可申请，编号JA2025030100001，请于 five working days 内补正。"
    lines = wrap_text(text, 20, measure, first_line_width=16)
    assert len(lines) > 3
    assert all(measure(line) <= 20 for line in lines)
    assert measure(lines[0]) <= 16
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert any("JA2025030100001" in line for line in lines)  # a number is not split when it fits
    assert not any(line.startswith(("，", "。")) for line in lines)
    for word in ("five", "working", "days"):  # Latin words break only at spaces
        assert any(word in line.split() for line in lines), word


def test_wrap_text_splits_overlong_tokens_and_keeps_newlines():
    lines = wrap_text("A" * 25 + "\n第二行", 10, len)
    assert lines == ["A" * 10, "A" * 10, "A" * 5, "第二行"]


def test_long_document_paginates_with_footer_on_every_page():
    pdf = render_pdf(title="长文", blocks=[("p", LONG_PARAGRAPH)] * 12, footer="页脚文字")
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "页脚文字" in text
        assert f"第 {number} 页 / 共 {pages} 页" in text
    assert _squash(LONG_PARAGRAPH) * 12 in _squash(
        "".join(re.sub(r"页脚文字|第 \d+ 页 / 共 \d+ 页|长文", "", p.extract_text()) for p in reader.pages)
    )


def test_seal_is_optional_and_drawn_in_red():
    with_seal = _notice()
    without = _notice(seal_text=None, footer=None)
    assert "行政审批专用章" not in _text(without)
    assert "第 1 页" in _text(without)  # the page number is there even without footer text

    def content(pdf: bytes) -> bytes:
        return PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()

    red = re.compile(rb"0\.85\d* 0\.14\d* 0\.11\d* rg")  # SEAL_COLOR (218, 37, 29) as a fill colour
    assert red.search(content(with_seal))
    assert not red.search(content(without))


def test_unknown_block_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown block kind"):
        render_pdf(title="x", blocks=[("h3", "x")])
