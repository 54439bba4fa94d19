"""Rules within one table: code hierarchy (per unit where the table is grouped by unit), total
columns against their parts (read from the header's own structure), two-sided balances, and the
items of a vertical 三公 table."""

from __future__ import annotations

import re

from ..model import Row, Table
from ..textnorm import fold, strip_numbering
from .base import Finding, cmp, d, is_total, loc, value

_SUBTOTAL = ("合计", "小计", "总计")


def table_rules(t: Table) -> list[Finding]:
    if t.is_performance:
        return []
    return hierarchy(t) + column_sums(t) + two_sided(t) + sub_items(t)


# ---------- code hierarchy ----------
def _segments(t: Table) -> tuple[list[Row], list[tuple[Row | None, list[Row]]]]:
    """(total rows, [(unit row or None, coded rows under it)]): a table grouped by unit prints an
    uncoded row with the unit's subtotal before each unit's coded rows."""
    totals = [r for r in t.rows if is_total(r) and not r.side]
    segments: list[tuple[Row | None, list[Row]]] = [(None, [])]
    for r in t.rows:
        if r.side or r in totals:
            continue
        if r.code:
            segments[-1][1].append(r)
        elif any(c.value for c in r.cells) and not r.label.startswith("其中"):
            segments.append((r, []))
    return totals, [s for s in segments if s[1] or s[0] is not None]


def hierarchy(t: Table) -> list[Finding]:
    totals, segments = _segments(t)
    if not any(rows for _, rows in segments):
        return []
    out: list[Finding] = []
    units = [u for u, _ in segments if u is not None]
    for col in t.columns:
        for unit, coded in segments:
            top = min((r.level for r in coded), default=1)
            for parent in coded:
                kids = _children(coded, parent)
                out += _sum(t, parent, kids, col, "total vs sum of its children")
            if unit is not None:
                out += _sum(t, unit, [r for r in coded if r.level == top], col, "unit subtotal vs its classes")
        for total in totals:
            if units:
                out += _sum(t, total, units, col, "total vs sum of its units")
            else:
                rows = segments[0][1] if segments else []
                top = min((r.level for r in rows), default=1)
                out += _sum(t, total, [r for r in rows if r.level == top], col, "total vs sum of its children")
    return out


def _children(coded: list[Row], parent: Row) -> list[Row]:
    """Rows one level below ``parent`` in its code block (a project table repeats a 项 code per project)."""
    k = coded.index(parent)
    kids = []
    for r in coded[k + 1:]:
        if r.level <= parent.level and not (r.level == parent.level and r.code == parent.code and not r.attrs):
            break
        if r.code.startswith(parent.code) and r.level == parent.level + 1:
            kids.append(r)
    return kids


def _sum(t: Table, parent: Row, kids: list[Row], col: str, what: str) -> list[Finding]:
    if not kids or (value(parent, col) is None and all(value(k, col) is None for k in kids)):
        return []
    s = sum(d(value(k, col)) for k in kids)
    return [cmp("code-hierarchy", loc(t, parent, col), d(value(parent, col)), f"sum of {len(kids)} rows under it",
                s, what)]


# ---------- total columns ----------
def column_groups(columns: list[str]) -> list[tuple[str, list[str]]]:
    """(total column, its parts) from the column paths: a column whose last level is (or ends with)
    合计/小计/总计 is the sum of the other columns under the same parent; a sub-group with its own
    subtotal column counts once, by that subtotal."""
    out = []
    for col in columns:
        parent, _, leaf = col.rpartition("/")
        if not leaf.endswith(_SUBTOTAL):
            continue
        prefix = f"{parent}/" if parent else ""
        under = [c for c in columns if c != col and c.startswith(prefix)]
        parts = [c for c in under if "/" not in c[len(prefix):]]
        groups: dict[str, list[str]] = {}
        for c in under:
            rest = c[len(prefix):]
            if "/" in rest:
                groups.setdefault(rest.split("/")[0], []).append(c)
        for head, members in groups.items():
            sub = next((m for m in members if m.rpartition("/")[0] == prefix + head
                        and m.rsplit("/", 1)[-1].endswith(_SUBTOTAL)), None)
            parts += [sub] if sub else members
        if len(parts) >= 2:
            out.append((col, parts))
    return out


def column_sums(t: Table) -> list[Finding]:
    out = []
    by_side: dict[str, list[str]] = {}
    for r in t.rows:
        by_side.setdefault(r.side, [c.column for c in r.cells])
    for side, cols in by_side.items():
        for total, parts in column_groups(cols):
            for row in (r for r in t.rows if r.side == side):
                if row.cell(total) is None:
                    continue
                vals = [value(row, p) for p in parts]
                if value(row, total) is None and all(v is None for v in vals):
                    continue
                out.append(cmp("column-sum", loc(t, row, total), d(value(row, total)),
                               " + ".join(p.rsplit("/", 1)[-1] for p in parts), sum(d(v) for v in vals),
                               "total column vs its parts"))
    return out


