"""'Budget at a glance' chart data, the 'Tables' view and the 'Audit' view (pure functions, no browser)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from budget_qa.audit import summary
from budget_qa.web import charts
from budget_qa.web.render import cited_rows_md
from budget_qa.web.views import audit_html, table_choices, table_grid, table_html
from web_support import make_ctx


@pytest.fixture(scope="module")
def web_ctx(tmp_path_factory):
    """A WebContext over the real corpus with its own exchange log."""
    return make_ctx(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def doc(web_ctx):
    return web_ctx.qa.documents[0]


def test_three_public_items_from_table_10(doc):
    c = charts.three_public(doc)
    assert c.values() == {"因公出国（境）费": "", "公务接待费": "8.90", "公务用车购置及运行费": "8.91"}
    assert list(c.data["amount"]) == [0.0, 8.90, 8.91]  # blank drawn as 0, printed blank
    assert c.source == "表10 财政拨款“三公”经费支出情况表" and "Table 10" in c.caption("en")
    # last year's amounts from the narrative's '比上年减少 2.00 万元' etc. (this year ∓ the change)
    assert c.previous == {"因公出国（境）费": "0.00", "公务接待费": "10.90", "公务用车购置及运行费": "9.41"}
    assert "上年数取自第三部分" in c.caption() and "Part 3" in c.caption("en")
    html = charts.chart_html(c, "en")
    assert "official reception" in html.lower() and "last year" in html and "10.90" in html
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in html.split("Source:")[0]), "English chart body is Chinese-free"


def test_personnel_vs_public_from_table_6_total(doc):
    c = charts.personnel_vs_public(doc)
    assert c.values() == {"人员经费": "632.57", "公用经费": "70.32"}
    assert c.caption() == "数据来源：表6 一般公共预算基本支出情况表（总计行，单位：万元）"
    assert list(c.data["item_en"]) == ["personnel expenses", "public operating expenses"]


def test_basic_vs_project_from_table_3_total(doc):
    assert charts.basic_vs_project(doc).values() == {"基本支出": "702.89", "项目支出": "139.90"}


def test_expenditure_by_function_class_rows_of_table_3(doc):
    c = charts.expenditure_by_function(doc)
    assert c.values() == {"一般公共服务支出": "750.40", "科学技术支出": "7.00", "社会保障和就业支出": "85.39"}
    assert sum(Decimal(v) for v in c.values().values()) == Decimal("842.79")


def test_function_treemap_class_group_item(doc):
    c = charts.function_tree(doc)
    assert c.values() == charts.expenditure_by_function(doc).values()
    top = {n["item"]: n for n in c.tree}
    kuan = top["一般公共服务支出"]["children"]
    assert [k["code"] for k in kuan] == ["20113"]
    assert {x["item"]: x["printed"] for x in kuan[0]["children"]}["招商引资"] == "126.90"
    html = charts.chart_html(c, "zh")
    assert html.count('class="bqa-tm-box"') >= 7 and "行政运行" in html and "440.65" in html
    assert "数据来源：表3 部门支出总体情况表" in html
    en = charts.chart_html(c, "en")
    assert "general public services" in en and "administrative operations" in en
    assert "Source: Table 3" in en and "10,000 yuan" in en


def test_share_charts_show_percentages(doc):
    html = charts.chart_html(charts.basic_vs_project(doc), "en")
    assert "83.4%" in html and "16.6%" in html and "Source: Table 3" in html
    html = charts.chart_html(charts.personnel_vs_public(doc), "zh")
    assert "632.57" in html and "数据来源：表6" in html


def test_income_by_source_left_side_of_table_1(doc):
    c = charts.income_by_source(doc)
    assert c.values() == {"一般公共预算拨款": "814.99", "财政拨款结转": "27.80"}
    assert sum(Decimal(v) for v in c.values().values()) == Decimal(
        "842.79"
    )  # = 收入总计, nothing double counted


def test_all_charts_name_their_table(doc):
    got = charts.all_charts(doc)
    assert [c.key for c in got] == ["income", "function", "basic_project", "personnel_public", "three_public"]
    assert all(c.source.startswith("表") for c in got)
    for c in got:
        assert c.source in charts.chart_html(c, "zh") and "<script" not in charts.chart_html(c, "en")


def test_table_view_prints_codes_and_blank_cells(web_ctx, doc):
    head, body = table_grid(doc.table("T3"))
    assert head[1] == ["功能分类科目编码", "", "", "功能分类科目名称", "合计", "基本支出", "项目支出"]
    assert head[2][:3] == ["类", "款", "项"]
    assert body[0] == ["", "", "", "总计", "842.79", "702.89", "139.90"]
    assert ["201", "13", "01", "行政运行", "440.65", "440.65", ""] in body
    assert ["201", "13", "02", "一般行政管理事务", "6.00", "", "6.00"] in body


def test_table_view_two_sided_table_side_by_side(doc):
    head, body = table_grid(doc.table("T1"))
    assert head[-1] == ["项目", "预算数", "支出功能分类", "预算数"]
    assert body[0] == ["一、本年收入", "814.99", "201 一般公共服务支出", "750.40"]
    assert body[-1] == ["", "", "支出总计", "842.79"]


def test_table_view_project_and_performance_tables(doc):
    head, body = table_grid(doc.table("T7"))
    assert head[0][3:5] == ["功能分类科目名称", "项目名称"]
    assert ["201", "13", "08", "招商引资", "招商引资专项", "73.10"] == body[5][:6]
    head, body = table_grid(doc.table("P1"))
    assert head[0][0] == "三级指标" and ">=500次" in body[1]


def test_every_table_renders(web_ctx):
    tables = web_ctx.qa.tables()
    choices = table_choices(tables)
    assert len(choices) == len(tables) and choices[9][0] == "表10 财政拨款“三公”经费支出情况表"
    for _label, value in choices:
        doc_id, _, table_id = value.partition("::")
        html = table_html(web_ctx.qa.table(doc_id, table_id))
        assert html.startswith('<div class="bqa-table">') and "<script" not in html
    empty = table_html(web_ctx.qa.table(tables[7]["document"], "T8"))
    assert "没有使用政府性基金预算拨款安排的支出" in empty  # the note of an empty table


def test_table_html_escapes_cells():
    from budget_qa.model import Cell, Row, Table

    t = Table("T1", "表1", "<b>t</b>", ["a"], [Row("<img src=x>", cells=[Cell("a", "1.00")])])
    html = table_html(t)
    assert "<img" not in html and "&lt;img src=x&gt;" in html and "&lt;b&gt;t&lt;/b&gt;" in html


def test_audit_view_summary_mismatches_and_passed(web_ctx):
    findings = web_ctx.qa.check()
    s = summary(findings)
    html = audit_html(findings, "zh")
    assert f"共 {s['checks']} 项核对，{s['passed']} 项通过，{s['mismatches']} 处不一致。" in html
    assert html.count('class="bqa-mismatch"') == s["mismatches"]
    assert f"<details><summary>通过的核对项 ({s['passed']})</summary>" in html
    assert "two-sided-balance" not in html and "合计与明细相符" in html and "收入总计等于支出总计" in html
    assert "vs sum" not in html and "difference" not in html and "其下 1 行之和" in html
    en = audit_html(findings, "en")
    assert f"{s['checks']} checks" in en and "totals add up" in en and "code-hierarchy" not in en
    assert "Table 3 / 201" in en and "表3 /" not in en  # locators framed in English, labels as printed
    assert "in-service staff increase vs staff newly transferred in" in en and "相差 -5" in html


def test_cited_rows_for_a_two_sided_table_show_only_the_cited_side(web_ctx):
    ans = web_ctx.qa.ask("收入总计是多少？")
    md = cited_rows_md(web_ctx.qa.documents, ans.citations)
    assert "842.79" in md and "支出/预算数" not in md


@pytest.mark.parametrize("layout", ["provincial", "central"])
def test_every_chart_for_other_layouts(tmp_path, layout):
    """The charts come from canonical table kinds, so a disclosure of another layout gets them all."""
    from disclosure_gen import generate

    folder = tmp_path / "corpus"
    generate(folder, layout, "txt", seed=3, department="湖南省水利厅", year=2024)
    ctx = make_ctx(tmp_path, corpus=str(folder))
    doc = ctx.qa.documents[0]
    got = charts.all_charts(doc)
    assert [c.key for c in got] == ["income", "function", "basic_project", "personnel_public", "three_public"]
    income = charts.income_by_source(doc)
    total = next(r for r in doc.table_of("summary").rows if r.side == "收入" and "总计" in r.label)
    assert sum(Decimal(v) for v in income.values().values()) == Decimal(total.cells[0].value)
    tree = charts.function_tree(doc)
    assert tree.tree and all(n["code"] and len(n["code"]) == 3 for n in tree.tree)
    three = charts.three_public(doc)  # last year's from the text (万元), in the table's unit
    per = Decimal(10000) if doc.table_of("three_public").unit == "元" else Decimal(1)
    assert Decimal(three.values()["公务接待费"]) == Decimal("3.52") * per  # this year's, not a printed 2023 row
    assert Decimal(three.previous["公务接待费"]) == Decimal("4.49") * per  # the 2023 row, or 3.52 + the stated 0.97
    assert Decimal(three.previous["公务用车购置及运行费"]) == Decimal("4.35") * per
    for c in got:
        html = charts.chart_html(c, "en")
        assert re.search(r"Source: (Budget t|T)able \d+", html), (c.key, html[:300])
