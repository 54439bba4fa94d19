"""'Budget at a glance' chart data, the 'Tables' view and the 'Audit' view (pure functions, no browser)."""

from __future__ import annotations

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
    assert c.source == "表10 财政拨款“三公”经费支出情况表" and "表10" in c.caption("en")


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
    assert "two-sided-balance" in html
    assert f"{s['checks']} checks" in audit_html(findings, "en")


def test_cited_rows_for_a_two_sided_table_show_only_the_cited_side(web_ctx):
    ans = web_ctx.qa.ask("收入总计是多少？")
    md = cited_rows_md(web_ctx.qa.documents, ans.citations)
    assert "842.79" in md and "支出/预算数" not in md
