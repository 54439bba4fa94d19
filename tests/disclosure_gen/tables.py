"""Generic table builders shared by the layouts: hierarchical, two-sided, grouped and 三公 tables.

A builder takes header trees and labels from a layout and values from the model and returns a
:class:`~.printed.Table` whose numeric cells know their golden row, column and code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from .catalog import ECONOMIC, FUNCTIONS
from .model import ZERO, Disclosure, Project, q
from .printed import Cell, Group, Leaf, Table, finish_table, header_grid, strip_label

Tree = list[Leaf | Group]


@dataclass
class Style:
    """How a layout prints amounts and codes."""

    code_style: str            # split (类|款|项 columns), column (one code column), inline (code in name)
    scale: int = 1             # 1 for 万元, 10000 for 元
    thousands: bool = False
    numbering_row: bool = False
    indent: str = ""           # per hierarchy level, before the name

    @property
    def unit(self) -> str:
        return "元" if self.scale != 1 else "万元"


@dataclass
class Side:
    """A row of one side of a two-sided table."""

    label: str
    values: list[Decimal | None]
    code: str = ""
    top: bool = False          # summed into the side's total


@dataclass
class Spec:
    """What a layout says about a table: its kind, number, title, caption lines and sheet name."""

    kind: str
    number: str
    title: str
    pre_lines: list[str]
    sheet: str
    post_lines: list[str] = field(default_factory=list)


class Builder:
    def __init__(self, m: Disclosure, style: Style):
        self.m, self.st = m, style

    # -- cells ---------------------------------------------------------------------------
    def fmt(self, v: Decimal) -> tuple[Decimal, str]:
        x = q(v * self.st.scale)
        return x, (f"{x:,.2f}" if self.st.thousands else f"{x:.2f}")

    def num(self, v: Decimal | None, label: str = "", code: str = "", side: str = "", key=None,
            parts=(), zero: bool = False, row: str | None = None) -> Cell:
        """A numeric cell (blank when ``v`` is None, or zero unless ``zero``); planted deltas apply.

        ``label`` is the row label as printed; ``row`` (default: ``label`` without its numbering,
        or without a leading ``code``) is the golden row name.
        """
        if v is None:
            return Cell("")
        if key:
            v += self.m.cell_delta(*key)
        if v == 0 and not zero:
            return Cell("")
        value, text = self.fmt(v)
        if row is None:
            row = label.strip()
            row = strip_label(row[len(code):] if code and row.startswith(code) else row)
        return Cell(text, value, row, label.strip(), code, side, key, tuple(parts))

    def code_labels(self, code: str, name: str, econ: bool = False) -> tuple[list[str], str]:
        """Label cells of a coded row and the text that counts as its printed label."""
        level = {3: 0, 5: 1, 7: 2}.get(len(code), 0)
        name_text = self.st.indent * level + name
        if self.st.code_style == "split":
            parts = [code[:3], code[3:5], code[5:7]][: 2 if econ else 3]
            return [p if len(code) >= (3, 5, 7)[i] else "" for i, p in enumerate(parts)] + [name], name
        if self.st.code_style == "column":
            return [code, name_text], name_text
        text = f"{self.st.indent * level}{code} {name}" if code else name
        return [text], text

    def label_width(self, econ: bool = False) -> int:
        return {"split": 3 if econ else 4, "column": 2, "inline": 1}[self.st.code_style]

    # -- tables --------------------------------------------------------------------------
    def table(self, spec: Spec, tree: Tree, body: list[list[Cell]], numbered: bool | None = None) -> Table:
        """Assemble a table; the header comes from ``tree`` (relabelled for final accounts)."""
        grid, merges, paths, leaves = header_grid(tree)
        if self.m.final:
            grid = [[relabel(x) for x in row] for row in grid]
            paths = [relabel(x) for x in paths]
        if self.st.numbering_row if numbered is None else numbered:
            n = 0
            row = []
            for leaf in leaves:
                n += leaf.key is not None
                row.append(str(n) if leaf.key is not None else "※")
            grid.append(row)
        return finish_table(Table(spec.kind, spec.number, spec.title, self.st.unit, spec.sheet, spec.pre_lines,
                                  grid, merges, paths, body, list(spec.post_lines)))

    def hierarchy(self, spec: Spec, tree: Tree, total_label: str = "总计", econ: bool = False) -> Table:
        """Total, 类, 款 (and 项) rows; ``tree``'s value leaves hold keys ``part:source`` or ``econ:column``."""
        keys = [leaf.key for n in tree for leaf in _leaves(n) if leaf.key]
        lengths = (3, 5) if econ else (3, 5, 7)
        codes = sorted({c[:n] for c in (self.m.econ if econ else [i.code for i in self.m.items]) for n in lengths})
        values = {c: [self._value(c, k, econ) for k in keys] for c in ["", *codes]}
        rows = [c for c in ["", *codes] if any(values[c])]

        def parent(c: str) -> str:
            return "" if len(c) == 3 else c[: lengths[lengths.index(len(c)) - 1]]

        nl = self.label_width(econ)
        body = []
        for code in rows:
            children = [i for i, c in enumerate(rows) if c and parent(c) == code]
            if code:
                labels, label = self.code_labels(code, (ECONOMIC if econ else FUNCTIONS)[code], econ)
            else:
                labels, label = [""] * (nl - 1) + [total_label], total_label
            cells = [Cell(t) for t in labels]
            for j, k in enumerate(keys):
                cells.append(self.num(values[code][j], label, code, key=(spec.kind, code or "total", k),
                                      parts=[(i, nl + j) for i in children]))
            body.append(cells)
        return self.table(spec, tree, body)

    def _value(self, code: str, key: str, econ: bool) -> Decimal:
        part, source = key.split(":")
        if econ:
            return self.m.econ_amount(code, source)
        return self.m.amount(code, part, source)

    def rows(self, spec: Spec, tree: Tree, rows: list[tuple[str, list[tuple[Decimal | None, str, list]]]],
             zero: bool = False, numbered: bool | None = None) -> Table:
        """Rows of (label, [(value, "row_key:col_key" or "", parts)]); a part is (row, value column)."""
        body = []
        for label, values in rows:
            cells = [Cell(label)]
            for v, key, parts in values:
                cells.append(self.num(v, label, key=(spec.kind, *key.split(":")) if key else None, zero=zero,
                                      parts=[(i, 1 + j) for i, j in parts]))
            body.append(cells)
        return self.table(spec, tree, body, numbered)

    def two_sided(self, spec: Spec, tree: Tree, left: list[Side], right: list[Side],
                  totals: tuple[str, str], sides: tuple[str, str] = ("收入", "支出")) -> Table:
        """Income on the left, expenditure on the right, aligned row by row, totals last."""
        nl = len(left[0].values) + 1
        nr = len(right[0].values) + 1
        rows = max(len(left), len(right))
        body: list[list[Cell]] = []
        for r in range(rows + 1):
            cells: list[Cell] = []
            for side_rows, width, offset, name, total in ((left, nl, 0, sides[0], totals[0]),
                                                           (right, nr, nl, sides[1], totals[1])):
                if r == rows:
                    tops = [i for i, s in enumerate(side_rows) if s.top]
                    sums = [sum((side_rows[i].values[j] or ZERO for i in tops), ZERO) for j in range(width - 1)]
                    cells += [Cell(total)] + [self.num(v, total, side=name, zero=j == 0,
                                                       parts=[(i, offset + 1 + j) for i in tops])
                                              for j, v in enumerate(sums)]
                elif r < len(side_rows):
                    s = side_rows[r]
                    cells += [Cell(s.label)] + [self.num(v, s.label, s.code, name) for v in s.values]
                else:
                    cells += [Cell("") for _ in range(width)]
            body.append(cells)
        return self.table(spec, tree, body, numbered=False)

    def grouped(self, spec: Spec, tree: Tree, projects: list[Project],
                columns: list[Callable[[Project], Decimal]],
                labels: Callable[[str, object], tuple[list[str], str]],
                by_unit: bool = True, by_code: bool = False) -> Table:
        """Projects under a total row, grouped by unit (and by 类/款 when ``by_code``).

        ``labels(kind, obj)`` gives a row's label cells and its printed label, for kind total
        (obj None), unit (its name), code (a 3- or 5-digit code) or project (a Project).
        """
        body: list[list[Cell]] = []

        def emit(kind: str, obj, members: list[Project], children: Callable[[], list[int]]) -> int:
            index = len(body)
            body.append([])
            kids = children()
            texts, label = labels(kind, obj)
            code = obj.code if kind == "project" else (obj if kind == "code" else "")
            if code and not any(t.strip().startswith(code[:3]) for t in texts):
                code = ""  # the row prints no code (a table of project names only): the golden has none
            values = [sum((f(p) for p in members), ZERO) for f in columns]
            body[index] = [Cell(t) for t in texts] + [
                self.num(v, label, code, parts=[(i, len(texts) + j) for i in kids]) for j, v in enumerate(values)]
            return index

        def by_codes(members: list[Project], prefix: str = "") -> list[int]:
            if not by_code or len(prefix) == 5:
                return [emit("project", p, [p], list) for p in members if p.code.startswith(prefix)]
            n = 3 if not prefix else 5
            subs = sorted({p.code[:n] for p in members if p.code.startswith(prefix)})
            return [emit("code", c, [p for p in members if p.code.startswith(c)],
                         lambda c=c: by_codes(members, c)) for c in subs]

        def units() -> list[int]:
            names = list(dict.fromkeys(p.unit for p in projects))
            return [emit("unit", u, [p for p in projects if p.unit == u],
                         lambda u=u: by_codes([p for p in projects if p.unit == u])) for u in names]

        if projects:
            emit("total", None, projects, units if by_unit else (lambda: by_codes(projects)))
        return self.table(spec, tree, body)


