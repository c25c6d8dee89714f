"""The garbage collector in the long-running processes: gunicorn's workers and Celery's.

CPython's full collection walks every object the process holds, the hundred thousand or so of
Django's, ours and the libraries' that live as long as the process included. In a process that had
loaded what a worker loads, a full recompute of 200 teams' charts (2,060 series) set off three of
them, which took 0.17 s of its 1.46-1.58 s (measured with gc.callbacks); frozen, they took 0.02-0.03
s and the recompute 1.32 s. `gc.freeze()` moves the objects alive at start-up into a permanent
generation that collections skip. As the Python documentation advises for processes that fork
without exec (it also keeps the collector from writing into pages the children share), Celery's
worker calls it before it forks its pool (`worker_init`) and each pool process again after its own
start-up (`worker_process_init`); see lkt/celery.py.

Not in gunicorn's workers: a request allocates little, and bench/dashboard_load_bench.py showed no
difference with the same freeze in gunicorn.conf.py's `when_ready` (20 users: 85 pages/s against 99
without; open-loop p95 15x against 12x the single-user median, within this machine's noise).
"""

import gc


def heap_freeze() -> int:
    """Exempt every object alive now from future collections; returns how many are exempt.

    Start-up garbage is collected first, so that it is freed rather than kept for good.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
