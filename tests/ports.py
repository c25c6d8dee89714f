"""Free TCP ports for the servers the tests start (Redis, gunicorn).

The kernel picks one unless TEST_PORT_RANGE (e.g. "8110-8119") confines the tests to a range, for
machines where several people's test runs share the loopback.
"""

import os
import socket


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    configured = os.environ.get("TEST_PORT_RANGE", "").strip()
    if configured:
        first, _, last = configured.partition("-")
        for port in range(int(first), int(last or first) + 1):
            if _is_free(port):
                return port
        raise RuntimeError(f"no free port in TEST_PORT_RANGE={configured}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
