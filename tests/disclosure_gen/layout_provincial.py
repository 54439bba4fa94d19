"""The ``provincial`` layout: narrative first, then 表一 … 表十一.

Each table has "表N  title" on one line or the number and the title on two lines, then a line
"部门：…        金额单位：万元"; one 科目编码 column with 3-, 5- and 7-digit codes beside an
indented 科目名称 column; "本年预算数" headers; thousands separators (1,234.56); no ※ row; a
horizontal 三公 table (one row per year); a project table grouped by unit when there are
下属单位; one combined 项目支出绩效目标表 as 表十一. The text rendering adds page footers.
"""

from __future__ import annotations

from .layout_base import G, L, Layout, N
from .narrative import cn_number, glossary, overview
from .printed import Cell, Heading, Table
from .tables import Side, Spec, Style

_TITLES = {
    "summary": "部门收支总表", "income": "部门收入总表", "expenditure": "部门支出总表",
    "fiscal_summary": "财政拨款收支总表", "general_budget": "一般公共预算支出表",
    "basic": "一般公共预算基本支出表", "three_public": "一般公共预算“三公”经费支出表",
    "gov_fund": "政府性基金预算支出表", "state_capital": "国有资本经营预算支出表",
    "project": "部门项目支出预算表", "performance_project": "项目支出绩效目标表",
}
_HEADS = {"overall": "收支预算总体情况", "income": "收入预算情况", "expenditure": "支出预算情况",
          "fiscal": "财政拨款收支预算情况", "general": "一般公共预算支出情况", "basic": "一般公共预算基本支出情况",
          "project": "项目支出情况", "three": "“三公”经费预算情况", "fund": "政府性基金预算支出情况",
          "state": "国有资本经营预算支出情况", "carry": "上年结转情况", "other": "其他重要事项的说明"}


