"""Chart data for 'Budget at a glance': pure functions from a parsed disclosure to small DataFrames.

Each chart is drawn from one standard table of the national format and says which one; values are
the printed decimals (the ``printed`` column keeps the exact string, blank cells stay blank there).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

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
    tree: list[dict] = field(default_factory=list)  # function classes: {code, item, item_en, printed, amount, children}
    previous: dict[str, str] = field(default_factory=dict)  # item → last year's amount (where known)
    previous_from: str = ""  # where last year's figures come from, as a locator

    def caption(self, lang: str = "zh") -> str:
        if lang == "en":
            prev = f"; last year's figures from {english_locator(self.previous_from)}" if self.previous else ""
            return f"Source: {english_locator(self.source)} — {self.rows_en} (unit: {unit_en(self.unit)}){prev}"
        prev = f"；上年数取自{self.previous_from}" if self.previous else ""
        return f"数据来源：{self.source}（{self.rows}，单位：{self.unit}）{prev}"

    def values(self) -> dict[str, str]:
        """{item: printed value} — handy for tests and for the text under each chart."""
        return dict(zip(self.data["item"], self.data["printed"], strict=True))


_MONEY = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}
_UNITS_EN = {"万元": "10,000 yuan", "元": "yuan", "千元": "1,000 yuan", "亿元": "100 million yuan"}
_CN_NUM = "一二三四五六七八九十"


def unit_en(unit: str) -> str:
    return _UNITS_EN.get(unit, unit)


def english_locator(text: str) -> str:
    """A locator's framing in English ('表10 …' → 'Table 10 …', '第三部分' → 'Part 3'); the document's own
    labels stay as printed."""
    text = re.sub(r"预算\s*(\d+)\s*表", r"Budget table \1", text or "")
    text = re.sub(r"决算\s*(\d+)\s*表", r"Final accounts table \1", text)
    text = re.sub(r"表\s*(\d+)", r"Table \1", text)
    text = re.sub(r"表([一二三四五六七八九十]{1,3})(?=[\s/（(]|$)", lambda m: f"Table {_cn_number(m.group(1))}", text)
    text = re.sub(
        r"第([一二三四五六七八九十])部分", lambda m: f"Part {_CN_NUM.index(m.group(1)) + 1}", text
    )
    return text.replace("[收入]", "[income]").replace("[支出]", "[expenditure]")


def _cn_number(s: str) -> str:
    """'三' → '3', '十二' → '12', '二十' → '20' (table numbers as printed)."""
    if "十" not in s:
        return str(_CN_NUM.index(s) + 1) if len(s) == 1 else s
    tens, _, ones = s.partition("十")
    return str((_CN_NUM.index(tens) + 1 if tens else 1) * 10 + (_CN_NUM.index(ones) + 1 if ones else 0))


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


_HEADING_ITEM = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")
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
    if not items:  # sources printed as the headings themselves (一、一般公共预算拨款收入 … 六、上年结转)
        heads = [r for r in left if not fold(r.label).endswith(("合计", "总计"))
                 and (_HEADING_ITEM.match(r.label) or fold(r.label).startswith("上年结转"))]
        items = [(strip_numbering(r.label), _first_value(r)) for r in heads]
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


def function_tree(doc: Document) -> Chart | None:
    """表3 by function class, nested 类 → 款 → 项 (codes of 3, 5 and 7 digits), total column."""
    t = _table(doc, "expenditure")
    if t is None:
        return None
    g = load_glossary()
    nodes: dict[str, dict] = {}
    roots: list[dict] = []
    for r in t.rows:
        if not r.code or len(r.code) not in (3, 5, 7):
            continue
        printed = _value(r, "合计") or _first_value(r) or ""
        try:
            amount = float(Decimal(printed)) if printed else 0.0
        except InvalidOperation:
            amount = 0.0
        node = {
            "code": r.code, "item": r.label, "item_en": g.english(r.label) or r.label,
            "printed": printed, "amount": amount, "children": [],
        }
        parent = nodes.get(r.code[:-2]) if len(r.code) > 3 else None
        if len(r.code) > 3 and parent is None:
            continue
        (parent["children"] if parent else roots).append(node)
        nodes[r.code] = node
    items = [(n["item"], n["printed"] or None) for n in roots]
    c = Chart(
        "function",
        "支出功能分类（类 → 款 → 项）",
        "Expenditure by function (class → group → item)",
        t.label,
        "按功能分类科目，合计列",
        "by functional classification, total column",
        _frame(items),
        t.unit or "万元",
    )
    c.tree = roots
    return c


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
    across = any("公务接待" in c for c in t.columns)
    row, prev_row = _year_rows(doc, t) if across else (None, None)
    if across:  # printed across: one row per year, the items as columns
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
    c = Chart(
        "three_public",
        "“三公”经费",
        "'Three public expenses'",
        t.label,
        "各项，合计列",
        "each item, total column; blank = no amount printed",
        _frame(items),
        t.unit or "万元",
    )
    if prev_row is not None:  # the table prints last year's row itself
        prev = {
            (c.column.rpartition("/")[0] or c.column): c.value
            for c in prev_row.cells
            if "/" not in c.column or fold(c.column.rpartition("/")[2]) == "小计"
        }
        c.previous = {label: prev[label] for label, _ in items if prev.get(label)}
        c.previous_from = f"{t.label} / {prev_row.label}"
    else:
        c.previous, c.previous_from = _previous_three_public(doc, t, [label for label, _ in items])
    return c


def _year_rows(doc: Document, t: Table) -> tuple[Row, Row | None]:
    """A 三公 table printed across: the row of the document's year (else the first) and last year's row."""
    year = str(doc.year or "")
    last = str(int(year) - 1) if year.isdigit() else "上年"
    row = next((r for r in t.rows if year and year in r.label), t.rows[0])
    prev = next((r for r in t.rows if r is not row and (last in r.label or "上年" in r.label)), None)
    return row, prev


def _previous_three_public(doc: Document, t: Table, labels: list[str]) -> tuple[dict[str, str], str]:
    """Last year's amount of each 三公 item: from a previous-year row/column of the table when it prints
    one, else from the narrative's '比上年增加/减少 X 万元' (last year = this year ∓ the change)."""
    prev_cols = [c for c in t.columns if "上年" in c]
    out: dict[str, str] = {}
    if prev_cols:
        for r in t.rows:
            key = re.sub(r"（小计）|\(小计\)", "", r.label)
            if key in labels:
                v = _value(r, prev_cols[0].rpartition("/")[2])
                if v:
                    out[key] = v
        if out:
            return out, f"{t.label}（{prev_cols[0]}）"
    from ..ingest.narrative import extract

    try:
        figs = extract(doc)
    except Exception:  # a narrative the extractor cannot read leaves the chart without last year's figures
        return {}, ""
    now: dict[str, Decimal] = {}
    change: dict[str, Decimal] = {}
    section = ""
    for f in figs:
        if "三公" not in f.section or f.unit not in _MONEY:
            continue
        subject = fold(f.subject)
        try:  # in the table's unit (the text may say 万元 where the table prints 元)
            v = Decimal(f.value) * _MONEY[f.unit] / _MONEY.get(t.unit or "万元", Decimal(10000))
        except InvalidOperation:
            continue
        if f.measure == "数额":
            now.setdefault(subject, v)
        elif f.measure in ("比上年增加", "比上年减少"):
            change.setdefault(subject, v if f.measure == "比上年增加" else -v)
            section = f.section
    cur = {fold(label): _amount(v) for label, v in zip(labels, labels_values(t, labels), strict=True)}
    for label in labels:
        key = fold(label)
        parts = [key] if key in change else (
            [k for k in change if k.startswith(key[:4]) and k != key] if "购置及运行" in key else []
        )
        if not parts or any(p not in change for p in parts):
            continue
        this = now.get(key, cur.get(key))  # last year = the amount the text states, minus its change
        if this is None:
            continue
        prior = this - sum((change[p] for p in parts), Decimal(0))
        if prior >= 0:
            out[label] = f"{prior:.2f}"
    return out, section if out else ""


