"""BM25 scores from a bm25s index on disk, read with numpy alone.

bm25s builds and saves the index at ingest; at query time importing it costs most of a cold
`budget-qa ask` (it pulls in scipy and its utilities). Its saved scores are a token-major sparse
matrix (data/indices/indptr): a query's scores are the sums of its tokens' rows. Methods that add
a non-occurrence score (bm25l, bm25+) are left to bm25s itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_PLAIN_METHODS = ("lucene", "robertson", "atire")


class LightBM25:
    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 num_docs: int, dtype: str) -> None:
        self.vocab_dict, self.data, self.indices, self.indptr = vocab, data, indices, indptr
        self.num_docs, self.dtype = num_docs, np.dtype(dtype)

    @classmethod
    def load(cls, directory: Path) -> LightBM25 | None:
        """None when the saved index is not one this reader can score (another method or layout)."""
        try:
            params = json.loads((directory / "params.index.json").read_text(encoding="utf-8"))
            if params.get("method") not in _PLAIN_METHODS:
                return None
            vocab = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
            arrays = [np.load(directory / f"{name}.csc.index.npy") for name in ("data", "indices", "indptr")]
        except (OSError, ValueError, KeyError):
            return None
        # bm25s keeps one vocabulary entry (the empty token) without a row: len(indptr) ≤ len(vocab) + 1
        if not isinstance(vocab, dict) or not 1 <= len(arrays[2]) <= len(vocab) + 1:
            return None
        return cls(vocab, *arrays, int(params["num_docs"]), params.get("dtype", "float32"))

    def get_scores(self, tokens: list[str]) -> np.ndarray:
        scores = np.zeros(self.num_docs, dtype=self.dtype)
        for t in tokens:
            i = self.vocab_dict.get(t)
            if i is None or i >= len(self.indptr) - 1:
                continue
            start, end = self.indptr[i], self.indptr[i + 1]
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores
