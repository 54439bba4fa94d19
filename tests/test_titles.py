"""Table numbers, titles and kinds in every common printed form; document titles in every common form."""

from __future__ import annotations

import pytest

from budget_qa.ingest.meta import find_meta
from budget_qa.ingest.titles import department_in, split_number, title_kind, unit_in
from budget_qa.readers.base import RawDocument, TextLine


@pytest.mark.parametrize("line, number, rest", [
    ("表 1", "表1", ""), ("表1", "表1", ""), ("表一 部门收支总表", "表一", "部门收支总表"),
    ("表十一  项目支出绩效目标表", "表十一", "项目支出绩效目标表"), ("附表1 收支总表", "附表1", "收支总表"),
    ("附表 5", "附表5", ""), ("表1-1 一般公共预算支出表", "表1-1", "一般公共预算支出表"),
    ("预算01表 收支总表", "预算01表", "收支总表"), ("预算 05 表", "预算05表", ""),
    ("表六一般公共预算基本支出表", "表六", "一般公共预算基本支出表"),  # printed without a gap
])
def test_table_numbers(line, number, rest):
    assert split_number(line) == (number, rest)


@pytest.mark.parametrize("line", ["表格说明如下", "表明了预算的变化", "第一部分 部门概况", "一、部门收支总体情况表"])
def test_not_table_numbers(line):
    assert split_number(line) is None


@pytest.mark.parametrize("title, kind", [
    ("部门收支总体情况表", "summary"), ("部门收支总表", "summary"), ("收入支出决算总表", "summary"),
    ("国家XX局2024年收支总表", "summary"), ("部门收入总体情况表", "income"), ("收入决算表", "income"),
    ("部门支出总表", "expenditure"), ("财政拨款收支预算总体情况表", "fiscal_summary"),
    ("财政拨款收入支出决算总表", "fiscal_summary"), ("一般公共预算支出情况表", "general_budget"),
    ("一般公共预算财政拨款支出决算表", "general_budget"), ("一般公共预算基本支出情况表", "basic"),
    ("部门项目支出预算表", "project"), ("一般公共预算项目支出情况表", "project"),
    ("政府性基金预算支出表", "gov_fund"), ("国有资本经营预算支出情况表", "state_capital"),
    ("财政拨款“三公”经费支出情况表", "three_public"), ("一般公共预算\"三公\"经费支出表", "three_public"),
    ("上年结转结余情况明细表", "carryover"), ("财政拨款结转结余决算表", "carryover"),
    ("政府采购预算表", "procurement"), ("政府购买服务预算表", "purchase_services"),
    ("部门整体绩效目标表", "performance_dept"), ("项目支出绩效目标表", "performance_project"),
    ("项目支出绩效自评表", "performance_project"),
])
def test_title_kinds(title, kind):
    assert title_kind(title) == kind


@pytest.mark.parametrize("text", ["一般公共服务支出", "关于2024年收支预算情况的总体说明", "主要职能"])
def test_not_titles(text):
    assert title_kind(text) is None


def test_unit_and_department_lines():
    assert unit_in("部门：湖南省水利厅        金额单位：万元") == "万元"
    assert unit_in("单位：元") == "元" and unit_in("单位：千元") == "千元"
    assert department_in("部门：湖南省水利厅        金额单位：万元") == "湖南省水利厅"
    assert department_in("编制部门：乌鲁木齐市招商服务局") == "乌鲁木齐市招商服务局"
    assert department_in("单位：万元") is None


def _meta(*lines: str, path: str = "x.txt"):
    raw = RawDocument(path=path, sha256="", format="text")
    blocks = [TextLine(t, k + 1) for k, t in enumerate(lines)]
    return find_meta(raw, blocks)


@pytest.mark.parametrize("lines, dept, year, kind", [
    (("乌鲁木齐市招商服务局", "2024 年部门预算公开"), "乌鲁木齐市招商服务局", "2024", "预算"),
    (("湖南省水利厅2024年部门预算",), "湖南省水利厅", "2024", "预算"),
    (("2024年湖南省水利厅部门预算",), "湖南省水利厅", "2024", "预算"),
    (("国家统计局 2023 年度部门决算",), "国家统计局", "2023", "决算"),
    (("某市文化体育局", "2025年度部门预算公开"), "某市文化体育局", "2025", "预算"),
])
def test_document_titles(lines, dept, year, kind):
    m = _meta(*lines, "正文一段。")
    assert (m.department, m.year, m.kind) == (dept, year, kind)
