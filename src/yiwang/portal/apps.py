from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "yiwang.portal"
    label = "portal"

    def ready(self) -> None:
        from yiwang.notifications.kinds import kinds_register

        from . import kiosk

        kinds_register(kinds=[kiosk.LOGIN_CODE])  # the kiosk's one-time login code (a notification kind)
