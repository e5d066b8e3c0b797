"""Background jobs of the knowledge base. Idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task
def knowledge_index_sync() -> dict:
    """Every minute (cheap when nothing changed: one query per kind of source) and after a FAQ or policy is published or retired: knowledge points follow
    their sources (item versions replaced, one things republished, FAQs, policies), and the shared
    index is rebuilt when something changed."""
    from .services import index_sync

    return index_sync()
