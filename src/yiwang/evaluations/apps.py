from django.apps import AppConfig


def invite_on_completion(*, case_id: int, action: str) -> None:
    """A case follower (cases.followers): once a case is completed, invite its applicant to rate
    it (好差评). Runs after the completion commits; `evaluation_invite` is idempotent, so a second
    call (a sweep, a retried task) sends nothing more."""
    if action != "complete":
        return
    from yiwang.cases.models import Case

    from .services import evaluation_invite

    case = Case.objects.filter(pk=case_id).first()
    if case is not None:
        evaluation_invite(case=case)


class EvaluationsConfig(AppConfig):
    verbose_name = "好差评"
    name = "yiwang.evaluations"
    label = "evaluations"

    def ready(self) -> None:
        from yiwang.cases import followers
        from yiwang.notifications.kinds import kinds_register

        from . import kinds, ledgering

        kinds_register(kinds.CATEGORY, kinds=kinds.KINDS)  # the messages of 好差评
        ledgering.register()  # how `yiwang ledger verify` re-derives ratings and work-order steps
        followers.register("evaluations", invite_on_completion)
