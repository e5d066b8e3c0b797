"""Catalogue admin: items with their versions, drafts editable and published versions read-only,
publishing through the service, element registry, code mappings, Excel export and a bulk import
view that shows the validation report and imports only a clean file."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from yiwang.core.errors import DomainError

from . import province, services
from .models import (
    ClaimChange,
    CodeMapping,
    DataElement,
    Item,
    ItemClaim,
    ItemVersion,
    Material,
    ProvinceSync,
    StandardItem,
    VersionStatus,
)
from .selectors import element_registry_clear


class ItemVersionInline(admin.TabularInline):
    model = ItemVersion
    fields = ["version", "name", "status", "valid_from", "valid_until", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ImportForm(forms.Form):
    file = forms.FileField(label="文件（.json 或 .xlsx）")
    publish = forms.BooleanField(label="导入后发布", required=False, initial=True)
    dry_run = forms.BooleanField(label="仅校验，不导入", required=False)
    source = forms.CharField(label="来源系统（代码映射）", required=False, help_text="留空则按国标代码导入")


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["code", "current_name", "node_kind", "department", "parent"]
    list_filter = ["node_kind", "department"]
    search_fields = ["code", "basic_code", "local_code", "versions__name"]
    raw_id_fields = ["parent"]
    list_select_related = ["department", "parent"]
    inlines = [ItemVersionInline]
    actions = ["export_xlsx", "new_draft"]
    change_list_template = "admin/catalog/item/change_list.html"

    @admin.display(description="名称")
    def current_name(self, obj: Item) -> str:
        v = obj.versions.order_by("-version").first()
        return v.name if v else ""

    def get_urls(self):
        urls = super().get_urls()
        custom = [path("import/", self.admin_site.admin_view(self.import_view), name="catalog_item_import")]
        return custom + urls

    @admin.action(description="导出 Excel")
    def export_xlsx(self, request, queryset):
        content = services.items_export_xlsx(codes=list(queryset.values_list("code", flat=True)))
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="items-{stamp}.xlsx"'
        return response

    @admin.action(description="新建草稿版本")
    def new_draft(self, request, queryset):
        for item in queryset:
            try:
                draft = services.item_version_draft(item=item)
                self.message_user(request, f"{item.code}：已新建草稿 v{draft.version}")
            except DomainError as exc:
                self.message_user(request, f"{item.code}：{exc.message}", messages.ERROR)

    def import_view(self, request):
        report = None
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                publish, dry_run = form.cleaned_data["publish"], form.cleaned_data["dry_run"]
                source = form.cleaned_data["source"].strip()
                if upload.name.lower().endswith(".xlsx"):
                    report = services.items_import_xlsx(
                        fileobj=upload, publish=publish, source=source or "xlsx", dry_run=dry_run
                    )
                else:
                    try:
                        data = json.loads(upload.read().decode("utf-8-sig"))
                    except (UnicodeDecodeError, ValueError):
                        data = None
                    if data is None:
                        report = services.ImportReport(source=source or "json", dry_run=dry_run)
                        report.error(0, "", "_", "不是合法的 UTF-8 JSON 文件")
                    else:
                        report = services.items_import(
                            data=data, publish=publish, source=source or "json", dry_run=dry_run
                        )
                if report.ok and not dry_run:
                    self.message_user(request, report.as_text().splitlines()[0])
        else:
            form = ImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入事项",
            "form": form,
            "report": report,
        }
        return render(request, "admin/catalog/item/import.html", context)


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = [
        "position",
        "code",
        "name",
        "material_type",
        "material_form",
        "required",
        "copies",
        "source",
        "issuing_department",
        "license_type_code",
        "tolerable",
        "blank_form",
        "sample",
        "notes",
    ]

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == VersionStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(ItemVersion)
class ItemVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "item",
        "version",
        "status",
        "valid_from",
        "valid_until",
        "item_type",
        "case_kind",
    ]
    list_filter = ["status", "item_type", "case_kind"]
    search_fields = ["name", "item__code"]
    list_select_related = ["item"]
    raw_id_fields = ["item"]
    filter_horizontal = ["halls"]
    readonly_fields = ["status", "valid_from", "valid_until", "published_at"]
    inlines = [MaterialInline]
    actions = ["publish"]

    def has_change_permission(self, request, obj=None):
        # published and retired versions are immutable: shown read-only
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="发布所选草稿（今日生效）")
    def publish(self, request, queryset):
        for version in queryset:
            try:
                services.item_version_publish(item_version=version)
                self.message_user(request, f"{version}：已发布")
            except DomainError as exc:
                details = "；".join(f"{k}：{'、'.join(v)}" for k, v in exc.fields.items())
                self.message_user(request, f"{version}：{exc.message}（{details}）", messages.ERROR)


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "party", "type", "validator", "sensitive", "mask"]
    list_filter = ["party", "type", "sensitive", "validator"]
    search_fields = ["id", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["id"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        element_registry_clear()

    def has_delete_permission(self, request, obj=None):
        return False  # ids are stable: forms and cases refer to them


@admin.register(CodeMapping)
class CodeMappingAdmin(admin.ModelAdmin):
    list_display = ["system", "table", "local_code", "national_code", "note"]
    list_filter = ["system", "table"]
    search_fields = ["local_code", "national_code", "note"]


# --- 事项认领 (read-only here: standard items come from the province, decisions from the pages) ------


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ProvinceFileForm(forms.Form):
    file = forms.FileField(label="省级事项库导出文件（.json 或 .xlsx）")
    source = forms.CharField(
        label="来源系统", required=False, help_text="留空为 YIWANG_ITEM_LIBRARY_SOURCE；决定所用的代码映射"
    )


@admin.register(StandardItem)
class StandardItemAdmin(_ReadOnly):
    list_display = ["basic_code", "name", "item_type", "revision", "withdrawn", "source"]
    list_filter = ["source", "withdrawn", "item_type"]
    search_fields = ["basic_code", "name"]
    change_list_template = "admin/catalog/standarditem/change_list.html"

    def get_urls(self):
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="catalog_standarditem_import",
            )
        ]
        return custom + super().get_urls()

    def import_view(self, request):
        from . import claims

        if not request.user.has_perm("catalog.view_standarditem"):
            raise PermissionDenied
        sync = None
        form = ProvinceFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            kind = "xlsx" if upload.name.lower().endswith(".xlsx") else "json"
            data = upload.read(province.MAX_FILE + 1)
            sync = claims.standard_file_import(
                data=data, kind=kind, system=form.cleaned_data["source"].strip() or None
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入省级标准事项",
            "form": form,
            "sync": sync,
        }
        return render(request, "admin/catalog/standarditem/import.html", context)


@admin.register(ItemClaim)
class ItemClaimAdmin(_ReadOnly):
    list_display = ["standard_item", "department", "item", "accepted_revision", "claimed_at"]
    list_select_related = ["standard_item", "department", "item"]
    search_fields = ["standard_item__basic_code", "standard_item__name", "item__code"]


@admin.register(ClaimChange)
class ClaimChangeAdmin(_ReadOnly):
    list_display = ["claim", "revision", "status", "received_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["claim__standard_item", "claim__department"]


@admin.register(ProvinceSync)
class ProvinceSyncAdmin(_ReadOnly):
    list_display = ["started_at", "source", "via", "status", "received", "created", "changed", "error_code"]
    list_filter = ["source", "via", "status"]
