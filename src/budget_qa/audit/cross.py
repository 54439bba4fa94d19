"""Rules across tables, by canonical kind: the same quantity wherever the national format prints it."""

from __future__ import annotations

from ..model import Document, Row, Table
from ..textnorm import fold
from .base import Finding, cell, d, pair, table, total_row

_MONEY = {"元": 1, "千元": 1000, "万元": 10000, "亿元": 100000000}


def _sides(t: Table | None) -> tuple[str, str]:
    names = list(dict.fromkeys(r.side for r in t.rows)) if t else []
    return (names[0], names[-1]) if names else ("", "")


def _row(t: Table | None, side: str, *words: str) -> Row | None:
    if t is None:
        return None
    return next((r for r in t.rows if (not side or r.side == side) and any(w in r.label for w in words)), None)


def _fund_budgets_empty(fiscal: Table | None, spend: str) -> bool:
    """True when the fiscal-appropriation table shows no 政府性基金 / 国有资本经营 amounts."""
    if fiscal is None:
        return True
    for r in fiscal.rows:
        for c in r.cells:
            leaf = c.column.rsplit("/", 1)[-1]
            if ("政府性基金" in leaf or "国有资本" in leaf) and d(c.value) != 0:
                return False
        if r.side != spend and any(w in r.label for w in ("政府性基金", "国有资本")) and any(d(c.value) for c in r.cells):
            return False
    return True


def cross_tables(doc: Document) -> list[Finding]:
    summary, income, spend = table(doc, "summary"), table(doc, "income"), table(doc, "expenditure")
    fiscal, general = table(doc, "fiscal_summary"), table(doc, "general_budget")
    basic, project, fund = table(doc, "basic"), table(doc, "project"), table(doc, "gov_fund")
    carry = table(doc, "carryover")
    s_in, s_out = _sides(summary)
    f_in, f_out = _sides(fiscal)
    out: list[Finding] = []
    summary_in = cell(summary, total_row(summary, s_in), "")
    summary_out = cell(summary, total_row(summary, s_out), "")
    out += pair("cross-table", "summary income total = income table total", cell(income, total_row(income), "总计", "合计", ""),
                summary_in)
    out += pair("cross-table", "summary income total = expenditure table total", summary_in,
                cell(spend, total_row(spend), "合计", "总计", ""))
    out += pair("cross-table", "summary expenditure total = expenditure table total", summary_out,
                cell(spend, total_row(spend), "合计", "总计", ""))
    general_total = cell(general, total_row(general), "合计", "小计", "")
    fiscal_out = total_row(fiscal, f_out)
    out += pair("cross-table", "fiscal appropriations: general budget column = general budget table total",
                cell(fiscal, fiscal_out, "一般公共预算", "一般公共预算拨款") if fiscal_out and len(fiscal_out.cells) > 1 else None,
                general_total)
    if _fund_budgets_empty(fiscal, f_out):
        # only then are all fiscal appropriations general-budget money
        out += pair("cross-table", "fiscal appropriation income total = general budget table total",
                    cell(fiscal, total_row(fiscal, f_in), "合计", ""), general_total)
        out += pair("cross-table", "fiscal appropriation expenditure total = general budget table total",
                    cell(fiscal, fiscal_out, "合计", ""), general_total)
    elif fund is not None and fiscal_out is not None:
        out += pair("cross-table", "fiscal appropriations: government fund column = government fund table total",
                    cell(fiscal, fiscal_out, "政府性基金预算", "政府性基金"),
                    cell(fund, total_row(fund), "合计", ""))
    out += pair("cross-table", "general budget basic expenditure = basic expenditure table total",
                cell(general, total_row(general), "基本支出"), cell(basic, total_row(basic), "合计", "小计", ""))
    out += _project_total(project, general, spend)
    if carry is not None and summary is not None:
        carried = _row(summary, s_in, "上年结转结余", "上年结转", "年初结转和结余")
        out += pair("cross-table", "carry-over table total = carry-over in the summary",
                    cell(carry, total_row(carry), "总计", "合计", ""), cell(summary, carried, ""))
    out += _by_code(income, ("总计", "合计", ""), spend, ("合计", "总计", ""))
    out += _by_code(summary, ("",), spend, ("合计", "总计", ""), side=s_out, top_only=True)
    if _fund_budgets_empty(fiscal, f_out):
        out += _by_code(fiscal, ("合计", ""), general, ("合计", ""), side=f_out)
    return out


