"""The ``urumqi`` layout: the national template of the corpus.

表 1 … 表 11 in 第二部分 (each with "表 N", its title, 编制部门 and 单位 lines), split 类/款/项 code
columns, a ※ 1 2 3 … numbering row, amounts without thousands separators, a two-sided 表1
and 表4 listing every 类 of the national classification, a vertical 三公 table, the
performance tables inside 第三部分 and spaced figures ("842.79 万元") in the narrative.
"""

from __future__ import annotations

from .catalog import FUNCTIONS
from .layout_base import G, L, Layout, N
from .model import ZERO
from .narrative import cn_number, glossary, overview
from .printed import Heading, Para, Table
from .tables import Side, Spec, Style

_TITLES = {
    "summary": "部门收支总体情况表", "income": "部门收入总体情况表", "expenditure": "部门支出总体情况表",
    "fiscal_summary": "财政拨款收支预算总体情况表", "general_budget": "一般公共预算支出情况表",
    "basic": "一般公共预算基本支出情况表", "project": "一般公共预算项目支出情况表",
    "gov_fund": "政府性基金预算支出情况表", "state_capital": "国有资本经营预算支出情况表",
    "three_public": "财政拨款“三公”经费支出情况表", "carryover": "上年结转结余情况明细表",
}
_HEADS = {"overall": "收支预算情况总体说明", "income": "收入预算情况说明", "expenditure": "支出预算情况说明",
          "fiscal": "财政拨款收支预算情况的总体说明", "general": "一般公共预算当年拨款情况说明",
          "basic": "一般公共预算基本支出情况说明", "project": "一般公共预算项目支出情况说明",
          "fund": "政府性基金预算拨款情况说明", "state": "国有资本经营预算拨款情况说明",
          "three": "财政拨款“三公”经费预算情况说明", "carry": "上年结转结余预算情况说明",
          "other": "其他重要事项的情况说明"}
_PROJECT_ECON = ("工资福利支出", "商品服务支出", "对个人和家庭的补助", "债务利息及费用支出", "资本性支出（基本建设）",
                 "资本性支出", "对企业补助（基本建设）", "对企业补助", "对社会保障基金补助", "其他支出")


def _zero(_p) -> object:
    return ZERO


