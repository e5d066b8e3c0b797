from django.apps import AppConfig


class FederationConfig(AppConfig):
    verbose_name = "一圈通办（跨市通办）"
    name = "yiwang.federation"
    label = "federation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.cases import followers
        from yiwang.core import outbox
        from yiwang.licenses import hooks as license_hooks
        from yiwang.notifications.kinds import kinds_register

        from . import kinds, ledgering, peer_licenses, services

        ledgering.register()
        kinds_register(kinds.CATEGORY, kinds=kinds.KINDS)
        followers.register("federation", services.federation_follow_case)
        outbox.senders.register(services.TOPIC_FORWARD, services.send_peer_message)
        outbox.senders.register(services.TOPIC_STATUS, services.send_peer_message)
        outbox.senders.register(services.TOPIC_NOTICE, services.send_peer_message)
        license_hooks.external_license_find.register("federation.peer", peer_licenses.peer_license_find)
        license_hooks.external_license_used.register("federation.peer", peer_licenses.peer_license_use_record)