class Provincial(Layout):
    name = "provincial"
    style = Style("column", thousands=True, indent="  ")

    def spec(self, n: int, kind: str, post: tuple[str, ...] = ()) -> Spec:
        number, title = f"表{cn_number(n)}", self.title(kind, _TITLES[kind])
        caption = [f"{number}  {title}"] if self.rng.random() < 0.5 else [number, title]
        return Spec(kind, number, title, [*caption, f"部门：{self.d}        金额单位：万元"], number, list(post))

    def note(self, what: str) -> tuple[str, ...]:
        return (f"注：{self.d}{self.y}年没有使用{what}拨款安排的支出，故本表无数据。",)

    def subject(self, *values) -> list:
        return [N("科目编码"), N("科目名称"), G("本年预算数", *values)]

    def tables(self) -> list[Table]:
        b, m, s, y = self.b, self.m, self.src, self.y
        left = [Side("一、一般公共预算拨款收入", [s("general")], top=True),
                Side("二、政府性基金预算拨款收入", [s("fund")], top=True),
                Side("三、国有资本经营预算拨款收入", [None], top=True), Side("四、事业收入", [s("shiye")], top=True),
                Side("五、其他收入", [s("other")], top=True), Side("本年收入合计", [s("current")]),
                Side("六、上年结转", [s("carry")], top=True)]
        right = [*self.classes(True), Side("本年支出合计", [m.amount()]), Side("年末结转结余", [None])]
        fiscal_in = [Side("一、一般公共预算拨款", [s("general")], top=True),
                     Side("二、政府性基金预算拨款", [s("fund")], top=True), Side("三、国有资本经营预算拨款", [None], top=True)]
        word = "决算数" if m.final else "预算数"
        years = [(f"{y}年{word}", m.three, "cur")]
        if self.rng.random() < 0.6:
            years.append((f"{m.prev_year}年{word}", m.three_prev, "prev"))

        def project_label(kind: str, o) -> tuple[list[str], str]:
            if kind == "project":
                return ["  " + o.name, o.code], o.name
            label = "合计" if kind == "total" else o
            return [label, ""], label

        fund_post = () if m.amount(source="fund") else self.note("政府性基金预算")
        return [
            b.two_sided(self.spec(1, "summary"), [G("收入", N("项目"), L("本年预算数")), G("支出", N("项目"), L("本年预算数"))],
                        left, right, ("收入总计", "支出总计")),
            b.hierarchy(self.spec(2, "income"), [N("科目编码"), N("科目名称"), L("合计", "all:all"), G(
                "本年收入", L("小计", "all:current"), L("一般公共预算拨款", "all:general"), L("政府性基金预算拨款", "all:fund"),
                L("国有资本经营预算拨款", "all:none"), L("事业收入", "all:shiye"), L("其他收入", "all:other")),
                L("上年结转", "all:carry")], total_label="合计"),
            b.hierarchy(self.spec(3, "expenditure"), self.subject(
                L("合计", "all:all"), L("基本支出", "basic:all"), L("项目支出", "project:all")), total_label="合计"),
            b.two_sided(self.spec(4, "fiscal_summary"), [
                G("收入", N("项目"), L("本年预算数")),
                G("支出", N("项目"), L("合计"), L("一般公共预算"), L("政府性基金预算"))],
                fiscal_in, self.classes(True, "fiscal", extra=("general", "fund")), ("收入总计", "支出总计")),
            b.hierarchy(self.spec(5, "general_budget"), self.subject(
                L("合计", "all:general"), L("基本支出", "basic:general"), L("项目支出", "project:general")),
                total_label="合计"),
            b.hierarchy(self.spec(6, "basic"), self.subject(
                L("合计", "econ:all"), L("人员经费", "econ:personnel"), L("公用经费", "econ:public")),
                total_label="合计", econ=True),
            self.three_horizontal(self.spec(7, "three_public"), years),
            b.hierarchy(self.spec(8, "gov_fund", fund_post), self.subject(
                L("合计", "all:fund"), L("基本支出", "basic:fund"), L("项目支出", "project:fund")), total_label="合计"),
            b.hierarchy(self.spec(9, "state_capital", self.note("国有资本经营预算")), self.subject(
                L("合计", "all:none"), L("基本支出", "basic:none"), L("项目支出", "project:none")), total_label="合计"),
            b.grouped(self.spec(10, "project"), [N("单位名称（项目名称）"), N("科目编码"), L("合计"), L("一般公共预算"),
                                                 L("政府性基金预算"), L("其他收入"), L("上年结转")],
                      m.table_projects(), [lambda p: p.total, lambda p: p.general, lambda p: p.fund,
                                           lambda p: p.other, lambda p: p.carry],
                      project_label, by_unit=bool(m.units)),
            self.performance_table(self.spec(11, "performance_project")),
        ]

    def performance_table(self, spec: Spec) -> Table:
        """All projects' targets in one table; unit, project and amount cells span the project's rows."""
        header = ["单位名称", "项目名称", "项目金额（万元）", "一级指标", "二级指标", "三级指标", "指标值"]
        body, merges, indicators = [], [], []
        for p in self.m.projects:
            first = len(body) + 1
            for k, (l1, l2, l3, value) in enumerate(p.indicators):
                lead = [p.unit, p.name, f"{p.total:,.2f}"] if k == 0 else ["", "", ""]
                body.append([Cell(t) for t in [*lead, l1, l2, l3, value]])
                indicators.append({"project": p.name, "level1": l1, "level2": l2, "level3": l3, "value": value})
            merges += [(first, c, len(body), c) for c in range(3) if len(body) > first]
        return Table(spec.kind, spec.number, spec.title, "万元", spec.sheet, spec.pre_lines, [header], merges,
                     header, body, [], indicators)

    def blocks(self) -> list:
        ov = overview(self.w)
        title = f"{self.d}{self.y}年度部门决算" if self.m.final else f"{self.d}{self.y}年部门预算"
        heads = {t: f"（{cn_number(i)}）{h}" for i, (t, h) in enumerate(_HEADS.items(), 1)}
        return [Heading(title, 0), Heading("一、部门基本情况", 1), Heading("（一）部门职能", 2), *ov["duties"],
                Heading("（二）机构设置和人员情况", 2), *ov["org"],
                Heading(f"二、部门{self.k}收支情况说明", 1), *self.narrative_blocks(heads, list(heads)),
                Heading("三、名词解释", 1), *glossary(self.w),
                Heading(f"四、{self.y}年部门{self.k}公开表", 1), *self.tables()]

