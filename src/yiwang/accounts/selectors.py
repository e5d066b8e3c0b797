"""Account reads other apps use."""

from __future__ import annotations

from .models import AccountKind, TrustLevel, User


def profile_elements(user: User) -> tuple[dict[str, tuple[object, bool]], str]:
    """What an account itself says about its holder, as canonical element ids:
    {element id: (value, authoritative)} and the source's name. Real-name data is authoritative
    once verified (trust level ≥ 3); a company's registration data always; phones never.
    Empty values are left out. Used by every form prefill (single items and 一件事)."""
    if user.kind == AccountKind.PERSON:
        verified = (user.trust_level or 0) >= TrustLevel.VERIFIED
        pairs = {
            "applicant.name": (user.display_name, verified),
            "applicant.id_number": (user.id_number, verified),
            "applicant.phone": (user.phone, False),
        }
        source = "实名认证信息" if verified else "账号资料"
    elif user.kind == AccountKind.LEGAL:
        pairs = {
            "applicant.name": (user.display_name, True),
            "applicant.uscc": (user.uscc, True),
            "enterprise.name": (user.display_name, True),
            "enterprise.uscc": (user.uscc, True),
            "legal_rep.name": (user.legal_representative, True),
            "enterprise.phone": (user.phone, False),
        }
        source = "法人账号登记信息"
    else:
        return {}, ""
    return {k: (v, a) for k, (v, a) in pairs.items() if v}, source
