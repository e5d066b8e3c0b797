from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    verbose_name = "数据共享交换"
    name = "yiwang.exchange"
    label = "exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.catalog import hooks as catalog

        from . import httpsig, ledgering

        ledgering.register()  # how `yiwang ledger verify` re-derives exchange entries
        # requests to the provincial item library (事项认领) carry the platform's RFC 9421 signature
        catalog.province_request_signer.register("exchange", httpsig.sign_with_own_key)
