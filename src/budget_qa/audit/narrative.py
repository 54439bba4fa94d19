"""Rules on the narrative: figures against the tables they restate, stated growth rates, each
'其中' breakdown on its own, and the staffing paragraph."""

from __future__ import annotations

import re
from decimal import Decimal

from ..ingest.narrative import NarrativeFigure
from ..ingest.narrative import extract as narrative_figures
from ..model import Document, Row, Table
from ..textnorm import fold, label_keys, strip_brackets
from .base import CENT, Finding, cmp, d, loc, table, total_row

# ---------- narrative ----------
# Which table a section of the explanation restates, from its title (most specific first).
_SECTION_KINDS = (
    (("三公",), "three_public", ""), (("结转结余",), "carryover", ""), (("政府性基金",), "gov_fund", ""),
    (("国有资本经营",), "state_capital", ""), (("基本支出",), "basic", ""), (("项目支出",), "project", ""),
    (("财政拨款收支", "财政拨款收入支出"), "fiscal_summary", ""), (("一般公共预算",), "general_budget", ""),
    (("收支预算", "收支总", "收入支出预算", "收支决算", "收入支出决算"), "summary", ""),
    (("收入预算", "收入决算"), "summary", "收入"), (("支出预算", "支出决算"), "expenditure", ""),
)
_MONEY = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def _section_kind(doc: Document, section_id: str) -> tuple[str, str] | None:
    sec = doc.section(section_id)
    while sec is not None:
        for words, kind, side in _SECTION_KINDS:
            if any(w in sec.title for w in words):
                return kind, side
        sec = doc.section(sec.parent) if sec.parent else None
    return None


def narrative(doc: Document) -> list[Finding]:
    figs = narrative_figures(doc)
    out: list[Finding] = []
    out += _narrative_vs_tables(doc, figs)
    out += _narrative_rates(figs)
    out += _narrative_breakdowns(doc, figs)
    out += _headcount(figs)
    return out


def _headcount(figs: list[NarrativeFigure]) -> list[Finding]:
    """The staffing paragraph's '在职 38 人，增加 N 人' against staff said to be newly transferred in elsewhere."""
    stated = next((f for f in figs if f.subject == "在职" and f.measure == "比上年增加" and f.unit in ("人", "名")), None)
    moved = [f for f in figs if re.search(r"调入|新增.*人员", f.subject) and f.unit in ("人", "名")]
    if stated is None or not moved:
        return []
    most = max(moved, key=lambda f: d(f.value))
    return [cmp("narrative-headcount", f"{stated.section} / 在职 / 比上年增加", d(stated.value),
                 f"{most.section} / “{most.subject}”", d(most.value),
                 "in-service staff increase vs staff newly transferred in")]


def _match_row(t: Table, subject: str, side: str) -> tuple[Row, str] | None:
    keys = label_keys(re.sub(r"（[类款项]）", "", subject))
    for r in t.rows:
        if side and r.side and not r.side.startswith(side[:2]) and side not in r.side:
            continue
        if label_keys(r.label) & keys:
            return r, r.cells[0].column if r.cells else ""
    total = total_row(t, next((r.side for r in t.rows if side and side in r.side), ""))
    for c in (total.cells if total else []):
        leaf = fold(c.column.rsplit("/", 1)[-1])
        if leaf in keys or strip_brackets(leaf) in keys:
            return total, c.column
    return None