# ---------- two-sided tables ----------
_TOP = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_ITEM = re.compile(r"^\d{1,2}[.、．]")


def two_sided(t: Table) -> list[Finding]:
    sides: dict[str, list[Row]] = {}
    for r in t.rows:
        if r.side:
            sides.setdefault(r.side, []).append(r)
    if len(sides) != 2:
        return []
    (_, left), (_, right) = sides.items()
    out = []
    lt, rt = (next((r for r in rows if fold(r.label).endswith("总计")), None) for rows in (left, right))
    if lt and rt and lt.cells and rt.cells:
        out.append(cmp("two-sided-balance", loc(t, lt, lt.cells[0].column), d(lt.cells[0].value),
                       loc(t, rt, rt.cells[0].column), d(rt.cells[0].value), "income total vs expenditure total"))
    if rt:
        coded = [r for r in right if r.code and r.level == 1]
        for k, col in enumerate(c.column for c in rt.cells):
            if coded and not any(_TOP.match(r.label) for r in right):
                s = sum(d(r.cells[k].value) for r in coded if k < len(r.cells))
                out.append(cmp("code-hierarchy", loc(t, rt, col), d(rt.cells[k].value),
                               f"sum of {len(coded)} 支出功能分类 rows", s, "expenditure total vs its classes"))
    for rows, total in ((left, lt), (right, rt)):
        if total is not None and total.cells:
            out += _side_parts(t, rows, total)
    return out


def _side_parts(t: Table, rows: list[Row], total: Row) -> list[Finding]:
    """One side of a summary table: 总计 = its numbered parts (一、二、…), or = the subtotal of the
    numbered parts ('本年收入合计') plus the unnumbered lines after it ('上年结转结余'); each numbered
    part = its items (1. 2. …)."""
    out: list[Finding] = []
    body = rows[: rows.index(total)]
    tops = [r for r in body if _TOP.match(r.label)]
    if not tops:
        return out
    sub = next((r for r in body if is_total(r) and r is not total and body.index(r) > body.index(tops[-1])), None)
    parts_of_total = tops
    if sub is not None and sub.cells:
        out.append(cmp("code-hierarchy", loc(t, sub, sub.cells[0].column), d(sub.cells[0].value),
                       " + ".join(strip_numbering(r.label) for r in tops), sum(d(r.cells[0].value) for r in tops if r.cells),
                       "subtotal vs its parts"))
        after = body[body.index(sub) + 1:]
        parts_of_total = [sub] + [r for r in after if not r.label.startswith("其中") and not _ITEM.match(r.label)]
    out.append(cmp("code-hierarchy", loc(t, total, total.cells[0].column), d(total.cells[0].value),
                   " + ".join(strip_numbering(r.label) for r in parts_of_total),
                   sum(d(r.cells[0].value) for r in parts_of_total if r.cells), "total vs its parts"))
    for k, top in enumerate(tops):
        start = body.index(top)
        end = body.index(tops[k + 1]) if k + 1 < len(tops) else (body.index(sub) if sub is not None else len(body))
        items = [r for r in body[start + 1: end] if _ITEM.match(r.label)]
        if items and any(r.cells and r.cells[0].value for r in [top, *items]):
            out.append(cmp("code-hierarchy", loc(t, top, top.cells[0].column), d(top.cells[0].value),
                           " + ".join(strip_numbering(r.label) for r in items),
                           sum(d(r.cells[0].value) for r in items if r.cells), "line vs its items"))
    return out


# ---------- 三公 items, printed as rows ----------
def sub_items(t: Table) -> list[Finding]:
    """三公 table: 合计 = its items; '（小计）' = the '其中' rows below it."""
    if t.kind != "three_public" or len(t.rows) < 3:
        return []
    rows = t.rows
    out = []
    total = next((r for r in rows if fold(r.label) == "合计"), None)
    items = [r for r in rows if r is not total and not r.label.startswith("其中") and not _is_sub_of_subtotal(rows, r)]
    for col in t.columns:
        if total:
            out.append(cmp("sum-of-items", loc(t, total, col), d(value(total, col)),
                           " + ".join(r.label for r in items), sum(d(value(r, col)) for r in items),
                           "三公 total vs its items"))
        for k, r in enumerate(rows):
            if "小计" in r.label:
                subs = rows[k + 1: k + 3]
                out.append(cmp("sum-of-items", loc(t, r, col), d(value(r, col)),
                               " + ".join(strip_numbering(s.label) for s in subs), sum(d(value(s, col)) for s in subs),
                               "subtotal vs its items"))
    return out


def _is_sub_of_subtotal(rows: list[Row], r: Row) -> bool:
    k = rows.index(r)
    return any("小计" in rows[j].label for j in range(max(0, k - 2), k))
