"""A tiny sentence-transformers model, built and saved by the test itself, used through the dense path."""

from __future__ import annotations

import json

import numpy as np
import pytest

from budget_qa.retrieval.build import build_retrieval
from budget_qa.retrieval.chunking import make_chunks
from budget_qa.retrieval.dense import SentenceTransformerEmbedder, resolve_embedder
from budget_qa.retrieval.retriever import HybridRetriever
from retrieval_fixtures import CORPUS_ID

pytestmark = pytest.mark.slow  # imports torch (~6–15 s)

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@pytest.fixture(scope="module")
def tiny_model(corpus_doc, tmp_path_factory):
    """BERT with 1 layer and random (seeded) weights, a WordPiece vocabulary of the corpus characters, mean pooling.

    The folder name contains 'e5', so the embedder must add e5's 'query: ' / 'passage: ' prefixes.
    """
    torch = pytest.importorskip("torch")
    pytest.importorskip("sentence_transformers")
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    try:  # sentence-transformers ≥ 6 moved the modules; older releases keep them in .models
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:
        from sentence_transformers.models import Pooling, Transformer

    root = tmp_path_factory.mktemp("st")
    bert_dir, model_dir = root / "bert", root / "tiny-e5"
    bert_dir.mkdir()
    chars = sorted({ch for c in make_chunks(corpus_doc) for ch in c.text.lower() if not ch.isspace()})
    ascii_words = ["query", "passage", ":"]
    (bert_dir / "vocab.txt").write_text("\n".join(SPECIAL + ascii_words + chars) + "\n", encoding="utf-8")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(SPECIAL) + len(ascii_words) + len(chars), hidden_size=32,
                        num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=512)
    BertModel(config).save_pretrained(bert_dir)
    BertTokenizerFast(vocab_file=str(bert_dir / "vocab.txt")).save_pretrained(bert_dir)
    word = Transformer(str(bert_dir), max_seq_length=256)
    dim = word.get_embedding_dimension() if hasattr(word, "get_embedding_dimension") \
        else word.get_word_embedding_dimension()
    SentenceTransformer(modules=[word, Pooling(dim, pooling_mode="mean")], device="cpu").save(str(model_dir))
    return model_dir


def test_local_model_loads_through_the_embedder(tiny_model):
    settings = {"embedder": "sentence-transformers", "embedding_model": str(tiny_model)}
    embedder, note = resolve_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder), note
    assert (embedder.query_prefix, embedder.passage_prefix) == ("query: ", "passage: ")
    docs = embedder.embed_documents(["三公经费下降", "差旅费"])
    assert docs.shape == (2, 32) and np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    q = embedder.embed_query("三公经费")
    assert q.shape == (32,)
    assert np.allclose(embedder.embed_query("三公经费"), q)  # deterministic
    auto, _ = resolve_embedder({"embedder": "auto", "embedding_model": str(tiny_model)})
    assert isinstance(auto, SentenceTransformerEmbedder)


def test_index_and_search_with_the_local_model(tiny_model, corpus_doc, tmp_path):
    settings = {"embedder": "sentence-transformers", "embedding_model": str(tiny_model)}
    info = build_retrieval([corpus_doc], tmp_path, settings)
    assert info["dense"] == f"sentence-transformers:{tiny_model}"
    assert json.loads((tmp_path / "retrieval.json").read_text(encoding="utf-8"))["dense"] == info["dense"]
    r = HybridRetriever.open(tmp_path, {})  # the index says which model made its vectors
    try:
        assert r.has_dense, r.status
        # random weights rank passages arbitrarily (and near-ties may fall either way): check the plumbing,
        # not the ranking
        hits = r.search("三公经费 下降", k=5, filters={"doc_id": CORPUS_ID})
        assert len(hits) == 5 and all(h.chunk.doc_id == CORPUS_ID for h in hits)
        assert any("dense" in h.ranks for h in hits)
        for h in hits:
            assert h.score == pytest.approx(sum(1 / (60 + rank) for rank in h.ranks.values()))
        lexical = r.lexical.search("三公经费 下降", 20, {"doc_id": CORPUS_ID})
        for h in hits:
            if "lexical" in h.ranks:
                assert lexical[h.ranks["lexical"] - 1][0] == h.chunk.id
        assert len(r.dense.search("差旅费", k=4)) == 4
    finally:
        r.close()
