"""core.seal: the platform seal CA and the organs' ECDSA P-256 seal keys from the key service,
rotation (old PDFs keep verifying) and revocation (they stop), the `yiwang seals` command."""

from __future__ import annotations

import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command

from yiwang.core import keys, pdf, seal
from yiwang.core.models import Key, SealCertificate

pytestmark = pytest.mark.django_db

ORGAN = seal.Organ(uscc="11420100MB0000001X", name="武汉市市场监督管理局")


def sealed(organ: seal.Organ = ORGAN, field: str = "YiwangNotice-T-01") -> bytes:
    doc = pdf.render_document(
        title="受理通知书", blocks=[("p", "正文")], seal_text=f"{organ.name}\n政务服务专用章"
    )
    return seal.seal_pdf(doc.pdf, organ=organ, field_name=field, reason="受理通知书", spot=doc.seal)


def test_keys_are_ecdsa_p256_in_the_key_service_and_the_chain_is_the_platform_ca():
    check = seal.verify_pdf(sealed())
    assert check.valid and check.ours and check.signer == ORGAN.name and check.signer_uscc == ORGAN.uscc
    row = Key.objects.get(purpose=keys.seal_purpose(ORGAN.uscc))
    assert row.algorithm == "ECDSA-P256" and row.active
    assert isinstance(keys.active_key(keys.seal_purpose(ORGAN.uscc)).ec_private_key().curve, ec.SECP256R1)
    ca = seal.ca_certificate()
    organ_cert = x509.load_der_x509_certificate(bytes(SealCertificate.objects.get(purpose=row.purpose).der))
    assert (
        organ_cert.issuer == ca.subject
        and ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    )
    organ_cert.verify_directly_issued_by(ca)
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)


def test_rotation_keeps_old_pdfs_valid_and_revocation_does_not():
    old = sealed()
    call_command("seals", "rotate", ORGAN.uscc, stdout=io.StringIO())
    call_command("seals", "rotate", "ca", stdout=io.StringIO())
    new = sealed()
    assert seal.verify_pdf(old).valid and seal.verify_pdf(new).valid
    assert seal.ca_pem().count(b"BEGIN CERTIFICATE") == 2  # both CA versions stay trusted
    versions = SealCertificate.objects.filter(purpose=keys.seal_purpose(ORGAN.uscc)).values_list(
        "key_version", "ca_version"
    )
    assert sorted(versions) == [(1, 1), (2, 2)]
    out = io.StringIO()
    call_command("seals", "list", stdout=out)
    assert ORGAN.name in out.getvalue() and "CA v2" in out.getvalue()
    call_command("seals", "revoke", ORGAN.uscc, "--reason", "密钥泄露", stdout=io.StringIO())
    assert not seal.verify_pdf(old).valid and not seal.verify_pdf(new).valid
    assert "吊销" in seal.verify_pdf(new).message
    assert seal.verify_pdf(sealed()).valid  # key v3, a fresh certificate


def test_revoking_the_ca_invalidates_everything_it_certified():
    old = sealed()
    call_command("seals", "revoke", "ca", "--reason", "根密钥泄露", stdout=io.StringIO())
    check = seal.verify_pdf(old)
    assert not check.valid and not check.ours
    assert seal.verify_pdf(sealed(field="YiwangNotice-T-02")).valid  # a new CA and new certificates


def test_bad_input_changes_nothing_and_a_non_seal_purpose_keeps_ed25519():
    with pytest.raises(seal.NotAPdf):
        seal.verify_pdf(b"GIF89a....")
    unsigned = pdf.render_document(title="通知", blocks=[("p", "正文")]).pdf
    check = seal.verify_pdf(unsigned)
    assert not check.valid and not check.ours
    assert not Key.objects.exists() and not SealCertificate.objects.exists()  # verifying creates nothing
    assert keys.active_key("license-signing").algorithm == "Ed25519"
    assert not keys.is_seal_purpose("notice-seal") and keys.is_seal_purpose("seal-ca")
