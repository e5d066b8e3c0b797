from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    verbose_name = "数据共享交换"
    name = "yiwang.exchange"
    label = "exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import ledgering

        ledgering.register()  # how `yiwang ledger verify` re-derives exchange entries
