from django.contrib import admin

from .models import IdentityCheck


@admin.register(IdentityCheck)
class IdentityCheckAdmin(admin.ModelAdmin):
    """The check log, read-only: checks are evidence (and ledgered), never edited."""

    list_display = ("at", "outcome", "person", "verifier", "hall", "window", "key_version")
    list_filter = ("outcome", "hall")
    date_hierarchy = "at"
    list_select_related = ("person", "verifier", "hall", "window__hall")
    fields = (
        "at",
        "outcome",
        "person",
        "verifier",
        "hall",
        "window",
        "key_version",
        "code_issued_at",
        "ledger_entry",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