def relabel(label: str) -> str:
    """Header wording of final accounts (决算) for a budget header."""
    return label.replace("预算数", "决算数").replace("支出预算", "支出决算")


def performance(spec: Spec, unit: str, p: Project, fmt: Callable[[Decimal], str]) -> Table:
    """A 项目支出绩效目标表 for one project (9 columns, no header rows, merged label cells)."""
    body = [["预算单位", "", unit, "", "", "", "", "", ""],
            ["项目名称", "", p.name, "", "", "", "项目负责人", p.leader, ""],
            ["项目资金（万元）", "", "年度预算总额", fmt(p.total), "其中：财政拨款", fmt(p.general + p.fund),
             "其他资金", fmt(p.other + p.carry), ""],
            ["项目总体目标", "", f"保障{p.name}顺利实施，按期完成年度工作任务，提升资金使用效益和公共服务水平。",
             "", "", "", "", "", ""],
            ["一级指标", "二级指标", "三级指标", "指标值", "指标值设置依据", "上年完成值", "指标分值权重",
             "指标赋分规则", "佐证资料"]]
    merges = [(0, 0, 0, 1), (0, 2, 0, 8), (1, 0, 1, 1), (1, 2, 1, 5), (1, 7, 1, 8), (2, 0, 2, 1), (2, 7, 2, 8),
              (3, 0, 3, 1), (3, 2, 3, 8)]
    previous, starts = ("", ""), [len(body), len(body)]
    for l1, l2, l3, value in [*p.indicators, ("", "", "", "")]:
        shown = (l1 if l1 != previous[0] else "", l2 if (l1, l2) != previous else "")
        for col in (0, 1):   # a label spans the rows below it that leave it blank
            if shown[col] or not l3:
                merges += [(starts[col], col, len(body) - 1, col)] if len(body) - 1 > starts[col] else []
                starts[col] = len(body)
        if l3:
            body.append([*shown, l3, value, "计划标准" if "%" in value else "历史标准", "新增指标，无上年完成值",
                         "10", "按照完成比例赋分", "工作资料"])
        previous = (l1, l2)
    indicators = [{"project": p.name, "level1": a, "level2": b, "level3": c, "value": v} for a, b, c, v in p.indicators]
    return Table(spec.kind, spec.number, spec.title, "万元", spec.sheet, spec.pre_lines, [], merges, [""] * 9,
                 [[Cell(t) for t in row] for row in body], list(spec.post_lines), indicators)


def _leaves(node: Leaf | Group) -> list[Leaf]:
    return [node] if isinstance(node, Leaf) else [x for c in node.children for x in _leaves(c)]
