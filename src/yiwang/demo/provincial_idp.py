"""The demo people as the demo provincial OpenID Connect provider (yiwang/provincial_idp.py) knows
them: the two demo citizens with the same ID numbers as their Yiwang accounts (a first unified
login links the account by the ID number's lookup hash and raises its trust level), and one person
with no Yiwang account yet (a first unified login opens one), and one whose provincial account is
only self-declared (level 2: refused, the number proves nothing). `make demo` writes this file with
`yiwang demo_idp_people` and starts the provider with it — a stand-in, clearly marked, never a
real identity provider."""

from __future__ import annotations

from datetime import date

from .codes import ric_make
from .services import citizen_id_number

NEWCOMER_NAME = "王芳"


def newcomer_id_number() -> str:
    return ric_make(
        seed="yiwang-demo:provincial-newcomer", region_code="420111", birth=date(1995, 9, 1), female=True
    )


def idp_people() -> list[dict]:
    return [
        {
            "name": "张伟",
            "id_number": citizen_id_number("citizen"),
            "trust_level": 4,
            "phone_number": "13871000001",
            "note": "已有本平台账户 citizen：首次统一身份认证登录即关联，可信等级升为四级",
        },
        {
            "name": "李娜",
            "id_number": citizen_id_number("citizen2"),
            "trust_level": 3,
            "phone_number": "13871000002",
            "note": "已有本平台账户 citizen2",
        },
        {
            "name": NEWCOMER_NAME,
            "id_number": newcomer_id_number(),
            "trust_level": 3,
            "phone_number": "13871009999",
            "note": "尚无本平台账户：首次登录时自动开通",
        },
        {
            "name": "刘强",
            "id_number": ric_make(
                seed="yiwang-demo:provincial-self-declared",
                region_code="420106",
                birth=date(1987, 4, 4),
                female=False,
            ),
            "trust_level": 2,
            "note": "仅自行注册（二级，身份证号未经核验）：不能关联或开通本平台账户",
        },
    ]
