"""The served app over real HTTP (no browser): desk login protection, desk refusal, file guard, API, start-up."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from budget_qa.index import live_path
from budget_qa.web.server import DESK_DISABLED, DeskDisabledError, create_app, desk_auth
from web_support import CORPUS, ROOT, ServerThread, free_port, make_ctx

PASSWORD = "test-desk-password"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("served")
    ctx = make_ctx(tmp, staff_password=PASSWORD, queue_size=7)
    web = create_app(ctx.settings, ctx)
    with ServerThread(web.app) as server:
        yield web, server


def test_desk_refused_without_a_password():
    with pytest.raises(DeskDisabledError) as err:
        desk_auth({"staff_user": "staff", "staff_password": ""})
    assert "BUDGET_QA_STAFF_PASSWORD" in str(err.value)
    assert desk_auth({"staff_user": "amy", "staff_password": "pw"}) == ("amy", "pw")


def test_no_password_no_desk_but_the_chat_runs(tmp_path):
    ctx = make_ctx(tmp_path)
    web = create_app(ctx.settings, ctx)
    assert web.desk is None and web.message == DESK_DISABLED
    with ServerThread(web.app) as server:
        r = httpx.get(server.url + "/desk/")
        assert r.status_code == 404 and "BUDGET_QA_STAFF_PASSWORD" in r.text
        assert httpx.get(server.url + "/desk/gradio_api/info").status_code == 404
        assert httpx.get(server.url + "/").status_code == 200


def test_queue_is_bounded(served):
    web, _ = served
    assert web.public._queue.max_size == 7 and web.desk._queue.max_size == 7
    assert web.public._queue.default_concurrency_limit == 4


def test_desk_routes_need_login(served):
    _, server = served
    with httpx.Client(base_url=server.url) as c:
        assert c.get("/desk", follow_redirects=False).status_code == 307
        page = c.get("/desk/")
        assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
        assert "desk-log" not in page.text  # no desk components before login
        for path in (
            "/desk/config",
            "/desk/gradio_api/info",
            "/desk/gradio_api/openapi.json",
            "/desk/gradio_api/queue/data?session_hash=x",
            f"/desk/gradio_api/file={ROOT / 'app.py'}",
        ):
            assert c.get(path).status_code == 401, path
        join = c.post("/desk/gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "x"})
        assert join.status_code == 401
        assert c.post("/desk/login", data={"username": "staff", "password": "wrong"}).status_code == 400


def test_desk_login_opens_the_desk(served):
    _, server = served
    with httpx.Client(base_url=server.url) as c:
        assert c.post("/desk/login", data={"username": "staff", "password": PASSWORD}).status_code == 200
        config = c.get("/desk/config")
        assert config.status_code == 200 and "desk-log" in config.text
        assert c.get("/desk/gradio_api/info").status_code == 200


def test_public_app_does_not_serve_files_it_did_not_create(served):
    from gradio import utils

    _, server = served
    cache = Path(utils.get_cache_folder())
    cache.mkdir(parents=True, exist_ok=True)
    secret = cache / "desk-reply-test.md"
    secret.write_text("staff only", encoding="utf-8")
    try:
        # Gradio serves anything in its cache from every app's file route; the guard stops the public one
        assert httpx.get(f"{server.url}/gradio_api/file={secret}").status_code == 403
        assert httpx.get(f"{server.url}/gradio_api/file/{secret}").status_code == 403
        assert httpx.get(f"{server.url}/desk/gradio_api/file={secret}").status_code == 401
        with httpx.Client(base_url=server.url) as c:
            c.post("/desk/login", data={"username": "staff", "password": PASSWORD})
            assert c.get(f"/desk/gradio_api/file={secret}").text == "staff only"
    finally:
        secret.unlink()


def test_public_ask_api(served):
    from gradio_client import Client

    web, server = served
    before = web.ctx.log.count()
    client = Client(server.url + "/", verbose=False)
    messages, box = client.predict("2024年三公经费是多少？", api_name="/ask")
    assert "17.81" in str(messages) and box == ""
    assert web.ctx.log.count() == before + 1
    api = client.view_api(return_format="dict", print_info=False)
    assert list(api["named_endpoints"]) == ["/ask"]  # the other handlers are not API endpoints


def test_python_app_py_builds_a_missing_index_and_prints_the_url(tmp_path):
    port = free_port()
    env = os.environ | {
        "BUDGET_QA_INDEX_DIR": str(tmp_path / "fresh-index"),
        "BUDGET_QA_CORPUS": str(CORPUS),
        "BUDGET_QA_DATA_DIR": str(tmp_path / "data"),
        "BUDGET_QA_PORT": str(port),
        "BUDGET_QA_STAFF_PASSWORD": "",
        "BUDGET_QA_EMBEDDER": "none",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Staff inquiry desk" in line:
                break
        out = "".join(lines)
        assert "building it from" in out and "fact store" in out
        assert f"Budget Q&A chat running at http://127.0.0.1:{port}/" in out
        assert DESK_DISABLED in out
        assert (live_path(tmp_path / "fresh-index") / "facts.sqlite").exists()
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
