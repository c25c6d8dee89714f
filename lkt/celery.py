"""The Celery application; tasks live in <app>/tasks.py and are discovered here."""

import logging
import os

from celery import Celery
from celery.signals import beat_init, worker_init

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
