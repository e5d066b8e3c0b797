"""Read-only admin lists of what went to the province and how it went (per-record status, every
exchange): 归集 pushes, uses of other issuers' licences, 数据上报 records, exchanges. Imported by
`DockingConfig.ready()` (the app's `admin.py` is left to the other adapters)."""

from django.contrib import admin

from .models import ExternalLicenseUse, LicenseShare, ProvinceExchange, ReportRecord


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProvinceExchange)
class ProvinceExchangeAdmin(ReadOnly):
    list_display = ("at", "kind", "path", "subject", "http_status", "outcome", "error_code", "duration_ms")
    list_filter = ("kind", "outcome", "error_code")
    search_fields = ("subject", "idempotency_key")
    exclude = ("requester",)


@admin.register(LicenseShare)
class LicenseShareAdmin(ReadOnly):
    list_display = (
        "created_at",
        "identifier",
        "event",
        "status",
        "attempts",
        "receipt",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "event")
    search_fields = ("identifier",)
    exclude = ("license", "message")


@admin.register(ExternalLicenseUse)
class ExternalLicenseUseAdmin(ReadOnly):
    list_display = ("used_at", "identifier", "case_number", "status", "attempts", "sent_at")
    list_filter = ("status",)
    search_fields = ("identifier", "case_number")
    exclude = ("user", "lookup", "message")


@admin.register(ReportRecord)
class ReportRecordAdmin(ReadOnly):
    list_display = ("created_at", "kind", "subject", "revision", "status", "attempts", "receipt", "sent_at")
    list_filter = ("kind", "status")
    search_fields = ("subject",)
    exclude = ("message",)
