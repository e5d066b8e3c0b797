from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    verbose_name = "消息通知"
    name = "yiwang.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import checks, texts  # noqa: F401 - checks registers itself
        from .kinds import kinds_register

        kinds_register(
            *texts.CATEGORIES, kinds=texts.KINDS
        )  # the account messages (each app above registers its own kinds)
