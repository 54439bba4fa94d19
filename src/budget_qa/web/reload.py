"""The index the web app answers from, replaced by itself when the index on disk is re-ingested.

``IndexReloader.current()`` is what every request calls: it returns the open ``BudgetQA`` at once. At
most every ``interval`` seconds it reads the index's version — ``budget_qa.index.current_version`` (the
content of the index's atomically replaced pointer) when the index has one, else the identity and
modification time of ``manifest.json`` — and when the version has moved on, a background thread opens
the new index; the reference is swapped under a lock once it is open, and the old one is closed after a
grace period (requests that took it finish first). A failed open keeps the old index and says why on
stderr, once per version.

"Never answer from a deleted index": every call also checks (one ``stat``) that the fact store the
current index was opened from is still the file at that path. When it is not (the folder was replaced or
removed), the call checks the version at once and waits for the new index to open (bounded) rather than
answer from the deleted one.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import BudgetQA

Opener = Callable[[Path, dict[str, Any]], BudgetQA]


def _identity(qa: BudgetQA) -> tuple[int, int] | None:
    path = getattr(getattr(qa, "store", None), "path", None)
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def index_version(index_dir: Path) -> str | None:
    """The version of the index at ``index_dir`` (None when it cannot be read right now)."""
    from .. import index as index_mod

    current_version = getattr(index_mod, "current_version", None)
    if current_version is not None:
        try:
            version = str(current_version(index_dir) or "")
        except Exception:  # noqa: BLE001 — an unreadable pointer is not a new version
            return None
        if version:
            return f"pointer:{version}"
    try:
        st = os.stat(Path(index_dir) / "manifest.json")
    except OSError:
        return None
    return f"manifest:{st.st_dev}:{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"


class IndexReloader:
    def __init__(
        self,
        qa: BudgetQA,
        index_dir: str | Path | None = None,
        settings: dict[str, Any] | None = None,
        *,
        interval: float = 2.0,
        opener: Opener | None = None,
        grace: float = 30.0,
        wait: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self._qa = qa
        self.index_dir = Path(index_dir) if index_dir is not None else Path(qa.index_dir)
        self.settings = settings if settings is not None else dict(getattr(qa, "settings", {}) or {})
        self.interval, self.grace, self.wait, self.clock = float(interval), float(grace), float(wait), clock
        self.opener = opener or (lambda d, s: BudgetQA.open(d, s))
        self.say = say or (lambda m: print(m, file=sys.stderr, flush=True))
        self._version = index_version(self.index_dir) if self.interval > 0 else None
        self._identity = _identity(qa)
        self._checked = clock()
        self._lock = threading.Lock()
        self._loading: threading.Thread | None = None
        self._failed: str | None = None  # a version that could not be opened (not retried)
        self._stop = threading.Event()
        self.reloads = 0

    # ---------- what requests call
    def current(self) -> BudgetQA:
        if self.interval <= 0:
            return self._qa
        gone = self._identity is not None and _identity(self._qa) != self._identity
        now = self.clock()
        if gone or now - self._checked >= self.interval:
            self._checked = now
            self.poll()
        if gone:
            loading = self._loading
            if loading is not None:
                loading.join(self.wait)
        return self._qa

    @property
    def qa(self) -> BudgetQA:
        return self.current()

    def replace(self, qa: BudgetQA) -> None:
        """Answer from ``qa`` from now on (its index becomes the one watched)."""
        with self._lock:
            self._qa, self._identity = qa, _identity(qa)
            self._version = index_version(self.index_dir) if self.interval > 0 else None

    # ---------- checking and loading
    def poll(self) -> bool:
        """Start opening the index if its version has changed; True when a load was started."""
        version = index_version(self.index_dir)
        with self._lock:
            if version is None or version == self._version or version == self._failed:
                return False
            if self._loading is not None and self._loading.is_alive():
                return False
            self._loading = threading.Thread(
                target=self._load, args=(version,), name="budget-qa-reload", daemon=True
            )
            self._loading.start()
            return True

    def reload_now(self) -> bool:
        """Check and, if the index changed, open it before returning (for tests and the CLI)."""
        started = self.poll()
        loading = self._loading
        if loading is not None:
            loading.join()
        return started

    def _load(self, version: str) -> None:
        t0 = time.perf_counter()
        try:
            new = self.opener(self.index_dir, self.settings)
        except Exception as err:  # noqa: BLE001 — any failure keeps the index that works
            with self._lock:
                self._failed = version
            self.say(f"Index at {self.index_dir} changed but could not be opened; still answering from the "
                     f"previous one: {type(err).__name__}: {err}")
            return
        if index_version(self.index_dir) != version:  # replaced again while opening: open the newest next
            try:
                new.close()
            except Exception:  # noqa: BLE001
                pass
            with self._lock:
                self._checked = self.clock() - self.interval
            return
        with self._lock:
            old, self._qa = self._qa, new
            self._version, self._identity, self._failed = version, _identity(new), None
            self.reloads += 1
        self.say(f"Index at {self.index_dir} re-ingested: reloaded in {time.perf_counter() - t0:.2f} s")
        if old is not new:
            timer = threading.Timer(self.grace, self._close, args=(old,))
            timer.daemon = True
            timer.start()

    @staticmethod
    def _close(qa: BudgetQA) -> None:
        try:
            qa.close()
        except Exception:  # noqa: BLE001 — closing what is no longer used may fail harmlessly
            pass

    # ---------- watching without requests
    def watch(self) -> threading.Thread | None:
        """Check every ``interval`` seconds in a daemon thread, so a re-ingest is picked up before the
        next question arrives."""
        if self.interval <= 0:
            return None

        def run() -> None:
            while not self._stop.wait(self.interval):
                try:
                    self.poll()
                except Exception as err:  # noqa: BLE001 — the watcher must not die
                    self.say(f"index watcher: {type(err).__name__}: {err}")

        thread = threading.Thread(target=run, name="budget-qa-index-watch", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
