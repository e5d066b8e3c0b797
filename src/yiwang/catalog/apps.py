from django.apps import AppConfig


class CatalogConfig(AppConfig):
    verbose_name = "事项目录"
    name = "yiwang.catalog"
    label = "catalog"

    def ready(self) -> None:
        from yiwang.organizations import hooks as organizations

        from . import ledgering, services

        ledgering.register()  # how `yiwang ledger verify` re-derives catalogue entries
        # a department's successor takes over its items (organizations.services.department_succeed)
        organizations.department_succession.register("catalog", services.items_move_department)
