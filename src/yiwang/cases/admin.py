from django.contrib import admin

from .models import Case, CaseEvent, Dishonesty


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["seq", "action", "from_status", "to_status", "actor", "actor_role", "at", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through the lifecycle services (workbench and API)."""

    list_display = ["number", "item_version", "department", "status", "channel", "accepted_on", "due_date"]
    list_filter = ["status", "channel"]
    search_fields = ["number"]
    inlines = [CaseEventInline]
    exclude = ["form"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dishonesty)
class DishonestyAdmin(admin.ModelAdmin):
    """失信 records of false commitments: read only (written by the 事后核查, cases.services)."""

    list_display = ["case", "recorded_on", "recorded_by"]
    search_fields = ["case__number"]
    exclude = ["name"]  # personal data: the workbench list shows it masked

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
