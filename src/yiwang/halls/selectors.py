"""Reads of the halls app."""

from __future__ import annotations

from yiwang.organizations.models import ServiceHall


def halls_public():
    return ServiceHall.objects.filter(code__isnull=False).select_related("region").order_by("region__code", "name")
