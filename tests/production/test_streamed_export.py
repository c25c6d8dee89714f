"""A CSV export that streams for longer than gunicorn's timeout completes (issue 20: exports of any size).

gunicorn's master kills a worker that has not reported within `timeout` seconds. A sync worker
reports only between requests, so a CSV export streaming to a slow client for longer than the
timeout is cut off mid-file; a threaded (gthread) worker's main loop keeps reporting while one of
its threads streams. This runs gunicorn with our gunicorn.conf.py but `--timeout 3`, and a client
that reads slowly enough that the server is still writing the export well after 3 s.

The export is larger than what the kernel buffers between the two sockets, so the server cannot
hand it all over at once and be done.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from measures.models import Measurement
from teams.services import api_token_create
from tests.ports import free_port

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 3
ROWS = 24_000  # about 12 MB with the comment below: more than the socket buffers hold
READ_SECONDS = 3 * TIMEOUT  # how long the slow client takes to read it all

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="gunicorn needs a database it can share with the test"
    ),
]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def slow_get(port: int, path: str, token: str) -> tuple[bytes, float]:
    """GET over HTTP/1.0 (the body ends when the server closes), reading at a throttled pace."""
    started = time.monotonic()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        sock.connect(("127.0.0.1", port))
        sock.sendall(
            f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        )
        data = bytearray()
        pause = READ_SECONDS / (ROWS * 500 / 16384)
        while chunk := sock.recv(16384):
            data += chunk
            time.sleep(pause)
    return bytes(data), time.monotonic() - started


def test_a_csv_export_that_streams_longer_than_the_worker_timeout_completes(world, tmp_path, settings):
    Measurement.objects.bulk_create(
        (
            Measurement(
                team=world.team_b,
                indicator=world.indicator,
                period=date(1000 + i // 12, i % 12 + 1, 1),
                numerator=Decimal(i % 97),
                denominator=Decimal(100),
                indicator_version=1,
                comment="x" * 400,
            )
            for i in range(ROWS)
        ),
        batch_size=2000,
    )
    expected = Measurement.objects.filter(team__network=world.network).count()
    # DEBUG=0 refuses the example key: the server and this test share a real one.
    settings.API_TOKEN_HASH_KEY = secrets.token_urlsafe(50)
    _token, raw = api_token_create(
        network=world.network,
        name="BI",
        region=None,
        write_team=None,
        expires_at=None,
        user=world.national_lead,
    )
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "DJANGO_"))},
        "DATABASE_URL": database_url(),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "API_TOKEN_HASH_KEY": settings.API_TOKEN_HASH_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "AXES_ENABLED": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--timeout", str(TIMEOUT)]
            + ["lkt.wsgi:application"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if b" 200 " in probe.recv(100):
                        break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)

        response, seconds = slow_get(port, "/api/v1/measurements/?format=csv", raw)
        head, _, body = response.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.0 200") or head.startswith(b"HTTP/1.1 200"), head
        lines = body.split(b"\n")
        assert lines[-1] == b"", "the file ends in the middle of a row"
        assert len(lines) - 2 == expected, (len(lines) - 2, expected, log.read_text()[-3000:])
        assert seconds > TIMEOUT + 1, f"the export took {seconds:.1f} s: too fast to prove anything"
        assert "WORKER TIMEOUT" not in log.read_text()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
