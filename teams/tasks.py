"""Scheduled jobs of the teams app."""

from celery import shared_task
from django.conf import settings

from .services import export_events_prune


@shared_task
def export_events_prune_task() -> int:
    """Daily (beat): delete export audit events older than AUDIT_RETENTION_DAYS."""
    return export_events_prune(older_than_days=settings.AUDIT_RETENTION_DAYS)
