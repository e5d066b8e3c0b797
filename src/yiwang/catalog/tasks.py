"""Background jobs of the catalogue."""

from __future__ import annotations

from celery import shared_task


@shared_task
def province_sync() -> dict:
    """Every 15 minutes (beat): changes of the provincial item library since the stored cursor
    (事项认领). Nothing to do when YIWANG_ITEM_LIBRARY_URL is not set; every poll leaves a record."""
    from . import claims, province

    if not province.base_url():
        return {"status": "not_configured"}
    sync = claims.province_sync()
    return {"status": sync.status, "received": sync.received, "error": sync.error_code}
