"""The Redis the tests use: REDIS_TEST_URL when set, else a throwaway redis-server of our own.

The throwaway server listens on a free port on 127.0.0.1, keeps nothing on disk and is stopped when
the test session ends. Either way the server must answer within seconds: a test that needs Redis
fails at once with the reason, it never waits minutes for a server that is not there.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

from tests.ports import free_port

# The database used when REDIS_TEST_URL names none (CI passes redis://127.0.0.1:6379).
DEFAULT_DB = int(os.environ.get("REDIS_TEST_DB", "7"))
START_TIMEOUT = 10.0


def with_db(url: str) -> str:
    """`url` with a database number: its own, else DEFAULT_DB."""
    parts = urlsplit(url)
    if parts.path.strip("/"):
        return url
    return urlunsplit(parts._replace(path=f"/{DEFAULT_DB}"))


def ping(url: str, timeout: float = 2.0) -> None:
    """Raise if nothing answers at `url` within `timeout` seconds."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


class ThrowawayRedis:
    """A redis-server process of our own, without persistence."""

    def __init__(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError(
                "redis-server is not installed and REDIS_TEST_URL is not set: run `make test` "
                "(installs it as root) or `apt-get install redis-server`, or point REDIS_TEST_URL at a Redis"
            )
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="lkt-test-redis-")
        self.log = os.path.join(self.dir, "redis.log")
        self.process = subprocess.Popen(
            [
                executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                "--logfile",
                self.log,
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                ping(self.url, timeout=0.5)
                return
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = Path(self.log).read_text(errors="replace") if os.path.exists(self.log) else ""
                    self.stop()
                    raise RuntimeError(f"the throwaway redis-server did not start:\n{log[-2000:]}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)
