from django.apps import AppConfig


class BundlesConfig(AppConfig):
    verbose_name = "高效办成一件事"
    name = "yiwang.bundles"
    label = "bundles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.cases import followers
        from yiwang.notifications.kinds import kinds_register

        from . import kinds, services

        kinds_register(kinds.CATEGORY, kinds=kinds.KINDS)  # the messages of 一件事
        followers.register("bundles", services.bundle_follow_case)
        services.ledger_register()
