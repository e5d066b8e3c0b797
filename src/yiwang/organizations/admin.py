from django.contrib import admin

from .models import Department, Region, ServiceHall, StaffRole, Window


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_until", "successor"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "successor"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "uscc",
        "kind",
        "region",
        "review_body",
        "court",
        "valid_from",
        "valid_until",
        "successor",
    ]
    list_filter = ["kind", "vertically_managed"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["region", "successor"]


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    filter_horizontal = ["departments"]
    raw_id_fields = ["items"]


@admin.register(ServiceHall)
class ServiceHallAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "address", "hours"]
    search_fields = ["name"]
    inlines = [WindowInline]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "department", "window", "region"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name"]
    raw_id_fields = ["user", "department", "window", "region"]
