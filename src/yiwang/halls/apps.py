from django.apps import AppConfig


class HallsConfig(AppConfig):
    verbose_name = "预约叫号"
    name = "yiwang.halls"
    label = "halls"

    def ready(self) -> None:
        from yiwang.cases import followers
        from yiwang.notifications.kinds import kinds_register

        from . import services, texts

        kinds_register(texts.CATEGORY, kinds=texts.KINDS)
        # a case filed or accepted at a window belongs to the ticket the window is serving
        followers.register("halls", services.ticket_link_case)
