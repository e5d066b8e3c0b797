from django.apps import AppConfig


class IdentityConfig(AppConfig):
    verbose_name = "电子身份码"
    name = "yiwang.identity"
    label = "identity"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import ledgering

        ledgering.register()
