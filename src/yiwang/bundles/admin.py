from django.contrib import admin, messages

from yiwang.core.errors import DomainError

from . import services
from .models import Bundle, BundleCase, BundleItem


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    extra = 0
    fields = ("item", "item_version", "position", "when", "depends_on", "required")
    readonly_fields = ("item_version",)
    autocomplete_fields = ("item",)


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "audience", "lead_department", "promised_days", "status", "version")
    list_filter = ("status", "audience")
    search_fields = ("code", "name")
    inlines = [BundleItemInline]
    readonly_fields = ("status", "version", "published_at")
    actions = ["publish"]

    @admin.action(description="发布（固定事项版本、生成合并申请表）")
    def publish(self, request, queryset):
        for bundle in queryset:
            try:
                services.bundle_publish(bundle=bundle)
                self.message_user(request, f"已发布：{bundle.name}")
            except DomainError as exc:
                detail = "；".join(f"{k}：{'、'.join(v)}" for k, v in exc.fields.items())
                self.message_user(request, f"{bundle.name} 未发布：{exc.message} {detail}", messages.ERROR)


@admin.register(BundleCase)
class BundleCaseAdmin(admin.ModelAdmin):
    list_display = ("number", "bundle", "status", "received_on", "due_date")
    list_filter = ("status", "bundle")
    search_fields = ("number",)
    readonly_fields = [f.name for f in BundleCase._meta.fields]
