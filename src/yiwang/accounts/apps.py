from django.apps import AppConfig


class AccountsConfig(AppConfig):
    verbose_name = "用户"
    name = "yiwang.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import services

        services.ledger_register()  # how `yiwang ledger verify` re-derives personal-data views
