"""The Celery application; tasks live in <app>/tasks.py and are discovered here."""

import logging
import os

from celery import Celery
from celery.signals import beat_init, worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")

app = Celery("lkt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_unsafe_serving(**kwargs) -> None:
    """A worker or beat with DEBUG=0 and the example secrets stops at once (see lkt/serving.py)."""
    from django.core.exceptions import ImproperlyConfigured

    from lkt.serving import refuse_unsafe_serving as check

    try:
        check()
    except ImproperlyConfigured as exc:
        logging.getLogger(__name__).critical("%s", exc)
        # Celery logs and swallows an Exception raised by a signal handler; SystemExit stops it.
        raise SystemExit(f"ImproperlyConfigured: {exc}") from exc


@worker_init.connect
@worker_process_init.connect
def freeze_heap(**kwargs) -> None:
    """In the worker before it forks its pool, and in each pool process after its start-up: what
    they loaded is exempt from the garbage collector's full collections (lkt/heap.py)."""
    from lkt.heap import heap_freeze

    heap_freeze()
