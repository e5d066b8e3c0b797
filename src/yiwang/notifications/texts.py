"""The account messages, in Chinese (accounts sits below this app, so its kinds are here);
registered once at start-up (`apps.NotificationsConfig.ready`). Every other app registers its own
categories and kinds in its `AppConfig.ready()` (cases/kinds.py, bundles/kinds.py,
evaluations/kinds.py, participation/kinds.py, halls/texts.py, training, projects, …).

Every template also sees `link` (the path given by the caller) and `url` (the same, absolute).
Dates in the context may be `date` objects (rendered 2026-11-09) or strings."""

from __future__ import annotations

from .kinds import Category, EventKind

CATEGORIES = [
    Category("account", "账户安全", "登录锁定的解除验证码"),
]

KINDS = [
    # --- accounts (security: cannot be switched off) -------------------------------------------
    EventKind(
        kind="account.unlock_code",
        category="account",
        label="解除登录锁定验证码",
        legal=True,
        required=("code",),
        title="解除登录锁定验证码",
        body="您的账户因多次登录失败已暂时锁定。验证码 {{ code }}，10分钟内有效，仅可使用一次。如非本人操作，请勿告知他人。",
        sms="{{ body }}",
    ),
]
