"""Celery tasks of the chart pipeline and the reporting reminders: thin wrappers that take ids.

All tasks are safe to run twice: rows are claimed before they are computed, results are written
only where the inputs are unchanged, and a reminder is recorded before it is sent.
"""

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from . import charts
from .services import entry_reminders

logger = logging.getLogger(__name__)

# Shared options: redelivered if the worker dies mid-task (acks_late + reject_on_worker_lost; Redis
# redelivers after the visibility timeout, which is longer than the time limit), retried with
# exponential backoff when the database is briefly unavailable or a transaction is aborted.
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
}


@shared_task(**TASK_OPTIONS)
def chart_result_recompute_task(result_id: int) -> int:
    """Recompute one claimed chart result (enqueued after commit by charts.chart_results_enqueue)."""
    return charts.chart_result_recompute_claimed(result_id=result_id)


@shared_task(**TASK_OPTIONS)
def chart_results_sweep_task(
    batch_size: int | None = None,
    max_batches: int | None = None,
    verify: int | None = None,
    follow_up: bool = False,
) -> int:
    """Beat: recompute stale and outdated charts in bounded, claimed batches (settings give the bounds).

    If rows are still claimed (a worker computing them, or killed while it did), one follow-up
    sweep runs once those claims have lapsed unless renewed, so a killed worker's rows are
    recomputed within one sweep interval. A follow-up schedules no further one.
    """
    computed = charts.chart_results_sweep(
        batch_size=batch_size or settings.CHART_SWEEP_BATCH_SIZE,
        max_batches=max_batches or settings.CHART_SWEEP_MAX_BATCHES,
        verify=settings.CHART_SWEEP_VERIFY if verify is None else verify,
    )
    delay = None if follow_up else charts.chart_results_sweep_follow_up()
    if delay is not None:
        try:
            chart_results_sweep_task.apply_async(
                kwargs={"batch_size": batch_size, "max_batches": max_batches, "verify": 0, "follow_up": True},
                countdown=delay,
                expires=delay + charts.sweep_seconds(),
            )
        except Exception as exc:  # kombu/redis raise many types; the next beat sweep comes all the same
            logger.warning("chart pipeline: no follow-up sweep (%s)", exc)
    return computed


@shared_task(**TASK_OPTIONS)
def reporting_reminders_task(today: str | None = None) -> int:
    """Beat (daily): remind the teams that have not reported last month, once the deadline has passed.

    `today` (ISO date) is for re-running a missed day by hand.
    """
    return entry_reminders.reminders_send_due(today=date.fromisoformat(today) if today else None)
