from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "平台核心"
    name = "yiwang.core"
    label = "core"

    def ready(self):
        from . import accesslog, checks  # noqa: F401 - checks registers the deployment check

        accesslog.install()  # no personal data from query strings in the access log
