from django.contrib import admin

from .models import Article, Point, Question


@admin.register(Point)
class PointAdmin(admin.ModelAdmin):
    list_display = ("kind", "code", "version", "section", "title", "department", "review_on")
    list_filter = ("kind", "section", "external")
    search_fields = ("code", "title")
    readonly_fields = [f.name for f in Point._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "title", "department", "status", "revision", "review_on")
    list_filter = ("kind", "status")
    search_fields = ("code", "title")
    readonly_fields = ("status", "version", "revision", "published_title", "published_body", "published_at")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("number", "department", "status", "asked_at")
    list_filter = ("status",)
    readonly_fields = ("number", "text", "asked_by", "answered_by", "answered_at", "article")
