from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    verbose_name = "工作日历"
    name = "yiwang.workdays"
    label = "workdays"
