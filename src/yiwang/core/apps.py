from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "平台核心"
    name = "yiwang.core"
    label = "core"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deployment check
