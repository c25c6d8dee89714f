"""Celery tasks of the chart pipeline (owned by the pipeline work; see measures.pipeline)."""

from celery import shared_task


@shared_task(acks_late=True)
def recompute_series_task(team_id: int, indicator_id: int) -> None:
    # Replaced by the real pipeline implementation; the series stays marked stale until then.
    return None
