"""Electronic seals (电子印章) on PDFs: PAdES digital signatures that standard tools validate.

- The platform seal CA: an ECDSA P-256 key of the key service (purpose `seal-ca`) and its
  self-signed certificate, published at `GET /api/v1/notices/seal-ca.pem` (and `.cer`, DER).
- One seal key per organ (purpose `seal:<统一社会信用代码>`, ECDSA P-256) with a certificate the CA
  issues on first use (CN = the organ's name, organizationIdentifier = its USCC).
- `seal_pdf` signs a rendered PDF with pyHanko (PAdES baseline B-B, SHA-256, ETSI.CAdES.detached)
  in an incremental update; the signature's visible widget is the round red seal
  (core.pdf.seal_appearance) placed where the document reserved it (core.pdf.SealSpot).
- `verify_pdf` validates every signature of an uploaded PDF with pyHanko against the platform CA
  (every CA version ever used) as the only trust root: intact, covering the whole file, and by a
  certificate that is not revoked.

No SM2 (GB/T 38540): no maintained Python library produces SM2/SM3 PDF signatures that pyHanko
or poppler validate; see docs/operations.md. Everything is Django-free but the two models (keys,
certificates), so a lower layer (cases, licenses) passes the organ as plain values.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import secrets
from dataclasses import dataclass

from asn1crypto import keys as a_keys
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from django.db import IntegrityError, transaction
from django.utils import timezone
from pyhanko.pdf_utils import content as pdf_content
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import keys
from .models import SealCertificate
from .pdf import SealSpot, seal_appearance

CA_NAME = "一网政务服务平台电子印章根证书"
CA_YEARS = 20
SEAL_YEARS = 5
CA_PATH = "/api/v1/notices/seal-ca.pem"


class NotAPdf(ValueError):
    """The bytes are not a PDF file at all."""


@dataclass(frozen=True)
class Organ:
    """Who seals: the organ's 统一社会信用代码 and its name (the certificate's subject)."""

    uscc: str
    name: str


def _run(make_coro):
    """Run one of pyHanko's coroutines to completion from synchronous code — also where an event
    loop is already running in this thread (an async server, Playwright in tests), where
    pyHanko's own sync wrappers (asyncio.run) fail: then on a private loop in a helper thread.
    The coroutines touch no database."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coro())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coro())).result()


# --- certificates ----------------------------------------------------------------------------------
def _serial() -> int:
    return secrets.randbits(126) | (1 << 125)  # positive, 16 bytes, never 0


def _store(
    *, purpose: str, version: int, subject: str, ca_version: int, cert: x509.Certificate
) -> SealCertificate:
    try:
        with transaction.atomic():
            return SealCertificate.objects.create(
                purpose=purpose,
                key_version=version,
                subject=subject,
                ca_version=ca_version,
                serial=format(cert.serial_number, "x"),
                der=cert.public_bytes(serialization.Encoding.DER),
                not_before=cert.not_valid_before_utc,
                not_after=cert.not_valid_after_utc,
            )
    except IntegrityError:  # another process issued it first: use theirs
        return SealCertificate.objects.get(
            purpose=purpose, key_version=version, subject=subject, ca_version=ca_version
        )


def _ca_row() -> SealCertificate:
    km = keys.active_key(keys.SEAL_CA_PURPOSE)
    row = SealCertificate.objects.filter(
        purpose=keys.SEAL_CA_PURPOSE, key_version=km.version, subject=CA_NAME
    ).first()
    if row is not None:
        return row
    sk = km.ec_private_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "一网政务服务平台"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{CA_NAME} v{km.version}"),
        ]
    )
    now = timezone.now().replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(sk.public_key())
        .serial_number(_serial())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(sk.public_key()), critical=False)
        .sign(sk, hashes.SHA256())
    )
    return _store(
        purpose=keys.SEAL_CA_PURPOSE, version=km.version, subject=CA_NAME, ca_version=km.version, cert=cert
    )


def ca_certificate() -> x509.Certificate:
    """The current platform seal CA certificate (created with its key on first use)."""
    return x509.load_der_x509_certificate(bytes(_ca_row().der))


def ca_certificates(*, create: bool = True) -> list[x509.Certificate]:
    """Every CA certificate ever used (the trust roots of verification), oldest first; a revoked CA
    is left out, so everything it certified stops verifying. `create=False` (verification) never
    creates the CA: a platform that has sealed nothing trusts nothing."""
    if create:
        _ca_row()
    rows = SealCertificate.objects.filter(purpose=keys.SEAL_CA_PURPOSE, revoked_at__isnull=True)
    return [x509.load_der_x509_certificate(bytes(r.der)) for r in rows.order_by("key_version", "id")]


def ca_pem() -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in ca_certificates())


def organ_certificate(organ: Organ) -> tuple[keys.KeyMaterial, SealCertificate]:
    """The organ's active seal key and its certificate from the current CA (issued on first use,
    and again after a key rotation, a CA rotation or a change of the organ's name)."""
    km = keys.active_key(keys.seal_purpose(organ.uscc))
    ca = _ca_row()
    subject = organ.name
    row = SealCertificate.objects.filter(
        purpose=keys.seal_purpose(organ.uscc),
        key_version=km.version,
        subject=subject,
        ca_version=ca.key_version,
    ).first()
    if row is not None:
        return km, row
    ca_cert = x509.load_der_x509_certificate(bytes(ca.der))
    ca_key = keys.get_key(keys.SEAL_CA_PURPOSE, ca.key_version).ec_private_key()
    pub = km.ec_private_key().public_key()
    now = timezone.now().replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, organ.name),
                    x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, organ.uscc),
                    x509.NameAttribute(NameOID.COMMON_NAME, organ.name),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(pub)
        .serial_number(_serial())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=365 * SEAL_YEARS), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return km, _store(
        purpose=keys.seal_purpose(organ.uscc),
        version=km.version,
        subject=subject,
        ca_version=ca.key_version,
        cert=cert,
    )


