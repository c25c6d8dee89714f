"""Celery task for generating report snapshots: a thin wrapper that takes an id."""

from celery import shared_task
from django.conf import settings


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.REPORT_TASK_TIME_LIMIT,
    soft_time_limit=settings.REPORT_TASK_TIME_LIMIT - 30,
)
def report_snapshot_generate_task(snapshot_id: int) -> bool:
    """Generate a queued snapshot (claimed once, so a redelivered task does nothing)."""
    from .services import report_snapshot_generate

    return report_snapshot_generate(snapshot_id=snapshot_id) is not None
