"""gunicorn's configuration: the one place that says how the web process runs.

Used by bin/start-web (which the image and docker-compose.yml run) and by the production-shape
test. GUNICORN_BIND, GUNICORN_WORKERS and GUNICORN_THREADS override the address, the number of
worker processes and the threads in each.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threaded workers: a thread waiting on PostgreSQL or a slow client leaves the process free for the
# next request, and a long streamed CSV export runs in its own thread while the worker keeps
# answering the master, so it is not killed by `timeout` (bench/dashboard_load_bench.py and
# bench/concurrency_bench.py measured this configuration). One process per core (2 by default)
# uses both cores; more processes only compete for them.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A worker whose main loop stops answering for this long (stuck in C code holding the GIL, or
# deadlocked) is killed and replaced. Chart work runs in Celery, never in a request.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Load the app once in the master: a configuration error (e.g. the example SECRET_KEY) stops the
# server at start with its message instead of looping over failing workers, and workers share memory.
preload_app = True
# The heartbeat file on a RAM disk where there is one (Docker's /tmp may be an overlay on disk).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Django decides http/https (SECURE_PROXY_SSL_HEADER, set by TRUSTED_PROXIES), not gunicorn: its own
# default would trust X-Forwarded-Proto from 127.0.0.1 whatever TRUSTED_PROXIES says.
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = ""
# No gunicornc control socket: unused, and its default path is shared by every instance of a user.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def when_ready(server) -> None:
    """Before the workers fork: every view is imported once, here, and what the app loaded is
    exempt from the garbage collector's full collections (lkt/heap.py); no database connection
    opened while loading may be shared."""
    from django.db import connections
    from django.urls import get_resolver

    from lkt.heap import heap_freeze

    get_resolver().url_patterns  # noqa: B018  (imports the URLconf and with it every view)
    connections.close_all()
    heap_freeze()
