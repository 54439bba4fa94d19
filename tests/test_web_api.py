"""The HTTP JSON API (/api/ask, /api/documents, /api/docs) over real HTTP on loopback: the answer contract,
scope, follow-ups, limits and JSON errors; Gradio's own API keeps working beside it."""

from __future__ import annotations

import json

import httpx
import pytest

from web_support import ServerThread, make_ctx, make_settings


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from budget_qa.web.server import create_app

    tmp = tmp_path_factory.mktemp("api")
    settings = make_settings(tmp, rate_limit=60, max_body_bytes=4096)
    ctx = make_ctx(tmp, rate_limit=60, max_body_bytes=4096)
    web = create_app(settings, ctx)
    with ServerThread(web.app) as srv:
        yield srv, ctx


def _post(srv, body, **kw):
    return httpx.post(f"{srv.url}/api/ask", json=body, timeout=60, **kw)


def test_ask_returns_the_answer_contract(server):
    srv, ctx = server
    before = ctx.log.count(channel="api")
    r = _post(srv, {"question": "2024年三公经费是多少？"}, headers={"X-Forwarded-For": "10.9.9.1"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    a = r.json()
    for key in ("question", "language", "answer", "answerable", "route", "citations", "figures", "timings_ms"):
        assert key in a
    assert a["answerable"] is True and a["route"] in ("lookup", "compute") and a["language"] == "zh"
    assert a["figures"] and all(isinstance(f["value"], str) for f in a["figures"])
    cited = {c["id"] for c in a["citations"]}
    assert all(f["citation"] in cited for f in a["figures"])
    assert ctx.log.count(channel="api") == before + 1


def test_history_resolves_a_follow_up(server):
    srv, _ = server
    alone = _post(srv, {"question": "那培训费呢？"}).json()
    follow = _post(srv, {"question": "那培训费呢？", "history": ["差旅费预算是多少？"]}).json()
    assert follow["answerable"] and follow["figures"]
    assert any(c.get("row") and "培训费" in c["row"] for c in follow["citations"])
    assert follow.get("resolved_question", "") != alone.get("resolved_question", "") or not alone["answerable"]


def test_english_and_scope(server):
    srv, ctx = server
    docs = httpx.get(f"{srv.url}/api/documents", timeout=30).json()
    d = docs["documents"][0]
    a = _post(srv, {"question": "How much is budgeted for official receptions?",
                    "department": d["department"], "year": d["year"]}).json()
    assert a["language"] == "en" and a["answerable"] and "CNY" in a["answer"]
    # the picker's "all" means no scope
    b = _post(srv, {"question": "差旅费预算是多少？", "department": "全部", "year": "All"})
    assert b.status_code == 200 and b.json()["answerable"]


def test_documents_lists_what_is_served(server):
    srv, ctx = server
    r = httpx.get(f"{srv.url}/api/documents", timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["documents"], body
    d = body["documents"][0]
    assert set(d) >= {"id", "department", "year", "kind", "format", "files", "tables"}
    assert d["kind"] in ("预算", "决算") and d["tables"] >= 10 and d["files"] and "/" not in d["files"][0]
    assert d["department"] == ctx.qa.documents[0].department


def test_openapi_docs(server):
    srv, _ = server
    page = httpx.get(f"{srv.url}/api/docs", timeout=30)
    assert page.status_code == 200 and "swagger" in page.text.lower()
    schema = httpx.get(f"{srv.url}/api/openapi.json", timeout=30).json()
    assert "/ask" in schema["paths"] and "/documents" in schema["paths"]
    assert "/api/openapi.json" in page.text  # the page loads the schema from under /api


@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        ({}, 422, "question"),
        ({"question": 3}, 422, "question"),
        ({"question": "差旅费", "history": "not a list"}, 422, "history"),
        ({"question": "差旅费", "colour": "red"}, 422, "colour"),
        ({"question": "   "}, 400, "empty"),
        ({"question": "差" * 501}, 400, "too long"),
        ({"question": "差旅费", "department": "不存在的部门"}, 422, "not served"),
        ({"question": "差旅费", "year": "1999"}, 422, "not served"),
    ],
)
def test_clear_json_errors(server, body, status, word):
    srv, _ = server
    r = _post(srv, body, headers={"X-Forwarded-For": "10.9.9.2"})
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert word in r.json()["detail"]


def test_malformed_json_and_oversized_body(server):
    srv, _ = server
    r = httpx.post(f"{srv.url}/api/ask", content=b"{not json", headers={"content-type": "application/json"},
                   timeout=30)
    assert r.status_code == 422 and "Invalid request" in r.json()["detail"]
    big = json.dumps({"question": "差旅费", "history": ["x" * 5000]})
    r = httpx.post(f"{srv.url}/api/ask", content=big, headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 413 and "too large" in r.json()["detail"]
    assert httpx.get(f"{srv.url}/api/nothing", timeout=30).status_code == 404


def test_rate_limited_like_the_chat(tmp_path):
    """The API and the chat share the per-client question limit."""
    from budget_qa.web.server import create_app

    settings = make_settings(tmp_path, rate_limit=3)
    ctx = make_ctx(tmp_path, rate_limit=3)
    web = create_app(settings, ctx)
    with ServerThread(web.app) as srv:
        codes = [_post(srv, {"question": "差旅费预算是多少？"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = _post(srv, {"question": "差旅费预算是多少？"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "Too many questions" in r.json()["detail"]
        # the chat, from the same client, is over the same limit
        from gradio_client import Client

        client = Client(srv.url + "/", verbose=False)
        messages, _box = client.predict("差旅费预算是多少？", api_name="/ask")
        assert "频繁" in json.dumps(messages, ensure_ascii=False) or "Too many" in json.dumps(messages)


def test_gradio_api_keeps_working(server):
    from gradio_client import Client

    srv, _ = server
    client = Client(srv.url + "/", verbose=False)
    messages, _box = client.predict("差旅费预算是多少？", api_name="/ask")
    assert "差旅费" in json.dumps(messages, ensure_ascii=False)


# ---------------------------------------------------------------- several departments: API scope, the picker


@pytest.fixture(scope="module")
def two_departments(tmp_path_factory):
    from budget_qa.index import build_index
    from budget_qa.web.context import open_context
    from disclosure_gen import generate

    folder = tmp_path_factory.mktemp("two")
    generate(folder / "c", "provincial", "txt", seed=3, department="湖南省水利厅", year=2024)
    generate(folder / "c", "central", "txt", seed=4, department="某市文化体育局", year=2024)
    generate(folder / "c", "provincial", "txt", seed=3, department="湖南省水利厅", year=2023)
    build_index([folder / "c"], folder / "index", settings={"embedder": "none"})
    settings = make_settings(folder, index_dir=str(folder / "index"), corpus=str(folder / "c"))
    return open_context(settings, build=False, stream_delay=0)


def test_picker_scopes_answers_tables_audit_and_charts(two_departments):
    from budget_qa.web import scope
    from budget_qa.web.chat import respond
    from web_support import FakeRequest, run

    ctx = two_departments
    qa = ctx.qa
    assert scope.department_choices(qa) == [scope.ALL, "某市文化体育局", "湖南省水利厅"]
    assert scope.year_choices(qa) == [scope.ALL, "2024", "2023"]
    assert scope.year_choices(qa, "某市文化体育局") == [scope.ALL, "2024"]
    water = scope.doc_ids(qa, "湖南省水利厅", None)
    assert len(water) == 2 and len(scope.doc_ids(qa, None, None)) == 3
    assert scope.chart_document(qa, "湖南省水利厅", None).year == "2024"
    assert scope.chart_document(qa, "湖南省水利厅", "2023").year == "2023"
    tables = scope.tables_in(qa.tables(), scope.doc_ids(qa, "某市文化体育局", "2024"))
    assert tables and {t["document"] for t in tables} == set(scope.doc_ids(qa, "某市文化体育局", None))
    findings = scope.findings_in(qa.check(), water)
    assert findings and {f.document for f in findings} <= set(water)
    # answers: the picker's department scopes a question that names none
    out = run(respond(ctx, "差旅费是多少？", None, FakeRequest(), "zh", department="某市文化体育局", year="2024"))
    text = json.dumps(out[-1][0], ensure_ascii=False)
    culture = qa.ask("差旅费是多少？", department="某市文化体育局", year="2024")
    water_ans = qa.ask("差旅费是多少？", department="湖南省水利厅", year="2024")
    assert culture.figures and culture.figures[0].value != water_ans.figures[0].value
    assert culture.figures[0].value in text and water_ans.figures[0].value not in text
    # the line above the chat and the examples say what is served
    from budget_qa.web.i18n import coverage

    line = coverage(qa.documents, "zh", qa)
    assert "2 个部门、2 个年度（2023、2024）" in line and "湖南省水利厅 2023 年部门预算" in line
    assert "2 departments, 2 years (2023, 2024)" in coverage(qa.documents, "en", qa)
    examples = [q for q, _ in scope.examples(qa)]
    assert "哪个部门的三公经费最多？" in examples and any("2023年到2024年" in q for q in examples)


def test_api_scope_over_http(two_departments):
    from budget_qa.web.server import create_app

    ctx = two_departments
    web = create_app(ctx.settings, ctx)
    with ServerThread(web.app) as srv:
        docs = httpx.get(f"{srv.url}/api/documents", timeout=30).json()["documents"]
        assert sorted((d["department"], d["year"]) for d in docs) == [
            ("某市文化体育局", "2024"), ("湖南省水利厅", "2023"), ("湖南省水利厅", "2024")]
        a = _post(srv, {"question": "差旅费是多少？", "department": "文化体育局", "year": "2024"}).json()
        assert a["answerable"] and {c["document"] for c in a["citations"]} == {
            next(d["files"][0] for d in docs if d["department"] == "某市文化体育局")}
        most = _post(srv, {"question": "哪个部门的三公经费最多？"}).json()
        assert most["answerable"] and len({c["document"] for c in most["citations"]}) >= 2
