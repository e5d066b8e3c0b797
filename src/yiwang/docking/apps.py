from django.apps import AppConfig


class DockingConfig(AppConfig):
    verbose_name = "省级、国家与部门系统对接"
    name = "yiwang.docking"
    label = "docking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.cases import followers
        from yiwang.catalog import hooks as catalog_hooks
        from yiwang.core import outbox
        from yiwang.evaluations import hooks as evaluation_hooks
        from yiwang.licenses import hooks as license_hooks

        from . import admin_sharing, province, tasks_province  # noqa: F401 - admin lists; the beat task
        from .services import reporting, sharing, systems

        # 电子证照归集与共享 (docking/services/sharing.py)
        license_hooks.license_changed.register("docking.sharing", sharing.license_share_put)
        license_hooks.external_license_find.register("docking.province", sharing.license_lookup)
        license_hooks.external_license_used.register("docking.province", sharing.external_use_record)
        outbox.senders.register(sharing.TOPIC_LICENSE, sharing.send_license)
        outbox.senders.register(sharing.TOPIC_LICENSE_USE, sharing.send_license_use)
        # 数据上报 (docking/services/reporting.py)
        followers.register("docking.reporting", reporting.report_case_follow)
        evaluation_hooks.rating_recorded.register("docking.reporting", reporting.report_rating_put)
        license_hooks.license_changed.register("docking.reporting", reporting.report_license_put)
        outbox.senders.register(reporting.TOPIC_REPORT, reporting.send_report)
        # 事项认领: the provincial item library's answers carry the province's signature
        catalog_hooks.province_answer_verifier.register(
            "docking.province", province.item_library_answer_verify
        )
        systems.ready()  # 部门业务系统对接 (垂管/自建系统)
