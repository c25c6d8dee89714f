"""A real Celery worker against the real Redis, for the pipeline's worker tests.

The worker is a separate process, so it must open the same test database: on SQLite the test
database is therefore a file (set below, before pytest-django creates it), on PostgreSQL it is
the test_<name> database. Each test run publishes to its own queue name and Redis database
number, so parallel runs on one Redis do not take each other's tasks.
"""

import atexit
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
RUN_ID = uuid.uuid4().hex[:10]

_default_db = settings.DATABASES["default"]
if _default_db["ENGINE"] == "django.db.backends.sqlite3" and not _default_db.get("TEST", {}).get("NAME"):
    # An in-memory test database is invisible to the worker process.
    _test_file = Path(tempfile.gettempdir()) / f"lkt-test-{os.getpid()}-{RUN_ID}.sqlite3"
    _default_db.setdefault("TEST", {})["NAME"] = str(_test_file)
    # WAL leaves -wal/-shm files next to the database, which the test teardown does not remove.
    atexit.register(
        lambda: [p.unlink(missing_ok=True) for p in _test_file.parent.glob(f"{_test_file.name}*")]
    )
    # Two processes write this file: take the write lock when a transaction begins (a deferred
    # transaction that reads first fails with "database is locked" instead of waiting), and use WAL
    # so the worker's reads do not block the test's writes.
    _default_db.setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
    )


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


def _reset_publisher(app) -> None:
    """Forget cached connections, queues and routes so the next publish uses the current config."""
    app._pool = None
    amqp = app.amqp
    amqp._producer_pool = None
    amqp._rtable = None
    for name in ("queues", "default_queue", "router"):
        amqp.__dict__.pop(name, None)


@contextmanager
def publishing_to(broker_url: str, queue: str) -> Iterator[None]:
    """Make this (test) process publish for real, to `broker_url` and `queue`, instead of running eagerly."""
    from lkt.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    app.conf.update(broker_url=broker_url, task_always_eager=False, task_default_queue=queue)
    _reset_publisher(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_publisher(app)


class Worker:
    """Handle on the worker processes of one test."""

    def __init__(self, queue: str, broker_url: str, logs: list[Path]) -> None:
        self.queue = queue
        self.broker_url = broker_url
        self.logs = logs

    def log(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs if path.exists())

    def wait_until(self, condition, timeout: float = 60, interval: float = 0.2, message: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(interval)
        pytest.fail(f"timed out after {timeout}s: {message}\n--- worker log ---\n{self.log()[-4000:]}")


def _start_workers(
    count: int, tmp_path: Path, broker_url: str, extra_env: dict[str, str] | None = None
) -> tuple[Worker, list]:
    queue = f"lkt-test-{RUN_ID}-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lkt.settings",
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "AXES_ENABLED": "0",
        "PYTHONPATH": str(BASE_DIR),
        **(extra_env or {}),
    }
    processes, logs = [], []
    for i in range(count):
        log = tmp_path / f"worker-{i}.log"
        output = tmp_path / f"worker-{i}.out"  # what the worker prints before its log file exists
        logs.extend([log, output])
        with output.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "lkt",
                        "worker",
                        "--pool=solo",
                        "--concurrency=1",
                        "-Q",
                        queue,
                        "-n",
                        f"{queue}-{i}@%h",
                        "--loglevel=INFO",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        f"--logfile={log}",
                    ],
                    cwd=BASE_DIR,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    worker = Worker(queue, broker_url, logs)
    for process, log in zip(processes, logs[::2], strict=True):
        worker.wait_until(
            lambda log=log, process=process: (
                process.poll() is not None or (log.exists() and " ready." in log.read_text(errors="replace"))
            ),
            timeout=120,
            message="worker start",
        )
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited at start:\n{worker.log()}")
    return worker, processes


def _stop(processes: list) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _purge(broker_url: str, queue: str) -> None:
    import redis

    client = redis.Redis.from_url(broker_url)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


@pytest.fixture
def celery_workers(transactional_db, tmp_path, redis_url):
    """Start `count` real workers on a fresh queue; this process publishes to it. Always stopped."""
    started: list = []
    queues: list[tuple[str, str]] = []

    @contextmanager
    def start(count: int = 1, extra_env: dict[str, str] | None = None) -> Iterator[Worker]:
        worker, processes = _start_workers(count, tmp_path, redis_url, extra_env)
        started.extend(processes)
        queues.append((worker.broker_url, worker.queue))
        with publishing_to(worker.broker_url, worker.queue):
            yield worker

    try:
        yield start
    finally:
        _stop(started)
        for broker_url, queue in queues:
            _purge(broker_url, queue)


@pytest.fixture
def live_worker(celery_workers) -> Iterator[Worker]:
    with celery_workers(1) as worker:
        yield worker
