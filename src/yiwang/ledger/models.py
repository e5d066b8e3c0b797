"""Ledger storage: pending entries (written in the caller's transaction), integrated entries,
every perfect subtree hash (one row per node, so a proof reads O(log n) rows), signed
checkpoints, the sequencer lease, and the peer logs this instance witnesses."""

from __future__ import annotations

from django.db import models


class PendingEntry(models.Model):
    """An entry written with the change it attests; the sequencer moves it into the log."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=80)
    entry = models.BinaryField(help_text="Canonical entry bytes (what the leaf hashes)")
    payload = models.JSONField(help_text="The attested payload, kept so auditors can re-derive its hash")
    salt = models.BinaryField(help_text="Per-entry random salt of the payload hash")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "待入账条目"
        verbose_name_plural = verbose_name


class Entry(models.Model):
    """An integrated log entry at `index`."""

    index = models.BigIntegerField(primary_key=True)
    pending_id = models.BigIntegerField(unique=True, help_text="Id of the PendingEntry it came from")
    kind = models.CharField(max_length=80, db_index=True)
    entry = models.BinaryField()
    leaf_hash = models.BinaryField()
    payload = models.JSONField()
    salt = models.BinaryField()
    integrated_at = models.DateTimeField()

    class Meta:
        verbose_name = "存证条目"
        verbose_name_plural = verbose_name


class Node(models.Model):
    """Hash of the perfect subtree (level, index); id = merkle.node_key(level, index)."""

    id = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField()

    class Meta:
        verbose_name = "默克尔树节点"
        verbose_name_plural = verbose_name


class Checkpoint(models.Model):
    size = models.BigIntegerField(unique=True)
    root = models.BinaryField()
    note = models.TextField(help_text="C2SP signed note with the tlog-checkpoint body")
    key_version = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "检查点"
        verbose_name_plural = verbose_name
        ordering = ["-size"]


class Lease(models.Model):
    """A lease taken with a conditional UPDATE (works on SQLite and PostgreSQL)."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=64, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    tree_size = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "租约"
        verbose_name_plural = verbose_name


class WitnessPeer(models.Model):
    """A log this instance witnesses (C2SP tlog-witness): its origin, verifier key and the latest
    checkpoint cosigned for it."""

    origin = models.CharField("日志来源标识", max_length=200, unique=True)
    verifier_key = models.TextField("验证公钥", help_text="signed-note verifier key: name+hex-id+base64")
    active = models.BooleanField("启用", default=True)
    size = models.BigIntegerField("已见证大小", default=0)
    root = models.BinaryField(null=True, blank=True)
    checkpoint = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "见证的日志"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.origin
