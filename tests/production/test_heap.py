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


def test_gc_relaxed_raises_the_young_threshold_once_and_the_last_to_leave_restores_it():
    # Nested (a sweep inside a recompute) and concurrent (threads) jobs share one relaxation; what
    # was set before the first came in is set again after the last has left, even after an error.
    out = run_python(
        """
        import gc, threading
        from lkt.heap import RELAXED_YOUNG, gc_relaxed

        gc.set_threshold(900, 11, 12)
        inside, entered, release = [], threading.Event(), threading.Event()

        def job():
            with gc_relaxed():
                entered.set()
                release.wait()

        other = threading.Thread(target=job)
        other.start()
        entered.wait()
        try:
            with gc_relaxed():
                with gc_relaxed():
                    inside.append(gc.get_threshold())
                release.set()
                other.join()
                inside.append(gc.get_threshold())  # the other job has left: still relaxed for us
                raise ValueError
        except ValueError:
            pass
        print(inside == [(RELAXED_YOUNG, 11, 12)] * 2, gc.get_threshold() == (900, 11, 12))
        """
    )
    assert out == "True True"
