from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    verbose_name = "数据共享交换"
    name = "yiwang.exchange"
    label = "exchange"
    default_auto_field = "django.db.models.BigAutoField"
