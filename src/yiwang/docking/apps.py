from django.apps import AppConfig


class DockingConfig(AppConfig):
    verbose_name = "省级和国家系统对接"
    name = "yiwang.docking"
    label = "docking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .services import systems

        systems.ready()  # 部门业务系统对接 (垂管/自建系统)
