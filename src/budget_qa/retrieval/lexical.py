"""BM25 over chunk tokens (bm25s), saved under <index>/lexical with the chunks and the user dictionary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..model import Chunk
from .bm25_light import LightBM25
from .tokenize import ZhTokenizer

Filters = Mapping[str, Any]
CHUNKS_FILE = "chunks.json"
USERDICT_FILE = "userdict.txt"
BM25_DIR = "bm25"


class LexicalIndex:
    """Chunks, their BM25 index and the tokenizer that produced it."""

    def __init__(self, bm25: Any, chunks: list[Chunk], tokenizer: ZhTokenizer) -> None:
        self.bm25 = bm25
        self.chunks = chunks
        self.tokenizer = tokenizer
        self._columns: dict[str, np.ndarray] = {}

    @classmethod
    def build(cls, chunks: list[Chunk], tokenizer: ZhTokenizer) -> LexicalIndex:
        import bm25s

        bm25 = bm25s.BM25()
        # pre-tokenized lists: bm25s builds its vocabulary from our tokens, not its English tokenizer
        bm25.index(tokenizer.tokenize_many(c.text for c in chunks), show_progress=False)
        return cls(bm25, chunks, tokenizer)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(directory / BM25_DIR), show_progress=False)
        self.tokenizer.save(directory / USERDICT_FILE)
        data = {"format": 1, "chunks": [
            {"id": c.id, "doc_id": c.doc_id, "text": c.text, "metadata": c.metadata} for c in self.chunks
        ]}
        (directory / CHUNKS_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        data = json.loads((directory / CHUNKS_FILE).read_text(encoding="utf-8"))
        chunks = [Chunk(**c) for c in data["chunks"]]
        bm25: Any = LightBM25.load(directory / BM25_DIR)  # no bm25s import on the query path
        if bm25 is None:
            import bm25s

            bm25 = bm25s.BM25.load(str(directory / BM25_DIR), show_progress=False)
        return cls(bm25, chunks, ZhTokenizer.load(directory / USERDICT_FILE))

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of chunks whose metadata match every filter (a value or a list of accepted values)."""
        active = {k: v for k, v in (filters or {}).items() if v is not None}
        if not active:
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        for key, want in active.items():
            col = self._column(key)
            wanted = [str(w) for w in (want if isinstance(want, (list, tuple, set, frozenset)) else [want])]
            mask &= np.isin(col, wanted)
        return mask

    def _column(self, key: str) -> np.ndarray:
        # one string array per metadata key, built on first use: filtering is then a vectorised isin
        if key not in self._columns:
            if self.chunks and not any(key in c.metadata for c in self.chunks):
                known = sorted({k for c in self.chunks for k in c.metadata})
                raise ValueError(f"unknown filter '{key}' (known: {', '.join(known)})")
            self._columns[key] = np.array([str(c.metadata.get(key, "")) for c in self.chunks], dtype=object)
        return self._columns[key]

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Best chunks by BM25 score (> 0 only), ties in source order."""
        if not self.chunks or k <= 0:
            return []
        vocab = getattr(self.bm25, "vocab_dict", None)
        tokens = self.tokenizer.tokenize_query(query, vocab) if vocab else self.tokenizer.tokenize(query)
        if not tokens:
            return []
        scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float64)
        mask = self.mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        order = hits[np.argsort(-scores[hits], kind="stable")][:k]
        return [(self.chunks[i].id, float(scores[i])) for i in order]