class Urumqi(Layout):
    name = "urumqi"
    style = Style("split", numbering_row=True)
    spaced = True

    def spec(self, n, kind, post=()):
        title = self.title(kind, _TITLES[kind])
        return Spec(kind, f"表 {n}", title, [f"表 {n}", title, f"编制部门：{self.d}", "单位：万元"], f"表{n}", list(post))

    def empty(self, kind: str) -> tuple[str, ...]:
        title = self.title(kind, _TITLES[kind])
        what = "政府性基金预算" if kind == "gov_fund" else "国有资本经营预算"
        return (f"{self.d}{self.w.sp}{self.w.y}没有使用{what}拨款安排的支出，{title}为空表。",)

    def income_sides(self) -> list[Side]:
        s = self.src
        rows = [("一、本年收入", "current"), ("1. 一般公共预算拨款", "general"), ("其中：一般财力", "general"),
                ("上级一般公共预算安排转移支付", ""), ("2. 基金预算拨款", "fund"), ("其中：政府性基金收入", "fund"),
                ("上级政府性基金安排转移支付", ""), ("3. 国有资本经营预算拨款", ""), ("其中：国有资本经营收入", ""),
                ("4. 财政专户核拨", ""), ("5. 单位资金", "unit"), ("其中：事业收入", "shiye"), ("上级补助收入", ""),
                ("附属单位上缴收入", ""), ("其他收入", "other"), ("二、上年结转结余", "carry"),
                ("1、财政拨款结转", "carry"), ("其中：一般公共预算拨款", "carry"), ("基金预算拨款", ""),
                ("2、非财政拨款结转结余", "")]
        return [Side(label, [s(src) if src else None], top=label[:2] in ("一、", "二、")) for label, src in rows]

    def three_rows(self) -> list:
        t = self.m.three
        rows = [("合计", [(t.total, "total:cur", [(1, 0), (2, 0), (3, 0)]),
                         (t.total, "total:general", [(1, 1), (2, 1), (3, 1)]), (None, "", []), (None, "", [])])]
        for label, v, parts in (("因公出国（境）费", t.abroad, ()), ("公务接待费", t.reception, ()),
                                ("公务用车购置及运行费（小计）", t.vehicle, (4, 5)),
                                ("其中：公务用车购置费", t.purchase, ()), ("公务用车运行费", t.operation, ())):
            rows.append((label, [(v, "", [(r, 0) for r in parts]), (v, "", [(r, 1) for r in parts]),
                                 (None, "", []), (None, "", [])]))
        return rows

    @staticmethod
    def project_label(kind: str, o) -> tuple[list[str], str]:
        if kind in ("total", "unit"):
            label = "总计" if kind == "total" else o
            return ["", "", "", label, ""], label
        if kind == "code":
            return [o[:3], o[3:5], "", FUNCTIONS[o], ""], FUNCTIONS[o]
        return [o.code[:3], o.code[3:5], o.code[5:], FUNCTIONS[o.code], o.name], o.name

    @staticmethod
    def carry_label(kind: str, o) -> tuple[list[str], str]:
        label = "总计" if kind == "total" else (o if kind == "unit" else o.name)
        return [label], label

    def tables(self) -> list[Table]:
        b, m = self.b, self.m
        code = G("功能分类科目编码", N("类"), N("款"), N("项"))
        subject = G("科目", code, N("功能分类科目名称"))

        def fund_tree(title: str, s: str) -> list:
            return [subject, G(title, L("合计", f"all:{s}"), G("基本支出", L("人员经费", f"personnel:{s}"),
                                                             L("公用经费", f"public:{s}")), L("项目支出", f"project:{s}"))]

        fiscal_in = [Side("一、财政拨款（补助）", [self.src("fiscal")], top=True),
                     Side("一般公共预算", [self.src("general")]), Side("政府性基金预算", [self.src("fund")]),
                     Side("国有资本经营预算", [None])]
        fiscal_out = [Side(s.label, [*s.values, None], s.code, True)
                      for s in self.classes(False, "fiscal", full=True, extra=("general", "fund"))]
        carry_tree = [N("项目名称"), L("总计"), G("财政拨款", L("合计"), G("基本支出", L("人员经费"), L("公用经费")),
                                               L("项目支出")),
                      G("非财政拨款", L("合计"), G("基本支出", L("人员经费"), L("公用经费")), L("项目支出"))]
        carry_post = () if m.amount(source="carry") else (
            f"{self.d}{self.w.sp}{self.w.y}无上年结转结余，{self.title('carryover', _TITLES['carryover'])}为空表。",)
        return [
            b.two_sided(self.spec(1, "summary"), [G("收入", N("项目"), L("预算数")), G("支出", N("支出功能分类"), L("预算数"))],
                        self.income_sides(), self.classes(False, full=True), ("收入总计", "支出总计")),
            b.hierarchy(self.spec(2, "income"), [code, N("功能分类科目名称"), L("总计", "all:all"), G(
                "财政拨款（补助）", L("财政拨款（补助）小计", "all:fiscal"), L("一般公共预算", "all:general"),
                L("上级一般公共预算安排的转移支付", "all:none"), L("政府性基金预算", "all:fund"),
                L("上级政府性基金安排的转移支付", "all:none"), L("国有资本经营预算", "all:none"),
                L("上级国有资本经营预算安排的转移支付", "all:none")), L("财政专户（教育收费）", "all:none"),
                L("单位资金", "all:unit"), L("财政拨款结转", "all:carry"), L("非财政拨款结转结余", "all:none")]),
            b.hierarchy(self.spec(3, "expenditure"), [subject, G(
                "支出预算", L("合计", "all:all"), L("基本支出", "basic:all"), L("项目支出", "project:all"))]),
            b.two_sided(self.spec(4, "fiscal_summary"), [
                G("财政拨款收入", N("项目"), L("合计")),
                G("财政拨款支出", N("支出功能分类"), L("合计"), L("一般公共预算"), L("政府性基金预算"), L("国有资本经营预算"))],
                fiscal_in, fiscal_out, ("收入总计", "支出总计")),
            b.hierarchy(self.spec(5, "general_budget"), [subject, G(
                "一般公共预算支出", L("合计", "all:general"), L("基本支出", "basic:general"), L("项目支出", "project:general"))]),
            b.hierarchy(self.spec(6, "basic"), [
                G("科目", G("经济分类科目编码", N("类"), N("款")), N("经济分类科目名称")),
                G("一般公共预算基本支出", L("合计", "econ:all"), L("人员经费", "econ:personnel"), L("公用经费", "econ:public"))],
                econ=True),
            b.grouped(self.spec(7, "project"), [G("科目编码", N("类"), N("款"), N("项")), N("功能分类科目名称"),
                                                N("项目名称"), L("项目支出合计"), *[L(c) for c in _PROJECT_ECON]],
                      [p for p in m.table_projects() if p.general],
                      [lambda p: p.general, _zero, lambda p: p.general - p.capital, _zero, _zero, _zero,
                       lambda p: p.capital, _zero, _zero, _zero, _zero],
                      self.project_label, by_code=True),
            b.hierarchy(self.spec(8, "gov_fund", () if m.amount(source="fund") else self.empty("gov_fund")),
                        fund_tree(self.title("gov_fund", "政府性基金预算支出"), "fund")),
            b.hierarchy(self.spec(9, "state_capital", self.empty("state_capital")),
                        fund_tree("国有资本经营预算支出", "none")),
            b.rows(self.spec(10, "three_public"), [N("“三公”经费支出内容"), L("合计"), G(
                "资金来源", L("一般公共预算"), L("政府性基金"), L("国有资本经营预算"))], self.three_rows()),
            b.grouped(self.spec(11, "carryover", carry_post), carry_tree, [p for p in m.projects if p.carry],
                      [lambda p: p.carry, lambda p: p.carry, _zero, _zero, lambda p: p.carry, _zero, _zero, _zero, _zero],
                      self.carry_label),
        ]

    def blocks(self) -> list:
        d, y, k, sp = self.d, self.y, self.k, " "
        ov = overview(self.w)
        heads = dict(_HEADS)
        if self.m.final:
            heads = {t: h if "一般公共预算" in h else h.replace("预算", "决算", 1) for t, h in heads.items()}
        heads = {t: f"{cn_number(i)}、关于{d}{sp}{y}{sp}年{h}" for i, (t, h) in enumerate(heads.items(), 1)}
        tables = self.tables()
        toc = [Para([self.w.s(f"- {cn_number(i)}、{t.title}")]) for i, t in enumerate(tables, 1)]
        cover = f"{y}年度部门决算" if self.m.final else f"{y}{sp}年部门{k}公开"
        return [Heading(d, 0), Heading(cover, 0), Heading("目 录", 1), *toc,
                Heading(f"第一部分 {y}{sp}年{d}部门概况", 1), Heading("一、主要职能", 2), *ov["duties"],
                Heading("二、机构设置及人员情况", 2), *ov["org"],
                Heading(f"第二部分 {y}{sp}年部门{k}公开表", 1), *tables,
                Heading(f"第三部分 {y}{sp}年部门{k}情况说明", 1), *self.narrative_blocks(heads, list(heads)),
                *self.performance_tables(), Heading("（五）其他需说明的事项", 3), self.w.p("本部门无其他需说明事项。"),
                Heading("第四部分 名词解释", 1), *glossary(self.w), Heading(d, 0)]

