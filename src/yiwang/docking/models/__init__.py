"""Docking with provincial, national and department systems: one module per adapter."""

from .reporting import ReportKind, ReportRecord
from .sharing import (
    DeliveryStatus,
    ExchangeKind,
    ExchangeOutcome,
    ExternalLicenseUse,
    LicenseShare,
    ProvinceExchange,
)
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
    "DeliveryStatus",
    "DepartmentSystem",
    "DockedCase",
    "ExchangeKind",
    "ExchangeOutcome",
    "ExternalLicenseUse",
    "LicenseShare",
    "ProvinceExchange",
    "ReportKind",
    "ReportRecord",
    "SystemMessage",
    "SystemMessageDirection",
    "SystemMessageStatus",
]
