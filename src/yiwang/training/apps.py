from django.apps import AppConfig


class TrainingConfig(AppConfig):
    verbose_name = "培训与持证上岗"
    name = "yiwang.training"
    label = "training"

    def ready(self) -> None:
        from yiwang.notifications.kinds import Category, EventKind, kinds_register
        from yiwang.organizations import hooks

        from . import services

        kinds_register(
            Category("training", "培训与持证上岗", "职业资格证书到期提醒"),
            kinds=[
                EventKind(
                    kind="training.certification_expiring",
                    category="training",
                    label="证书即将到期",
                    required=("kind", "valid_until", "days"),
                    title="您的{{ kind }}证书将于 {{ valid_until }} 到期",
                    body=(
                        "您的{{ kind }}证书将于 {{ valid_until }} 到期（还有 {{ days }} 天）。到期后将不能在要求持证上岗的"
                        "大厅窗口工作，请及时办理续期并上传新证书。详情：{{ url }}"
                    ),
                ),
            ],
        )
        hooks.window_assignment_check.register("training", services.window_assignment_check)
