from django.contrib import admin, messages

from yiwang.core.errors import DomainError

from . import services
from .models import License, LicenseType


def _set_status(modeladmin, request, queryset, status: str, label: str) -> None:
    done, refused = 0, 0
    for lic in queryset:
        try:
            services.license_set_status(
                license=lic, status=status, reason=f"管理后台{label}", actor_role="admin"
            )
        except DomainError:
            refused += 1
        else:
            done += 1
    modeladmin.message_user(
        request,
        f"已{label} {done} 本证照" + (f"，{refused} 本状态不允许" if refused else ""),
        messages.WARNING if refused else messages.SUCCESS,
    )


@admin.action(description="暂停所选证照")
def suspend(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, "suspended", "暂停")


@admin.action(description="恢复所选证照")
def reinstate(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, "valid", "恢复")


@admin.action(description="注销所选证照（不可恢复）")
def revoke(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, "revoked", "注销")


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
    actions = [suspend, reinstate, revoke]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
