"""Ledger storage: pending entries (written in the caller's transaction), integrated entries,
every perfect subtree hash (grouped in tiles of six levels, so a proof reads O(log n / 6) rows), signed
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


class Tile(models.Model):
    """Up to 126 perfect-subtree hashes in one row (see merkle.TILE_HEIGHT): tile (t, i) holds the
    complete nodes of levels 6t .. 6t+5 under the i-th group of 64 nodes of level 6t, level by
    level; id = merkle.node_key(t, i). Only the right-most tile of each tile level is partial
    (`width` < 64) and is rewritten as the log grows."""

    id = models.BigIntegerField(primary_key=True)
    width = models.PositiveSmallIntegerField(help_text="Complete nodes of the tile's base level (1-64)")
    hashes = models.BinaryField()

    class Meta:
        verbose_name = "默克尔树瓦片"
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


class Witness(models.Model):
    """A witness of *this* log (C2SP tlog-witness): where to send checkpoints and the key its
    cosignatures verify with. `size` is the size it last cosigned for us (the next `old`)."""

    name = models.CharField("见证方名称", max_length=200, unique=True, help_text="cosignature 中的名称")
    url = models.URLField("add-checkpoint 地址", max_length=500)
    verifier_key = models.TextField("验证公钥", help_text="name+hex-id+base64（cosignature/v1 或 Ed25519）")
    active = models.BooleanField("启用", default=True)
    size = models.BigIntegerField("已联署大小", default=0)
    last_error = models.CharField("最近错误", max_length=300, blank=True, default="")
    last_attempt_at = models.DateTimeField("最近提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "本日志的见证方"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class Cosignature(models.Model):
    """A verified tlog-cosignature/v1 line of `witness` over `checkpoint`."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="cosignatures")
    witness = models.ForeignKey(Witness, on_delete=models.CASCADE, related_name="cosignatures")
    line = models.TextField(help_text="The cosignature line as the witness returned it")
    timestamp = models.BigIntegerField(help_text="Seconds since the epoch, as signed by the witness")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "见证联署"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_cosignature_once"),
        ]
