"""Lexical retrieval: Chinese tokenization, BM25 ranking, metadata filters, save/load, no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from budget_qa.errors import BudgetQAError, NoIndexError
from budget_qa.retrieval.build import build_retrieval
from budget_qa.retrieval.lexical import LexicalIndex
from budget_qa.retrieval.retriever import HybridRetriever
from budget_qa.retrieval.tokenize import ZhTokenizer, dictionary_words, glossary_terms
from retrieval_fixtures import CORPUS_ID, DEMO_ID, demo_document

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def two_doc_index(corpus_doc, tmp_path_factory):
    d = tmp_path_factory.mktemp("lexical") / "index"
    d.mkdir()
    info = build_retrieval([corpus_doc, demo_document()], d, {"embedder": "none"})
    return d, info


@pytest.fixture(scope="module")
def lexical(two_doc_index):
    return LexicalIndex.load(two_doc_index[0] / "lexical")


def test_tokenizer_words_bigrams_ascii_and_punctuation():
    tk = ZhTokenizer(["三公经费"])
    assert tk.tokenize("“三公”经费") == ["三公经费", "三公", "公经", "经费"]  # quotes dropped, word kept whole
    assert tk.tokenize("Official ABC，12.31%！") == ["official", "abc", "12.31"]
    assert tk.tokenize("的 。 ，") == []
    assert "差旅" in tk.tokenize("差旅费") and "旅费" in tk.tokenize("差旅费")


def test_userdict_is_saved_and_reloaded(two_doc_index, lexical, corpus_doc):
    index_dir, _ = two_doc_index
    saved = (index_dir / "lexical" / "userdict.txt").read_text(encoding="utf-8").splitlines()
    assert saved == dictionary_words([corpus_doc, demo_document()])
    assert {"差旅费", "公务用车运行维护费", "人员经费"} <= set(saved)
    assert lexical.tokenizer.words == saved
    fresh = ZhTokenizer(saved)
    q = "2024年公务用车运行维护费和差旅费是多少"
    assert lexical.tokenizer.tokenize(q) == fresh.tokenize(q)


def test_glossary_is_optional(tmp_path):
    assert glossary_terms(tmp_path / "missing.json") == []
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert glossary_terms(tmp_path / "bad.json") == []
    (tmp_path / "g.json").write_text(json.dumps({"terms": [{"zh": "“三公”经费", "en": "three public expenses",
                                                            "zh_synonyms": ["三公开支"], "en_synonyms": []}]}),
                                     encoding="utf-8")
    assert glossary_terms(tmp_path / "g.json") == ["三公经费", "三公开支"]


def test_sangong_query_finds_the_sangong_paragraph(lexical):
    hits = lexical.search("三公经费 下降", k=5, filters={"doc_id": CORPUS_ID})
    top = lexical_chunk(lexical, hits[0][0])
    assert top.metadata["section_id"] == "P3-S10" and "下降 12.31%" in top.metadata["quote"]


def test_travel_query_finds_the_table_rows(lexical):
    hits = lexical.search("差旅费", k=5, filters={"doc_id": CORPUS_ID})
    rows = [lexical_chunk(lexical, cid) for cid, _ in hits if lexical_chunk(lexical, cid).metadata["table_id"] == "T6"]
    assert rows and "30211 差旅费: 合计 1.60; 公用经费 1.60" in rows[0].metadata["quote"]
    only_tables = lexical.search("差旅费", k=5, filters={"doc_id": CORPUS_ID, "kind": "table"})
    assert only_tables[0][0] == f"{CORPUS_ID}:T6:3"


def test_filters_keep_other_documents_out(lexical):
    both = {lexical_chunk(lexical, cid).doc_id for cid, _ in lexical.search("差旅费", k=50)}
    assert both == {CORPUS_ID, DEMO_ID}
    assert {lexical_chunk(lexical, c).doc_id for c, _ in lexical.search("差旅费", 50, {"doc_id": CORPUS_ID})} == {CORPUS_ID}
    assert {lexical_chunk(lexical, c).doc_id for c, _ in lexical.search("差旅费", 50, {"year": "2023"})} == {DEMO_ID}
    assert lexical.search("差旅费", 50, {"year": 2023}) == lexical.search("差旅费", 50, {"year": "2023"})
    assert lexical.search("差旅费", 50, {"department": "示例市测试局", "table_id": "T6"}) == [
        (f"{DEMO_ID}:T6:1", pytest.approx(lexical.search("差旅费", 50, {"year": "2023", "kind": "table"})[0][1]))]
    assert len(lexical.search("差旅费", 50, {"year": ["2023", "2024"]})) == len(lexical.search("差旅费", 50))
    assert lexical.search("差旅费", 50, {"year": "2019"}) == []
    with pytest.raises(ValueError, match="unknown filter 'yaer'"):
        lexical.search("差旅费", 5, {"yaer": "2024"})


def test_search_edge_cases(lexical):
    assert lexical.search("", 5) == []
    assert lexical.search("。！", 5) == []
    assert lexical.search("差旅费", 0) == []
    assert len(lexical.search("预算", 3)) == 3


def test_retriever_over_lexical_index(two_doc_index):
    index_dir, info = two_doc_index
    assert info["dense"] == "" and info["chunks"] == len(json.loads(
        (index_dir / "lexical" / "chunks.json").read_text(encoding="utf-8"))["chunks"])
    r = HybridRetriever.open(index_dir, {})
    hits = r.search("三公经费 下降", k=3, filters={"year": "2024"})
    assert hits[0].chunk.metadata["section_id"] == "P3-S10"
    assert all(set(h.ranks) == {"lexical"} for h in hits)
    assert [h.ranks["lexical"] for h in hits] == [1, 2, 3]
    assert hits[0].score > hits[1].score > 0
    assert "dense retrieval off" in r.status and "chunks from 2 document(s)" in r.status
    assert r.chunks[hits[0].chunk.id] is hits[0].chunk


def test_lexical_path_imports_neither_torch_nor_chromadb(two_doc_index):
    """A fresh interpreter: open and search a lexical-only index, then check what got imported."""
    code = textwrap.dedent(f"""
        import sys, time
        from budget_qa.retrieval.retriever import HybridRetriever
        r = HybridRetriever.open({str(two_doc_index[0])!r}, {{}})
        r.search("三公经费", 3)
        t = time.perf_counter()
        for _ in range(50):
            r.search("三公经费 下降", 5)
        per_query_ms = (time.perf_counter() - t) / 50 * 1000
        heavy = [m for m in ("torch", "sentence_transformers", "chromadb", "transformers") if m in sys.modules]
        print(heavy, per_query_ms)
        assert not heavy, heavy
        assert per_query_ms < 50, per_query_ms  # ~0.1 ms here; generous bound against slow CI machines
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_open_needs_a_retrieval_index(fact_index, tmp_path):
    with pytest.raises(BudgetQAError, match="has no retrieval part"):
        HybridRetriever.open(fact_index)  # built with_retrieval=False
    with pytest.raises(NoIndexError, match="run 'budget-qa ingest corpus/' first"):
        HybridRetriever.open(tmp_path / "missing")


def lexical_chunk(lexical, cid):
    return next(c for c in lexical.chunks if c.id == cid)
