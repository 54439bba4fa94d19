"""Per-client sliding-window rate limiter (questions per minute)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Allows ``limit`` events per ``window`` seconds for each key; ``limit <= 0`` disables it."""

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.limit, self.window, self.clock, self.max_keys = int(limit), float(window), clock, max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> tuple[bool, float]:
        """Record an attempt; returns (allowed, seconds until the next attempt would be allowed)."""
        if self.limit <= 0:
            return True, 0.0
        now = self.clock()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] >= self.window:
                q.popleft()
            if len(q) >= self.limit:
                return False, max(0.0, self.window - (now - q[0]))
            q.append(now)
            if len(self._hits) > self.max_keys:
                self._prune(now)
            return True, 0.0

    def _prune(self, now: float) -> None:
        for k in [k for k, q in self._hits.items() if not q or now - q[-1] >= self.window]:
            del self._hits[k]


def client_key(request: object | None) -> str:
    """The rate-limit key of a request: the client IP, else the session (duck-typed gr.Request)."""
    client = getattr(request, "client", None)
    host = getattr(client, "host", None) if client is not None else None
    if host:
        return f"ip:{host}"
    session = getattr(request, "session_hash", None)
    return f"session:{session}" if session else "anonymous"
