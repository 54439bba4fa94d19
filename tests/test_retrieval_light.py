"""The query path reads BM25 scores with numpy alone and tokenizes from the index's vocabulary:
the same scores and the same hits as bm25s with jieba, without importing either."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np

from budget_qa.retrieval.bm25_light import LightBM25
from budget_qa.retrieval.lexical import BM25_DIR, LexicalIndex
from budget_qa.retrieval.tokenize import ZhTokenizer


def _lexical_dir(qa_index) -> object:
    from budget_qa.index import live_path

    return live_path(qa_index) / "lexical"


def test_light_scores_equal_bm25s(qa_index):
    import bm25s

    d = _lexical_dir(qa_index) / BM25_DIR
    light, full = LightBM25.load(d), bm25s.BM25.load(str(d), show_progress=False)
    assert light is not None
    vocab = [v for v in light.vocab_dict if v]
    rng = random.Random(7)
    for _ in range(100):
        tokens = rng.sample(vocab, rng.randint(1, 6))
        assert np.allclose(light.get_scores(tokens), full.get_scores(tokens), atol=1e-5)


def test_vocabulary_tokens_cover_jieba_tokens(qa_index):
    d = _lexical_dir(qa_index)
    index = LexicalIndex.load(d)
    vocab = set(index.bm25.vocab_dict)
    tok = ZhTokenizer.load(d / "userdict.txt")
    for q in ("招商一科负责什么？", "2024年三公经费是多少？", "差旅费比上年增加了多少", "机关运行经费包括哪些"):
        scoring = {t for t in tok.tokenize(q) if t in vocab}  # what jieba gives that can score at all
        assert scoring <= set(tok.tokenize_query(q, vocab)), q


def test_text_question_does_not_import_jieba_or_bm25s(qa_index):
    code = ("import sys; from budget_qa.core import BudgetQA; qa = BudgetQA.open(sys.argv[1]); "
            "a = qa.ask('招商一科负责什么？'); assert a.route == 'retrieval', a.route; "
            "print(sorted(m for m in ('jieba', 'bm25s', 'scipy', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(qa_index)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
