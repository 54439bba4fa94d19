"""Chart data for 'Budget at a glance': pure functions from a parsed disclosure to small DataFrames.

Each chart is drawn from one standard table of the national format and says which one; values are
the printed decimals (the ``printed`` column keeps the exact string, blank cells stay blank there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..glossary import load_glossary
from ..model import Document, Row, Table
from ..textnorm import fold, strip_numbering

COLUMNS = ["item", "item_en", "amount", "printed"]


@dataclass
class Chart:
    key: str
    title_zh: str
    title_en: str
    source: str  # the table it is drawn from, as the document names it
    rows: str  # which rows/columns, in words (Chinese)
    rows_en: str  # the same in English
    data: pd.DataFrame
    unit: str = "万元"

    def caption(self, lang: str = "zh") -> str:
        if lang == "en":
            return f"Source: {self.source} — {self.rows_en} (unit: {self.unit})"
        return f"数据来源：{self.source}（{self.rows}，单位：{self.unit}）"

    def values(self) -> dict[str, str]:
        """{item: printed value} — handy for tests and for the text under each chart."""
        return dict(zip(self.data["item"], self.data["printed"], strict=True))


def _frame(items: list[tuple[str, str | None]]) -> pd.DataFrame:
    g = load_glossary()
    rows = []
    for label, printed in items:
        en = g.english(label) or g.english(strip_numbering(label)) or label
        rows.append(
            {
                "item": label,
                "item_en": en,
                "amount": float(printed) if printed else 0.0,
                "printed": printed or "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _table(doc: Document, kind: str) -> Table | None:
    """The first table of a canonical kind that has rows (charts work for every layout)."""
    return next((t for t in doc.tables if t.kind == kind and t.rows), None)


def _first_value(row: Row) -> str | None:
    return row.cells[0].value if row.cells else None


def _value(row: Row, column_suffix: str) -> str | None:
    for c in row.cells:
        if c.column == column_suffix or c.column.endswith("/" + column_suffix):
            return c.value
    return None


def _total_row(t: Table) -> Row | None:
    return next((r for r in t.rows if not r.code and fold(r.label) in ("总计", "合计")), None)


_SOURCE_ITEM = re.compile(r"^\s*\d+\s*[.、．]")  # '1. 一般公共预算拨款', '2、非财政拨款结转结余'


def income_by_source(doc: Document) -> Chart | None:
    """表1, income side: the numbered sources (1. 一般公共预算拨款 … and 1、财政拨款结转 …), which add up
    to 收入总计 without double counting the headings (一、/二、) or the '其中' breakdowns."""
    t = _table(doc, "summary")
    if t is None:
        return None
    left = [r for r in t.rows if r.side == "收入" or (not r.side and "收入" in r.label)]
    items = [(strip_numbering(r.label), _first_value(r)) for r in left if _SOURCE_ITEM.match(r.label)]
    items = [(label, v) for label, v in items if v]
    return Chart(
        "income",
        "收入来源",
        "Income by source",
        t.label,
        "收入方，按来源",
        "income side, by source",
        _frame(items),
        t.unit or "万元",
    )


def expenditure_by_function(doc: Document) -> Chart | None:
    """表3: the 类 rows (first level of the functional classification)."""
    t = _table(doc, "expenditure")
    if t is None:
        return None
    items = [(r.label, _value(r, "合计") or _first_value(r)) for r in t.rows if r.code and len(r.code) == 3]
    return Chart(
        "function",
        "支出功能分类（类）",
        "Expenditure by function class",
        t.label,
        "“类”级科目，合计列",
        "class (类) rows, total column",
        _frame(items),
        t.unit or "万元",
    )


def basic_vs_project(doc: Document) -> Chart | None:
    """表3 总计: 基本支出 vs 项目支出."""
    t = _table(doc, "expenditure")
    total = _total_row(t) if t else None
    if t is None or total is None:
        return None
    items = [("基本支出", _value(total, "基本支出")), ("项目支出", _value(total, "项目支出"))]
    return Chart(
        "basic_project",
        "基本支出与项目支出",
        "Basic vs project expenditure",
        t.label,
        "总计行",
        "total row",
        _frame(items),
        t.unit or "万元",
    )


def personnel_vs_public(doc: Document) -> Chart | None:
    """表6 总计: 人员经费 vs 公用经费."""
    t = _table(doc, "basic")
    total = _total_row(t) if t else None
    if t is None or total is None:
        return None
    items = [("人员经费", _value(total, "人员经费")), ("公用经费", _value(total, "公用经费"))]
    return Chart(
        "personnel_public",
        "人员经费与公用经费",
        "Personnel vs public expenses",
        t.label,
        "总计行",
        "total row",
        _frame(items),
        t.unit or "万元",
    )


def three_public(doc: Document) -> Chart | None:
    """表10: the three 三公 items (因公出国（境）费, 公务接待费, 公务用车购置及运行费); a blank cell is
    drawn as 0 and printed as blank."""
    t = _table(doc, "three_public")
    if t is None:
        return None
    items = []
    if any("公务接待" in c for c in t.columns):  # printed across: one row, the items as columns
        row = t.rows[0]
        for c in row.cells:
            head, _, leaf = c.column.rpartition("/")
            if fold(leaf) in ("合计", "总计") and not head or head and fold(leaf) != "小计":
                continue
            items.append((head or leaf, c.value))
    for r in t.rows if not items else []:
        key = fold(r.label)
        if key in ("合计", "总计") or key.startswith("其中") or ("运行费" in key and "购置" not in key):
            continue
        items.append((re.sub(r"（小计）|\(小计\)", "", r.label), _value(r, "合计")))
    return Chart(
        "three_public",
        "“三公”经费",
        "'Three public expenses'",
        t.label,
        "各项，合计列",
        "each item, total column; blank = no amount printed",
        _frame(items),
        t.unit or "万元",
    )


BUILDERS = (income_by_source, expenditure_by_function, basic_vs_project, personnel_vs_public, three_public)


def all_charts(doc: Document) -> list[Chart]:
    return [c for c in (b(doc) for b in BUILDERS) if c is not None and len(c.data)]
