from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    verbose_name = "好差评"
    name = "yiwang.evaluations"
    label = "evaluations"

    def ready(self) -> None:
        from . import ledgering

        ledgering.register()  # how `yiwang ledger verify` re-derives ratings and work-order steps
