"""Docking with provincial, national and department systems: one module per adapter."""

from .systems import (
    DepartmentSystem,
    DockedCase,
    SystemMessage,
    SystemMessageDirection,
    SystemMessageStatus,
)

__all__ = [
    "DepartmentSystem",
    "DockedCase",
    "SystemMessage",
    "SystemMessageDirection",
    "SystemMessageStatus",
]
