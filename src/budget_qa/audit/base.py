"""Findings and the small helpers every audit rule uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..model import Document, Row, Table
from ..textnorm import fold

CENT = Decimal("0.01")
TOTAL_WORDS = ("总计", "合计")


@dataclass
class Finding:
    rule: str
    ok: bool
    message: str
    a: dict = field(default_factory=dict)  # {"locator": …, "value": …}
    b: dict = field(default_factory=dict)
    document: str = ""

    def to_dict(self) -> dict:
        return {"rule": self.rule, "ok": self.ok, "document": self.document, "message": self.message,
                "a": self.a, "b": self.b}


def d(v: str | None) -> Decimal:
    return Decimal(v) if v else Decimal(0)


def loc(t: Table, row: Row, col: str) -> str:
    head = f"{row.code} {row.label}".strip()
    side = f"[{row.side}] " if row.side else ""
    return f"{t.number or t.title} / {side}{head} / {col}"


def cmp(rule: str, a_loc: str, a: Decimal, b_loc: str, b: Decimal, what: str, tol: Decimal = CENT / 2,
        b_show: str | None = None) -> Finding:
    """b_show: how to print b when it is not a plain amount (a blank cell is shown as blank, compared as 0)."""
    ok = abs(a - b) <= tol
    shown = b_show if b_show is not None else str(b)
    msg = f"{what}: {a_loc} = {a} vs {b_loc} = {shown}" + ("" if ok else f" (difference {a - b:+})")
    return Finding(rule, ok, msg, {"locator": a_loc, "value": str(a)}, {"locator": b_loc, "value": shown})


def value(row: Row, col: str) -> str | None:
    c = row.cell(col)
    return c.value if c else None


def is_total(row: Row) -> bool:
    return not row.code and fold(row.label).replace("：", "").endswith(TOTAL_WORDS)


def total_row(t: Table | None, side: str = "") -> Row | None:
    """The table's (or side's) grand total: a 总计 row before a 合计 row ('本年收入合计' is a subtotal
    when a '收入总计' follows)."""
    if t is None:
        return None
    rows = [r for r in t.rows if (not side or r.side == side) and is_total(r)]
    return next((r for r in rows if fold(r.label).endswith("总计")), rows[0] if rows else None)


def table(doc: Document, kind: str) -> Table | None:
    """The table of a kind with rows (a second table of the same kind is checked on its own)."""
    return next((t for t in doc.tables if t.kind == kind and t.rows), None)


def cell(t: Table | None, row: Row | None, *leaves: str) -> tuple[str, Decimal] | None:
    """The cell of ``row`` whose column (or its last level) is the first of ``leaves`` found;
    '' as a leaf means the row's first column."""
    if t is None or row is None or not row.cells:
        return None
    for leaf in leaves:
        if leaf == "":
            c = row.cells[0]
        else:
            c = next((c for c in row.cells if c.column == leaf or fold(c.column.rsplit("/", 1)[-1]) == fold(leaf)), None)
        if c is not None:
            return loc(t, row, c.column), d(c.value)
    return None


def pair(rule: str, what: str, a, b) -> list[Finding]:
    if a is None or b is None:
        return []
    return [cmp(rule, a[0], a[1], b[0], b[1], what)]
