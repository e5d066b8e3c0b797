from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "yiwang.knowledge"
    label = "knowledge"
    verbose_name = "知识库与智能问答"

    def ready(self) -> None:
        from . import notices

        notices.register()  # the answer to a question goes to whoever asked it
