"""Admin of 好差评: window rating devices (registered here, the secret shown once), the handling
limit per region, and read-only views of ratings and work orders (a rating is never edited; work
orders change only through their procedure)."""

from __future__ import annotations

from django.contrib import admin, messages

from . import services
from .models import Evaluation, HandlingLimit, RatingDevice, WorkOrder, WorkOrderStep


def _show_secret(request, device: RatingDevice, secret: str) -> None:
    messages.warning(
        request,
        f"评价器“{device.name or device.pk}”的地址（仅显示这一次，请在平板上打开并收藏）："
        f"/rate/device/{secret}/",
    )


@admin.register(RatingDevice)
class RatingDeviceAdmin(admin.ModelAdmin):
    """Adding a device generates its secret (stored only as a lookup hash) and shows the tablet
    URL once; "重新生成地址" replaces the secret of the selected devices (the old URL stops working)."""

    list_display = ("pk", "name", "window", "active", "created_at")
    list_filter = ("active", "window__hall")
    list_select_related = ("window", "window__hall")
    search_fields = ("name",)
    fields = ("window", "name", "active")
    actions = ["rotate_secret"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        device, secret = services.device_register(window=obj.window, name=obj.name, active=obj.active)
        obj.pk, obj.token_hash, obj.created_at = device.pk, device.token_hash, device.created_at
        obj._state.adding = False
        _show_secret(request, device, secret)

    @admin.action(description="重新生成评价器地址（旧地址作废）")
    def rotate_secret(self, request, queryset):
        for device in queryset:
            _show_secret(request, device, services.device_rotate(device=device))


@admin.register(HandlingLimit)
class HandlingLimitAdmin(admin.ModelAdmin):
    list_display = ("region", "limit_days")
    list_select_related = ("region",)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(_ReadOnly):
    """Ratings, read only (the rater is not shown: anonymous ratings stay anonymous)."""

    list_display = ("rated_at", "case", "stage", "level", "channel", "department", "excluded")
    list_filter = ("channel", "level", "stage", "excluded")
    date_hierarchy = "rated_at"
    list_select_related = ("case", "department")
    exclude = ("rater",)


class StepInline(admin.TabularInline):
    model = WorkOrderStep
    fields = ("seq", "action", "from_status", "to_status", "actor_role", "on", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(_ReadOnly):
    list_display = ("number", "status", "department", "unit", "due_date", "escalated_at")
    list_filter = ("status",)
    search_fields = ("number",)
    list_select_related = ("department", "unit")
    inlines = [StepInline]
