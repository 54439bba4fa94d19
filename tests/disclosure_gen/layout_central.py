"""The ``central`` layout: central-department style.

Tables are numbered 预算01表 … 预算10表 with short titles (收支总表, 收入总表, …), for some seeds
prefixed by the department and year ("国家林业和草原局2024年收支总表"); one 科目 column holds
the code and the name ("2010101 行政运行", indented by level); amounts are printed in 元 with
thousands separators under a "单位：元" line; the narrative (in 万元) is in four parts:
部门概况 / 部门预算表 / 部门预算情况说明 / 名词解释; the 三公 table is horizontal with a row
for each of the two years.
"""

from __future__ import annotations

from .catalog import FUNCTIONS
from .layout_base import G, L, Layout, N
from .narrative import cn_number, glossary, overview
from .printed import Heading, Table
from .tables import Side, Spec, Style

_TITLES = {
    "summary": "收支总表", "income": "收入总表", "expenditure": "支出总表", "fiscal_summary": "财政拨款收支总表",
    "general_budget": "一般公共预算支出表", "basic": "一般公共预算基本支出表",
    "three_public": "一般公共预算“三公”经费支出表", "gov_fund": "政府性基金预算支出表",
    "state_capital": "国有资本经营预算支出表", "project": "项目支出表",
}
_HEADS = {"overall": "收支预算总体情况", "income": "收入预算情况", "expenditure": "支出预算情况",
          "fiscal": "财政拨款收支预算总体情况", "general": "一般公共预算当年拨款情况",
          "basic": "一般公共预算基本支出情况", "project": "项目支出情况", "fund": "政府性基金预算支出情况",
          "state": "国有资本经营预算支出情况", "three": "一般公共预算“三公”经费支出情况",
          "carry": "上年结转结余情况", "other": "其他重要事项的情况说明"}


class Central(Layout):
    name = "central"
    style = Style("inline", scale=10000, thousands=True, indent="  ")

    def __init__(self, m):
        super().__init__(m)
        self.titled = self.rng.random() < 0.5

    def spec(self, n: int, kind: str, post: tuple[str, ...] = ()) -> Spec:
        number = f"预算{n:02d}表"
        title = self.title(kind, _TITLES[kind])
        if self.titled:
            title = f"{self.d}{self.y}年{title}"
        return Spec(kind, number, title, [number, title, "单位：元"], number, list(post))

    def note(self, what: str) -> tuple[str, ...]:
        return (f"注：{self.d}{self.y}年没有使用{what}拨款安排的支出，本表无数据。",)

    def tables(self) -> list[Table]:
        b, m, s, y = self.b, self.m, self.src, self.y
        word = "决算数" if m.final else "预算数"
        left = [Side("一、一般公共预算财政拨款收入", [s("general")], top=True),
                Side("二、政府性基金预算财政拨款收入", [s("fund")], top=True),
                Side("三、国有资本经营预算财政拨款收入", [None], top=True), Side("四、财政专户管理资金收入", [None]),
                Side("五、事业收入", [s("shiye")], top=True), Side("六、事业单位经营收入", [None]),
                Side("七、其他收入", [s("other")], top=True), Side("本年收入合计", [s("current")]),
                Side("上年结转结余", [s("carry")], top=True)]
        right = [*self.classes(True), Side("本年支出合计", [m.amount()]), Side("结转下年", [None])]
        fiscal_in = [Side("一、本年收入", [s("fiscal")], top=True), Side("（一）一般公共预算资金", [s("general")]),
                     Side("（二）政府性基金预算资金", [s("fund")]), Side("（三）国有资本经营预算资金", [None])]
        fiscal_out = [Side(x.label, [*x.values, None], x.code, True)
                      for x in self.classes(True, "fiscal", extra=("general", "fund"))]

        def project_label(kind: str, o) -> tuple[list[str], str]:
            if kind == "project":
                return ["  " + o.name, f"{o.code} {FUNCTIONS[o.code]}"], o.name
            label = "合计" if kind == "total" else o
            return [label, ""], label

        def year_group(s_: str) -> list:
            return [N("科目"), G(f"{y}年{word}", L("合计" if s_ != "general" else "小计", f"all:{s_}"),
                                 L("基本支出", f"basic:{s_}"), L("项目支出", f"project:{s_}"))]

        fund_post = () if m.amount(source="fund") else self.note("政府性基金预算")
        return [
            b.two_sided(self.spec(1, "summary"), [G("收入", N("项目"), L(word)), G("支出", N("项目"), L(word))],
                        left, right, ("收入总计", "支出总计")),
            b.hierarchy(self.spec(2, "income"), [N("科目"), L("合计", "all:all"), L("上年结转结余", "all:carry"),
                                                 L("一般公共预算财政拨款", "all:general"),
                                                 L("政府性基金预算财政拨款", "all:fund"),
                                                 L("国有资本经营预算财政拨款", "all:none"),
                                                 L("事业收入", "all:shiye"), L("其他收入", "all:other")],
                        total_label="合计"),
            b.hierarchy(self.spec(3, "expenditure"), [N("科目"), L("合计", "all:all"), L("基本支出", "basic:all"),
                                                      L("项目支出", "project:all")], total_label="合计"),
            b.two_sided(self.spec(4, "fiscal_summary"), [
                G("收入", N("项目"), L(word)),
                G("支出", N("项目"), L("合计"), L("一般公共预算"), L("政府性基金预算"), L("国有资本经营预算"))],
                fiscal_in, fiscal_out, ("收入总计", "支出总计")),
            b.hierarchy(self.spec(5, "general_budget"), year_group("general"), total_label="合计"),
            b.hierarchy(self.spec(6, "basic"), [N("科目"), L("合计", "econ:all"), L("人员经费", "econ:personnel"),
                                                L("公用经费", "econ:public")], total_label="合计", econ=True),
            self.three_horizontal(self.spec(7, "three_public"), [(f"{m.prev_year}年{word}", m.three_prev, "prev"),
                                                                 (f"{y}年{word}", m.three, "cur")]),
            b.hierarchy(self.spec(8, "gov_fund", fund_post), year_group("fund"), total_label="合计"),
            b.hierarchy(self.spec(9, "state_capital", self.note("国有资本经营预算")), year_group("none"),
                        total_label="合计"),
            b.grouped(self.spec(10, "project"), [N("单位名称（项目名称）"), N("功能分类科目"), L("合计"), G(
                "财政拨款", L("小计"), L("一般公共预算"), L("政府性基金预算")), L("其他资金")],
                m.table_projects(), [lambda p: p.total, lambda p: p.general + p.fund, lambda p: p.general,
                                     lambda p: p.fund, lambda p: p.other + p.carry],
                project_label, by_unit=bool(m.units)),
        ]

    def blocks(self) -> list:
        ov = overview(self.w)
        d, y, k = self.d, self.y, self.k
        title = f"{d}{y}年度部门决算" if self.m.final else f"{d}{y}年部门预算"
        heads = {t: f"{cn_number(i)}、{h}" for i, (t, h) in enumerate(_HEADS.items(), 1)}
        return [Heading(title, 0), Heading("第一部分 部门概况", 1), Heading("一、部门职责", 2), *ov["duties"],
                Heading("二、机构设置", 2), *ov["org"],
                Heading(f"第二部分 {y}年部门{k}表", 1), *self.tables(),
                Heading(f"第三部分 {y}年部门{k}情况说明", 1), *self.narrative_blocks(heads, list(heads)),
                *self.performance_tables(), Heading("第四部分 名词解释", 1), *glossary(self.w)]
