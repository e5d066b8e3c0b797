from django.apps import AppConfig


class CasesConfig(AppConfig):
    verbose_name = "办件"
    name = "yiwang.cases"
    label = "cases"

    def ready(self) -> None:
        from . import ledgering

        ledgering.register()  # how `yiwang ledger verify` re-derives case entries
