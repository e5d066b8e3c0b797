"""Admin of 共同缔造: the sensitive-word list (edits take effect at once in every process: the
cached list is dropped after commit), and read-only views of posts, missions and rectifications."""

from __future__ import annotations

from django.contrib import admin

from . import services
from .models import Finding, Mission, Proposal, RectificationItem, SensitiveWord


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin):
    list_display = ("word", "active", "note", "updated_at")
    list_filter = ("active",)
    list_editable = ("active",)
    search_fields = ("word",)
    fields = ("word", "active", "note")

    def save_model(self, request, obj, form, change):
        obj.word = obj.word.strip()
        super().save_model(request, obj, form, change)
        services.sensitive_words_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.sensitive_words_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.sensitive_words_changed()


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(_ReadOnly):
    list_display = ("number", "kind", "title", "department", "status", "moderation", "answer_due")
    list_filter = ("kind", "status", "moderation")
    search_fields = ("number", "title")
    list_select_related = ("department",)
    exclude = ("author",)


class FindingInline(admin.TabularInline):
    model = Finding
    fields = ("seq", "step", "kind", "body", "outcome")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Mission)
class MissionAdmin(_ReadOnly):
    list_display = ("number", "title", "channel", "department", "staff", "status", "finished_on")
    list_filter = ("status", "channel")
    search_fields = ("number", "title")
    inlines = [FindingInline]


@admin.register(RectificationItem)
class RectificationItemAdmin(_ReadOnly):
    list_display = ("number", "title", "department", "due_date", "status", "done_on")
    list_filter = ("status",)
    search_fields = ("number", "title")
