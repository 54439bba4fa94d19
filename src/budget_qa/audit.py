"""Consistency audit of a disclosure's own arithmetic (`budget-qa check`).

Rules: totals = sum of their children along the 类/款/项 code hierarchy; total columns = sum of
their component columns; the same quantity across tables (表1 = 表3 totals, 表4 = 表5, 表7 =
表5 项目支出, …); 表10 合计 = its items; narrative figures against table figures, and the
narrative's own arithmetic (shares, growth rates, '其中' breakdowns). Every finding names both
locations and both values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .ingest.narrative import NarrativeFigure
from .ingest.narrative import extract as narrative_figures
from .ingest.schemas import schema_for
from .model import Document, Row, Table
from .textnorm import fold, label_keys, strip_brackets, strip_numbering

CENT = Decimal("0.01")


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


def _d(v: str | None) -> Decimal:
    return Decimal(v) if v else Decimal(0)


def _loc(t: Table, row: Row, col: str) -> str:
    head = f"{row.code} {row.label}".strip()
    side = f"[{row.side}] " if row.side else ""
    return f"{t.number} / {side}{head} / {col}"


def _cmp(rule: str, a_loc: str, a: Decimal, b_loc: str, b: Decimal, what: str, tol: Decimal = CENT / 2,
         b_show: str | None = None) -> Finding:
    """b_show: how to print b when it is not a plain amount (a blank cell is shown as blank, compared as 0)."""
    ok = abs(a - b) <= tol
    shown = b_show if b_show is not None else str(b)
    msg = f"{what}: {a_loc} = {a} vs {b_loc} = {shown}" + ("" if ok else f" (difference {a - b:+})")
    return Finding(rule, ok, msg, {"locator": a_loc, "value": str(a)}, {"locator": b_loc, "value": shown})


def audit(doc: Document) -> list[Finding]:
    out: list[Finding] = []
    for t in doc.tables:
        out += _hierarchy(t) + _column_sums(t) + _two_sided(t) + _sub_items(t)
    out += _cross_tables(doc) + _performance(doc) + _narrative(doc)
    for f in out:
        f.document = doc.id
    return out


# ---------- within a table ----------
def _value(row: Row, col: str) -> str | None:
    c = row.cell(col)
    return c.value if c else None


def _hierarchy(t: Table) -> list[Finding]:
    coded = [r for r in t.rows if r.code]
    if not coded:
        return []
    out = []
    totals = [r for r in t.rows if not r.code and fold(r.label) in ("总计", "合计")]
    for col in t.columns:
        for parent in coded + totals:
            if parent.code:
                kids = [r for r in coded if r.code.startswith(parent.code) and r.level == parent.level + 1]
            else:
                kids = [r for r in coded if r.level == 1]
            if not kids or (_value(parent, col) is None and all(_value(k, col) is None for k in kids)):
                continue
            s = sum(_d(_value(k, col)) for k in kids)
            f = _cmp("code-hierarchy", _loc(t, parent, col), _d(_value(parent, col)),
                     f"sum of {len(kids)} rows under it", s, "total vs sum of its children")
            out.append(f)
    return out


def _column_sums(t: Table) -> list[Finding]:
    schema = schema_for(t.title)
    if not schema or not schema.column_sums:
        return []
    out = []
    for row in t.rows:
        for total, parts in schema.column_sums:
            if row.cell(total) is None:
                continue
            vals = [_value(row, p) for p in parts]
            if _value(row, total) is None and all(v is None for v in vals):
                continue
            s = sum(_d(v) for v in vals)
            out.append(_cmp("column-sum", _loc(t, row, total), _d(_value(row, total)),
                            f"{' + '.join(p.rsplit('/', 1)[-1] for p in parts)}", s, "total column vs its parts"))
    return out


def _two_sided(t: Table) -> list[Finding]:
    sides = {}
    for r in t.rows:
        if r.side:
            sides.setdefault(r.side, []).append(r)
    if len(sides) != 2:
        return []
    (left_name, left), (right_name, right) = sides.items()
    out = []
    lt = next((r for r in left if fold(r.label).endswith("总计")), None)
    rt = next((r for r in right if fold(r.label).endswith("总计")), None)
    if lt and rt:
        out.append(_cmp("two-sided-balance", _loc(t, lt, lt.cells[0].column), _d(lt.cells[0].value),
                        _loc(t, rt, rt.cells[0].column), _d(rt.cells[0].value), "income total vs expenditure total"))
    if rt:
        for k, col in enumerate(c.column for c in rt.cells):
            coded = [r for r in right if r.code]
            s = sum(_d(r.cells[k].value) for r in coded)
            out.append(_cmp("code-hierarchy", _loc(t, rt, col), _d(rt.cells[k].value),
                            f"sum of {len(coded)} 支出功能分类 rows", s, "expenditure total vs its classes"))
    if lt:
        tops = [r for r in left if re.match(r"^[一二三四五六七八九十]+、", r.label)]
        if tops:
            out.append(_cmp("code-hierarchy", _loc(t, lt, lt.cells[0].column), _d(lt.cells[0].value),
                            " + ".join(strip_numbering(r.label) for r in tops), sum(_d(r.cells[0].value) for r in tops),
                            "income total vs its parts"))
        for k, top in enumerate(tops):
            start = left.index(top)
            end = left.index(tops[k + 1]) if k + 1 < len(tops) else len(left)
            items = [r for r in left[start + 1 : end] if re.match(r"^\d[.、．]", r.label)]
            if items and any(r.cells[0].value for r in [top, *items]):
                out.append(_cmp("code-hierarchy", _loc(t, top, top.cells[0].column), _d(top.cells[0].value),
                                " + ".join(strip_numbering(r.label) for r in items),
                                sum(_d(r.cells[0].value) for r in items), "income line vs its items"))
    return out


def _sub_items(t: Table) -> list[Finding]:
    """表10: 合计 = its items; '（小计）' = the '其中' rows below it."""
    if "三公" not in t.title:
        return []
    rows = t.rows
    out = []
    total = next((r for r in rows if fold(r.label) == "合计"), None)
    items = [r for r in rows if r is not total and not r.label.startswith("其中") and not _is_sub_of_subtotal(rows, r)]
    for col in t.columns:
        if total:
            out.append(_cmp("sum-of-items", _loc(t, total, col), _d(_value(total, col)),
                            " + ".join(r.label for r in items), sum(_d(_value(r, col)) for r in items),
                            "三公 total vs its items"))
        for k, r in enumerate(rows):
            if "小计" in r.label:
                subs = rows[k + 1 : k + 3]
                out.append(_cmp("sum-of-items", _loc(t, r, col), _d(_value(r, col)),
                                " + ".join(strip_numbering(s.label) for s in subs), sum(_d(_value(s, col)) for s in subs),
                                "subtotal vs its items"))
    return out


def _is_sub_of_subtotal(rows: list[Row], r: Row) -> bool:
    k = rows.index(r)
    return any("小计" in rows[j].label for j in range(max(0, k - 2), k))


# ---------- across tables ----------
def _t(doc: Document, n: int) -> Table | None:
    return next((t for t in doc.tables if t.number == f"表{n}"), None)


def _total(t: Table | None, side: str = "") -> Row | None:
    if t is None:
        return None
    return next((r for r in t.rows if (not side or r.side == side) and fold(r.label).endswith(("总计", "合计"))
                 and not r.code), None)


def _cell(t: Table | None, row: Row | None, col_leaf: str) -> tuple[str, Decimal] | None:
    if t is None or row is None:
        return None
    c = next((c for c in row.cells if c.column.rsplit("/", 1)[-1] == col_leaf or c.column == col_leaf), None)
    if c is None:
        return None
    return _loc(t, row, c.column), _d(c.value)


def _pair(rule: str, what: str, a, b) -> list[Finding]:
    if a is None or b is None:
        return []
    return [_cmp(rule, a[0], a[1], b[0], b[1], what)]


def _cross_tables(doc: Document) -> list[Finding]:
    t1, t2, t3, t4, t5, t6, t7, t10, t11 = (_t(doc, n) for n in (1, 2, 3, 4, 5, 6, 7, 10, 11))
    out: list[Finding] = []
    side1 = [r.side for r in t1.rows] if t1 else []
    income1 = side1[0] if side1 else ""
    spend1 = side1[-1] if side1 else ""
    out += _pair("cross-table", "表1 收入总计 = 表3 总计", _cell(t1, _total(t1, income1), "预算数"), _cell(t3, _total(t3), "合计"))
    out += _pair("cross-table", "表1 支出总计 = 表3 总计", _cell(t1, _total(t1, spend1), "预算数"), _cell(t3, _total(t3), "合计"))
    out += _pair("cross-table", "表2 总计 = 表1 收入总计", _cell(t2, _total(t2), "总计"), _cell(t1, _total(t1, income1), "预算数"))
    side4 = [r.side for r in t4.rows] if t4 else []
    if side4:
        out += _pair("cross-table", "表4 收入总计 = 表5 总计", _cell(t4, _total(t4, side4[0]), "合计"), _cell(t5, _total(t5), "合计"))
        out += _pair("cross-table", "表4 支出总计 = 表5 总计", _cell(t4, _total(t4, side4[-1]), "合计"), _cell(t5, _total(t5), "合计"))
    out += _pair("cross-table", "表5 基本支出 = 表6 总计", _cell(t5, _total(t5), "基本支出"), _cell(t6, _total(t6), "合计"))
    out += _pair("cross-table", "表7 总计 = 表5 项目支出", _cell(t7, _total(t7), "项目支出合计"), _cell(t5, _total(t5), "项目支出"))
    if t11 and t1:
        carry = next((r for r in t1.rows if r.side == income1 and "上年结转结余" in r.label), None)
        out += _pair("cross-table", "表11 总计 = 表1 上年结转结余", _cell(t11, _total(t11), "总计"), _cell(t1, carry, "预算数"))
    # the same 功能分类 code across tables
    for a, acol, b, bcol in ((t2, "总计", t3, "合计"), (t2, "一般公共预算", t5, "合计"), (t1, "预算数", t3, "合计"),
                             (t4, "合计", t5, "合计")):
        if a is None or b is None:
            continue
        brows = {r.code: r for r in b.rows if r.code}
        for r in a.rows:
            if r.code and r.code in brows and (r.side == "" or r.side == (spend1 if a is t1 else r.side)):
                x, y = _cell(a, r, acol), _cell(b, brows[r.code], bcol)
                if x and y and (x[1] or y[1]):
                    out += _pair("cross-table", f"{a.number} vs {b.number} for code {r.code}", x, y)
    return out


def _performance(doc: Document) -> list[Finding]:
    out: list[Finding] = []
    t7 = _t(doc, 7)
    for t in doc.tables:
        money = next((r for r in t.rows if r.attrs.get("kind") == "money"), None)
        if money is None or not t.subject or t.id == "P0":
            continue
        total = money.cell("年度预算总额")
        if total is None:
            continue
        loc = f"{t.label} / 项目资金 / 年度预算总额"
        parts = [c for c in money.cells if c.column != "年度预算总额"]
        if parts:
            out.append(_cmp("performance", loc, _d(total.value), " + ".join(c.column for c in parts),
                            sum(_d(c.value) for c in parts), "project budget vs its funding sources"))
        if t7:
            row = next((r for r in t7.rows if fold(r.label) == fold(t.subject)), None)
            if row is not None:
                out += _pair("performance", "performance table vs 表7", (loc, _d(total.value)), _cell(t7, row, "项目支出合计"))
    return out


# ---------- narrative ----------
_SECTION_TABLES = {"二": (1, "收入"), "三": (3, ""), "四": (4, ""), "五": (5, ""), "六": (6, ""), "七": (7, ""),
                   "十": (10, ""), "十一": (11, "")}


def _narrative(doc: Document) -> list[Finding]:
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
    most = max(moved, key=lambda f: _d(f.value))
    return [_cmp("narrative-headcount", f"{stated.section} / 在职 / 比上年增加", _d(stated.value),
                 f"{most.section} / “{most.subject}”", _d(most.value),
                 "in-service staff increase vs staff newly transferred in")]


def _match_row(t: Table, subject: str, side: str) -> tuple[Row, str] | None:
    keys = label_keys(re.sub(r"（[类款项]）", "", subject))
    for r in t.rows:
        if side and r.side and not r.side.startswith(side[:2]) and side not in r.side:
            continue
        if label_keys(r.label) & keys:
            return r, r.cells[0].column if r.cells else ""
    total = _total(t, next((r.side for r in t.rows if side and side in r.side), ""))
    for c in (total.cells if total else []):
        leaf = fold(c.column.rsplit("/", 1)[-1])
        if leaf in keys or strip_brackets(leaf) in keys:
            return total, c.column
    return None


def _narrative_vs_tables(doc: Document, figs: list[NarrativeFigure]) -> list[Finding]:
    out = []
    for f in figs:
        sec = doc.section(f.section_id)
        if f.measure != "数额" or f.unit != "万元" or sec is None or sec.part != 3:
            continue
        top = sec
        while top.parent:
            top = doc.section(top.parent) or top
            if not top.parent:
                break
        spec = _SECTION_TABLES.get(top.numeral)
        t = _t(doc, spec[0]) if spec else None
        if t is None:
            continue
        hit = _match_row(t, f.subject, spec[1])
        if hit is None:
            continue
        row, col = hit
        cell = row.cell(col)
        value = cell.value if cell else None
        out.append(_cmp("narrative-vs-table", f"{f.section} / {f.subject}", _d(f.value), _loc(t, row, col),
                        _d(value), "narrative figure vs table", b_show=None if value else "（空 blank）"))
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
            change = next((g for g in reversed(group[:k]) if g.measure in ("比上年增加", "比上年减少") and g.unit == "万元"), None)
            amount = next((g for g in reversed(group[:k]) if g.measure == "数额" and g.unit == "万元"), None)
            if not change or not amount:
                continue
            delta = _d(change.value) * (1 if change.measure == "比上年增加" else -1)
            prior = _d(amount.value) - delta
            if prior == 0:
                continue
            rate = (abs(delta) / prior * 100).quantize(CENT)
            tol = Decimal("0.011") if "." in f.value else Decimal("0.51")
            out.append(_cmp("narrative-rate", f"{f.section} / {f.subject} / {f.measure}", _d(f.value),
                            f"{change.value} / ({amount.value} {'-' if delta > 0 else '+'} {abs(delta)}) × 100", rate,
                            "stated rate vs change ÷ previous year", tol))
    return out


def _narrative_breakdowns(doc: Document, figs: list[NarrativeFigure]) -> list[Finding]:
    """'X 17.81 万元，其中：A 0.00 万元，B 8.91 万元…' → X = A + B + …, within one paragraph."""
    out = []
    paras = {(p.line, p.text): sec for sec in doc.sections for p in sec.paragraphs}
    for (line, text), sec in paras.items():
        pos = text.find("其中")
        if pos < 0:
            continue
        mine = [f for f in figs if f.line == line and f.section_id == sec.id]
        for measure in ("数额", "价值"):
            # positions come from the parse ('0.00' must not be found inside '10.00')
            before = [f for f in mine if f.measure == measure and text.find(f.sentence) + f.pos < pos]
            after = [f for f in mine if f.measure == measure and text.find(f.sentence) + f.pos > pos]
            if not before or len(after) < 2:
                continue
            total = before[-1]
            kids = [f for f in after if f.unit == total.unit]
            if len(kids) < 2:
                continue
            out.append(_cmp("narrative-breakdown", f"{total.section} / {total.subject}", _d(total.value),
                            " + ".join(f"{k.subject} {k.value}" for k in kids), sum(_d(k.value) for k in kids),
                            "narrative total vs its '其中' items"))
    return out


def summary(findings: list[Finding]) -> dict:
    bad = [f for f in findings if not f.ok]
    rules: dict[str, list[int]] = {}
    for f in findings:
        rules.setdefault(f.rule, [0, 0])[0 if f.ok else 1] += 1
    return {"checks": len(findings), "passed": len(findings) - len(bad), "mismatches": len(bad),
            "by_rule": {k: {"passed": v[0], "mismatches": v[1]} for k, v in sorted(rules.items())}}

