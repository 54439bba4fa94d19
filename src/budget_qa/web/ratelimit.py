"""Per-client sliding-window rate limiter (questions per minute), and the staff login throttle."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
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


def scope_client_key(scope: dict, session: str | None = None) -> str:
    """The same key as ``client_key`` for a raw ASGI scope (before Gradio has made a request object)."""
    client = scope.get("client")
    if client and client[0]:
        return f"ip:{client[0]}"
    return f"session:{session}" if session else "anonymous"


class LoginThrottle:
    """Failed staff logins per account and per client address, with an exponential lockout.

    Each login attempt is counted as a failure when it starts (so that many attempts sent at once cannot
    all be tried) and forgiven when it succeeds. After ``max_failures`` failures of a key, the next attempt
    waits ``lockout`` seconds, doubling with each further failure up to ``max_lockout``. Attempts refused
    during a lockout are not tried and not counted. Only the desk's own accounts are tracked per account
    (a made-up user name cannot log in anyway; its attempts count against the address), and at most
    ``max_addresses`` addresses are remembered (the least recently seen are forgotten), so memory is
    bounded whatever a client sends. A key with no failure for ``forget`` seconds starts afresh.
    """

    def __init__(
        self,
        accounts: tuple[str, ...] | list[str] = (),
        max_failures: int = 5,
        lockout: float = 30.0,
        max_lockout: float = 900.0,
        forget: float = 3600.0,
        max_addresses: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.accounts = {a.strip() for a in accounts}
        self.max_failures, self.lockout, self.max_lockout = max(1, int(max_failures)), float(lockout), float(max_lockout)
        self.forget, self.max_addresses, self.clock = float(forget), int(max_addresses), clock
        self._state: OrderedDict[str, list[float]] = OrderedDict()  # key -> [failures, locked_until, last_failure]
        self._lock = threading.Lock()

    def _keys(self, account: str, address: str) -> list[str]:
        keys = [f"ip:{address or 'unknown'}"]
        if account.strip() in self.accounts:
            keys.append(f"user:{account.strip()}")
        return keys

    def wait(self, account: str, address: str) -> float:
        """Seconds until an attempt for this account from this address would be tried (0: now)."""
        now = self.clock()
        with self._lock:
            return max([0.0] + [self._state[k][1] - now for k in self._keys(account, address) if k in self._state])

    def begin(self, account: str, address: str) -> float:
        """Start an attempt: 0 when it may be tried (it is counted as a failure until ``succeeded``), else
        the seconds left of the lockout (the attempt is refused and not counted)."""
        now = self.clock()
        with self._lock:
            keys = self._keys(account, address)
            for k in keys:
                st = self._state.get(k)
                if st is not None and now - st[2] >= self.forget and st[1] <= now:
                    del self._state[k]
            waits = [self._state[k][1] - now for k in keys if k in self._state]
            if waits and max(waits) > 0:
                return max(waits)
            for k in keys:
                st = self._state.setdefault(k, [0, 0.0, now])
                self._state.move_to_end(k)
                st[0] += 1
                st[2] = now
                if st[0] >= self.max_failures:
                    st[1] = now + min(self.max_lockout, self.lockout * 2 ** (st[0] - self.max_failures))
            while len(self._state) > self.max_addresses:
                oldest = next(iter(self._state))
                if oldest.startswith("user:"):  # the desk's accounts are never forgotten for space
                    self._state.move_to_end(oldest)
                    if all(k.startswith("user:") for k in self._state):
                        break
                    continue
                del self._state[oldest]
            return 0.0

    def succeeded(self, account: str, address: str) -> None:
        with self._lock:
            for k in self._keys(account, address):
                self._state.pop(k, None)

    def __len__(self) -> int:
        return len(self._state)
