"""What every web handler shares: the core object, the exchange log, the rate limiter, the settings."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import settings as settings_mod
from ..core import BudgetQA
from .exchange_log import ExchangeLog
from .ratelimit import RateLimiter
from .reload import IndexReloader


@dataclass
class WebContext:
    index: IndexReloader | BudgetQA  # what ``qa`` answers from; an IndexReloader follows re-ingests
    log: ExchangeLog
    limiter: RateLimiter
    settings: dict[str, Any] = field(default_factory=dict)
    stream_delay: float = 0.02  # seconds between streamed chunks (0 in tests)

    def __post_init__(self) -> None:
        if not isinstance(self.index, IndexReloader):  # a fixed index: never reloaded
            self.index = IndexReloader(self.index, interval=0)

    @property
    def qa(self) -> BudgetQA:
        """The open index, the newest one on disk (see reload.py): take it once per request."""
        return self.index.current()

    @qa.setter
    def qa(self, qa: BudgetQA) -> None:
        self.index.replace(qa)

    @property
    def document(self):
        return self.qa.documents[0] if self.qa.documents else None


def ensure_index(settings: dict[str, Any], progress: Callable[[str], None] | None = None) -> Path:
    """Build the index from settings['corpus'] when settings['index_dir'] has none (first run)."""
    from ..index_check import has_index

    index_dir = Path(settings["index_dir"])
    if has_index(index_dir):  # complete or damaged: opening it checks it and says which
        return index_dir
    from ..errors import IngestRefusedError, NothingIngestedError
    from ..index import build_index

    say = progress or (lambda m: print(m, file=sys.stderr, flush=True))
    say(f"No index at {index_dir} — building it from {settings['corpus']} (first run)…")
    keys = ("embedder", "embedding_model", "chroma_host", "chroma_port", "chroma_collection")
    retrieval = {k: settings[k] for k in keys if k in settings}
    try:
        report = build_index(
            [settings["corpus"]], index_dir, progress=lambda m: say(f"  {m}"), settings=retrieval
        )
    except (IngestRefusedError, NothingIngestedError):
        raise  # not a folder to write to, or no readable disclosure: a fact-store-only build fails the same way
    except Exception as err:  # retrieval not available: the facts still answer figure questions
        say(f"  retrieval index failed ({err}); building the fact store only")
        report = build_index(
            [settings["corpus"]], index_dir, progress=lambda m: say(f"  {m}"), with_retrieval=False
        )
    say(f"Indexed {len(report.documents)} document(s), {report.facts} facts in {report.seconds:.1f} s")
    return index_dir


def open_context(
    settings: dict[str, Any] | None = None,
    *,
    build: bool = True,
    progress: Callable[[str], None] | None = None,
    stream_delay: float = 0.02,
) -> WebContext:
    s = settings_mod.defaults() | (settings or {})
    if build:
        ensure_index(s, progress)
    qa = BudgetQA.open(s["index_dir"], s)
    index = IndexReloader(qa, s["index_dir"], s, interval=float(s.get("reload_interval", 2) or 0))
    return WebContext(
        index, ExchangeLog.in_dir(s["data_dir"]), RateLimiter(int(s["rate_limit"])), s, stream_delay
    )
