from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    verbose_name = "组织机构"
    name = "yiwang.organizations"
    label = "organizations"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from yiwang.core.revisions import revision_bump

        from .models import ORGANIZATIONS_REVISION, Department, Region

        # not a domain side effect: keeps memos keyed by the revision true (core.revisions)
        def bump(sender, **kwargs) -> None:
            revision_bump(ORGANIZATIONS_REVISION)

        for model in (Department, Region):
            post_save.connect(bump, sender=model, dispatch_uid=f"revision:{model._meta.label}:save")
            post_delete.connect(bump, sender=model, dispatch_uid=f"revision:{model._meta.label}:delete")
