from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "yiwang.portal"
    label = "portal"

    def ready(self) -> None:
        from . import kiosk

        kiosk.register()  # the kiosk's one-time login code (a notification kind)
