"""Counters in the shared cache for limits that must hold across workers and servers.

Django's cache is per-process unless configured otherwise (settings.CACHES: Redis in production,
a file cache in the embedded set-up), so every gunicorn worker sees the same counts. Counting is
an atomic increment (Redis INCR), not DRF's read-modify-write of a list of timestamps, which loses
hits when workers race.

The window slides: the estimate is this window's count plus the previous window's count weighted
by how much of it still overlaps the last `window` seconds (the approximation Cloudflare and
nginx use). A burst at a window boundary cannot double the rate, and only two keys are kept.
"""

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window: int  # seconds

    def _keys(self, ident: str, now: float) -> tuple[str, str, float]:
        index, offset = divmod(now, self.window)
        base = f"ratelimit:{self.name}:{ident}"
        return f"{base}:{int(index)}", f"{base}:{int(index) - 1}", offset / self.window

    def count(self, ident: str, now: float | None = None) -> float:
        """The number of hits in the last `window` seconds (estimated across two fixed windows)."""
        current_key, previous_key, elapsed = self._keys(ident, time.time() if now is None else now)
        try:
            values = cache.get_many([current_key, previous_key])
        except Exception:  # noqa: BLE001 - any cache outage
            # Fail open: with the cache (Redis) down, logins and the API keep working unthrottled
            # rather than answering 500; the outage is logged.
            log.warning("rate limit %s: the cache is unavailable", self.name, exc_info=True)
            return 0
        return values.get(current_key, 0) + values.get(previous_key, 0) * (1 - elapsed)

    def exceeded(self, ident: str) -> bool:
        return self.count(ident) >= self.limit

    def hit(self, ident: str, now: float | None = None) -> float:
        """Count one hit; returns the count including it."""
        now = time.time() if now is None else now
        current_key, previous_key, elapsed = self._keys(ident, now)
        try:
            # Kept for two windows: the next window still weighs this one.
            cache.add(current_key, 0, timeout=2 * self.window + 1)
            try:
                current = cache.incr(current_key)
            except ValueError:  # expired between add and incr
                cache.set(current_key, 1, timeout=2 * self.window + 1)
                current = 1
            previous = cache.get(previous_key, 0)
        except Exception:  # noqa: BLE001 - any cache outage: fail open, see count()
            log.warning("rate limit %s: the cache is unavailable", self.name, exc_info=True)
            return 0
        return current + previous * (1 - elapsed)

    def reset(self, ident: str) -> None:
        current_key, previous_key, _elapsed = self._keys(ident, time.time())
        cache.delete_many([current_key, previous_key])

    def retry_after(self, ident: str) -> int:
        """Seconds until the count is under the limit again, at most one window."""
        now = time.time()
        for wait in range(0, self.window + 1, max(1, self.window // 60)):
            if self.count(ident, now + wait) < self.limit:
                return wait
        return self.window
