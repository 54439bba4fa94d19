"""Deterministic lookup: exact figures with locators, tolerant label matching, every candidate shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from budget_qa.errors import LookupNotFound
from budget_qa.facts import FactStore
from budget_qa.index import build_index, live_path
from budget_qa.lookup import lookup, resolve_tables
from fixtures import small_disclosure, write_disclosure

CORPUS_FILE = Path(__file__).resolve().parent.parent / "corpus" / "urumqi-investment-promotion-bureau-2024-budget.txt"


def _cands(res):
    return [(f.table_no, f.row_label, f.column, f.value) for f in res.candidates]


def test_reception_cost_has_two_candidates(store):
    res = lookup(store, row="公务接待费")
    assert res.matched_by == "exact"
    assert res.ambiguous
    assert _cands(res) == [
        ("表6", "公务接待费", "一般公共预算基本支出/合计", "0.90"),
        ("表10", "公务接待费", "合计", "8.90"),
    ]
    assert [f.locator for f in res.candidates] == [
        "表6 / 30217 公务接待费 / 一般公共预算基本支出/合计",
        "表10 / 公务接待费 / 合计",
    ]
    assert [f.line for f in res.candidates] == [296, 370]
    assert all(f.document == CORPUS_FILE.name for f in res.candidates)


def test_single_candidate_is_not_ambiguous(store):
    res = lookup(store, row="差旅费")
    assert _cands(res) == [("表6", "差旅费", "一般公共预算基本支出/合计", "1.60")]
    assert not res.ambiguous
    f = res.candidates[0]
    assert (f.unit, f.row_code, f.table_id) == ("万元", "30211", "T6")
    assert f.quote.startswith("30211 差旅费 | 一般公共预算基本支出/合计: 1.60")


@pytest.mark.parametrize("row, by", [
    ("维修费", "exact"),  # without the bracketed qualifier
    ("维修（护）费", "exact"),
    ("维修(护)费", "exact"),  # half-width brackets
    ("维修（护）费 ", "exact"),
    ("302 13", "code"),
    ("30213", "code"),
])
def test_label_variants(store, row, by):
    res = lookup(store, row=row)
    assert res.matched_by == by
    assert _cands(res) == [("表6", "维修（护）费", "一般公共预算基本支出/合计", "1.50")]


def test_code_lookup_across_tables(store):
    res = lookup(store, row="2011301")
    assert res.matched_by == "code"
    assert [(f.table_no, f.value) for f in res.candidates] == [("表2", "440.65"), ("表3", "440.65"), ("表5", "440.65")]
    assert {f.row_label for f in res.candidates} == {"行政运行"}


@pytest.mark.parametrize("table", ["表6", "6", "T6", "表 6", "基本支出情况表", "一般公共预算基本支出情况表"])
def test_table_by_number_or_title(store, table):
    assert resolve_tables(store, table) == ["urumqi-investment-promotion-bureau-2024-budget/T6"]
    res = lookup(store, table=table, row="差旅费")
    assert _cands(res) == [("表6", "差旅费", "一般公共预算基本支出/合计", "1.60")]


def test_table_title_without_quotes_and_table_id(store):
    # '三公经费' is how people write it; the printed title has quotes around 三公
    assert resolve_tables(store, "三公经费") == ["urumqi-investment-promotion-bureau-2024-budget/T10"]
    assert resolve_tables(store, "三公") == ["urumqi-investment-promotion-bureau-2024-budget/T10"]
    assert resolve_tables(store, "P3") == ["urumqi-investment-promotion-bureau-2024-budget/P3"]
    assert _cands(lookup(store, table="三公经费", row="合计")) == [("表10", "合计", "合计", "17.81")]


def test_table_filter_narrows_candidates(store):
    assert _cands(lookup(store, table="表10", row="公务接待费")) == [("表10", "公务接待费", "合计", "8.90")]


def test_column_path_matching(store):
    res = lookup(store, table="表6", row="差旅费", column="公用经费")
    assert _cands(res) == [("表6", "差旅费", "一般公共预算基本支出/公用经费", "1.60")]
    assert res.candidates[0].locator == "表6 / 30211 差旅费 / 一般公共预算基本支出/公用经费"
    res = lookup(store, table="表6", row="差旅费", column="一般公共预算基本支出/人员经费")
    assert _cands(res) == [("表6", "差旅费", "一般公共预算基本支出/人员经费", None)]
    # a leaf shared by several paths: 表2's 一般公共预算 column, not 上级一般公共预算安排的转移支付
    res = lookup(store, table="表2", row="总计", column="一般公共预算")
    assert _cands(res) == [("表2", "总计", "财政拨款（补助）/一般公共预算", "814.99")]
    res = lookup(store, table="表2", row="招商引资", column="财政拨款结转")
    assert _cands(res) == [("表2", "招商引资", "财政拨款结转", "20.80")]


def test_all_columns(store):
    res = lookup(store, table="表6", row="差旅费", all_columns=True)
    assert [(f.column, f.value) for f in res.candidates] == [
        ("一般公共预算基本支出/合计", "1.60"), ("一般公共预算基本支出/人员经费", None),
        ("一般公共预算基本支出/公用经费", "1.60"),
    ]


def test_blank_cell_is_returned_as_none(store):
    res = lookup(store, table="表10", row="因公出国（境）费")
    assert _cands(res) == [("表10", "因公出国（境）费", "合计", None)]
    d = res.to_dict()["candidates"][0]
    assert d["value"] is None and d["blank"] is True
    # and a printed zero is not blank
    zero = lookup(store, row="年度预算", column="上级安排").to_dict()["candidates"]
    assert [(c["value"], c["blank"]) for c in zero] == [("0.00", False)]


def test_indicator_lookups(store):
    res = lookup(store, row="走访和联系商（协）会及会员企业")
    [f] = res.candidates
    assert (f.kind, f.column, f.op, f.value, f.unit) == ("indicator", "指标值", ">=", "500", "次")
    assert f.display_value == ">=500次"
    assert f.locator == "项目支出绩效目标表:外地驻乌商会管理和服务费 / 走访和联系商（协）会及会员企业 / 指标值"
    [f] = lookup(store, row="完成全年招商引资项目").candidates
    assert (f.op, f.value, f.unit) == (">=", "450", "项")
    [f] = lookup(store, row="招商引资目标任务数").candidates
    assert (f.op, f.value, f.unit) == ("=", "1579", "亿元")
    [f] = lookup(store, row="完成全年招商引资项目", column="上年完成值").candidates
    assert (f.op, f.value, f.unit) == ("", "567", "项")
    # the same indicator in two project tables: both, each with its project
    res = lookup(store, table="项目支出绩效目标表", row="企业满意度")
    assert sorted(f.table_title for f in res.candidates) == [
        "项目支出绩效目标表:招商引资专项", "项目支出绩效目标表:招商引资投资指南及项目册印刷费"]
    assert {f.value for f in res.candidates} == {"95"}


def test_narrative_only_when_asked(store):
    assert all(f.kind != "narrative" for f in lookup(store, row="一般公共预算").candidates)
    res = lookup(store, row="一般公共预算", column="增长率", narrative=True)
    [f] = res.candidates
    assert (f.value, f.unit, f.kind) == ("18.53", "%", "narrative")
    assert "比上年预算增加 127.41 万元，增长 18.53%" in f.quote
    assert f.locator.startswith("第三部分 / 二、关于乌鲁木齐市招商服务局 2024 年收入预算情况说明 / 一般公共预算")


def test_document_filter_on_the_corpus(store):
    assert _cands(lookup(store, row="差旅费", document="2024")) == [("表6", "差旅费", "一般公共预算基本支出/合计", "1.60")]
    assert _cands(lookup(store, row="差旅费", document="招商服务局"))[0][3] == "1.60"
    with pytest.raises(LookupNotFound):
        lookup(store, row="差旅费", document="2023")


@pytest.fixture(scope="module")
def two_docs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two")
    write_disclosure(folder, "demo-2025.txt", small_disclosure())
    (folder / CORPUS_FILE.name).write_bytes(CORPUS_FILE.read_bytes())
    index_dir = tmp_path_factory.mktemp("two-index") / "index"
    build_index([folder], index_dir, with_retrieval=False)
    s = FactStore(live_path(index_dir) / "facts.sqlite")
    yield s
    s.close()


def test_document_filter_with_two_documents(two_docs):
    res = lookup(two_docs, row="差旅费")
    assert sorted((f.department, f.year, f.value) for f in res.candidates) == [
        ("乌鲁木齐市招商服务局", "2024", "1.60"), ("乌鲁木齐市示范测试局", "2025", "6.50")]
    assert res.ambiguous
    for document in ("2025", "示范测试局", "demo-2025"):
        assert [(f.doc_id, f.value) for f in lookup(two_docs, row="差旅费", document=document).candidates] == [
            ("demo-2025", "6.50")]
    assert [f.value for f in lookup(two_docs, table="表6", row="维修(护)费", document="2025").candidates] == ["3.00"]
    assert [f.value for f in lookup(two_docs, table="三公经费", row="合计", document="2025").candidates] == ["14.50"]
    # 表4 exists only in the corpus
    assert resolve_tables(two_docs, "表4") == ["urumqi-investment-promotion-bureau-2024-budget/T4"]


# ---------- the LangChain tool ----------
@pytest.fixture(scope="module")
def tool(store):
    from budget_qa.lookup_tool import make_lookup_tool

    return make_lookup_tool(store)


def test_tool_schema(tool):
    assert tool.name == "budget_lookup"
    assert set(tool.args) == {"table", "row", "column", "document"}
    assert "exact figures" in tool.description


def test_tool_returns_json(tool, store):
    out = tool.invoke({"row": "差旅费"})
    data = json.loads(out)
    assert data == lookup(store, row="差旅费").to_dict()
    [c] = data["candidates"]
    assert (c["value"], c["unit"], c["locator"]) == ("1.60", "万元", "表6 / 30211 差旅费 / 一般公共预算基本支出/合计")
    both = json.loads(tool.invoke({"row": "公务接待费"}))
    assert both["ambiguous"] is True and [c["value"] for c in both["candidates"]] == ["0.90", "8.90"]
    col = json.loads(tool.invoke({"table": "表6", "row": "差旅费", "column": "公用经费"}))
    assert col["candidates"][0]["column"] == "一般公共预算基本支出/公用经费"


def test_tool_unknown_label_returns_the_message(tool):
    out = tool.invoke({"row": "差率费"})
    assert out.startswith("No row matches '差率费'")
    assert "差旅费" in out
    assert tool.invoke({"table": "表99", "row": "合计"}).startswith("No table matches '表99'")
    assert tool.invoke({}).startswith("Give at least a table or a row")
