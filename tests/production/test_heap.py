"""gunicorn's master and the Celery worker exempt what they loaded at start from the garbage
collector's full collections (lkt/heap.py). Each check runs in its own interpreter: freezing
pytest's would outlive the test."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_python(code: str) -> str:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "lkt.settings", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_heap_freeze_collects_garbage_first_then_freezes_the_rest():
    out = run_python(
        """
        import gc, weakref
        from lkt.heap import heap_freeze

        class Node:
            pass

        kept = [Node() for _ in range(1000)]
        cycle = Node()
        cycle.me = cycle
        dead = weakref.ref(cycle)
        del cycle
        gc.disable()  # nothing collects the cycle before heap_freeze does
        frozen = heap_freeze()
        print(dead() is None, frozen >= len(kept), gc.get_count()[0] < 100)
        """
    )
    assert out == "True True True"


def test_worker_and_each_pool_process_freeze_what_they_loaded():
    out = run_python(
        """
        import gc
        import django
        django.setup()
        from celery.signals import worker_init, worker_process_init
        import lkt.celery

        before = gc.get_freeze_count()
        worker_process_init.send(sender=None)
        after_child = gc.get_freeze_count()
        gc.unfreeze()
        worker_init.send(sender=None)
        print(before, after_child > 50_000, gc.get_freeze_count() > 50_000)
        """
    )
    assert out == "0 True True"


def test_gunicorn_master_imports_every_view_and_freezes_before_forking():
    out = run_python(
        """
        import gc, runpy, sys
        import lkt.wsgi  # what preload_app loads in the master
        config = runpy.run_path("gunicorn.conf.py")
        views_before = "measures.views.dashboards" in sys.modules
        config["when_ready"](None)
        print(views_before, "measures.views.dashboards" in sys.modules, gc.get_freeze_count() > 50_000)
        """
    )
    assert out == "False True True"
