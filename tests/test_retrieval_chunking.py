"""Chunking: context prefixes, flat metadata, stable ids, coverage of paragraphs and table rows."""

from __future__ import annotations

import pytest

from budget_qa.retrieval.chunking import MAX_CHARS, make_chunks, split_long
from retrieval_fixtures import CORPUS_ID, demo_document

SANGONG_HEADING = "十、关于乌鲁木齐市招商服务局 2024 年财政拨款“三公”经费预算情况说明"


@pytest.fixture(scope="module")
def chunks(corpus_doc):
    return make_chunks(corpus_doc)


def by_id(chunks, cid):
    return next(c for c in chunks if c.id == cid)


def test_paragraph_chunk_has_context_prefix_and_metadata(chunks):
    c = by_id(chunks, f"{CORPUS_ID}:P3-S10:1")
    prefix = f"乌鲁木齐市招商服务局 2024年 / 第三部分 2024 年部门预算情况说明 / {SANGONG_HEADING}"
    assert c.text.startswith(prefix + "\n")
    assert c.text == prefix + "\n" + c.metadata["quote"]
    assert c.metadata["quote"].startswith("乌鲁木齐市招商服务局 2024 年财政拨款“三公”经费预算数为 17.81 万元")
    assert {k: c.metadata[k] for k in ("doc_id", "department", "year", "part", "section_id", "table_id", "kind",
                                        "locator", "line")} == {
        "doc_id": CORPUS_ID, "department": "乌鲁木齐市招商服务局", "year": "2024", "part": 3,
        "section_id": "P3-S10", "table_id": "", "kind": "paragraph",
        "locator": f"第三部分 / {SANGONG_HEADING}", "line": 545,
    }


def test_short_paragraphs_are_grouped_within_a_section(chunks):
    c = by_id(chunks, f"{CORPUS_ID}:P3-S10:2")  # the decrease sentence and the short 公务接待费 one
    assert c.metadata["paragraphs"] == "P3-S10-p2,P3-S10-p3"
    assert "下降 12.31%" in c.metadata["quote"] and "公务接待费减少 2.00 万元" in c.metadata["quote"]
    nested = by_id(chunks, f"{CORPUS_ID}:P3-S7.1:1")  # a level-2 section: the heading chain has both levels
    assert nested.metadata["locator"] == ("第三部分 / 七、关于乌鲁木齐市招商服务局2024年一般公共预算项目支出情况说明 / "
                                          "（一）项目名称：招商引资专项")
    assert "预算安排规模：73.10万元" in nested.metadata["quote"]


def test_table_chunk_renders_rows_with_label_and_columns(chunks):
    c = next(c for c in chunks if c.metadata["table_id"] == "T6" and "差旅费" in c.metadata["quote"])
    assert "表6 一般公共预算基本支出情况表（单位：万元）" in c.text
    assert "栏目：合计；人员经费；公用经费" in c.text
    assert "30211 差旅费: 合计 1.60; 公用经费 1.60" in c.metadata["quote"].splitlines()
    assert c.metadata["kind"] == "table" and c.metadata["part"] == 2 and c.metadata["section_id"] == ""
    assert c.metadata["locator"] == "表6 一般公共预算基本支出情况表 / 302 商品和服务支出 … 30217 公务接待费"
    assert c.metadata["line"] == 289
    assert c.id == f"{CORPUS_ID}:T6:3"


def test_performance_rows_carry_indicator_levels_and_values(chunks):
    c = next(c for c in chunks if c.metadata["table_id"] == "P5" and "外出参加会展及推介会任务" in c.metadata["quote"])
    assert "产出指标 / 数量指标 / 外出参加会展及推介会任务: 指标值 >=4 次" in c.metadata["quote"]
    assert "项目支出绩效目标表:招商引资专项" in c.text and "三级指标" in c.text
    goal = by_id(chunks, f"{CORPUS_ID}:P5:1")
    assert "项目总体目标：根据招商任务" in goal.metadata["quote"]


def test_empty_table_keeps_its_note(chunks):
    c = by_id(chunks, f"{CORPUS_ID}:T8:1")
    assert "（空表）" in c.metadata["quote"] and "政府性基金预算支出情况表为空表" in c.metadata["quote"]


def test_ids_stable_unique_and_metadata_flat(corpus_doc, chunks):
    again = make_chunks(corpus_doc)
    assert [(c.id, c.text, c.metadata) for c in again] == [(c.id, c.text, c.metadata) for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)
    for c in chunks:
        assert all(isinstance(v, (str, int)) for v in c.metadata.values()), c.id
        assert c.metadata["line"] > 0 and c.metadata["locator"]
        if c.metadata["kind"] == "paragraph":
            assert len(c.metadata["quote"]) <= MAX_CHARS


def test_every_paragraph_and_row_is_in_a_chunk(corpus_doc, chunks):
    in_chunks = {p for c in chunks for p in c.metadata.get("paragraphs", "").split(",") if p}
    for sec in corpus_doc.sections:
        for p in sec.paragraphs:
            assert p.id in in_chunks or p.text == sec.title, p.id
    for t in corpus_doc.tables:
        rows = [r for c in chunks if c.metadata["table_id"] == t.id for r in c.metadata["rows"].split("\n") if r]
        assert len(rows) == len(t.rows), t.id


def test_second_document_gets_its_own_ids_and_context():
    chunks = make_chunks(demo_document())
    assert [c.id for c in chunks] == ["demo-testing-bureau-2023-budget:P3-S10:1", "demo-testing-bureau-2023-budget:T6:1"]
    assert chunks[0].text.startswith("示例市测试局 2023年 / 第三部分 2023 年部门预算情况说明 / 十、")
    assert "30211 差旅费: 合计 3.00; 公用经费 3.00" in chunks[1].text


def test_split_long_cuts_at_sentence_ends():
    text = "甲" * 300 + "。" + "乙" * 300 + "。"
    assert split_long(text) == ["甲" * 300 + "。", "乙" * 300 + "。"]
    assert split_long("短句。") == ["短句。"]
    assert [len(p) for p in split_long("丙" * 1200)] == [500, 500, 200]
