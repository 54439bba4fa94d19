"""Dense retrieval with the fake embedder in an embedded Chroma store, and embedder resolution (offline, fast)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from budget_qa.errors import BudgetQAError
from budget_qa.retrieval import build as build_mod
from budget_qa.retrieval.build import build_retrieval
from budget_qa.retrieval.dense import FakeEmbedder, chroma_where, collection_name, resolve_embedder
from budget_qa.retrieval.embedders import SentenceTransformerEmbedder, is_e5, local_model_path
from budget_qa.retrieval.retriever import HybridRetriever
from retrieval_fixtures import CORPUS_ID, DEMO_ID, demo_document

ROOT = Path(__file__).resolve().parent.parent
FAKE = {"embedder": "fake", "chroma_collection": "budget_qa_test"}


@pytest.fixture(scope="module")
def fake_index(corpus_doc, tmp_path_factory):
    d = tmp_path_factory.mktemp("dense") / "index"
    d.mkdir()
    return d, build_retrieval([corpus_doc, demo_document()], d, FAKE)


def test_fake_embedder_is_deterministic_and_normalised():
    e = FakeEmbedder(dim=64)
    a, b = e.embed_documents(["三公经费下降", "差旅费"]), e.embed_documents(["三公经费下降", "差旅费"])
    assert a.shape == (2, 64) and a.dtype == np.float32 and np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    q = e.embed_query("三公经费")
    assert float(a[0] @ q) > float(a[1] @ q)
    assert e.embed_documents([]).shape == (0, 64)


def test_build_records_the_dense_part(fake_index):
    index_dir, info = fake_index
    saved = json.loads((index_dir / "retrieval.json").read_text(encoding="utf-8"))
    assert saved == info
    assert info["dense"] == "fake-256" and info["embedder"] == "fake"
    assert info["chroma"] == {"mode": "embedded", "collection": collection_name(FAKE, index_dir)}
    assert info["chroma"]["collection"].startswith("budget_qa_test_")
    assert (index_dir / "chroma").is_dir()
    assert info["documents"] == [CORPUS_ID, DEMO_ID]


def test_hybrid_search_uses_both_sources(fake_index):
    r = HybridRetriever.open(fake_index[0], {})
    try:
        assert r.has_dense and "dense: fake-256 (embedded Chroma" in r.status
        hits = r.search("三公经费 下降", k=5, filters={"doc_id": CORPUS_ID})
        assert hits[0].chunk.metadata["section_id"] == "P3-S10"
        assert any("dense" in h.ranks for h in hits) and any("lexical" in h.ranks for h in hits)
        assert all(h.chunk.doc_id == CORPUS_ID for h in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        dense_only = r.dense.search("差旅费", k=10, filters={"year": "2023"})
        assert dense_only and {cid.split(":")[0] for cid, _ in dense_only} == {DEMO_ID}
        assert r.dense.search("差旅费", k=3, filters={"year": []}) == []
        assert r.dense.search("差旅费", k=50, filters={"doc_id": CORPUS_ID, "kind": "table", "part": 2})
    finally:
        r.close()


def test_embedder_none_at_query_time_turns_dense_off(fake_index):
    r = HybridRetriever.open(fake_index[0], {"embedder": "none"})
    assert not r.has_dense and "embedder=none" in r.status
    assert r.search("差旅费", 3)[0].ranks.keys() == {"lexical"}


def test_chroma_where_clause():
    assert chroma_where(None) is None and chroma_where({"year": None}) is None
    assert chroma_where({"year": 2024}) == {"year": "2024"}
    assert chroma_where({"doc_id": "a", "part": "3"}) == {"$and": [{"doc_id": "a"}, {"part": 3}]}
    assert chroma_where({"year": ["2023", "2024"]}) == {"year": {"$in": ["2023", "2024"]}}


def test_resolve_embedder_choices():
    assert resolve_embedder({"embedder": "none"})[0] is None
    fake, note = resolve_embedder({"embedder": "fake"})
    assert isinstance(fake, FakeEmbedder) and "fake" in note
    e, note = resolve_embedder({"embedder": "bogus"})
    assert e is None and "unknown embedder 'bogus'" in note


def test_model_not_on_disk_is_reported_fast_without_torch(tmp_path):
    """A fresh interpreter with an empty HF cache: resolving must answer at once, offline, without torch."""
    code = textwrap.dedent("""
        import sys, time
        from budget_qa.retrieval.dense import resolve_embedder
        t = time.perf_counter()
        for kind in ("auto", "sentence-transformers"):
            e, note = resolve_embedder({"embedder": kind, "embedding_model": "intfloat/not-a-real-model-xyz"})
            assert e is None, e
            assert note == ("dense retrieval off: model intfloat/not-a-real-model-xyz is not on disk; "
                            "running on facts + lexical retrieval"), note
        e, _ = resolve_embedder({"embedder": "auto", "embedding_model": "/no/such/folder/e5"})
        assert e is None
        elapsed = time.perf_counter() - t
        assert elapsed < 3, elapsed
        assert "torch" not in sys.modules and "sentence_transformers" not in sys.modules
    """)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_HOME": str(tmp_path / "hf"),
           "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_model_found_in_hf_cache(tmp_path, monkeypatch):
    snap = tmp_path / "hub" / "models--intfloat--multilingual-e5-small" / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    (snap / "modules.json").write_text("[]", encoding="utf-8")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert local_model_path("intfloat/multilingual-e5-small") == str(snap)
    e, note = resolve_embedder({"embedder": "auto", "embedding_model": "intfloat/multilingual-e5-small"})
    assert isinstance(e, SentenceTransformerEmbedder) and e.path == str(snap)
    assert (e.query_prefix, e.passage_prefix) == ("query: ", "passage: ")  # nothing loaded yet: lazy
    assert e._model is None


def test_e5_prefix_detection():
    assert is_e5("intfloat/multilingual-e5-small") and is_e5("/models/e5") and is_e5("tiny-e5")
    assert not is_e5("sentence-transformers/all-MiniLM-L6-v2") and not is_e5("/tmp/be5t-model")


def test_auto_without_model_builds_lexical_only(corpus_doc, tmp_path):
    info = build_retrieval([corpus_doc], tmp_path, {"embedder": "auto", "embedding_model": str(tmp_path / "none")})
    assert info["dense"] == "" and "is not on disk" in info["dense_note"]
    assert not (tmp_path / "chroma").exists()


class Exploding(FakeEmbedder):
    def embed_documents(self, texts):
        raise RuntimeError("model crashed")


def test_dense_failure_fails_an_explicit_build_but_not_auto(corpus_doc, tmp_path, monkeypatch):
    monkeypatch.setattr("budget_qa.retrieval.dense.resolve_embedder", lambda s: (Exploding(), "exploding"))
    with pytest.raises(BudgetQAError, match="dense index not built: model crashed"):
        build_retrieval([corpus_doc], tmp_path / "a", {"embedder": "fake"})
    info = build_retrieval([corpus_doc], tmp_path / "b", {"embedder": "auto"})
    assert info["dense"] == "" and "failed (model crashed)" in info["dense_note"]
    assert build_mod.load_info(tmp_path / "b") == info


def test_resolve_is_quick_in_process():
    t = time.perf_counter()
    e, _ = resolve_embedder({"embedder": "auto", "embedding_model": "intfloat/not-a-real-model-xyz"})
    assert e is None and time.perf_counter() - t < 3


def test_an_embedder_asked_for_by_name_must_be_there(corpus_doc, tmp_path):
    with pytest.raises(BudgetQAError, match="is not on disk — make it available, or ingest with --embedder"):
        build_retrieval([corpus_doc], tmp_path, {"embedder": "sentence-transformers",
                                                 "embedding_model": str(tmp_path / "no-model")})
    with pytest.raises(BudgetQAError, match="unknown embedder 'bert'"):
        build_retrieval([corpus_doc], tmp_path, {"embedder": "bert"})


def test_reingest_in_the_same_process(tmp_path):
    """Re-ingesting into the same folder: once the old retriever is closed, the new index's vectors are used."""
    from budget_qa.index import build_index

    index = tmp_path / "index"
    build_index([ROOT / "corpus"], index, settings=FAKE)
    old = HybridRetriever.open(index, {})
    assert old.has_dense
    build_index([ROOT / "corpus"], index, settings=FAKE)
    new = HybridRetriever.open(index, {})
    assert new.has_dense or "close() retrievers opened on the previous index" in new.status
    old.close()
    new.close()
    again = HybridRetriever.open(index, {})
    try:
        assert again.has_dense and again.info["chroma"]["collection"] in again.status
        assert any("dense" in h.ranks for h in again.search("差旅费", 3))
    finally:
        again.close()


def test_dense_text_drops_the_shared_context_line(corpus_doc):
    from budget_qa.retrieval.chunking import make_chunks
    from budget_qa.retrieval.dense import dense_text

    chunks = {c.id: c for c in make_chunks(corpus_doc)}
    para = chunks[f"{CORPUS_ID}:P3-S10:1"]
    assert dense_text(para) == para.metadata["heading"] + "\n" + para.metadata["quote"]
    table = dense_text(chunks[f"{CORPUS_ID}:T6:3"])
    assert table.startswith("表6 一般公共预算基本支出情况表\n栏目：合计；人员经费；公用经费\n302 商品和服务支出")
    assert "乌鲁木齐市招商服务局 2024年 /" not in table
