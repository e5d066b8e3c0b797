"""Sealed notice PDFs and electronic delivery (电子送达).

A notice's PDF is rendered and sealed (cases.notices.render_sealed_pdf, core.seal) once, after the
commit that issued the notice — by the `cases.tasks.notice_seal` task enqueued on commit, or by
the first download if that comes first — stored in the default storage (YIWANG_HOME/media/notices/
or S3) and served as stored ever after. Two at once (the task and a download, two workers) may
both render, but a conditional UPDATE on the empty `pdf` lets exactly one store its file; the other
deletes its copy and serves the winner's: one stored file per notice.

送达回证 (proof of delivery) of a notice delivered electronically (the applicant consented with the
application, `Case.electronic_delivery`): made available at `sealed_at`, first opened by the
applicant at `first_opened_at` (staff opening it does not count)."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from yiwang.accounts.models import User

from .. import notices, rules
from ..models import Notice

log = logging.getLogger("yiwang.cases")


def notice_seal(*, notice_id: int) -> Notice:
    """Render, seal and store the notice's PDF unless stored already. Idempotent and safe to
    run concurrently; runs outside any transaction (signing is not a database write)."""
    notice = Notice.objects.select_related("case__department", "case__item_version").get(pk=notice_id)
    if notice.pdf:
        return notice
    data = notices.render_sealed_pdf(notice)
    local = timezone.localtime(notice.issued_at)
    name = default_storage.save(f"notices/{local:%Y/%m}/{notice.number}.pdf", ContentFile(data))
    now = timezone.now()
    digest = hashlib.sha256(data).hexdigest()
    won = Notice.objects.filter(pk=notice.pk, pdf="").update(pdf=name, pdf_sha256=digest, sealed_at=now)
    if not won:  # someone else stored it first: theirs is the one
        default_storage.delete(name)
    notice.refresh_from_db()
    return notice


def notices_seal_pending(*, older_than: timedelta | None = None, recent: int = 5000) -> int:
    """Seal the notices whose task was lost (issue 22's crash test: the app process killed between
    the commit and the enqueue, or a worker killed holding the task on a broker that does not
    redeliver): the last `recent` notices by id (an index read, whatever the table's size) still
    without a PDF `older_than` (default: the sweep's period, YIWANG_NOTICE_SEAL_SWEEP) after issue. A notice older than that window is sealed by its first
    download all the same; electronic delivery (`sealed_at`) waits for this sweep at most."""
    if older_than is None:
        older_than = timedelta(seconds=settings.YIWANG_NOTICE_SEAL_SWEEP)
    newest = Notice.objects.order_by("-pk").values_list("pk", flat=True)[recent - 1 : recent]
    floor = next(iter(newest), 0)
    due = list(
        Notice.objects.filter(pk__gte=floor, pdf="", issued_at__lte=timezone.now() - older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )
    for pk in due:
        notice_seal(notice_id=pk)
    if due:
        log.warning("sealed %s notice(s) whose task was lost", len(due))
    return len(due)


def notice_pdf(*, notice: Notice) -> bytes:
    """The stored, sealed PDF (sealed now if the task has not run yet)."""
    if not notice.pdf:
        notice = notice_seal(notice_id=notice.pk)
    with default_storage.open(notice.pdf.name, "rb") as f:
        return f.read()


def notice_opened(*, notice: Notice, viewer: User) -> None:
    """Record the applicant's first opening of a notice (the 送达回证's 查阅时间); once."""
    if notice.first_opened_at is not None or not rules.is_applicant(actor=viewer, case=notice.case):
        return
    now = timezone.now()
    if Notice.objects.filter(pk=notice.pk, first_opened_at=None).update(first_opened_at=now):
        notice.first_opened_at = now
