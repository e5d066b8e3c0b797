"""Models of the adapters to provincial and national systems, one module per adapter."""

from .reporting import ReportKind, ReportRecord
from .sharing import (
    DeliveryStatus,
    ExchangeKind,
    ExchangeOutcome,
    ExternalLicenseUse,
    LicenseShare,
    ProvinceExchange,
)

__all__ = [
    "DeliveryStatus",
    "ExchangeKind",
    "ExchangeOutcome",
    "ExternalLicenseUse",
    "LicenseShare",
    "ProvinceExchange",
    "ReportKind",
    "ReportRecord",
]
