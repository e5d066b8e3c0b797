from django.contrib import admin

from .models import DepartmentSystem, DockedCase, SystemMessage


@admin.register(DepartmentSystem)
class DepartmentSystemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "department", "endpoint", "all_items", "active")
    list_filter = ("active",)
    filter_horizontal = ("items",)
    raw_id_fields = ("account",)


@admin.register(DockedCase)
class DockedCaseAdmin(admin.ModelAdmin):
    list_display = ("case", "system", "remote_number", "last_seq", "last_status", "pushed_at")
    raw_id_fields = ("case", "outbox_message")
    readonly_fields = ("last_seq", "last_status", "pushed_at")


@admin.register(SystemMessage)
class SystemMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "direction", "system", "case_number", "kind", "status", "reason_code")
    list_filter = ("direction", "status")
    search_fields = ("case_number", "message_id")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
