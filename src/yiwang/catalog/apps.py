from django.apps import AppConfig


class CatalogConfig(AppConfig):
    verbose_name = "事项目录"
    name = "yiwang.catalog"
    label = "catalog"

    def ready(self) -> None:
        from yiwang.ledger import catalogue

        catalogue.register()  # how `yiwang ledger verify` re-derives catalogue entries
