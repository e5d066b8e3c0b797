"""Background jobs of the bundles app. Tasks take ids and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task
def bundle_cases_sweep() -> int:
    """Every few minutes: move every open bundle case on (nothing is lost if a follower call was)."""
    from .services import bundle_cases_advance_open

    return bundle_cases_advance_open()
