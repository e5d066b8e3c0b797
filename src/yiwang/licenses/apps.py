from django.apps import AppConfig


class LicensesConfig(AppConfig):
    verbose_name = "电子证照"
    name = "yiwang.licenses"
    label = "licenses"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import ledgering

        ledgering.register()
