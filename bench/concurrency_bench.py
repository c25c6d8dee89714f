"""Concurrent saves over HTTP: gunicorn as production runs it, PostgreSQL, Redis and a real Celery worker.

    DATABASE_URL=postgres://... .venv/bin/python bench/concurrency_bench.py

Needs PostgreSQL (a throwaway test_<name> database is created and dropped) and Redis
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/5). Starts bin/start-web (gunicorn with gunicorn.conf.py, as the
image and docker-compose.yml run it) on 127.0.0.1:BENCH_PORT (default 8130) with DEBUG off, and one Celery
worker (bin/start-worker, as docker-compose.yml runs it: concurrency 2) on its own queue. Every save is a POST to
the bulk API with one row (a changed value: a history row, a stale chart, a task), each writer
with its own team and write token.

Phases, BENCH_SECONDS each (default 15):
1. one writer, closed loop: the single-writer capacity and latency (the floor of the ratios);
2. 20 writers on 20 teams, closed loop: throughput must not collapse (ratio >= 1 is the target);
3. open loop at 70 % of the 20-writer capacity (latency measured from the scheduled send time):
   p95 against 2x the single-writer median (the target), with Poisson arrivals and then with paced
   ones (`ARRIVALS`; see dashboard_load_bench for why both).
For each: saves/s, p50/p95 latency, 5xx count, and the time saves spent waiting for locks, sampled
every 5 ms from pg_stat_activity (the web's backends whose wait_event_type is 'Lock'; the
worker's own waits are not the saves' and are left out).
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")
os.environ.setdefault("AXES_ENABLED", "0")
# The app under test and this process hash API tokens with the same key.
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
PORT = int(os.environ.get("BENCH_PORT", "8130"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
WRITERS = 20
PERIODS = [date(2024 + i // 12, i % 12 + 1, 1) for i in range(24)]


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0
    lock_wait: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, latency: float) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 200:
                self.latencies.append(latency)

    @property
    def saves_per_second(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500) + self.errors

    def line(self) -> str:
        others = {s: n for s, n in self.statuses.items() if s != 200}
        return (
            f"{self.name:<34} {self.saves_per_second:>8.1f} {self.percentile(0.5):>8.1f} "
            f"{self.percentile(0.95):>8.1f} {self.server_errors:>4} {self.lock_wait:>10.3f}   {others or ''}"
        )


def seed() -> list[tuple[str, str]]:
    """A network with 20 teams x 1 indicator x 24 months; returns (team uuid, write token) per team."""
    from django.contrib.auth import get_user_model

    from measures.charts import chart_results_recompute_stale
    from measures.models import Indicator, Measurement, PublicationStatus
    from teams.models import Network, Organisation, Team
    from teams.services import api_token_create

    lead = get_user_model().objects.create_user("bench-lead", password=None)
    regions = []
    for name in ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"):
        region = Organisation.objects.create(name=f"Region {name}", kind="region", sector="region")
        region.region = region
        region.save()
        regions.append(region)
    network = Network.objects.create(
        slug="bench",
        name="Bench",
        topic="Benchmark",
        status=Network.Status.ACTIVE,
        lead_region=regions[0],
        start_date=date(2024, 1, 1),
    )
    indicator = Indicator.objects.create(
        network=network,
        code="ddd",
        name="DDD pr. 100 sengedage",
        numerator_definition="DDD",
        denominator_definition="Sengedage",
        unit="DDD pr. 100 sengedage",
        multiplier=Decimal(100),
        chart_type="run",
        direction="down",
        status=PublicationStatus.PUBLISHED,
        version=1,
        order=1,
    )
    rng = random.Random(1)
    writers = []
    for i in range(WRITERS):
        team = Team.objects.create(network=network, code=f"t{i}", name=f"Team {i}", region=regions[i % 5])
        Measurement.objects.bulk_create(
            Measurement(
                team=team,
                indicator=indicator,
                period=p,
                numerator=Decimal(rng.randint(400, 700)),
                denominator=Decimal(1000),
                indicator_version=1,
            )
            for p in PERIODS
        )
        _token, raw = api_token_create(
            network=network, name=f"bench {i}", region=None, write_team=team, expires_at=None, user=lead
        )
        writers.append((str(team.uuid), raw))
    chart_results_recompute_stale(network=network)
    return writers


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_servers(
    queue_name: str, log_dir: Path, *, worker: bool = True, extra_env: dict[str, str] | None = None
) -> list[subprocess.Popen]:
    """gunicorn as bin/start-web runs it (and, with `worker`, one Celery worker as compose runs it)."""
    env = {
        **os.environ,
        # application_name tells the web's backends (whose lock waits are measured) from the worker's.
        "DATABASE_URL": database_url() + "?application_name=lkt-web",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue_name,
        "API_THROTTLE_RATE": "1000000/minute",
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_LOG_LEVEL": "warning",
        "AXES_ENABLED": "0",
        "PYTHONPATH": str(BASE_DIR),
        **(extra_env or {}),
    }
    python = sys.executable
    # bin/start-web itself (what the image and docker-compose.yml run), with this venv's gunicorn.
    web = subprocess.Popen(
        [str(BASE_DIR / "bin" / "start-web")],
        cwd=BASE_DIR,
        env={**env, "PATH": f"{Path(python).parent}{os.pathsep}{env.get('PATH', '')}"},
        stdout=(log_dir / "web.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes = [web]
    if worker:
        processes.append(start_worker(python, queue_name, env, log_dir))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return processes
        except OSError:
            time.sleep(0.3)
    stop(processes)
    raise SystemExit(f"gunicorn did not start; see {log_dir / 'web.log'}")


def start_worker(python: str, queue_name: str, env: dict[str, str], log_dir: Path) -> subprocess.Popen:
    """bin/start-worker as compose runs it (its priority, concurrency 2), consuming the bench's own queue."""
    return subprocess.Popen(
        [str(BASE_DIR / "bin" / "start-worker")],
        cwd=BASE_DIR,
        env={
            **env,
            "PATH": f"{Path(python).parent}{os.pathsep}{env.get('PATH', '')}",
            "DATABASE_URL": database_url() + "?application_name=lkt-worker",
            "CELERY_CONCURRENCY": "2",
            "CELERY_WORKER_NAME": f"{queue_name}@%h",
            "LOG_LEVEL": "WARNING",
        },
        stdout=(log_dir / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def gunicorn_shape() -> str:
    """The configuration bin/start-web runs, read from gunicorn.conf.py as gunicorn reads it."""
    import runpy

    conf = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    return (
        f"gunicorn ({conf['worker_class']}, {conf['workers']} workers x {conf.get('threads', 1)} threads, "
        f"timeout {conf['timeout']} s)"
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class Writer:
    """One team's client: a keep-alive connection posting one changed value per save."""

    def __init__(self, team_uuid: str, token: str, seed_value: int) -> None:
        self.path = f"/api/v1/teams/{team_uuid}/measurements/bulk/"
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
        }
        self.rng = random.Random(seed_value)
        self.conn = KeepAlive(timeout=30)

    def send(self) -> int:
        """One save; its HTTP status (599: the connection failed)."""
        period = self.rng.choice(PERIODS)
        body = json.dumps(
            [
                {
                    "indicator": "ddd",
                    "period": f"{period:%Y-%m}",
                    "numerator": self.rng.randint(300, 800),
                    "denominator": 1000,
                }
            ]
        )
        return self.conn.exchange("POST", self.path, body, self.headers)[0]


# gunicorn runs behind the reverse proxy (README, Deployment), which by default opens a connection
# per request to it (nginx: proxy_http_version 1.0): the clients do the same, so every request is
# accepted by whichever worker process is free. BENCH_KEEPALIVE=1: each client keeps one connection
# alive instead, as a browser talking to gunicorn directly would (a connection stays with the worker
# process that accepted it).
KEEPALIVE = os.environ.get("BENCH_KEEPALIVE", "0") == "1"


def connection_mode() -> str:
    return "kept-alive connections" if KEEPALIVE else "a connection per request (as the proxy)"


class KeepAlive:
    """A client's connection to the server under test (see KEEPALIVE). Like a browser, it reopens a
    kept-alive connection once when the server closed it while it was idle (gunicorn's
    `keepalive`): such a request never reached the application. Any other failure is status 599
    (counted with the 5xx)."""

    def __init__(self, timeout: float = 60) -> None:
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)

    def exchange(self, method: str, path: str, body: str | None, headers: dict) -> tuple[int, bytes]:
        if not KEEPALIVE:
            headers = {**headers, "Connection": "close"}
        for attempt in range(2):
            reused = self.conn.sock is not None
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if not (reused and attempt == 0):
                    return 599, b""
            except (OSError, http.client.HTTPException):
                self.conn.close()
                return 599, b""
        return 599, b""


class LockSampler(threading.Thread):
    """Seconds the app's backends spent waiting for a lock (heavyweight locks, incl. row locks)."""

    INTERVAL = 0.005

    def __init__(self, dsn: dict) -> None:
        super().__init__(daemon=True)
        import psycopg

        self.conn = psycopg.connect(
            host=dsn.get("HOST") or "127.0.0.1",
            port=dsn.get("PORT") or 5432,
            user=dsn["USER"],
            password=dsn.get("PASSWORD") or None,
            dbname=dsn["NAME"],
            autocommit=True,
        )
        self.waiting = 0.0
        self.running = threading.Event()
        self.done = threading.Event()

    def run(self) -> None:
        with self.conn.cursor() as cursor:
            while not self.done.is_set():
                if self.running.is_set():
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND application_name = 'lkt-web'"
                    )
                    self.waiting += cursor.fetchone()[0] * self.INTERVAL
                time.sleep(self.INTERVAL)

    def measure(self, phase: Phase, run) -> None:
        self.waiting = 0.0
        self.running.set()
        started = time.monotonic()
        run()
        phase.elapsed = time.monotonic() - started
        self.running.clear()
        phase.lock_wait = self.waiting


