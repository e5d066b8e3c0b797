"""Admin: the outbox, read only (operators retry or cancel on the workbench page, which records
who, when and why). Payloads are not shown, only their field names."""

from __future__ import annotations

from django.contrib import admin

from .models import OutboxAction, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OutboxActionInline(admin.TabularInline):
    model = OutboxAction
    fields = ["created_at", "action", "from_status", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "topic",
        "key",
        "seq",
        "status",
        "attempts",
        "next_attempt_at",
        "error_class",
        "created_at",
    ]
    list_filter = ["status", "topic"]
    search_fields = ["=id", "=idempotency_key", "key"]
    exclude = ["payload"]
    readonly_fields = ["payload_fields"]
    inlines = [OutboxActionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("payload")

    @admin.display(description="内容字段")
    def payload_fields(self, obj: OutboxMessage) -> str:
        return "、".join(sorted(obj.payload)) if isinstance(obj.payload, dict) else ""


@admin.register(OutboxAction)
class OutboxActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "message", "action", "from_status", "actor"]
    list_filter = ["action"]
