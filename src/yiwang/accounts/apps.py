from django.apps import AppConfig


class AccountsConfig(AppConfig):
    verbose_name = "用户"
    name = "yiwang.accounts"
    label = "accounts"
