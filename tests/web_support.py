"""Helpers for the web tests: a WebContext over the real corpus, a fake request, a server in a thread."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@dataclass
class FakeClient:
    host: str


@dataclass
class FakeRequest:
    """Duck-typed stand-in for gr.Request (client.host, session_hash, username)."""

    host: str = "127.0.0.1"
    session_hash: str = "session-1"
    username: str | None = None

    @property
    def client(self) -> FakeClient:
        return FakeClient(self.host)


def make_settings(tmp: Path, **over) -> dict:
    from budget_qa import settings as settings_mod

    s = settings_mod.defaults() | {
        "index_dir": str(tmp / "index"),
        "corpus": str(CORPUS),
        "data_dir": str(tmp / "data"),
        "embedder": "none",
    }
    return s | over


def make_ctx(tmp: Path, **over):
    from budget_qa.web.context import open_context

    quiet = lambda _msg: None  # noqa: E731
    return open_context(make_settings(tmp, **over), progress=quiet, stream_delay=0)


def run(gen) -> list:
    """Drain a streaming handler; returns every yielded value."""
    return list(gen)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """uvicorn serving a FastAPI app on a free loopback port, in a background thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
