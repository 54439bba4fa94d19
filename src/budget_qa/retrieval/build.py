"""Build the retrieval part of an index: chunks → lexical BM25 → dense vectors in Chroma (when an embedder resolves)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import settings as settings_mod
from ..errors import BudgetQAError
from ..model import Document
from .chunking import make_chunks
from .lexical import LexicalIndex
from .tokenize import ZhTokenizer, dictionary_words

Progress = Callable[[str], None]
INFO_FILE = "retrieval.json"
LEXICAL_DIR = "lexical"


def build_retrieval(docs: list[Document], index_dir: str | Path, settings: dict[str, Any] | None,
                    progress: Progress | None = None) -> dict[str, Any]:
    """Write lexical/ (and chroma/ or a server collection) into index_dir; return and save what was built.

    A dense failure with embedder=auto falls back to lexical retrieval with a note; when an embedder
    or a Chroma server was asked for explicitly, it fails the build (the previous index stays in place).
    """
    index_dir = Path(index_dir)
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    chunks = [c for doc in docs for c in make_chunks(doc)]
    tokenizer = ZhTokenizer(dictionary_words(docs))
    LexicalIndex.build(chunks, tokenizer).save(index_dir / LEXICAL_DIR)
    say(f"lexical index: {len(chunks)} chunks, {len(tokenizer.words)} dictionary words "
        f"({time.perf_counter() - t0:.2f} s)")

    kind = str(settings_mod.get(settings, "embedder") or "auto").lower()
    info: dict[str, Any] = {
        "format": 1, "chunks": len(chunks), "documents": [d.id for d in docs], "dense": "", "dense_note": "",
        "embedder": kind, "embedding_model": str(settings_mod.get(settings, "embedding_model") or ""),
        "chroma": {},
    }
    from .dense import resolve_embedder

    embedder, info["dense_note"] = resolve_embedder(settings)
    if embedder is None and kind not in ("auto", "none", "off", "false", "0"):
        # asked for by name: building without it would hide the problem until someone wonders why
        reason = info["dense_note"].removeprefix("dense retrieval off: ").split("; running on")[0]
        raise BudgetQAError(f"dense index not built: {reason} — make it available, or ingest with --embedder auto or none")
    if embedder is None:
        say(info["dense_note"])
    else:
        try:
            info.update(_build_dense(chunks, embedder, index_dir, settings, say))
        except Exception as err:
            if kind != "auto" or settings_mod.get(settings, "chroma_host"):
                raise BudgetQAError(f"dense index not built: {err} — fix it, or ingest with --embedder none") from err
            info["dense_note"] = f"dense retrieval off: {embedder.name} failed ({err}); running on facts + lexical retrieval"
            say(info["dense_note"])
    (index_dir / INFO_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return info


def _build_dense(chunks: list, embedder: Any, index_dir: Path, settings: dict[str, Any] | None,
                 say: Progress) -> dict[str, Any]:
    from .dense import DenseStore, EmbeddingCache, chroma_client, collection_name, delete_collection

    t0 = time.perf_counter()
    host = settings_mod.get(settings, "chroma_host")
    name = collection_name(settings, index_dir)
    cache, why_not = EmbeddingCache.open(settings, embedder)
    if why_not and getattr(embedder, "cache_id", ""):
        say(why_not)
    client = chroma_client(settings, index_dir)
    try:
        store = DenseStore.build(client, name, chunks, embedder, progress=say, cache=cache)
    except BaseException:
        delete_collection(client, name)  # a half-built collection on a server would be orphaned
        raise
    finally:
        _close(client)  # release the embedded store before index_dir is renamed into place
        if cache is not None:
            cache.close()
    chroma: dict[str, Any] = {"mode": "server" if host else "embedded", "collection": name}
    if host:
        chroma.update(host=str(host), port=int(settings_mod.get(settings, "chroma_port")))
    cached = f", {store.reused} from the embedding cache {cache.path}" if cache is not None and store.reused else ""
    say(f"dense index: {len(chunks)} vectors in Chroma collection {name} ({store.embedded} embedded{cached}; "
        f"{time.perf_counter() - t0:.2f} s)")
    return {"dense": embedder.name, "chroma": chroma, "embedded": store.embedded, "reused": store.reused,
            "embedding_cache": str(cache.path) if cache is not None else ""}


def _close(client: Any) -> None:
    close = getattr(client, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # closing is best effort; the data is already persisted
            pass


def drop_dense_collection(info: dict[str, Any] | None, settings: dict[str, Any] | None = None) -> bool:
    """Delete the server collection an index's retrieval.json names (after that index was replaced).

    Embedded stores live inside the index directory and go with it; only server collections need this.
    """
    chroma = (info or {}).get("chroma") or {}
    if chroma.get("mode") != "server" or not chroma.get("collection"):
        return False
    from .dense import chroma_client, delete_collection

    where = {**(settings or {})}
    if not settings_mod.get(settings, "chroma_host"):
        where.update(chroma_host=chroma.get("host", ""), chroma_port=chroma.get("port", 8000))
    client = chroma_client(where, "")
    try:
        return delete_collection(client, chroma["collection"])
    finally:
        _close(client)


def load_info(index_dir: str | Path) -> dict[str, Any] | None:
    from ..index import live_path

    path = live_path(index_dir) / INFO_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
