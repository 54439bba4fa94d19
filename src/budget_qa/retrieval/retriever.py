"""Hybrid retrieval over a built index: BM25 always, dense vectors when the index has them, fused with RRF."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import settings as settings_mod
from ..errors import BudgetQAError, NoIndexError
from ..model import Chunk
from .build import LEXICAL_DIR, load_info
from .fusion import rrf
from .lexical import CHUNKS_FILE, LexicalIndex

RRF_K = 60
MIN_DEPTH = 20  # each source contributes at least this many candidates to the fusion


@dataclass
class Hit:
    chunk: Chunk
    score: float  # fused RRF score
    ranks: dict[str, int] = field(default_factory=dict)  # 1-based rank per source: {"lexical": 1, "dense": 3}
    scores: dict[str, float] = field(default_factory=dict)  # raw per source: BM25 score, cosine similarity


class HybridRetriever:
    """Open with ``HybridRetriever.open(index_dir, settings)``; ``search(query, k, filters)`` returns Hits.

    Nothing heavy is imported for lexical retrieval: chromadb only when the index has a dense part,
    sentence-transformers/torch only when that part was made with a sentence-transformers model
    (and then on the first query, or on ``warm()``).
    """

    def __init__(self, index_dir: Path, lexical: LexicalIndex, info: dict[str, Any]) -> None:
        self.index_dir = index_dir
        self.lexical = lexical
        self.info = info
        self.chunks: dict[str, Chunk] = {c.id: c for c in lexical.chunks}
        self.dense: Any = None  # a DenseStore when dense retrieval is usable
        # fusion knobs, left for the evaluation harness to tune: RRF's k and a weight per source
        self.rrf_k = RRF_K
        self.weights: dict[str, float] = {"lexical": 1.0, "dense": 1.0}
        self.dense_note = info.get("dense_note", "") or "dense retrieval off: the index has no dense part"
        self._client: Any = None

    @classmethod
    def open(cls, index_dir: str | Path, settings: dict[str, Any] | None = None) -> HybridRetriever:
        from ..index import live_path

        index_dir = live_path(index_dir)  # the folder of the index's current version
        if not index_dir.exists():
            raise NoIndexError(str(index_dir))
        if not (index_dir / LEXICAL_DIR / CHUNKS_FILE).exists():
            raise BudgetQAError(f"The index at {index_dir} has no retrieval part (built with --facts-only?) — "
                                "run 'budget-qa ingest' again without --facts-only")
        info = load_info(index_dir) or {}
        self = cls(index_dir, LexicalIndex.load(index_dir / LEXICAL_DIR), info)
        if info.get("dense"):
            self._open_dense(dict(settings or {}))
        return self

    def _open_dense(self, settings: dict[str, Any]) -> None:
        from .dense import DenseStore, chroma_client, resolve_embedder

        built_with = self.info["dense"]
        if str(settings_mod.get(settings, "embedder")).lower() in ("none", "off"):
            self.dense_note = f"dense retrieval off (embedder=none); the index also has {built_with} vectors"
            return
        # query vectors must come from the model that made the index, whatever the default is today
        query_settings = {**settings, "embedder": self.info.get("embedder", "auto"),
                          "embedding_model": self.info.get("embedding_model", "")}
        chroma = self.info.get("chroma") or {}
        if chroma.get("mode") == "server" and not settings_mod.get(settings, "chroma_host"):
            query_settings.update(chroma_host=chroma.get("host", ""), chroma_port=chroma.get("port", 8000))
        embedder, note = resolve_embedder(query_settings)
        if embedder is None or embedder.name != built_with:
            now = note if embedder is None else f"{embedder.name} resolves now"
            self.dense_note = f"dense retrieval off: the index vectors were made by {built_with}; {now}"
            return
        try:
            self._client = chroma_client(query_settings, self.index_dir)
            self.dense = DenseStore.open(self._client, chroma["collection"], embedder)
        except Exception as err:  # server down, collection dropped: lexical retrieval still answers
            self.dense_note = f"dense retrieval off: Chroma collection {chroma.get('collection')} unavailable ({err})"
            if chroma.get("mode") == "embedded":
                # chromadb shares one store per path in a process: a retriever still open on the index
                # this one replaced keeps the old store alive
                self.dense_note += "; close() retrievers opened on the previous index and open again"
            self.close()
            return
        where = f"Chroma server {chroma.get('host')}:{chroma.get('port')}" if chroma.get("mode") == "server" \
            else "embedded Chroma"
        self.dense_note = f"dense: {built_with} ({where}, collection {chroma['collection']})"

    @property
    def has_dense(self) -> bool:
        return self.dense is not None

    @property
    def status(self) -> str:
        """One line for 'budget-qa doctor'."""
        docs = len(self.info.get("documents") or {c.doc_id for c in self.chunks.values()})
        lexical = f"lexical BM25 (jieba + bigrams, {len(self.lexical.tokenizer.words)} dictionary words)"
        return f"retrieval: {len(self.chunks)} chunks from {docs} document(s); {lexical}; {self.dense_note}"

    def warm(self) -> None:
        """Load the tokenizer (and the dense model) now rather than on the first query."""
        self.lexical.tokenizer.warm()
        if self.dense is not None:
            self.dense.embedder.embed_query("warm up")

    def search(self, query: str, k: int = 5, filters: Mapping[str, Any] | None = None) -> list[Hit]:
        """The k best chunks for the query, restricted by metadata filters (doc_id, year, department,
        table_id, kind, … — a value or a list of values)."""
        if k <= 0 or not query.strip():
            return []
        depth = max(4 * k, MIN_DEPTH)
        runs: dict[str, list[tuple[str, float]]] = {"lexical": self.lexical.search(query, depth, filters)}
        if self.dense is not None:
            try:
                runs["dense"] = [(i, s) for i, s in self.dense.search(query, depth, filters) if i in self.chunks]
            except Exception as err:  # keep answering lexically; say why in the status line
                self.dense_note = f"dense retrieval off after an error: {err}"
                self.dense = None
        fused = rrf([[cid for cid, _ in run] for run in runs.values()], k=self.rrf_k,
                    weights=[self.weights.get(name, 1.0) for name in runs])
        ranks = {name: {cid: n for n, (cid, _) in enumerate(run, 1)} for name, run in runs.items()}
        raw = {name: dict(run) for name, run in runs.items()}
        return [
            Hit(chunk=self.chunks[cid], score=score,
                ranks={n: r[cid] for n, r in ranks.items() if cid in r},
                scores={n: s[cid] for n, s in raw.items() if cid in s})
            for cid, score in fused[:k]
        ]

    def close(self) -> None:
        """Release the Chroma client (embedded stores keep files open)."""
        client, self._client = self._client, None
        if client is not None and callable(getattr(client, "close", None)):
            try:
                client.close()
            except Exception:  # best effort
                pass
