"""Admin for holiday notices. Saving and deleting go through `services`, so the calendar revision
changes and the due dates of affected cases are recomputed."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from yiwang.core.errors import ValidationFailed
from yiwang.workdays import selectors, services
from yiwang.workdays.models import CalendarDay, CalendarNotice


class CalendarDayFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        days = [
            (f.cleaned_data["date"], f.cleaned_data.get("is_workday", False), f.cleaned_data.get("name", ""))
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("date")
        ]
        errors = services.notice_days_errors(year=self.instance.year, days=days)
        if errors:
            raise ValidationError(errors)


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    fields = ("date", "is_workday", "name")
    extra = 3


class CalendarNoticeForm(forms.ModelForm):
    class Meta:
        model = CalendarNotice
        fields = ("year", "title", "document_number", "published_on")

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not services.FIRST_YEAR <= year <= services.LAST_YEAR:
            raise ValidationError(f"年度应在 {services.FIRST_YEAR} 至 {services.LAST_YEAR} 之间")
        return year


@admin.register(CalendarNotice)
class CalendarNoticeAdmin(admin.ModelAdmin):
    form = CalendarNoticeForm
    list_display = ("year", "title", "document_number", "published_on", "day_count", "updated_at")
    search_fields = ("title", "document_number")
    inlines = [CalendarDayInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_day_count=Count("days"))

    @admin.display(description="节假日与调休天数", ordering="_day_count")
    def day_count(self, obj: CalendarNotice) -> int:
        return obj._day_count

    def get_readonly_fields(self, request, obj=None):
        # Changing the year of a notice would leave the old year stale: enter a new notice.
        return ("year",) if obj is not None and obj.pk else ()

    def changelist_view(self, request, extra_context=None):
        years = selectors.provisional_years(within_days=400)
        if years:
            listed = "、".join(f"{y}年" for y in years)
            messages.warning(
                request,
                f"{listed}尚未录入国务院放假安排通知，相关办结期限按《全国年节及纪念日放假办法》暂定计算"
                "（不含调休）。通知发布后请及时录入，系统将自动重新计算办结期限。",
            )
        return super().changelist_view(request, extra_context)

    # The notice and its days are written together by the service in save_related.
    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        days = []
        for formset in formsets:
            for f in formset.forms:
                data = getattr(f, "cleaned_data", None)
                if data and not data.get("DELETE") and data.get("date"):
                    days.append((data["date"], bool(data.get("is_workday")), data.get("name", "")))
        try:
            with transaction.atomic():
                notice = services.calendar_notice_enter(
                    year=obj.year,
                    title=obj.title,
                    document_number=obj.document_number,
                    published_on=obj.published_on,
                    days=days,
                )
        except ValidationFailed as exc:  # the formset clean normally catches these first
            details = "；".join("，".join(v) for v in exc.fields.values())
            raise ValidationError(f"{exc.message}：{details}") from exc
        for formset in formsets:  # the admin's change message reads what formset.save() sets
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        obj.pk = notice.pk
        obj.entered_at = notice.entered_at
        obj.updated_at = notice.updated_at
        obj._state.adding = False
        messages.info(request, f"已重新计算 {notice.recomputed_cases} 件办件的办结期限。")

    def delete_model(self, request, obj):
        changed = services.calendar_notice_delete(notice=obj)
        messages.info(request, f"已重新计算 {changed} 件办件的办结期限。")

    def delete_queryset(self, request, queryset):
        changed = 0
        for notice in queryset:
            changed += services.calendar_notice_delete(notice=notice)
        messages.info(request, f"已重新计算 {changed} 件办件的办结期限。")
