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

        from django.db.models.signals import post_delete, post_save

        from yiwang.core.revisions import revision_bump

        from .models import CATALOG_REVISION, Item, ItemVersion

        # not a domain side effect: keeps memos keyed by the revision true (core.revisions)
        def bump(sender, **kwargs) -> None:
            revision_bump(CATALOG_REVISION)

        for model in (Item, ItemVersion):
            post_save.connect(bump, sender=model, dispatch_uid=f"revision:{model._meta.label}:save")
            post_delete.connect(bump, sender=model, dispatch_uid=f"revision:{model._meta.label}:delete")
