"""Printable PDF of a licence (打印版): the face of the licence in the shipped CJK font, the issuer's
red round seal and a QR code leading to the public check page of this licence
(`/licenses/check/<identifier>/<token>/`), where anyone holding the paper can confirm signature,
status and validity. The PDF itself is sealed: a PAdES signature by the issuing organ's seal key
(core.seal), the round seal being the signature's visible widget; `POST /api/v1/notices/verify`
checks it. Built on core.pdf's page and seal drawing."""

from __future__ import annotations

import segno

from yiwang.core import keys, seal
from yiwang.core.masking import mask_id_number
from yiwang.core.pdf import FONT_FAMILY, MM, _kv_label_width, _Layout, _NoticePDF, seal_spot, wrap_text

from . import presenters
from .models import License

QR_SIZE = 32 * MM
FIELD_PREFIX = "YiwangLicense-"


def field_name(lic: License) -> str:
    """The signature field of the licence's seal (field names take no dots: they become "_")."""
    return FIELD_PREFIX + lic.identifier.replace(".", "_")


def identifier_from_field(name: str) -> str:
    return name[len(FIELD_PREFIX) :].replace("_", ".")


def check_token(lic: License) -> str:
    """A keyed tag of the identifier: only who has the printed copy (or the holder) can open the
    check page, so identifiers cannot be enumerated there. Changes when the lookup key rotates."""
    return keys.lookup_hash(lic.identifier, kind="license-print")[:32]


def check_path(lic: License) -> str:
    return f"/licenses/check/{lic.identifier}/{check_token(lic)}/"


def face_rows(lic: License) -> list[tuple[str, str]]:
    holder_id = lic.holder_id if lic.holder_id_type == "001" else mask_id_number(lic.holder_id)
    rows = [
        ("证照编号", lic.number or lic.serial),
        ("持证主体", lic.holder_name),
        (presenters.ID_TYPES.get(lic.holder_id_type, "持证主体代码"), holder_id),
    ]
    for f in lic.type.metadata_fields or []:
        value = lic.metadata.get(f.get("name"))
        if value not in (None, ""):
            rows.append((f.get("title") or f.get("name"), str(value)))
    until = lic.valid_until.isoformat() if lic.valid_until else "长期"
    rows += [
        ("有效期", f"{lic.valid_from.isoformat()} 至 {until}"),
        ("颁发机构", lic.issuer_name),
        ("颁证日期", lic.issued_on.isoformat()),
        ("证照标识", lic.identifier),
    ]
    return rows


def _draw_qr(pdf, x: float, y: float, text: str, size: float) -> None:
    qr = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix)
    cell = size / (n + 8)  # quiet zone of 4 modules each side
    with pdf.local_context(fill_color=(0, 0, 0)):
        for r, row in enumerate(matrix):
            c = 0
            while c < n:
                if row[c]:
                    start = c
                    while c < n and row[c]:
                        c += 1
                    pdf.rect(x + (4 + start) * cell, y + (4 + r) * cell, (c - start) * cell, cell, style="F")
                else:
                    c += 1


def render_license_pdf(lic: License, *, base_url: str) -> bytes:
    """The printable copy, sealed by the issuer (signing takes some 20 ms: the holder's download
    of their own copy, never a request that decides a case)."""
    pdf = _NoticePDF(f"本文件由{lic.issuer_name}签发的电子证照生成，扫描二维码核验真伪与状态")
    pdf.set_title(lic.type.name)
    pdf.set_creator("Yiwang")
    pdf.set_lang("zh-CN")
    layout = _Layout(pdf)
    layout.new_page()
    for line in wrap_text(lic.type.name, layout.width, layout.measure(22)):
        layout.line(line, 22, pdf.l_margin, align="C", bold=True)
    layout.space(14)
    rows = face_rows(lic)
    label_w = _kv_label_width(layout, (k for k, _ in rows))
    measure = layout.measure(12)
    for label, value in rows:
        lines = wrap_text(value, layout.width - label_w, measure) or [""]
        for n, line in enumerate(lines):
            layout.ensure(12 * 1.6)
            if n == 0:
                layout.draw(label + "：", 12, pdf.l_margin, w=label_w, color=(90, 90, 90))
            layout.draw(line, 12, pdf.l_margin + label_w)
            layout.y += 12 * 1.6
        layout.space(3)
    layout.space(12)
    layout.ensure(QR_SIZE + 20)
    top = layout.y
    _draw_qr(pdf, pdf.l_margin, top, base_url.rstrip("/") + check_path(lic), QR_SIZE)
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.text(pdf.l_margin + 4 * MM, top + QR_SIZE + 10, "扫码核验")
    spot = seal_spot(
        pdf, pdf.w - pdf.r_margin - 24 * MM, top + QR_SIZE / 2, f"{lic.issuer_name}\n电子证照专用章"
    )
    return seal.seal_pdf(
        bytes(pdf.output()),
        organ=seal.Organ(uscc=lic.issuer_uscc, name=lic.issuer_name),
        field_name=field_name(lic),
        reason=f"{lic.type.name}（证照编号 {lic.serial}）打印件",
        spot=spot,
    )
