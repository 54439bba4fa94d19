"""What the three layouts share: header helpers, 决算 titles and the common table pieces."""

from __future__ import annotations

import random
from decimal import Decimal

from .catalog import CLASSES
from .model import Disclosure, ThreePublic
from .narrative import Writer, cn_number, explanations
from .printed import Document, Group, Heading, Leaf, Table
from .tables import Builder, Side, Spec, Style, performance

FINAL_TITLES = {
    "summary": "收入支出决算总表", "income": "收入决算表", "expenditure": "支出决算表",
    "fiscal_summary": "财政拨款收入支出决算总表", "general_budget": "一般公共预算财政拨款支出决算表",
    "basic": "一般公共预算财政拨款基本支出决算表", "project": "项目支出决算表",
    "gov_fund": "政府性基金预算财政拨款收入支出决算表", "state_capital": "国有资本经营预算财政拨款支出决算表",
    "three_public": "财政拨款“三公”经费支出决算表", "carryover": "财政拨款结转结余决算表",
    "performance_project": "项目支出绩效自评表",
}


def L(label: str, key: str = "v") -> Leaf:
    """A value column."""
    return Leaf(label, key)


def N(label: str) -> Leaf:
    """A label column."""
    return Leaf(label)


def G(label: str, *children: Leaf | Group) -> Group:
    return Group(label, list(children))


class Layout:
    """Shared assembly; subclasses give captions, headers and the order of parts."""

    name = ""
    style = Style("split")
    spaced = False

    def __init__(self, m: Disclosure):
        self.m, self.d, self.y = m, m.department, m.year
        self.b = Builder(m, self.style)
        self.w = Writer(m, self.style.thousands, self.spaced)
        self.rng = random.Random(f"layout-{self.name}-{m.seed}")
        self.k = m.doc_kind

    def title(self, kind: str, title: str) -> str:
        return FINAL_TITLES.get(kind, title) if self.m.final else title

    def document(self) -> Document:
        title = f"{self.y}年度部门决算" if self.m.final else f"{self.y}年部门预算"
        return Document(self.name, self.d, self.y, self.k, self.style.unit, f"{self.d}  {title}",
                        self.blocks())

    def blocks(self) -> list:
        raise NotImplementedError

    # -- shared pieces -------------------------------------------------------------------
    def src(self, source: str, prefix: str = "") -> Decimal | None:
        """A source's total, None when zero (a blank cell)."""
        return self.m.amount(prefix, source=source) or None

    def classes(self, numbered: bool, source: str = "all", full: bool = False, extra=()) -> list[Side]:
        """Expenditure-side rows by 类: the full national list (full) or those with amounts."""
        codes = list(CLASSES) if full else [c for c in self.m.codes(3) if self.m.amount(c, source=source)]
        rows = []
        for i, c in enumerate(codes, 1):
            label = f"{cn_number(i)}、{CLASSES[c]}" if numbered else f"{c} {CLASSES[c]}"
            values = [self.m.amount(c, source=s) or None for s in (source, *extra)]
            rows.append(Side(label, values, "" if numbered else c, top=True))
        return rows

    def three_horizontal(self, spec: Spec, years: list[tuple[str, ThreePublic, str]]) -> Table:
        tree = [N("项目"), L("合计"), L("因公出国（境）费"),
                G("公务用车购置及运行费", L("小计"), L("公务用车购置费"), L("公务用车运行费")), L("公务接待费")]
        rows = []
        for r, (label, t, key) in enumerate(years):
            rows.append((label, [(t.total, f"total:{key}", [(r, 1), (r, 2), (r, 5)]), (t.abroad, "", []),
                                 (t.vehicle, "", [(r, 3), (r, 4)]), (t.purchase, "", []), (t.operation, "", []),
                                 (t.reception, "", [])]))
        return self.b.rows(spec, tree, rows, zero=True, numbered=False)

    def performance_tables(self) -> list[Table]:
        """One 项目支出绩效目标表 per project (amounts in 万元 whatever the layout's unit)."""
        sep = "," if self.style.thousands else ""
        title = self.title("performance_project", "项目支出绩效目标表")
        out = []
        for i, p in enumerate(self.m.projects, 1):
            spec = Spec("performance_project", "", title, [title, f"（{self.y}年）"], f"绩效目标表{i}")
            out.append(performance(spec, p.unit, p, lambda v: f"{v:{sep}.2f}"))
        return out

    def narrative_blocks(self, headings: dict[str, str], topics: list[str], level: int = 2) -> list:
        ex = explanations(self.w)
        blocks: list = []
        for topic in topics:
            blocks.append(Heading(headings[topic], level))
            blocks += ex[topic]
        return blocks
