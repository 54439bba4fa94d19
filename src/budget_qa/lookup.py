"""Deterministic figure lookup by table, row (label or code), column and document.

Tolerant of full-/half-width punctuation, brackets and small wording differences
(维修（护）费 ~ 维修费); when several cells match it returns every candidate with its
locator rather than picking one silently.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .errors import LookupNotFound
from .facts import FactStore, row_keys
from .ingest.kinds import KIND_NAMES
from .ingest.titles import chinese_number, number_ordinal
from .model import Fact
from .textnorm import fold, strip_brackets
from .textsafe import label, like_contains

_CODE_RE = re.compile(r"^\d{3}(?:\s*\d{2}){0,2}$")
_TABLE_NO_RE = re.compile(r"^(?:附表|表|table)?\s*(\d{1,2})$", re.I)
_TABLE_CN_RE = re.compile(r"^(?:附表|表)\s*([一二三四五六七八九十]{1,3})$")


def _kind_named(t: str) -> str:
    """A canonical kind given by key ('three_public') or by its Chinese name ('“三公”经费支出表')."""
    plain = t.replace('"', "")
    for kind, (zh, _en) in KIND_NAMES.items():
        if plain == kind.value or plain == fold(zh).replace('"', ""):
            return kind.value
    return ""


_PERF = ("performance_dept", "performance_project")


@dataclass
class LookupResult:
    candidates: list[Fact]
    matched_by: str = ""  # exact | code | partial | fuzzy
    query: dict = field(default_factory=dict)

    @property
    def ambiguous(self) -> bool:
        return len({(f.doc_id, f.table_id, f.row_label, f.column) for f in self.candidates}) > 1

    def to_dict(self) -> dict:
        return {
            "query": self.query, "matched_by": self.matched_by, "ambiguous": self.ambiguous,
            "candidates": [
                {"document": f.document, "table": f.table_no, "table_title": f.table_title, "table_kind": f.table_kind,
                 "page": f.page, "section": f.section,
                 "row": f.row_label, "code": f.row_code, "column": f.column, "value": f.value, "unit": f.unit,
                 "op": f.op, "blank": f.value is None, "locator": f.locator, "quote": f.quote, "line": f.line,
                 "kind": f.kind}
                for f in self.candidates
            ],
        }


def _scope(store: FactStore, table: str | None, document: str | None, narrative: bool) -> tuple[str, list]:
    where, params = ["1"], []
    docs: set[str] | None = None
    if document:
        # resolved to ids first: 'doc_id IN (…)' uses the index, a LIKE on every fact would scan them all
        ids = store.doc_ids(document)
        docs = set(ids)
        where.append(f"doc_id IN ({','.join('?' * len(ids))})" if ids else "0")
        params += ids
    if table:
        ids = resolve_tables(store, table, document)
        if docs is not None:
            ids = [i for i in ids if i.rsplit("/", 1)[0] in docs]
        where.append(f"(doc_id || '/' || table_id) IN ({','.join('?' * len(ids))})" if ids else "0")
        params += ids
    elif not narrative:
        where.append("kind != 'narrative'")
    return " AND ".join(where), params


def resolve_tables(store: FactStore, table: str, document: str | None = None) -> list[str]:
    """A canonical kind ('basic', '基本支出表'), a printed number ('表6', '表六', '附表6', '6'), a table id
    ('T6', 'P3'), or (part of) a title ('三公经费') → ['doc/T6', …].

    Raises with suggestions. Quotes are ignored in titles: '三公经费' finds 财政拨款“三公”经费支出情况表.
    """
    rows = store.tables()
    t = fold(table)
    kind = _kind_named(t)
    m = _TABLE_NO_RE.match(t) or _TABLE_CN_RE.match(t)
    if kind:
        hits = [r for r in rows if r[4] == kind]
    elif m:
        n = chinese_number(m.group(1))
        hits = [r for r in rows if fold(r[2]) == t or (r[2].startswith(("表", "附表")) and number_ordinal(r[2]) == n)]
        hits = hits or [r for r in rows if fold(r[1]) == f"t{n}"]
    else:
        plain = t.replace('"', "")
        hits = [r for r in rows if fold(r[1]) == t]
        hits = hits or [r for r in rows if plain in fold(r[3]).replace('"', "") or t == fold(r[2])]
        if not hits:
            hits = [r for r in rows if strip_brackets(plain) in strip_brackets(fold(r[2] + r[3]).replace('"', ""))]
    if not hits:
        labels = sorted({f"{r[2]} {r[3]}".strip() if r[4] not in _PERF else r[3] for r in rows})
        near = difflib.get_close_matches(table, labels, n=5, cutoff=0.3)
        raise LookupNotFound("table", table, near or labels[:5])
    return [f"{r[0]}/{r[1]}" for r in hits]


def lookup(
    store: FactStore,
    table: str | None = None,
    row: str | None = None,
    column: str | None = None,
    document: str | None = None,
    *,
    narrative: bool = False,
    all_columns: bool = False,
) -> LookupResult:
    # labels are text of bounded length without control characters before any query is built
    table, row, column, document = (label(v, what) for v, what in
                                    ((table, "table"), (row, "row"), (column, "column"), (document, "document")))
    query = {"table": table, "row": row, "column": column, "document": document}
    where, params = _scope(store, table, document, narrative)
    matched_by = "table"
    if row:
        facts, matched_by = _match_row(store, row, where, params)
    else:
        facts = store.query(where, tuple(params))
    if column:
        facts = _match_column(facts, column)
    elif not all_columns and row:
        facts = _primary_columns(facts)
    return LookupResult(candidates=facts, matched_by=matched_by, query=query)


def _match_row(store: FactStore, row: str, where: str, params: list) -> tuple[list[Fact], str]:
    r = row.strip()
    if _CODE_RE.match(r):
        facts = store.query(f"{where} AND row_code = ?", (*params, re.sub(r"\s+", "", r)))
        if facts:
            return facts, "code"
    key, plain = row_keys(r)
    facts = store.query(f"{where} AND (row_key = ? OR row_plain = ? OR row_plain = ?)", (*params, key, plain, key))
    if facts:
        return facts, "exact"
    # '%' and '_' in a label are literal characters, not wildcards
    facts = store.query(f"{where} AND (row_plain LIKE ? ESCAPE '\\' OR row_key LIKE ? ESCAPE '\\')",
                        (*params, like_contains(plain), like_contains(key)))
    if facts and len(plain) >= 2:
        # prefer the shortest labels: '差旅费' should not pull in every '…差旅费…' sentence first
        shortest = min(len(f.row_label) for f in facts)
        return [f for f in facts if len(f.row_label) <= shortest + 4], "partial"
    labels = [x[0] for x in store.scalar(f"SELECT DISTINCT row_label FROM facts WHERE {where}", tuple(params))]
    by_key = {row_keys(lbl)[1]: lbl for lbl in labels}
    near = difflib.get_close_matches(plain, list(by_key), n=5, cutoff=0.6)
    if near and difflib.SequenceMatcher(None, plain, near[0]).ratio() >= 0.75:
        best = by_key[near[0]]
        return store.query(f"{where} AND row_label = ?", (*params, best)), "fuzzy"
    raise LookupNotFound("row", row, [by_key[n] for n in near] or _suggest(r, labels))


def _suggest(given: str, labels: list[str]) -> list[str]:
    g = set(fold(given))
    scored = sorted(labels, key=lambda lbl: -len(g & set(fold(lbl))))
    return scored[:5]


def _col_matches(col: str, wanted: str) -> int:
    c, w = fold(col), fold(wanted)
    leaf = c.rsplit("/", 1)[-1]
    if c == w:
        return 4
    if leaf == w or c.endswith("/" + w):
        return 3
    if strip_brackets(leaf) == strip_brackets(w):
        return 2
    if w in c:
        return 1
    return 0


def _match_column(facts: list[Fact], column: str) -> list[Fact]:
    scored = [(f, _col_matches(f.column, column)) for f in facts]
    best = max((s for _, s in scored), default=0)
    if best == 0:
        cols = sorted({f.column for f in facts})
        near = difflib.get_close_matches(column, cols, n=5, cutoff=0.3)
        raise LookupNotFound("column", column, near or cols[:8])
    hits = [f for f, s in scored if s == best]
    if best <= 1:
        # a word that only appears inside column names ('财政拨款' in 财政拨款（补助）/小计 and /上级…):
        # the first such column of each row, not every one
        first: dict[tuple, Fact] = {}
        for f in hits:
            k = (f.doc_id, f.table_id, f.row_label, f.line, f.side)
            if k not in first or f.order < first[k].order:
                first[k] = f
        hits = list(first.values())
    return hits


def _primary_columns(facts: list[Fact]) -> list[Fact]:
    """One figure per matched row: its first column (合计/总计/预算数/指标值/数额)."""
    best: dict[tuple, Fact] = {}
    for f in facts:
        k = (f.doc_id, f.table_id, f.row_label, f.side, f.line, f.kind == "narrative" and f.column)
        if k not in best or f.order < best[k].order:
            best[k] = f
    return list(best.values())