def _narrative_vs_tables(doc: Document, figs: list[NarrativeFigure]) -> list[Finding]:
    out = []
    for f in figs:
        if f.measure != "数额" or f.unit not in _MONEY:
            continue
        spec = _section_kind(doc, f.section_id)
        t = table(doc, spec[0]) if spec else None
        if t is None or t.unit not in _MONEY:
            continue
        hit = _match_row(t, f.subject, spec[1])
        if hit is None and spec[0] == "summary" and re.search(r"收支总|总预算|预算总额|收支预算总", f.subject):
            # '收支总预算 842.79 万元': the summary table's grand total
            first_side = t.rows[0].side if t.rows else ""
            total = total_row(t, first_side)
            hit = (total, total.cells[0].column) if total is not None and total.cells else None
        if hit is None:
            continue
        row, col = hit
        stated = d(f.value) if f.unit == t.unit else d(format(d(f.value) * _MONEY[f.unit] / _MONEY[t.unit], "f"))
        # a row restated in the text may be its total or one of its columns (a project's general-budget
        # part): the figure agrees with the table when it equals one of the row's cells
        same = next((c for c in row.cells if c.value is not None and d(c.value) == stated), None)
        col = same.column if same is not None else col
        cell = row.cell(col)
        value = cell.value if cell else None
        said = f" ({f.value} {f.unit})" if f.unit != t.unit else ""  # as printed, before converting
        out.append(cmp("narrative-vs-table", f"{f.section} / {f.subject}{said}", stated,
                       loc(t, row, col), d(value), "narrative figure vs table", b_show=None if value else "（空 blank）"))
    return out


def _narrative_rates(figs: list[NarrativeFigure]) -> list[Finding]:
    """'814.99 万元 … 比上年增加 127.41 万元，增长 18.53%': rate = change / (amount − change)."""
    out = []
    by_sentence: dict[str, list[NarrativeFigure]] = {}
    for f in figs:
        by_sentence.setdefault(f.sentence + f.section_id, []).append(f)
    for group in by_sentence.values():
        for k, f in enumerate(group):
            if f.measure not in ("增长率", "下降率") or k == 0:
                continue
            change = next((g for g in reversed(group[:k]) if g.measure in ("比上年增加", "比上年减少") and g.unit in _MONEY), None)
            amount = next((g for g in reversed(group[:k]) if g.measure == "数额" and g.unit == change.unit), None)
            if not change or not amount:
                continue
            delta = d(change.value) * (1 if change.measure == "比上年增加" else -1)
            prior = d(amount.value) - delta
            if prior == 0:
                continue
            rate = (abs(delta) / prior * 100).quantize(CENT)
            tol = Decimal("0.011") if "." in f.value else Decimal("0.51")
            out.append(cmp("narrative-rate", f"{f.section} / {f.subject} / {f.measure}", d(f.value),
                            f"{change.value} / ({amount.value} {'-' if delta > 0 else '+'} {abs(delta)}) × 100", rate,
                            "stated rate vs change ÷ previous year", tol))
    return out


def _narrative_breakdowns(doc: Document, figs: list[NarrativeFigure]) -> list[Finding]:
    """'X 17.81 万元，其中：A 0.00 万元，B 8.91 万元…' → X = A + B + …; each '其中' on its own, its items
    running to the next '其中' or the end of the clause ('；'/'。'), its total the last figure before it."""
    out = []
    paras = {(p.line, p.text): sec for sec in doc.sections for p in sec.paragraphs}
    for (line, text), sec in paras.items():
        marks = [m.start() for m in re.finditer("其中", text)]
        if not marks:
            continue
        mine = [f for f in figs if f.line == line and f.section_id == sec.id]
        # positions come from the parse ('0.00' must not be found inside '10.00')
        at = {id(f): text.find(f.sentence) + f.pos for f in mine}
        for k, pos in enumerate(marks):
            start = max(text.rfind(ch, 0, pos) for ch in "。；;") + 1
            stop = min([e for e in (text.find(ch, pos) for ch in "。；;") if e >= 0] + [len(text)])
            if k + 1 < len(marks):
                stop = min(stop, marks[k + 1])
            for measure in ("数额", "价值"):
                before = [f for f in mine if f.measure == measure and start <= at[id(f)] < pos]
                after = [f for f in mine if f.measure == measure and pos < at[id(f)] < stop]
                if not before:
                    continue
                total = before[-1]
                kids = [f for f in after if f.unit == total.unit]
                if len(kids) < 2:
                    continue
                out.append(cmp("narrative-breakdown", f"{total.section} / {total.subject}", d(total.value),
                               " + ".join(f"{k.subject} {k.value}" for k in kids), sum(d(k.value) for k in kids),
                               "narrative total vs its '其中' items"))
    return out
