"""Docking with provincial, national and department systems: one module per adapter."""

from .systems import (
    REMOTE_STATUS_LABELS,
    DepartmentSystem,
    DockedCase,
    SystemMessage,
    SystemMessageDirection,
    SystemMessageStatus,
)

__all__ = [
    "REMOTE_STATUS_LABELS",
    "DepartmentSystem",
    "DockedCase",
    "SystemMessage",
    "SystemMessageDirection",
    "SystemMessageStatus",
]
