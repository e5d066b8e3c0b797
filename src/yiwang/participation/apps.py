from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    verbose_name = "共同缔造"
    name = "yiwang.participation"
    label = "participation"

    def ready(self) -> None:
        from . import kinds

        kinds.register()  # the messages of 共同缔造
