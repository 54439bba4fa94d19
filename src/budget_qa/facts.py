"""SQLite fact store: one row per figure (table cell, indicator value, narrative figure)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from .ingest.narrative import extract as narrative_figures
from .model import Document, Fact, Table
from .textnorm import fold, strip_brackets, strip_numbering

SCHEMA = """
CREATE TABLE facts (
  id INTEGER PRIMARY KEY,
  doc_id TEXT NOT NULL, document TEXT NOT NULL, department TEXT NOT NULL, year TEXT NOT NULL,
  kind TEXT NOT NULL,              -- cell | indicator | narrative
  table_id TEXT NOT NULL, table_no TEXT NOT NULL, table_title TEXT NOT NULL, section TEXT NOT NULL,
  row_label TEXT NOT NULL, row_code TEXT NOT NULL, col TEXT NOT NULL, col_order INTEGER NOT NULL,
  value TEXT,                      -- exact decimal string as printed; NULL = blank cell
  unit TEXT NOT NULL, op TEXT NOT NULL, side TEXT NOT NULL, quote TEXT NOT NULL, line INTEGER NOT NULL,
  row_key TEXT NOT NULL, row_plain TEXT NOT NULL, col_key TEXT NOT NULL, table_key TEXT NOT NULL,
  table_kind TEXT NOT NULL,        -- canonical kind (summary, basic, three_public, …); '' for narrative
  page INTEGER NOT NULL,           -- PDF page; 0 when the format has no pages
  doc_kind TEXT NOT NULL           -- 预算 | 决算
);
CREATE INDEX facts_kind ON facts(table_kind);
CREATE TABLE glossary (doc_id TEXT NOT NULL, term TEXT NOT NULL);  -- a disclosure's own names (JSON)
CREATE INDEX facts_row_key ON facts(row_key);
CREATE INDEX facts_row_plain ON facts(row_plain);
CREATE INDEX facts_code ON facts(row_code);
CREATE INDEX facts_doc_table ON facts(doc_id, table_id);
CREATE TABLE documents (
  doc_id TEXT PRIMARY KEY, path TEXT, department TEXT, year TEXT, date TEXT, title TEXT, sha256 TEXT,
  kind TEXT, format TEXT, files TEXT
);
"""

COLUMNS = (
    "doc_id document department year kind table_id table_no table_title section row_label row_code col "
    "col_order value unit op side quote line row_key row_plain col_key table_key table_kind page doc_kind"
).split()


def row_keys(label: str) -> tuple[str, str]:
    key = fold(strip_numbering(label))
    return key, strip_brackets(key).replace('"', "")


def table_facts(doc: Document, table: Table) -> Iterator[Fact]:
    perf = table.is_performance
    title = table.label if perf else table.title
    for row in table.rows:
        quote = _row_quote(table, row)
        for order, cell in enumerate(row.cells):
            kind = "indicator" if row.attrs.get("kind") == "indicator" else "cell"
            unit = row.attrs.get(f"{cell.column}.unit", "" if kind == "indicator" else table.unit or "万元")
            if "权重" in cell.column:
                unit = ""
            yield Fact(
                doc_id=doc.id, document=Path(doc.path).name, department=doc.department, year=doc.year,
                kind=kind, table_id=table.id, table_no=table.number if not perf else table.title,
                table_title=title, section="", row_label=row.label, row_code=row.code,
                column=cell.column, value=cell.value, unit=unit, op=row.attrs.get(f"{cell.column}.op", ""),
                side=row.side, quote=quote, line=row.line, order=order, table_kind=table.kind,
                page=row.page, doc_kind=doc.kind,
            )


def _row_quote(table: Table, row) -> str:
    if row.attrs.get("kind") == "indicator":
        keys = [k for k in row.attrs if not k.endswith((".op", ".unit")) and k != "kind"]
        return " | ".join(f"{k}: {row.attrs[k]}" for k in keys)
    head = f"{row.code} {row.label}".strip() if row.code else row.label
    vals = " | ".join(f"{c.column}: {c.value if c.value is not None else '（空）'}" for c in row.cells)
    return f"{head} | {vals}"


def document_facts(doc: Document) -> Iterator[Fact]:
    for table in doc.tables:
        yield from table_facts(doc, table)
    for fig in narrative_figures(doc):
        yield Fact(
            doc_id=doc.id, document=Path(doc.path).name, department=doc.department, year=doc.year,
            kind="narrative", table_id="", table_no="", table_title="", section=fig.section,
            row_label=fig.subject, row_code="", column=fig.measure, value=fig.value, unit=fig.unit,
            quote=fig.sentence, line=fig.line, page=fig.page, doc_kind=doc.kind,
        )


def write_store(path: Path, docs: Iterable[Document]) -> int:
    """Write a new store at ``path`` (which must not exist yet). Returns the number of facts."""
    con = sqlite3.connect(path)
    n = 0
    try:
        con.executescript(SCHEMA)
        for doc in docs:
            con.execute(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?)",
                (doc.id, doc.path, doc.department, doc.year, doc.date, doc.title, doc.sha256, doc.kind,
                 doc.format, "\n".join(doc.files)),
            )
            rows = []
            for f in document_facts(doc):
                key, plain = row_keys(f.row_label)
                table_key = fold(f.table_no + f.table_title)
                rows.append((
                    f.doc_id, f.document, f.department, f.year, f.kind, f.table_id, f.table_no, f.table_title,
                    f.section, f.row_label, f.row_code, f.column, f.order, f.value, f.unit, f.op, f.side, f.quote,
                    f.line, key, plain, fold(f.column), table_key, f.table_kind, f.page, f.doc_kind,
                ))
            con.executemany(f"INSERT INTO facts ({','.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})", rows)
            con.executemany("INSERT INTO glossary VALUES (?, ?)",
                            [(doc.id, json.dumps(t, ensure_ascii=False)) for t in doc.glossary])
            n += len(rows)
        con.commit()
    finally:
        con.close()
    return n


class FactStore:
    """Read side of the store; one connection per thread (sqlite3 objects are not shared)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._con.row_factory = sqlite3.Row
        self._tables: list[tuple[str, str, str, str, str]] | None = None  # read once: the store is read-only
        self._docs: list[tuple[str, str, str, str]] | None = None

    def query(self, where: str = "1", params: tuple = ()) -> list[Fact]:
        cur = self._con.execute(f"SELECT * FROM facts WHERE {where} ORDER BY id", params)
        return [self._fact(r) for r in cur.fetchall()]

    def scalar(self, sql: str, params: tuple = ()):
        return self._con.execute(sql, params).fetchall()

    @staticmethod
    def _fact(r: sqlite3.Row) -> Fact:
        return Fact(
            doc_id=r["doc_id"], document=r["document"], department=r["department"], year=r["year"],
            kind=r["kind"], table_id=r["table_id"], table_no=r["table_no"], table_title=r["table_title"],
            section=r["section"], row_label=r["row_label"], row_code=r["row_code"], column=r["col"],
            value=r["value"], unit=r["unit"], op=r["op"], side=r["side"], quote=r["quote"], line=r["line"],
            id=r["id"], order=r["col_order"], table_kind=r["table_kind"], page=r["page"], doc_kind=r["doc_kind"],
        )

    def glossary_terms(self) -> list[dict]:
        """The disclosures' own glossary terms (none in an index built before they were stored)."""
        try:
            rows = self._con.execute("SELECT term FROM glossary").fetchall()
        except sqlite3.OperationalError:
            return []
        out = []
        for (t,) in rows:
            try:
                out.append(json.loads(t))
            except ValueError:
                continue
        return out

    def documents(self) -> list[dict]:
        return [dict(r) for r in self._con.execute("SELECT * FROM documents ORDER BY doc_id")]

    def tables(self) -> list[tuple[str, str, str, str, str]]:
        """(doc_id, table_id, table_no, table_title, table_kind) of every table, scanned once per open store."""
        if self._tables is None:
            self._tables = [tuple(r) for r in self.scalar(
                "SELECT DISTINCT doc_id, table_id, table_no, table_title, table_kind FROM facts WHERE table_id != ''")]
        return self._tables

    def doc_ids(self, document: str) -> list[str]:
        """Documents whose id, department or file name contains ``document`` (ASCII case-insensitive, like
        SQL LIKE), or whose year is ``document``; from the small documents table, so that lookups can
        filter facts by the indexed doc_id instead of scanning every fact."""
        if self._docs is None:
            self._docs = [(r["doc_id"], r["department"] or "", r["year"] or "", Path(r["path"] or "").name)
                          for r in self._con.execute("SELECT doc_id, department, year, path FROM documents")]
        d = document.lower()
        return [i for i, dep, year, name in self._docs
                if d in i.lower() or d in dep.lower() or year == document or d in name.lower()]

    def close(self) -> None:
        self._con.close()
