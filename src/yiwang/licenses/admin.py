from django.contrib import admin

from .models import License, LicenseType


@admin.register(LicenseType)
class LicenseTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "definer_name", "validity_months", "issued_here")
    search_fields = ("code", "name", "definer_name")
    filter_horizontal = ("items",)


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    """Read-only: licences are issued by case completion and change status through services."""

    list_display = ("identifier", "type", "holder_name", "issuer_name", "issued_on", "valid_until", "status")
    list_filter = ("status", "type")
    search_fields = ("identifier", "holder_name")
    exclude = ("holder_id", "credential", "holder_id_hash", "ledger_salt")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
