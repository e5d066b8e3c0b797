from django.apps import AppConfig


class LedgerConfig(AppConfig):
    verbose_name = "全程留痕"
    name = "yiwang.ledger"
    label = "ledger"
