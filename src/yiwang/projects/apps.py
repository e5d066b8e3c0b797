from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    verbose_name = "政务信息化项目与数据一本账"
    name = "yiwang.projects"
    label = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import ledgering, notices

        ledgering.register()  # how `yiwang ledger verify` re-derives project entries
        notices.register()  # the reminder and decision notice kinds
