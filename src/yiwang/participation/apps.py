from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    verbose_name = "共同缔造"
    name = "yiwang.participation"
    label = "participation"

    def ready(self) -> None:
        from yiwang.notifications.kinds import kinds_register

        from . import kinds

        kinds_register(kinds.CATEGORY, kinds=kinds.KINDS)  # the messages of 共同缔造