@transaction.atomic
def seal_revoke(*, uscc: str | None, reason: str) -> int:
    """Revoke every certificate of an organ's seal keys (uscc) or of the CA (uscc None), and rotate
    the key so new documents get a new one. PDFs sealed under a revoked certificate stop verifying.
    Returns the number of certificates revoked."""
    purpose = keys.SEAL_CA_PURPOSE if uscc is None else keys.seal_purpose(uscc)
    n = SealCertificate.objects.filter(purpose=purpose, revoked_at=None).update(
        revoked_at=timezone.now(), revocation_reason=reason
    )
    keys.key_rotate(purpose=purpose)
    return n


# --- signing --------------------------------------------------------------------------------------
class _SealPage(pdf_content.ImportedPdfPage):
    """pyHanko's imported page, from bytes instead of a file name."""

    def __init__(self, data: bytes) -> None:
        super().__init__(file_name="", page_ix=0)
        self._data = data

    def render(self) -> bytes:
        import binascii
        import uuid

        from pyhanko.pdf_utils.layout import BoxConstraints

        w = self._ensure_writer
        xobj = w.import_page_as_xobject(PdfFileReader(io.BytesIO(self._data)), page_ix=0)
        name = b"/Seal" + binascii.hexlify(uuid.uuid4().bytes)
        self.resources.xobject[name.decode("ascii")] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name + b" Do"


def _asn1_cert(der: bytes) -> a_x509.Certificate:
    return a_x509.Certificate.load(der)


def seal_pdf(
    data: bytes,
    *,
    organ: Organ,
    field_name: str,
    reason: str,
    spot: SealSpot | None,
    location: str = "",
) -> bytes:
    """Sign ``data`` (a PDF) with the organ's seal: a PAdES signature in the signature field
    ``field_name`` (no dots), its widget at ``spot`` showing the round red seal (invisible if
    ``spot`` is None). Returns the signed PDF."""
    km, row = organ_certificate(organ)
    ca = ca_certificate()
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(bytes(row.der)),
        signing_key=a_keys.PrivateKeyInfo.load(km.secret),
        cert_registry=SimpleCertificateStore.from_certs(
            [_asn1_cert(ca.public_bytes(serialization.Encoding.DER))]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
        name=organ.name,
    )
    spec = fields.SigFieldSpec(
        field_name,
        on_page=spot.page if spot else 0,
        box=tuple(round(v, 2) for v in spot.box) if spot else None,
    )
    style = (
        StaticStampStyle(border_width=0, background=_SealPage(seal_appearance(spot.text))) if spot else None
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    out = io.BytesIO()
    pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec)
    _run(lambda: pdf_signer.async_sign_pdf(writer, output=out))
    return out.getvalue()


# --- verification ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SealCheck:
    valid: bool
    altered: bool
    ours: bool  # signed under the platform seal CA
    signer: str | None
    signer_uscc: str | None
    signed_at: dt.datetime | None
    field_name: str | None
    message: str


def _attr(cert: a_x509.Certificate, name: str) -> str | None:
    value = cert.subject.native.get(name)
    return str(value) if value else None


def verify_pdf(data: bytes) -> SealCheck:
    """Check the seal(s) of an uploaded PDF. Raises NotAPdf for bytes that are no PDF."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise NotAPdf("not a PDF")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        return SealCheck(
            False,
            True,
            False,
            None,
            None,
            None,
            None,
            f"文件结构已损坏或被改动，无法读取其中的签名（{exc.__class__.__name__}）",
        )
    if not sigs:
        return SealCheck(False, False, False, None, None, None, None, "文件没有电子印章（数字签名）")
    roots = [_asn1_cert(c.public_bytes(serialization.Encoding.DER)) for c in ca_certificates(create=False)]
    vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    sig = sigs[-1]
    try:
        status = _run(lambda: async_validate_pdf_signature(sig, vc))
    except Exception as exc:
        return SealCheck(
            False, True, False, None, None, None, sig.field_name, f"签名无法验证：{exc.__class__.__name__}"
        )
    cert = status.signing_cert
    signer = _attr(cert, "common_name") if cert else None
    uscc = _attr(cert, "organization_identifier") if cert else None
    signed_at = status.signer_reported_dt
    ours = bool(status.trusted)
    whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    altered = not status.intact or not whole or len(sigs) != 1
    revoked = None
    if cert is not None and ours:
        revoked = SealCertificate.objects.filter(
            serial=format(cert.serial_number, "x"), revoked_at__isnull=False
        ).first()
    if not status.intact:
        message = "文件在盖章后被改动过，签名不再匹配内容"
    elif not whole or len(sigs) != 1:
        message = "文件在盖章后被追加了内容"
    elif not ours:
        message = "该文件的签名不是本平台的电子印章（签名证书不由本平台印章根证书签发）"
    elif revoked is not None:
        message = f"该电子印章证书已于{timezone.localtime(revoked.revoked_at):%Y年%m月%d日}吊销"
    else:
        message = "电子印章有效，文件自盖章后未被改动"
    valid = bool(status.intact and status.valid and ours and not altered and revoked is None)
    return SealCheck(valid, altered, ours, signer, uscc, signed_at, sig.field_name, message)
