from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from yiwang.core.masking import mask_id_number, mask_phone

from . import services
from .models import LoginAttempt, OidcIdentity, PersonalDataView, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "kind", "trust_level", "masked_id", "is_active"]
    list_filter = ["kind", "trust_level", "is_active"]
    search_fields = ["username", "display_name", "uscc"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            "身份",
            {
                "fields": [
                    "kind",
                    "display_name",
                    "trust_level",
                    "masked_id",
                    "masked_phone",
                    "uscc",
                    "legal_representative",
                ]
            },
        ),
        ("权限", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    readonly_fields = ["masked_id", "masked_phone"]
    actions = ["lift_login_lock"]

    @admin.action(description="解除登录锁定")
    def lift_login_lock(self, request, queryset):
        for user in queryset:
            services.login_lock_lift(user=user, by=request.user)
        self.message_user(request, f"已解除 {queryset.count()} 个账户的登录锁定")

    @admin.display(description="身份证号码")
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description="手机号码")
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(PersonalDataView)
class PersonalDataViewAdmin(admin.ModelAdmin):
    list_display = ["at", "viewer", "object_type", "object_ref", "field", "reason"]
    list_filter = ["object_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LoginAttempt)
class LoginAttemptAdmin(PersonalDataViewAdmin):
    list_display = ["at", "channel", "user", "ip", "outcome", "lifted_by"]
    list_filter = ["channel", "outcome"]


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    """Links to the provincial unified identity (统一身份认证); made by logins only. Deleting one
    unlinks: the next provincial login matches the account again by its ID number."""

    list_display = ["user", "issuer", "trust_level", "created_at", "last_login_at"]
    list_filter = ["issuer", "trust_level"]
    search_fields = ["user__username", "user__display_name"]
    readonly_fields = ["issuer", "subject", "user", "trust_level", "created_at", "last_login_at"]

    def has_add_permission(self, request):
        return False


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """The admin's login form with the shared throttle's message (accounts.auth.ThrottledBackend
    already throttles and records the attempt)."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            refused = getattr(self.request, "login_refused", None)
            if refused:
                raise forms.ValidationError(services.THROTTLE_MESSAGES[refused], code="throttled") from None
            raise


admin.site.login_form = ThrottledAdminLoginForm
