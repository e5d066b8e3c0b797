"""电子身份码: the opaque reference a person's codes carry, and the log of every check of a code.

Issuing a code writes nothing (the code is signed, and carries the reference encrypted); checking
one writes an IdentityCheck. A valid check stores the code's nonce under a unique constraint, so
a code is accepted at most once, whichever process checks it."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_ledger_salt() -> str:
    return os.urandom(16).hex()


class IdentityReference(models.Model):
    """The random per-person reference inside a person's codes (always encrypted there). Revoking
    the outstanding codes (挂失) retires the reference; the next code carries a new one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="持码人",
        on_delete=models.CASCADE,
        related_name="identity_refs",
    )
    ref = models.CharField("引用", max_length=32, unique=True)  # hex of 16 random bytes
    created_at = models.DateTimeField("启用时间", default=timezone.now)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "身份码引用"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="identity_one_active_reference_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.ref[:6]}…"


class Outcome(models.TextChoices):
    VALID = "valid", "核验通过"
    REPLAYED = "replayed", "已使用过的身份码"
    EXPIRED = "expired", "已过期的身份码"
    REVOKED = "revoked", "已作废的身份码"
    FORGED = "forged", "无效的身份码"


class IdentityCheck(models.Model):
    """One check of a code at a hall or a kiosk: who checked, where, when, and the verdict.
    `person` is known whenever the code's signature held (every verdict except forged)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="持码人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # the check stays evidence (and ledgered) without its person
        related_name="identity_checks",
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核验人员", on_delete=models.PROTECT, related_name="+"
    )
    hall = models.ForeignKey(
        "organizations.ServiceHall",
        verbose_name="大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    window = models.ForeignKey(
        "organizations.Window",
        verbose_name="窗口",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("核验时间", db_index=True)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    # Set only on the accepted check: the unique constraint is the one-time guarantee.
    nonce = models.CharField(max_length=24, null=True, blank=True, unique=True)
    key_version = models.PositiveIntegerField("签名密钥版本", null=True, blank=True)
    code_issued_at = models.DateTimeField("身份码生成时间", null=True, blank=True)
    ledger_salt = models.CharField(max_length=32, default=new_ledger_salt, editable=False)
    ledger_entry = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "身份码核验记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"], name="identity_check_person_at")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.at:%Y-%m-%d %H:%M}"
