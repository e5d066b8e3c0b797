"""Operators see the delivery log (codes and counters, no personal data) and may send a failed or
dead delivery again. Message text stays out of the admin lists."""

from __future__ import annotations

from django.contrib import admin, messages

from . import services
from .models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "key", "recipient_id", "legal", "created_at", "read_at")
    list_filter = ("kind", "legal")
    search_fields = ("key",)
    fields = ("kind", "key", "recipient", "legal", "link", "created_at", "read_at")
    readonly_fields = fields
    raw_id_fields = ("recipient",)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "notification_id",
        "kind",
        "channel",
        "status",
        "attempts",
        "next_attempt",
        "last_error",
    )
    list_filter = ("status", "channel")
    search_fields = ("notification__key",)
    readonly_fields = (
        "notification", "channel", "status", "attempts", "next_attempt", "lease_until", "last_error",
        "created_at", "last_attempt_at", "sent_at",
    )  # fmt: skip
    raw_id_fields = ("notification",)
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="消息类型")
    def kind(self, obj: Delivery) -> str:
        return obj.notification.kind

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("notification")

    @admin.action(description="重新发送（失败或多次重试失败的记录）")
    def retry(self, request, queryset) -> None:
        count = sum(services.delivery_retry(delivery=d) for d in queryset)
        messages.info(request, f"已重新排队 {count} 条发送记录。")
