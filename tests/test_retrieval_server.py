"""The same dense retrieval through a real Chroma server ('chroma run' on loopback), started by the test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from budget_qa.errors import BudgetQAError
from budget_qa.retrieval.build import build_retrieval, drop_dense_collection
from budget_qa.retrieval.dense import FakeEmbedder, chroma_client
from budget_qa.retrieval.retriever import HybridRetriever
from retrieval_fixtures import CORPUS_ID, demo_document

pytestmark = pytest.mark.server
START_TIMEOUT = 60
QUERIES = [("三公经费 下降", None), ("差旅费", {"doc_id": CORPUS_ID}), ("差旅费", {"year": "2023"}),
           ("招商引资专项 绩效目标", {"kind": "table"}), ("政府采购", {"doc_id": CORPUS_ID, "part": 3})]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = shutil.which("chroma")
    if exe is None:
        pytest.skip("the 'chroma' executable (installed with the chromadb package) is not on PATH")
    data = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = open(data / "server.log", "wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([exe, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with {proc.returncode}:\n{(data / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"chroma server did not answer within {START_TIMEOUT} s:\n"
                            f"{(data / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield {"chroma_host": "127.0.0.1", "chroma_port": port}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def docs(corpus_doc):
    return [corpus_doc, demo_document()]


def _collections(server) -> set[str]:
    client = chroma_client(server, "unused")
    return {c.name for c in client.list_collections()}


def _results(index_dir, settings):
    r = HybridRetriever.open(index_dir, settings)
    try:
        assert r.has_dense, r.status
        return [[(h.chunk.id, h.ranks, round(h.score, 9)) for h in r.search(q, k=5, filters=f)] for q, f in QUERIES], \
            r.status
    finally:
        r.close()


def test_server_gives_the_same_results_as_embedded(chroma_server, docs, tmp_path):
    embedded = build_retrieval(docs, tmp_path / "embedded", {"embedder": "fake"})
    served = build_retrieval(docs, tmp_path / "served", {"embedder": "fake", **chroma_server})
    assert embedded["chroma"]["mode"] == "embedded" and embedded["dense"] == served["dense"] == "fake-256"
    assert served["chroma"]["mode"] == "server" and served["chroma"]["port"] == chroma_server["chroma_port"]
    assert served["chroma"]["collection"] in _collections(chroma_server)
    assert not (tmp_path / "served" / "chroma").exists()
    want, _ = _results(tmp_path / "embedded", {})
    got, status = _results(tmp_path / "served", {**chroma_server})
    assert got == want
    assert f"Chroma server 127.0.0.1:{chroma_server['chroma_port']}" in status
    # the index remembers its server: opening without chroma_host still reaches it
    assert _results(tmp_path / "served", {})[0] == want


def test_each_index_gets_its_own_collection(chroma_server, docs, tmp_path):
    a = build_retrieval(docs[:1], tmp_path / "a", {"embedder": "fake", **chroma_server})
    b = build_retrieval(docs[1:], tmp_path / "b", {"embedder": "fake", **chroma_server})
    assert a["chroma"]["collection"] != b["chroma"]["collection"]
    ra, rb = HybridRetriever.open(tmp_path / "a", chroma_server), HybridRetriever.open(tmp_path / "b", chroma_server)
    try:
        assert {h.chunk.doc_id for h in ra.search("差旅费", 10)} == {docs[0].id}
        assert {cid.split(":")[0] for cid, _ in rb.dense.search("差旅费", 10)} == {docs[1].id}
    finally:
        ra.close()
        rb.close()


class Exploding(FakeEmbedder):
    """Fails after the first batch, as a model or a network would half-way through an ingest."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def embed_documents(self, texts):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("embedding failed half-way")
        return super().embed_documents(texts)


def test_failed_build_leaves_the_previous_collection_alone(chroma_server, docs, tmp_path, monkeypatch):
    good = build_retrieval(docs, tmp_path / "good", {"embedder": "fake", **chroma_server})
    before = _collections(chroma_server)
    want, _ = _results(tmp_path / "good", chroma_server)
    monkeypatch.setattr("budget_qa.retrieval.dense.resolve_embedder", lambda s: (Exploding(), "exploding"))
    with pytest.raises(BudgetQAError, match="embedding failed half-way"):
        build_retrieval(docs, tmp_path / "next", {"embedder": "fake", **chroma_server})
    monkeypatch.undo()
    assert _collections(chroma_server) == before  # the half-built one is gone, the good one is still there
    assert good["chroma"]["collection"] in before
    assert _results(tmp_path / "good", chroma_server)[0] == want


def test_unreachable_server_fails_an_explicit_build_and_degrades_at_query_time(chroma_server, docs, tmp_path):
    built = build_retrieval(docs, tmp_path / "i", {"embedder": "fake", **chroma_server})
    dead = {"chroma_host": "127.0.0.1", "chroma_port": _free_port()}
    with pytest.raises(BudgetQAError, match="Could not connect"):
        build_retrieval(docs, tmp_path / "j", {"embedder": "fake", **dead})
    r = HybridRetriever.open(tmp_path / "i", dead)  # the index's collection, but the server is not there
    assert not r.has_dense and built["chroma"]["collection"] in r.status
    assert r.search("差旅费", 3)  # lexical retrieval still answers


def test_the_collection_of_a_replaced_index_can_be_dropped(chroma_server, docs, tmp_path):
    info = build_retrieval(docs[1:], tmp_path / "old", {"embedder": "fake", **chroma_server})
    assert info["chroma"]["collection"] in _collections(chroma_server)
    assert drop_dense_collection(info, {})  # finds the server from the index's own record
    assert info["chroma"]["collection"] not in _collections(chroma_server)
    assert not drop_dense_collection(info, chroma_server)  # already gone
    assert not drop_dense_collection(build_retrieval(docs[1:], tmp_path / "emb", {"embedder": "fake"}))
