from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    verbose_name = "政务信息化项目与数据一本账"
    name = "yiwang.projects"
    label = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.notifications.kinds import kinds_register

        from . import ledgering, notices

        ledgering.register()  # how `yiwang ledger verify` re-derives project entries
        kinds_register(notices.CATEGORY, kinds=notices.KINDS)  # the reminder and decision notice kinds
