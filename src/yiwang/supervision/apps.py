from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    verbose_name = "考核督办"
    name = "yiwang.supervision"
    label = "supervision"

    def ready(self) -> None:
        from yiwang.notifications.kinds import Category, EventKind, kinds_register

        kinds_register(
            Category("supervision", "考核督办", "整改任务下发、退回与超期督办，督办通报发布"),
            kinds=[
                EventKind(
                    kind="supervision.task_assigned",
                    category="supervision",
                    label="整改任务下发",
                    required=("number", "title", "due_date"),
                    title="整改任务 {{ number }}：{{ title }}",
                    body="督查部门下发整改任务 {{ number }}（{{ title }}），请于 {{ due_date }} 前完成整改并报送整改材料。详情：{{ url }}",
                ),
                EventKind(
                    kind="supervision.task_returned",
                    category="supervision",
                    label="整改任务退回",
                    required=("number", "title"),
                    title="整改任务 {{ number }} 被退回",
                    body="整改任务 {{ number }}（{{ title }}）的整改材料未通过核验，已退回重新整改。详情：{{ url }}",
                ),
                EventKind(
                    kind="supervision.task_escalated",
                    category="supervision",
                    label="整改任务超期督办",
                    required=("number", "title", "due_date"),
                    title="整改任务 {{ number }} 已超期",
                    body="整改任务 {{ number }}（{{ title }}）已超过整改期限 {{ due_date }}，已列入督办并将在下期通报中通报。详情：{{ url }}",
                ),
            ],
        )
