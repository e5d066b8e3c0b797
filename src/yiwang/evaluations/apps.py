from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    verbose_name = "好差评"
    name = "yiwang.evaluations"
    label = "evaluations"
