"""The Celery application; tasks live in <app>/tasks.py and are discovered here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")

app = Celery("lkt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
