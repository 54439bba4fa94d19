"""Canonical table kinds: what a table *is*, whatever a province numbers or titles it.

Lookup, answers, charts and the audit speak in kinds; the printed number and title of each
table are kept only for citations. Title variants per kind live in ``data/table_kinds.json``.
"""

from __future__ import annotations

from enum import StrEnum


class TableKind(StrEnum):
    SUMMARY = "summary"  # 收支总表 / 部门收支总体情况表 / 收入支出决算总表
    INCOME = "income"  # 收入总表 / 部门收入总体情况表
    EXPENDITURE = "expenditure"  # 支出总表 / 部门支出总体情况表
    FISCAL_SUMMARY = "fiscal_summary"  # 财政拨款收支总表
    GENERAL_BUDGET = "general_budget"  # 一般公共预算支出表 (功能分类)
    BASIC = "basic"  # 一般公共预算基本支出表 (经济分类)
    PROJECT = "project"  # 项目支出表
    GOV_FUND = "gov_fund"  # 政府性基金预算支出表
    STATE_CAPITAL = "state_capital"  # 国有资本经营预算支出表
    THREE_PUBLIC = "three_public"  # “三公”经费支出表
    CARRYOVER = "carryover"  # 上年结转结余情况表
    PROCUREMENT = "procurement"  # 政府采购预算表
    PURCHASE_SERVICES = "purchase_services"  # 政府购买服务预算表
    PERFORMANCE_DEPT = "performance_dept"  # 部门整体绩效目标表
    PERFORMANCE_PROJECT = "performance_project"  # 项目支出绩效目标表
    OTHER = "other"  # a table the national format does not name


# Display names, Chinese and English (for answers, charts and the tables view).
KIND_NAMES: dict[TableKind, tuple[str, str]] = {
    TableKind.SUMMARY: ("收支总表", "summary of income and expenditure"),
    TableKind.INCOME: ("收入总表", "income"),
    TableKind.EXPENDITURE: ("支出总表", "expenditure"),
    TableKind.FISCAL_SUMMARY: ("财政拨款收支总表", "fiscal appropriations, income and expenditure"),
    TableKind.GENERAL_BUDGET: ("一般公共预算支出表", "general public budget expenditure"),
    TableKind.BASIC: ("一般公共预算基本支出表", "basic expenditure (general public budget)"),
    TableKind.PROJECT: ("项目支出表", "project expenditure"),
    TableKind.GOV_FUND: ("政府性基金预算支出表", "government fund budget expenditure"),
    TableKind.STATE_CAPITAL: ("国有资本经营预算支出表", "state capital operation budget expenditure"),
    TableKind.THREE_PUBLIC: ("“三公”经费支出表", "'three public expenses'"),
    TableKind.CARRYOVER: ("上年结转结余情况表", "balances carried over from the previous year"),
    TableKind.PROCUREMENT: ("政府采购预算表", "government procurement"),
    TableKind.PURCHASE_SERVICES: ("政府购买服务预算表", "government purchase of services"),
    TableKind.PERFORMANCE_DEPT: ("部门整体绩效目标表", "department-wide performance targets"),
    TableKind.PERFORMANCE_PROJECT: ("项目支出绩效目标表", "project performance targets"),
    TableKind.OTHER: ("其他表", "other table"),
}

# Stable table ids per kind, in the national format's order (T1 … T11 as before; later kinds
# continue the numbering). A second table of the same kind gets a suffix (T7-2).
KIND_ORDER: tuple[TableKind, ...] = (
    TableKind.SUMMARY, TableKind.INCOME, TableKind.EXPENDITURE, TableKind.FISCAL_SUMMARY,
    TableKind.GENERAL_BUDGET, TableKind.BASIC, TableKind.PROJECT, TableKind.GOV_FUND,
    TableKind.STATE_CAPITAL, TableKind.THREE_PUBLIC, TableKind.CARRYOVER, TableKind.PROCUREMENT,
    TableKind.PURCHASE_SERVICES,
)


def kind_table_id(kind: TableKind) -> str:
    return f"T{KIND_ORDER.index(kind) + 1}" if kind in KIND_ORDER else "X"