def _amount(printed: str | None) -> Decimal:
    try:
        return Decimal(printed) if printed else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def labels_values(t: Table, labels: list[str]) -> list[str | None]:
    """The printed 合计 of each 三公 item label (as the chart names it)."""
    out = []
    for label in labels:
        row = next((r for r in t.rows if re.sub(r"（小计）|\(小计\)", "", r.label) == label), None)
        if row is not None:
            out.append(_value(row, "合计"))
            continue
        cell = next((c for r in t.rows[:1] for c in r.cells if c.column.startswith(label)), None)
        out.append(cell.value if cell else None)
    return out


BUILDERS = (income_by_source, function_tree, basic_vs_project, personnel_vs_public, three_public)


# ---------- drawing: plain HTML/CSS (readable on a phone, no script), every text escaped ----------
_PALETTE = ("#2f6db5", "#d9822b", "#3a9e6f", "#b5443a", "#7a5bb0", "#2b9bb3", "#a4863c", "#c0508a")


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _name(item: str, item_en: str, lang: str) -> str:
    return item if lang == "zh" or not item_en or item_en == item else item_en


def _title(c: Chart, lang: str) -> str:
    return f'<div class="bqa-chart-title">{_e(c.title_zh if lang == "zh" else c.title_en)}</div>'


