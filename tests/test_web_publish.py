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


# ---------------------------------------------------------------- the desk's 发布 / Publish tab


@pytest.fixture()
def desk_ctx(tmp_path):
    from web_support import make_ctx

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    return tmp_path, make_ctx(tmp_path, corpus=str(corpus), staff_password=PASSWORD, reload_interval=0.5)


PASSWORD = "publish-desk-password"


def test_desk_check_shows_a_bad_files_message_and_changes_nothing(desk_ctx):
    from budget_qa.index import current_version
    from budget_qa.web import desk

    tmp, ctx = desk_ctx
    before = current_version(tmp / "index")
    c = desk.check_upload(ctx, [str(_upload(tmp, "broken-2025-budget.txt", "这不是预算公开文件。\n"))])
    assert not c.can_publish and c.staged is None and "broken-2025-budget.txt" in c.message
    assert "nothing was changed" in c.message and c.documents.empty
    assert desk.check_upload(ctx, []).can_publish is False
    message, keep = desk.publish_staged(ctx, None)
    assert keep is None and "Upload and check" in message
    assert current_version(tmp / "index") == before and desk.history_frame(ctx).empty
    assert list((tmp / "data" / "staging").iterdir()) == []  # nothing left behind


def test_desk_check_publish_replace_unpublish_rollback(desk_ctx):
    from budget_qa.index import current_version
    from budget_qa.web import desk
    from fixtures import small_disclosure

    tmp, ctx = desk_ctx
    v0 = current_version(tmp / "index")
    c = desk.check_upload(ctx, [str(_upload(tmp, "demo-2025-budget.txt", small_disclosure()))])
    assert c.can_publish and c.button_label == desk.PUBLISH_LABEL and c.staged is not None
    assert c.documents.iloc[0]["部门 / department"] == "乌鲁木齐市示范测试局"
    assert len(c.tables) >= 5 and set(c.tables["类型 / kind"]) - {"other"}  # each table with its kind
    assert not c.findings.empty and len(c.new) > 10 and c.changed.empty and c.removed.empty
    assert current_version(tmp / "index") == v0  # checking changes nothing
    message, keep = desk.publish_staged(ctx, c.staged, user="alice")
    assert keep is None and "Published demo-2025-budget.txt" in message, message
    v1 = current_version(tmp / "index")
    assert v1 != v0 and v1 in message
    log = desk.history_frame(ctx)
    assert log.iloc[0]["用户 / user"] == "alice" and log.iloc[0]["文件 / file"] == "demo-2025-budget.txt"
    assert len(log.iloc[0]["sha256"]) == 64 and log.iloc[0]["原版本 / previous"] == v0
    ctx.index.reload_now()
    assert any(d.department == "乌鲁木齐市示范测试局" for d in ctx.qa.documents)  # the desk's own index moved on
    # the same department and year with one figure changed: the button says Replace, the change is listed
    text = small_disclosure().replace("6.50", "7.50", 1)
    c = desk.check_upload(ctx, [str(_upload(tmp, "demo-2025-budget-v2.txt", text))])
    assert c.replaces and c.button_label == desk.REPLACE_LABEL
    row = c.changed.iloc[0]
    assert (row["原值 / before"], row["新值 / after"]) == ("6.50", "7.50"), c.changed
    staged = c.staged
    c2 = desk.check_upload(ctx, [str(_upload(tmp, "demo-2025-budget-v2.txt", text))], previous=staged)
    assert not staged.folder.exists() and c2.staged.folder.exists()  # a new check discards the last one
    message, _ = desk.publish_staged(ctx, c2.staged, user="bob")
    assert message.startswith("已替换") and "Replaced" in message
    choices = dict((v, k) for k, v in desk.live_choices(ctx))
    demo = next(v for v, label in choices.items() if "示范" in label)
    assert "下线 / Unpublish" not in desk.unpublish_document(ctx, None)
    assert "Pick a live document" in desk.unpublish_document(ctx, None)
    assert demo in desk.unpublish_document(ctx, demo, user="bob")
    assert len(desk.live_choices(ctx)) == 1
    assert "cannot be unpublished" in desk.unpublish_document(ctx, desk.live_choices(ctx)[0][1])
    assert "Rolled back" in desk.rollback_last(ctx, user="bob")
    assert len(desk.live_choices(ctx)) == 2
    actions = list(desk.history_frame(ctx)["操作 / action"])
    assert actions == ["回滚 / rollback", "下线 / unpublish", "替换 / replace", "发布 / publish"]


