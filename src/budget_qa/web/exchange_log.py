"""SQLite log of every web exchange (question, answer, citations, feedback), searchable and filterable."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..textsafe import clean

SCHEMA = """
CREATE TABLE IF NOT EXISTS exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,              -- local time, ISO 8601 (YYYY-MM-DDTHH:MM:SS)
    session TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT 'public',   -- public chat or staff desk
    question TEXT NOT NULL,
    resolved TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    route TEXT NOT NULL DEFAULT '',
    answerable INTEGER NOT NULL DEFAULT 1,
    answer TEXT NOT NULL DEFAULT '',
    citations TEXT NOT NULL DEFAULT '[]',     -- JSON list of Citation dicts
    figures TEXT NOT NULL DEFAULT '[]',       -- JSON list of Figure dicts
    ms REAL NOT NULL DEFAULT 0,
    feedback TEXT,                            -- 'up' | 'down' | NULL
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS exchanges_ts ON exchanges(ts);
"""

FEEDBACK = ("up", "down")


def _text(value: object) -> str:
    """Any value as text SQLite can store (UTF-8: no lone surrogates) without control characters."""
    return clean(value if isinstance(value, str) else "" if value is None else str(value))


def _clean_all(value: object) -> object:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {_clean_all(k): _clean_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_all(v) for v in value]
    return value


def _json(value: object) -> str:
    """Citations and figures as JSON, every string in them cleaned like the text columns."""
    return json.dumps(_clean_all(value), ensure_ascii=False, default=lambda v: clean(str(v)))


@dataclass
class Exchange:
    id: int
    ts: str
    session: str
    client: str
    channel: str
    question: str
    resolved: str
    language: str
    route: str
    answerable: bool
    answer: str
    citations: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    ms: float = 0.0
    feedback: str | None = None
    comment: str = ""

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> Exchange:
        d = dict(r)
        d["citations"] = json.loads(d["citations"] or "[]")
        d["figures"] = json.loads(d["figures"] or "[]")
        d["answerable"] = bool(d["answerable"])
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class ExchangeLog:
    """One SQLite file (WAL mode); a short-lived connection per operation, so it is thread-safe."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._conn() as c:
            c.execute("PRAGMA journal_mode=WAL")
            c.executescript(SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: str | Path) -> ExchangeLog:
        return cls(Path(data_dir) / "exchanges.sqlite")

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = sqlite3.connect(self.path, timeout=30)
            conn.row_factory = sqlite3.Row
            try:
                yield conn
                conn.commit()
            finally:
                conn.close()

    def add(
        self,
        *,
        question: str,
        answer: dict[str, Any],
        session: str = "",
        client: str = "",
        channel: str = "public",
        ts: str | None = None,
    ) -> int:
        """Log one exchange; ``answer`` is ``Answer.to_dict()``. Returns the exchange id.

        Text is made storable at the write (textsafe): a lone surrogate becomes U+FFFD and control
        characters are removed, so an odd question is logged as near as possible, never lost."""
        row = (
            _text(ts or time.strftime("%Y-%m-%dT%H:%M:%S")),
            _text(session),
            _text(client),
            _text(channel),
            _text(question),
            _text(answer.get("resolved_question", "")),
            _text(answer.get("language", "")),
            _text(answer.get("route", "")),
            1 if answer.get("answerable", True) else 0,
            _text(answer.get("answer", "")),
            _json(answer.get("citations", [])),
            _json(answer.get("figures", [])),
            float((answer.get("timings_ms") or {}).get("total", 0.0)),
        )
        with self._conn() as c:
            cur = c.execute(
                "INSERT INTO exchanges (ts, session, client, channel, question, resolved, language, route, "
                "answerable, answer, citations, figures, ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                row,
            )
            return int(cur.lastrowid or 0)

    def set_feedback(
        self,
        exchange_id: int,
        feedback: str | None = None,
        comment: str | None = None,
        session: str | None = None,
    ) -> bool:
        """Record helpful ('up') / not helpful ('down') and/or a comment. With ``session``, only that
        session's own exchanges can be changed. Returns whether a row was updated."""
        if feedback is not None and feedback not in FEEDBACK:
            raise ValueError(f"feedback must be one of {FEEDBACK}")
        sets, args = [], []
        if feedback is not None:
            sets.append("feedback = ?")
            args.append(feedback)
        if comment is not None:
            sets.append("comment = ?")
            args.append(_text(comment).strip()[:2000])
        if not sets:
            return False
        where = "id = ?" + (" AND session = ?" if session is not None else "")
        args += [int(exchange_id)] + ([session] if session is not None else [])
        with self._conn() as c:
            return c.execute(f"UPDATE exchanges SET {', '.join(sets)} WHERE {where}", args).rowcount > 0

    def get(self, exchange_id: int) -> Exchange | None:
        with self._conn() as c:
            r = c.execute("SELECT * FROM exchanges WHERE id = ?", (int(exchange_id),)).fetchone()
        return Exchange.from_row(r) if r else None

    def search(
        self,
        text: str = "",
        *,
        language: str = "",
        route: str = "",
        feedback: str = "",
        date_from: str = "",
        date_to: str = "",
        channel: str = "",
        limit: int = 200,
    ) -> list[Exchange]:
        """Newest first. ``text`` matches question, answer or comment; ``feedback`` is up, down or none;
        dates are YYYY-MM-DD (inclusive)."""
        where, args = [], []
        text = _text(text)
        if text.strip():
            like = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(
                "(question LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\' OR comment LIKE ? ESCAPE '\\')"
            )
            args += [like, like, like]
        for col, val in (("language", language), ("route", route), ("channel", channel)):
            if val:
                where.append(f"{col} = ?")
                args.append(_text(val))
        if feedback == "none":
            where.append("feedback IS NULL")
        elif feedback:
            where.append("feedback = ?")
            args.append(_text(feedback))
        if date_from:
            where.append("ts >= ?")
            args.append(_text(date_from[:10]))
        if date_to:
            where.append("ts < ?")
            args.append(_text(date_to[:10]) + "T99")  # inclusive of the whole day
        sql = "SELECT * FROM exchanges" + (f" WHERE {' AND '.join(where)}" if where else "")
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(int(limit))
        with self._conn() as c:
            return [Exchange.from_row(r) for r in c.execute(sql, args).fetchall()]

    def count(self, channel: str = "") -> int:
        with self._conn() as c:
            if channel:
                return int(
                    c.execute("SELECT count(*) FROM exchanges WHERE channel = ?", (channel,)).fetchone()[0]
                )
            return int(c.execute("SELECT count(*) FROM exchanges").fetchone()[0])
