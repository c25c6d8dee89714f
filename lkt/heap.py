"""The garbage collector in the long-running processes: gunicorn's workers and Celery's.

CPython's full collection walks every object the process holds, the hundreds of thousands of
Django's, ours and the libraries' that live as long as the process included, and holds the GIL
while it does. `gc.freeze()` moves the objects alive at start-up into a permanent generation that
collections skip. As the Python documentation advises for processes that fork without exec (it
also keeps the collector from writing into pages the children share), it is called in the parent
right before forking: gunicorn.conf.py's `when_ready` (with `preload_app`) and Celery's
`worker_init`; and again in each Celery pool process after its own start-up (`worker_process_init`).

Measured with gc.callbacks on the 200-team network of bench/scale_bench.py:
- Worker: in a process that had loaded what a worker loads, a full recompute (2,060 series) set off
  three full collections that took 0.17 s of its 1.46-1.58 s; frozen, 0.02-0.03 s, and the
  recompute took 1.32 s.
- Web: 600 requests, team and network dashboards in turn, in a process that had loaded what
  gunicorn's master loads. Unfrozen, each of two runs had two full collections, the longer one
  136 and 183 ms, and its slowest request took 164 and 228 ms. Frozen before the first request (as `when_ready` does),
  the longest of six collections took 12-14 ms and the slowest request 57-60 ms. Medians and p95
  did not move beyond noise.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def heap_freeze() -> int:
    """Exempt every object alive now from future collections; returns how many are exempt.

    Start-up garbage is collected first, so that it is freed rather than kept for good.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


# The young generation's threshold while a bulk job runs (CPython's default is 700).
RELAXED_YOUNG = 50_000
_relaxed_lock = threading.Lock()
_relaxed_depth = 0
_saved_thresholds: tuple[int, ...] = ()


@contextmanager
def gc_relaxed() -> Iterator[None]:
    """Fewer young-generation collections while a bulk job (a chart recompute) runs.

    A recompute allocates hundreds of thousands of dicts and lists (a point is a dict) and keeps
    many of them alive until their batch is written, so at CPython's threshold of 700 net
    allocations it set off about 300 collections that walked and promoted them, and two full
    ones: 110-160 ms of a 200-team recompute's 0.9-1.0 s, holding the GIL (gc.callbacks, in
    bench/scale_bench.py's process). At RELAXED_YOUNG, a handful; objects that die young are freed
    by their reference counts before a collection sees them. The thresholds are the process's:
    nested and concurrent jobs (threads) share one relaxation, and the last to leave restores
    what was set before the first came in.
    """
    global _relaxed_depth, _saved_thresholds
    with _relaxed_lock:
        if _relaxed_depth == 0:
            _saved_thresholds = gc.get_threshold()
            gc.set_threshold(max(RELAXED_YOUNG, _saved_thresholds[0]), *_saved_thresholds[1:])
        _relaxed_depth += 1
    try:
        yield
    finally:
        with _relaxed_lock:
            _relaxed_depth -= 1
            if _relaxed_depth == 0:
                gc.set_threshold(*_saved_thresholds)
