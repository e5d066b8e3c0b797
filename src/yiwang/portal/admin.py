from django.contrib import admin

from yiwang.core.masking import mask_phone

from .models import CallbackRequest


@admin.register(CallbackRequest)
class CallbackRequestAdmin(admin.ModelAdmin):
    """长辈版 电话帮办: the halls' callback list (the number masked in the list)."""

    list_display = ["created_at", "hall", "name", "masked_phone", "topic", "status"]
    list_filter = ["status", "hall"]
    list_editable = ["status"]
    readonly_fields = ["hall", "user", "name", "phone", "topic", "created_at"]

    @admin.display(description="回电号码")
    def masked_phone(self, obj: CallbackRequest) -> str:
        return mask_phone(obj.phone)
