from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "yiwang.knowledge"
    label = "knowledge"
    verbose_name = "知识库与智能问答"

    def ready(self) -> None:
        from yiwang.notifications.kinds import kinds_register

        from . import notices

        kinds_register(
            notices.CATEGORY, kinds=notices.KINDS
        )  # the answer to a question goes to whoever asked it
