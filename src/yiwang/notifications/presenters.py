"""The API shape of a message (API.md: `id`, `kind`, `subject`, `body`, `link`, `created_at`,
`read_at`), plus `kind_label`, `category` and `legal`."""

from __future__ import annotations

from yiwang.core.formats import local_time

from .kinds import kind_find
from .models import Notification


def notification_out(n: Notification) -> dict:
    spec = kind_find(n.kind)
    return {
        "id": n.pk,
        "kind": n.kind,
        "kind_label": spec.label if spec else n.kind,
        "category": spec.category if spec else "",
        "subject": n.title,
        "body": n.body,
        "link": n.link,
        "legal": n.legal,
        "created_at": local_time(n.created_at),
        "read_at": local_time(n.read_at),
    }