def _desk_call(c: httpx.Client, config: dict, elem_id: str, data: list, session: str) -> list:
    """Trigger a desk button as the page does (queue join, then read the event stream)."""
    import json

    comp = next(x["id"] for x in config["components"] if x.get("props", {}).get("elem_id") == elem_id)
    dep = next(d for d in config["dependencies"] if [comp, "click"] in [list(t) for t in d["targets"]])
    join = c.post("/desk/gradio_api/queue/join", json={
        "data": data, "fn_index": dep["id"], "trigger_id": comp, "session_hash": session, "event_data": None})
    assert join.status_code == 200, join.text
    with c.stream("GET", f"/desk/gradio_api/queue/data?session_hash={session}", timeout=120) as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    assert msg.get("success"), msg
                    return msg["output"]["data"]
    raise AssertionError("no result")


def test_desk_upload_route_and_publish_over_http(desk_ctx):
    from budget_qa.web.server import create_app
    from fixtures import small_disclosure

    tmp, ctx = desk_ctx
    web = create_app(ctx.settings, ctx)
    ctx.index.watch()
    text = small_disclosure().encode("utf-8")
    files = {"files": ("demo-2025-budget.txt", text, "text/plain")}
    try:
        with ServerThread(web.app) as srv:
            def status(client, path):
                try:
                    return client.post(path, files=files, timeout=30).status_code
                except httpx.TransportError:  # refused before the upload was read
                    return 403

            with httpx.Client(base_url=srv.url) as anon:  # anonymous: both refused
                assert status(anon, "/desk/gradio_api/upload") == 403
                assert status(anon, "/gradio_api/upload") == 403
                anon.cookies.set("access-token-forged", "x")
                assert status(anon, "/desk/gradio_api/upload") == 403
            with httpx.Client(base_url=srv.url, timeout=60) as c:
                assert c.post("/desk/login", data={"username": "staff", "password": PASSWORD}).status_code == 200
                assert status(c, "/gradio_api/upload") == 403  # the desk's cookie opens nothing on the chat
                assert status(c, "/desk/gradio_api/process_recording") == 403
                up = c.post("/desk/gradio_api/upload", files=files)
                assert up.status_code == 200, up.text
                path = up.json()[0]
                config = c.get("/desk/config").json()
                file_data = {"path": path, "orig_name": "demo-2025-budget.txt", "meta": {"_type": "gradio.FileData"}}
                out = _desk_call(c, config, "desk-pub-check", [[file_data], None], "pub-1")
                assert "Parsed 1 document" in out[0] and out[-1].get("interactive") is True, out[0]
                ask = {"question": "差旅费预算是多少？", "department": "乌鲁木齐市示范测试局", "year": "2025"}
                assert httpx.post(f"{srv.url}/api/ask", json=ask, timeout=30).status_code == 422
                out = _desk_call(c, config, "desk-pub-publish", [None], "pub-1")
                assert "Published demo-2025-budget.txt" in out[0], out[0]
                log = out[1]
                assert log["data"][0][2] == "staff" and len(log["data"][0][5]) == 64  # who, sha256
                deadline = time.time() + 10
                while time.time() < deadline:
                    r = httpx.post(f"{srv.url}/api/ask", json=ask, timeout=30)
                    if r.status_code == 200 and "6.50" in r.json()["answer"]:
                        break
                    time.sleep(0.2)
                assert r.status_code == 200 and "6.50" in r.json()["answer"]
            with httpx.Client(base_url=srv.url) as c:  # logged out again: refused
                assert status(c, "/desk/gradio_api/upload") == 403
    finally:
        ctx.index.stop()


def test_guard_lets_only_the_desks_own_login_upload():
    from starlette.routing import Mount

    from budget_qa.web.guard import PublicFileGuard

    class Desk:
        auth, cookie_id, tokens = {"staff": "pw"}, "abc", {"good": "staff"}

    class Parent:
        routes = [Mount("/desk", Desk())]

    guard = PublicFileGuard(None, blocks=None, protected_prefixes=("/desk",))

    def scope(path, cookie=""):
        return {"type": "http", "path": path, "app": Parent(), "headers": [(b"cookie", cookie.encode())]}

    assert guard.staff_upload(scope("/desk/gradio_api/upload", "access-token-abc=good"), "/desk/gradio_api/upload")
    assert guard.staff_upload(scope("/desk/gradio_api/upload", "access-token-unsecure-abc=good"),
                              "/desk/gradio_api/upload")
    for path, cookie in (("/desk/gradio_api/upload", ""), ("/desk/gradio_api/upload", "access-token-abc=bad"),
                         ("/gradio_api/upload", "access-token-abc=good"),
                         ("/other/gradio_api/upload", "access-token-abc=good"),
                         ("/desk/gradio_api/process_recording", "access-token-abc=good")):
        assert not guard.staff_upload(scope(path, cookie), path), (path, cookie)
