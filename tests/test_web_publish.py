"""Publishing from a staged upload: parse + audit + differences, publish (a new version the running server
answers from within seconds), replace, unpublish, rollback, the publication log; a bad file changes nothing."""

from __future__ import annotations

import shutil
import time

import httpx
import pytest

from web_support import CORPUS, ServerThread, make_settings


@pytest.fixture()
def setup(tmp_path):
    from budget_qa.index import build_index
    from budget_qa.publish import Publisher

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    build_index([corpus], tmp_path / "index", settings={"embedder": "none"})
    pub = Publisher(corpus, tmp_path / "index", tmp_path / "data", {"embedder": "none"})
    return tmp_path, pub


def _upload(tmp_path, name: str, text: str):
    p = tmp_path / "uploads" / name
    p.parent.mkdir(exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_bad_file_shows_its_message_and_changes_nothing(setup):
    from budget_qa.index import current_version

    tmp, pub = setup
    before = current_version(tmp / "index")
    staged = pub.stage([_upload(tmp, "broken-2025-budget.txt", "这不是预算公开文件。\n")])
    assert not staged.ok and staged.errors and "broken-2025-budget.txt" in staged.errors[0]
    with pytest.raises(Exception, match="Nothing published"):
        pub.publish(staged)
    assert current_version(tmp / "index") == before and pub.history() == []


def test_publish_diff_replace_unpublish_rollback(setup):
    from budget_qa.index import current_version
    from fixtures import small_disclosure

    tmp, pub = setup
    v0 = current_version(tmp / "index")
    staged = pub.stage([_upload(tmp, "demo-2025-budget.txt", small_disclosure())])
    assert staged.ok and staged.documents[0]["tables"] >= 5 and staged.findings
    assert staged.counts()["new"] > 10 and staged.counts()["changed"] == 0 and not staged.replaces
    v1 = pub.publish(staged, user="alice")
    assert current_version(tmp / "index") == v1 != v0
    assert len(pub.live_documents()) == 2
    row = pub.history()[0]
    assert row["user"] == "alice" and row["action"] == "publish" and row["file"] == "demo-2025-budget.txt"
    assert len(row["sha256"]) == 64 and row["previous"] == v0
    # the same department and year again, one figure changed: a replacement, the change shown
    text = small_disclosure().replace("6.50", "7.50", 1)
    staged = pub.stage([_upload(tmp, "demo-2025-budget-v2.txt", text)])
    assert staged.ok and staged.replaces and any(
        c.before == "6.50" and c.after == "7.50" for c in staged.changes), staged.counts()
    v2 = pub.publish(staged, user="bob")
    assert len(pub.live_documents()) == 2 and pub.history()[0]["action"] == "replace"
    assert not (pub.corpus / "demo-2025-budget.txt").exists()
    # unpublish, then roll back to the replaced version
    demo = next(d["doc_id"] for d in pub.live_documents() if "示范" in d["department"])
    pub.unpublish(demo, user="bob")
    assert len(pub.live_documents()) == 1 and not (pub.corpus / "demo-2025-budget-v2.txt").exists()
    back = pub.rollback(user="bob")
    assert back == v2 == current_version(tmp / "index")
    assert (pub.corpus / "demo-2025-budget-v2.txt").exists() and len(pub.live_documents()) == 2
    assert [r["action"] for r in pub.history()] == ["rollback", "unpublish", "replace", "publish"]


def test_running_server_answers_from_a_publication_within_seconds(setup):
    from budget_qa.web.context import open_context
    from budget_qa.web.server import create_app
    from fixtures import small_disclosure

    tmp, pub = setup
    settings = make_settings(tmp, corpus=str(pub.corpus), reload_interval=0.5)
    ctx = open_context(settings, build=False, stream_delay=0)
    web = create_app(settings, ctx)
    ctx.index.watch()
    with ServerThread(web.app) as srv:
        ask = {"question": "差旅费预算是多少？", "department": "乌鲁木齐市示范测试局", "year": "2025"}
        assert httpx.post(f"{srv.url}/api/ask", json=ask, timeout=30).status_code == 422  # not served yet
        staged = pub.stage([_upload(tmp, "demo-2025-budget.txt", small_disclosure())])
        t0 = time.perf_counter()
        pub.publish(staged)
        published = time.perf_counter()
        while time.perf_counter() - published < 15:
            r = httpx.post(f"{srv.url}/api/ask", json=ask, timeout=30)
            if r.status_code == 200 and "6.50" in r.json()["answer"]:
                break
            time.sleep(0.2)
        took = time.perf_counter() - published
        print(f"publish {published - t0:.2f} s, then answered from the new version after {took:.2f} s")
        assert r.status_code == 200 and "6.50" in r.json()["answer"] and took < 5
        ctx.index.stop()