def closed_loop(phase: Phase, writers: list[Writer]) -> None:
    deadline = time.monotonic() + SECONDS

    def loop(writer: Writer) -> None:
        while time.monotonic() < deadline:
            started = time.monotonic()
            status = writer.send()
            phase.record(status, time.monotonic() - started)

    threads = [threading.Thread(target=loop, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# How an open loop schedules its requests. Poisson: independent arrivals, bursts and lulls as
# many independent users make them. Paced: one every 1/rate seconds, the constant throughput of
# load generators such as wrk2 (-R) and k6's constant-arrival-rate. The same mean rate; at 70 % of
# two servers' capacity the two differ in what queueing alone costs (`ideal_queue_p95`).
ARRIVALS = ("poisson", "paced")


def next_arrival(rng: random.Random, rate: float, arrivals: str) -> float:
    """Seconds from one scheduled request to the next."""
    if arrivals == "poisson":
        return rng.expovariate(rate)
    if arrivals == "paced":
        return 1 / rate
    raise ValueError(f"arrivals: one of {ARRIVALS}, not {arrivals!r}")


def open_loop(phase: Phase, writers: list[Writer], rate: float, arrivals: str = "poisson") -> None:
    """Arrivals at `rate` per second (`ARRIVALS`), spread over the teams; latency from the scheduled time."""
    rng = random.Random(7)
    jobs: queue.Queue = queue.Queue()
    pool: queue.Queue = queue.Queue()
    for w in writers:
        pool.put(w)

    def serve() -> None:
        while True:
            scheduled = jobs.get()
            if scheduled is None:
                return
            writer = pool.get()
            status = writer.send()
            pool.put(writer)
            phase.record(status, time.monotonic() - scheduled)

    threads = [threading.Thread(target=serve) for _ in writers]
    for t in threads:
        t.start()
    started = time.monotonic()
    at = started
    while at < started + SECONDS:
        at += next_arrival(rng, rate, arrivals)
        delay = at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        jobs.put(at)
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()


def ideal_queue_p95(
    service_seconds: list[float], rate: float, servers: int, seed: int = 11, arrivals: str = "poisson"
) -> float:
    """p95 latency (ms) of an ideal server fed the same arrivals: a reference, not a target.

    `servers` first-come-first-served servers (one per CPU), each job taking a service time drawn
    from `service_seconds` (the single-client latencies measured in the same run, so the jobs are
    no slower under load and no CPU is shared). This idealises the machine in the server's favour
    (it has more capacity than the measured one), so the ratio it gives is a lower bound on what any
    implementation of the same work can reach at this arrival rate: queueing alone, no overhead.
    """
    import heapq

    rng = random.Random(seed)
    free = [0.0] * servers
    at = 0.0
    latencies = []
    for _ in range(200_000):
        at += next_arrival(rng, rate, arrivals)
        start = max(at, heapq.heappop(free))
        done = start + rng.choice(service_seconds)
        heapq.heappush(free, done)
        latencies.append(done - at)
    latencies.sort()
    return latencies[int(0.95 * len(latencies))] * 1000


def print_queueing_reference(single: Phase, rate: float, what: str, arrivals: str = "poisson") -> None:
    """The open-loop p95 ideal queues would reach (see `ideal_queue_p95`), as ratios to the same floor:
    one with the single-client latencies as service times, and one where every request takes exactly
    the single-client median (no variance at all: what the arrivals alone cost)."""
    servers = os.cpu_count() or 1
    floor = single.percentile(0.5)
    ideal = ideal_queue_p95(single.latencies, rate, servers, arrivals=arrivals)
    constant = ideal_queue_p95([floor / 1000], rate, servers, arrivals=arrivals)
    print(
        f"  reference, not a target: an ideal {servers}-server queue fed the same {arrivals} arrivals has "
        f"p95 / single-{what} p50 = {ideal / floor:.2f} with the single-{what} latencies, "
        f"{constant / floor:.2f} if every request took exactly the median"
    )


def main() -> None:
    if connection.vendor != "postgresql":
        print("concurrency_bench: skipped, it needs PostgreSQL (DATABASE_URL=postgres://...) and Redis")
        return
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    processes: list[subprocess.Popen] = []
    sampler = None
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp")) / f"lkt-concurrency-bench-{os.getpid()}"
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        credentials = seed()
        connection.close()
        queue_name = f"lkt-bench-{uuid.uuid4().hex[:8]}"
        processes = start_servers(queue_name, log_dir)
        sampler = LockSampler(settings.DATABASES["default"])
        sampler.start()
        print(
            f"concurrency benchmark: {gunicorn_shape()}, {connection_mode()}, PostgreSQL, Celery worker (bin/start-worker, concurrency 2), "
            f"{SECONDS:.0f} s per phase, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )
        print(f"{'phase':<34} {'saves/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'5xx':>4} {'lock wait s':>10}")
        writers = [Writer(team, token, i) for i, (team, token) in enumerate(credentials)]
        for w in writers[:3]:  # warm up the gunicorn workers
            w.send()

        single = Phase("1 writer, closed loop")
        sampler.measure(single, lambda: closed_loop(single, writers[:1]))
        print(single.line())
        many = Phase(f"{WRITERS} writers on {WRITERS} teams, closed")
        sampler.measure(many, lambda: closed_loop(many, writers))
        print(many.line())
        rate = 0.7 * many.saves_per_second
        open_phases = {}
        for arrivals in ARRIVALS:
            phase = open_phases[arrivals] = Phase(f"open loop at 70 % ({rate:.0f}/s), {arrivals}")
            sampler.measure(
                phase, lambda phase=phase, arrivals=arrivals: open_loop(phase, writers, rate, arrivals)
            )
            print(phase.line())
        sampler.done.set()

        floor = single.percentile(0.5)
        print(
            f"throughput 20 writers / 1 writer: {many.saves_per_second / single.saves_per_second:.2f} "
            f"(target >= 1)"
        )
        for arrivals, phase in open_phases.items():
            print(
                f"open-loop p95 / single-writer p50, {arrivals} arrivals: "
                f"{phase.percentile(0.95) / floor:.2f} (target <= 2)"
            )
            print_queueing_reference(single, rate, "writer", arrivals)
        errors = (
            single.server_errors + many.server_errors + sum(p.server_errors for p in open_phases.values())
        )
        print(
            f"lock wait per save, 20 teams: {1000 * many.lock_wait / max(1, len(many.latencies)):.3f} ms; "
            f"5xx in all phases: {errors}"
        )
        worker_log = (log_dir / "worker.log").read_text(errors="replace")
        print(
            f"chart worker: {worker_log.count('Traceback')} tracebacks, "
            f"{worker_log.lower().count('deadlock')} deadlock lines"
        )
    finally:
        stop(processes)
        if sampler is not None:
            sampler.done.set()
            sampler.join(timeout=2)
            sampler.conn.close()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