def _caption(c: Chart, lang: str) -> str:
    return f'<div class="bqa-caption">{_e(c.caption(lang))}</div>'


def _values_line(c: Chart, lang: str) -> str:
    blank = "（空）" if lang == "zh" else "(blank)"
    sep = "：" if lang == "zh" else ": "
    parts = []
    for _, r in c.data.iterrows():
        name = r["item"] if lang == "zh" or r["item_en"] == r["item"] else f"{r['item_en']} ({r['item']})"
        prev = c.previous.get(r["item"])
        last = (f"（上年 {prev}）" if lang == "zh" else f" (last year {prev})") if prev else ""
        parts.append(f"{_e(name)}{sep}<b>{_e(r['printed'] or blank)}</b>{_e(last)}")
    return '<div class="bqa-values">' + "　".join(parts) + "</div>"


def _squarify(values: list[float], x: float, y: float, w: float, h: float) -> list[tuple[float, ...]]:
    """Squarified treemap rectangles (x, y, w, h) for values in descending order, filling the box."""
    total = sum(values)
    if not values or total <= 0:
        return [(x, y, 0.0, 0.0)] * len(values)
    scaled = [v * w * h / total for v in values]
    out: list[tuple[float, ...]] = []
    row: list[float] = []

    def worst(r: list[float], side: float) -> float:
        s = sum(r)
        return max(max(side * side * v / (s * s), (s * s) / (side * side * v)) for v in r) if s and min(r) > 0 \
            else float("inf")

    i = 0
    while i < len(scaled):
        side = min(w, h)
        v = scaled[i]
        if not row or worst([*row, v], side) <= worst(row, side):
            row.append(v)
            i += 1
            continue
        x, y, w, h = _lay(row, x, y, w, h, out)
        row = []
    if row:
        _lay(row, x, y, w, h, out)
    return out


def _lay(row: list[float], x: float, y: float, w: float, h: float, out: list) -> tuple[float, ...]:
    s = sum(row)
    if w >= h:  # a column on the left
        cw = s / h if h else 0
        yy = y
        for v in row:
            rh = v / cw if cw else 0
            out.append((x, yy, cw, rh))
            yy += rh
        return x + cw, y, w - cw, h
    rh = s / w if w else 0
    xx = x
    for v in row:
        cw = v / rh if rh else 0
        out.append((xx, y, cw, rh))
        xx += cw
    return x, y + rh, w, h - rh


def _tree_boxes(nodes: list[dict], lang: str, color: str | None, depth: int, aspect: float) -> str:
    nodes = sorted((n for n in nodes if n["amount"] > 0), key=lambda n: -n["amount"])
    rects = _squarify([n["amount"] for n in nodes], 0.0, 0.0, 100.0 * aspect, 100.0)
    out = []
    for k, (n, (x, y, w, h)) in enumerate(zip(nodes, rects, strict=True)):
        col = color or _PALETTE[k % len(_PALETTE)]
        name = _name(n["item"], n["item_en"], lang)
        tip = f"{n['code']} {name}: {n['printed']}"
        style = (f"left:{x / aspect:.3f}%;top:{y:.3f}%;width:{w / aspect:.3f}%;height:{h:.3f}%;"
                 f"--bqa-c:{col};--bqa-d:{depth}")
        label = f'<span class="bqa-tm-name">{_e(name)}</span> <b class="bqa-tm-val">{_e(n["printed"])}</b>'
        kids = [c for c in n["children"] if c["amount"] > 0]
        via = ""
        while len(kids) == 1 and kids[0]["amount"] == n["amount"]:  # a lone 款 equal to its 类: show its 项
            via = _name(kids[0]["item"], kids[0]["item_en"], lang)
            kids = [c for c in kids[0]["children"] if c["amount"] > 0]
        if via:
            label += f' <span class="bqa-tm-via">› {_e(via)}</span>'
        inner = (f'<div class="bqa-tm-inner">{_tree_boxes(kids, lang, col, depth + 1, w / h if h else 1.0)}</div>'
                 if kids else "")
        out.append(f'<div class="bqa-tm-box" style="{style}" title="{_e(tip)}">'
                   f'<div class="bqa-tm-label">{label}</div>{inner}</div>')
    return "".join(out)


