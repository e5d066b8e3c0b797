from django.contrib import admin

from .models import Assessment, Bulletin, RuleSet, Task


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("version", "name", "valid_from", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:
        # a version in use stays as it was: write a new version instead
        return obj is None or not Assessment.objects.filter(ruleset=obj, status="closed").exists()


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("period", "level", "status", "computed_at", "closed_at")
    readonly_fields = [f.name for f in Assessment._meta.fields]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("number", "source", "title", "department", "due_date", "status")
    list_filter = ("status", "source")
    readonly_fields = [f.name for f in Task._meta.fields]


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "period", "status")
    readonly_fields = [f.name for f in Bulletin._meta.fields]
