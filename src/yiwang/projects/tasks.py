from celery import shared_task


@shared_task(name="yiwang.projects.tasks.projects_reminders")
def projects_reminders() -> int:
    """Stage deadline reminders on the working-day clock (yellow and red lights)."""
    from .services import reminders_send

    return reminders_send()
