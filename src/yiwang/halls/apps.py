from django.apps import AppConfig


class HallsConfig(AppConfig):
    verbose_name = "预约叫号"
    name = "yiwang.halls"
    label = "halls"

    def ready(self) -> None:
        from . import texts

        texts.register()