def covers_general_budget_only(project: Table | None, general: Table | None, spend: Table | None) -> bool:
    """A project table of the general budget only (its title says so, or its total is the general
    budget's 项目支出 and not that of all funds)."""
    if project is None:
        return False
    if "一般公共预算" in project.title:
        return True
    total = cell(project, total_row(project), "项目支出合计", "合计", "小计", "")
    g = cell(general, total_row(general), "项目支出")
    a = cell(spend, total_row(spend), "项目支出")
    return bool(total and g and total[1] == g[1] and not (a and a[1] == total[1]))


def _project_total(project: Table | None, general: Table | None, spend: Table | None) -> list[Finding]:
    base = general if covers_general_budget_only(project, general, spend) else spend
    return pair("cross-table", "project table total = project expenditure",
                cell(project, total_row(project), "项目支出合计", "合计", "小计", ""),
                cell(base, total_row(base), "项目支出"))


def _by_code(a: Table | None, acols: tuple[str, ...], b: Table | None, bcols: tuple[str, ...], side: str = "",
             top_only: bool = False) -> list[Finding]:
    """The same 功能分类 code in two tables: the same amount (codes printed once per table only)."""
    if a is None or b is None:
        return []
    a_rows = [r for r in a.rows if r.code and (not side or r.side == side)]
    b_rows = [r for r in b.rows if r.code]
    if _repeats(a_rows) or _repeats(b_rows):
        return []  # grouped by unit: the same code appears once per unit
    brows = {r.code: r for r in b_rows}
    out: list[Finding] = []
    for r in a_rows:
        if r.code in brows and (not top_only or r.level == 1):
            x, y = cell(a, r, *acols), cell(b, brows[r.code], *bcols)
            if x and y and (x[1] or y[1]):
                out += pair("cross-table", f"{a.number or a.title} vs {b.number or b.title} for code {r.code}", x, y)
    return out


def _repeats(rows: list[Row]) -> bool:
    codes = [r.code for r in rows]
    return len(codes) != len(set(codes))


def performance(doc: Document) -> list[Finding]:
    out: list[Finding] = []
    project = table(doc, "project")
    for t in doc.tables:
        money = next((r for r in t.rows if r.attrs.get("kind") == "money"), None)
        if money is None or not t.subject or t.id == "P0":
            continue
        total = money.cell("年度预算总额")
        if total is None:
            continue
        where = f"{t.label} / 项目资金 / 年度预算总额"
        parts = [c for c in money.cells if c.column != "年度预算总额"]
        if parts:
            from .base import cmp

            out.append(cmp("performance", where, d(total.value), " + ".join(c.column for c in parts),
                           sum(d(c.value) for c in parts), "project budget vs its funding sources"))
        if project is not None and not covers_general_budget_only(project, table(doc, "general_budget"),
                                                                   table(doc, "expenditure")):
            # a project table of every fund source holds each project's whole budget; one of the general
            # budget only does not (a project also funded by carry-over is larger in its target table)
            rows = [r for r in project.rows if fold(r.label) == fold(t.subject)]
            found = cell(project, rows[0], "项目支出合计", "合计", "") if len(rows) == 1 else None
            if found is not None and project.unit in _MONEY and (t.unit or "万元") in _MONEY:
                in_table_unit = d(total.value) * _MONEY[t.unit or "万元"] / _MONEY[project.unit]
                out += pair("performance", "performance table vs the project table",
                            (where, d(format(in_table_unit, "f"))), found)
    return out
