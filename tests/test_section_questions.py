"""A question about a section as such ('主要职能是什么', '职责', '是干什么的') is answered from that section
in every layout, whatever the section is titled (主要职能 / 部门职能 / 部门职责), from its first item."""

from __future__ import annotations

import pytest

from budget_qa.core import BudgetQA
from budget_qa.index import build_index
from disclosure_gen import generate

DEPARTMENTS = {"provincial": "湖南省林业厅", "central": "国家示范监测局", "urumqi": "乌鲁木齐市示范服务局"}


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sections")
    for layout, dept in DEPARTMENTS.items():
        generate(folder / "c", layout, "txt", seed=5, department=dept, year=2024)
    build_index([folder / "c"], folder / "index", settings={"embedder": "none"})
    return BudgetQA.open(folder / "index", {"embedder": "none"})


@pytest.mark.parametrize("layout", sorted(DEPARTMENTS))
@pytest.mark.parametrize("ask", ["{d}的主要职能是什么？", "{d}的职责是什么？", "{d}是干什么的？"])
def test_functions_section_under_any_title(qa, layout, ask):
    dept = DEPARTMENTS[layout]
    a = qa.ask(ask.format(d=dept))
    assert a.route == "retrieval", a.answer
    first = a.citations[0]
    assert any(w in first.locator for w in ("主要职能", "部门职能", "部门职责")), first.locator
    head = a.answer.splitlines()[0]
    assert dept in head, a.answer  # that department's disclosure, not another's
    assert "项目名称" not in a.answer
    assert "（一）" in head, a.answer  # read from the section's start
