"""Celery tasks of the clusters app: thin wrappers around services, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def meeting_reminders_task() -> int:
    return services.meeting_reminders_send(today=timezone.localdate())


@shared_task
def extract_retention_task() -> int:
    """Bounded: at most 20 batches per run; the next night continues."""
    total = 0
    for _batch in range(20):
        handled = services.extract_prescriber_rows_expire()
        total += handled
        if not handled:
            break
    return total
