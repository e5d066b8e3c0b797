from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    verbose_name = "消息通知"
    name = "yiwang.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import checks, texts  # noqa: F401 - checks registers itself

        texts.register()  # the event kinds of the apps below and beside (cases, bundles, ratings…)