def _treemap(c: Chart, lang: str) -> str:
    return (f'<div class="bqa-treemap" role="img" aria-label="{_e(c.title_zh if lang == "zh" else c.title_en)}">'
            f"{_tree_boxes(c.tree, lang, None, 0, 1.6)}</div>")


def _split(c: Chart, lang: str) -> str:
    """Two parts of one whole as a single bar, with each part's share."""
    total = float(c.data["amount"].sum()) or 1.0
    segs, keys = [], []
    for k, (_, r) in enumerate(c.data.iterrows()):
        share = r["amount"] / total * 100
        name = _name(r["item"], r["item_en"], lang)
        col = _PALETTE[k % len(_PALETTE)]
        segs.append(f'<div class="bqa-split-seg" style="flex:{max(r["amount"], 0):.4f} 1 0;background:{col}" '
                    f'title="{_e(name)}: {_e(r["printed"])}">{share:.1f}%</div>')
        keys.append(f'<span class="bqa-key"><i style="background:{col}"></i>{_e(name)} '
                    f'<b>{_e(r["printed"] or "—")}</b> ({share:.1f}%)</span>')
    return f'<div class="bqa-split">{"".join(segs)}</div><div class="bqa-keys">{"".join(keys)}</div>'


def _bars(c: Chart, lang: str) -> str:
    """Horizontal bars, one per item; with last year's amount under this year's where known."""
    top = max([float(x) for x in c.data["amount"]] + [float(v) for v in map(_amount, c.previous.values())] + [0.0])
    top = top or 1.0
    this_year, last_year = ("本年", "上年") if lang == "zh" else ("this year", "last year")
    rows = []
    for k, (_, r) in enumerate(c.data.iterrows()):
        name = _name(r["item"], r["item_en"], lang)
        col = _PALETTE[k % len(_PALETTE)] if not c.previous else _PALETTE[0]
        shown = r["printed"] or ("（空）" if lang == "zh" else "(blank)")
        bar = (f'<div class="bqa-bar"><i style="width:{r["amount"] / top * 100:.2f}%;background:{col}"></i>'
               f'<span>{_e(shown)}{_e(" · " + this_year) if c.previous else ""}</span></div>')
        prev = c.previous.get(r["item"])
        if prev is not None:
            bar += (f'<div class="bqa-bar bqa-bar-prev"><i style="width:{float(_amount(prev)) / top * 100:.2f}%"></i>'
                    f"<span>{_e(prev)} · {_e(last_year)}</span></div>")
        rows.append(f'<div class="bqa-bar-row"><div class="bqa-bar-name">{_e(name)}</div>'
                    f'<div class="bqa-bar-cells">{bar}</div></div>')
    return '<div class="bqa-bars">' + "".join(rows) + "</div>"


def chart_html(c: Chart | None, lang: str = "zh") -> str:
    """One chart as HTML: title, the drawing, the table it is drawn from, the exact printed values."""
    if c is None:
        return ""
    if c.key == "function" and c.tree:
        body = _treemap(c, lang)
    elif c.key in ("basic_project", "personnel_public"):
        body = _split(c, lang)
    else:
        body = _bars(c, lang)
    return (f'<div class="bqa-chart" id="bqa-chartbox-{_e(c.key)}">{_title(c, lang)}{body}'
            f"{_caption(c, lang)}{_values_line(c, lang)}</div>")


def all_charts(doc: Document) -> list[Chart]:
    return [c for c in (b(doc) for b in BUILDERS) if c is not None and len(c.data)]
