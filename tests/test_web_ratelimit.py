"""The per-client rate limiter."""

from __future__ import annotations

from budget_qa.web.ratelimit import RateLimiter, client_key
from web_support import FakeRequest


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_allows_limit_per_window_then_refuses_with_wait():
    clock = Clock()
    rl = RateLimiter(3, 60, clock=clock)
    assert [rl.check("a")[0] for _ in range(3)] == [True, True, True]
    allowed, wait = rl.check("a")
    assert not allowed and wait == 60
    assert rl.check("b") == (True, 0.0)  # per client
    clock.t += 30
    assert rl.check("a") == (False, 30)
    clock.t += 30.5
    assert rl.check("a") == (True, 0.0)  # the window slid past the first hits


def test_zero_disables():
    rl = RateLimiter(0)
    assert all(rl.check("a")[0] for _ in range(1000))


def test_client_key_prefers_ip_then_session():
    assert client_key(FakeRequest(host="10.1.2.3")) == "ip:10.1.2.3"
    assert client_key(FakeRequest(host="", session_hash="s9")) == "session:s9"
    assert client_key(None) == "anonymous"
