from django.contrib import admin

from .models import Agreement, DataResource, ExternalSystem, ResourceElement


class ElementInline(admin.TabularInline):
    model = ResourceElement
    extra = 0


@admin.register(DataResource)
class DataResourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department", "sharing_type", "consent_required", "adapter", "active"]
    list_filter = ["sharing_type", "adapter", "active"]
    search_fields = ["code", "name"]
    inlines = [ElementInline]


@admin.register(ExternalSystem)
class ExternalSystemAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "key_id", "base_url", "active"]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """Read-only: agreements change only through the request and CDO decision (ledgered)."""

    list_display = ["pk", "resource", "consumer", "status", "valid_until"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
