"""Yiwang (一网): an integrated government service platform."""

from .celery import app as celery_app

__all__ = ["celery_app"]
