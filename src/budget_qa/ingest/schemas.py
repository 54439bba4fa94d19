"""Column layouts of the national standard tables 表1–表11 (部门预算公开 format).

Why a schema and not only the printed header: in text extracted from PDF the merged header
cells land one column off (表2's 财政专户 sits above 财政拨款结转's number), while the data rows
always align with the ※/1/2/3 numbering row. So for a known table title we name the numbered
columns from the national format, and check that the column count agrees; an unknown table
falls back to the printed header.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Side:
    """One side of a two-sided table: where its label is and which columns hold its amounts."""

    name: str
    label_col: int
    value_cols: dict[int, str]


@dataclass(frozen=True)
class Schema:
    title: str
    code_cols: int = 0  # number of code columns (类/款/项 → 3; 表6 类/款 → 2)
    name_col: int = 0  # column of the row label
    extra_label_cols: dict[int, str] = field(default_factory=dict)  # e.g. 表7 项目名称
    value_columns: tuple[str, ...] = ()  # names of the numbered columns, in order
    sides: tuple[Side, ...] = ()  # two-sided tables
    # audit: column → the columns that add up to it
    column_sums: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def first_value_col(self) -> int:
        return self.name_col + 1 + len(self.extra_label_cols)


_FIN = "财政拨款（补助）"
STANDARD: dict[str, Schema] = {
    s.title: s
    for s in [
        Schema(
            "部门收支总体情况表",
            sides=(Side("收入", 0, {1: "收入/预算数"}), Side("支出", 2, {3: "支出/预算数"})),
        ),
        Schema(
            "部门收入总体情况表",
            code_cols=3,
            name_col=3,
            value_columns=(
                "总计",
                f"{_FIN}/{_FIN}小计",
                f"{_FIN}/一般公共预算",
                f"{_FIN}/上级一般公共预算安排的转移支付",
                f"{_FIN}/政府性基金预算",
                f"{_FIN}/上级政府性基金安排的转移支付",
                f"{_FIN}/国有资本经营预算",
                f"{_FIN}/上级国有资本经营预算安排的转移支付",
                "财政专户（教育收费）",
                "单位资金",
                "财政拨款结转",
                "非财政拨款结转结余",
            ),
            column_sums=(
                ("总计", (f"{_FIN}/{_FIN}小计", "财政专户（教育收费）", "单位资金", "财政拨款结转", "非财政拨款结转结余")),
                (
                    f"{_FIN}/{_FIN}小计",
                    tuple(
                        f"{_FIN}/{c}"
                        for c in (
                            "一般公共预算",
                            "上级一般公共预算安排的转移支付",
                            "政府性基金预算",
                            "上级政府性基金安排的转移支付",
                            "国有资本经营预算",
                            "上级国有资本经营预算安排的转移支付",
                        )
                    ),
                ),
            ),
        ),
        Schema(
            "部门支出总体情况表",
            code_cols=3,
            name_col=3,
            value_columns=("支出预算/合计", "支出预算/基本支出", "支出预算/项目支出"),
            column_sums=(("支出预算/合计", ("支出预算/基本支出", "支出预算/项目支出")),),
        ),
        Schema(
            "财政拨款收支预算总体情况表",
            sides=(
                Side("财政拨款收入", 0, {1: "财政拨款收入/合计"}),
                Side(
                    "财政拨款支出",
                    2,
                    {
                        3: "财政拨款支出/合计",
                        4: "财政拨款支出/一般公共预算",
                        5: "财政拨款支出/政府性基金预算",
                        6: "财政拨款支出/国有资本经营预算",
                    },
                ),
            ),
            column_sums=(
                (
                    "财政拨款支出/合计",
                    ("财政拨款支出/一般公共预算", "财政拨款支出/政府性基金预算", "财政拨款支出/国有资本经营预算"),
                ),
            ),
        ),
        Schema(
            "一般公共预算支出情况表",
            code_cols=3,
            name_col=3,
            value_columns=("一般公共预算支出/合计", "一般公共预算支出/基本支出", "一般公共预算支出/项目支出"),
            column_sums=(("一般公共预算支出/合计", ("一般公共预算支出/基本支出", "一般公共预算支出/项目支出")),),
        ),
        Schema(
            "一般公共预算基本支出情况表",
            code_cols=2,
            name_col=2,
            value_columns=("一般公共预算基本支出/合计", "一般公共预算基本支出/人员经费", "一般公共预算基本支出/公用经费"),
            column_sums=(
                ("一般公共预算基本支出/合计", ("一般公共预算基本支出/人员经费", "一般公共预算基本支出/公用经费")),
            ),
        ),
        Schema(
            "一般公共预算项目支出情况表",
            code_cols=3,
            name_col=3,
            extra_label_cols={4: "项目名称"},
            value_columns=(
                "项目支出合计",
                "工资福利支出",
                "商品服务支出",
                "对个人和家庭的补助",
                "债务利息及费用支出",
                "资本性支出（基本建设）",
                "资本性支出",
                "对企业补助（基本建设）",
                "对企业补助",
                "对社会保障基金补助",
                "其他支出",
            ),
            column_sums=(
                (
                    "项目支出合计",
                    (
                        "工资福利支出",
                        "商品服务支出",
                        "对个人和家庭的补助",
                        "债务利息及费用支出",
                        "资本性支出（基本建设）",
                        "资本性支出",
                        "对企业补助（基本建设）",
                        "对企业补助",
                        "对社会保障基金补助",
                        "其他支出",
                    ),
                ),
            ),
        ),
        *[
            Schema(
                title,
                code_cols=3,
                name_col=3,
                value_columns=("合计", "基本支出/人员经费", "基本支出/公用经费", "项目支出"),
                column_sums=(("合计", ("基本支出/人员经费", "基本支出/公用经费", "项目支出")),),
            )
            for title in ("政府性基金预算支出情况表", "国有资本经营预算支出情况表")
        ],
        Schema(
            "财政拨款“三公”经费支出情况表",
            name_col=0,
            value_columns=("合计", "资金来源/一般公共预算", "资金来源/政府性基金", "资金来源/国有资本经营预算"),
            column_sums=(("合计", ("资金来源/一般公共预算", "资金来源/政府性基金", "资金来源/国有资本经营预算")),),
        ),
        Schema(
            "上年结转结余情况明细表",
            name_col=0,
            value_columns=(
                "总计",
                "财政拨款/合计",
                "财政拨款/基本支出/人员经费",
                "财政拨款/基本支出/公用经费",
                "财政拨款/项目支出",
                "非财政拨款/合计",
                "非财政拨款/基本支出/人员经费",
                "非财政拨款/基本支出/公用经费",
                "非财政拨款/项目支出",
            ),
            column_sums=(
                ("总计", ("财政拨款/合计", "非财政拨款/合计")),
                ("财政拨款/合计", ("财政拨款/基本支出/人员经费", "财政拨款/基本支出/公用经费", "财政拨款/项目支出")),
                (
                    "非财政拨款/合计",
                    ("非财政拨款/基本支出/人员经费", "非财政拨款/基本支出/公用经费", "非财政拨款/项目支出"),
                ),
            ),
        ),
    ]
}


def normalise_title(title: str) -> str:
    t = title.replace(" ", "").replace('"', "“")
    t = t.replace("“三公”", "“三公”").replace("'三公'", "“三公”")
    return t


def schema_for(title: str) -> Schema | None:
    t = normalise_title(title)
    if t in STANDARD:
        return STANDARD[t]
    plain = t.replace("“", "").replace("”", "")
    for k, s in STANDARD.items():
        if k.replace("“", "").replace("”", "") == plain:
            return s
    return None


def schema_for_kind(kind: str, title: str) -> Schema | None:
    """The national template's column layout, only for a table printed under that template's own title."""
    return schema_for(title) if kind else None
