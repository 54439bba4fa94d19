"""LangChain pieces: the retriever's Documents and their metadata, the lookup / calculate / search tools,
the answer Runnable (invoke, stream, history, chains, callbacks), and the examples of docs/langchain.md."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("langchain_core")
from langchain_core.callbacks import BaseCallbackHandler  # noqa: E402
from langchain_core.documents import Document  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage  # noqa: E402
from langchain_core.runnables import RunnableLambda  # noqa: E402
from langchain_core.tools import BaseTool  # noqa: E402

from budget_qa.integrations.langchain import BudgetQARetriever, budget_qa_tools, text_pieces  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOC = "urumqi-investment-promotion-bureau-2024-budget.txt"


@pytest.fixture(scope="module")
def tools(qa):
    return {t.name: t for t in budget_qa_tools(qa)}


def call(tool: BaseTool, **args) -> dict:
    return json.loads(tool.invoke(args))


# ---------------------------------------------------------------- retriever


def test_retriever_documents_carry_their_locators(qa):
    docs = BudgetQARetriever(qa=qa, k=3).invoke("三公经费为什么下降")
    assert 1 <= len(docs) <= 3 and all(isinstance(d, Document) for d in docs)
    top = docs[0].metadata
    assert top["document"] == DOC and top["kind"] == "paragraph"
    assert (top["part"], top["section"]) == (3, "十")
    assert top["locator"].startswith("第三部分 / 十、") and top["line"] > 0 and top["page"] == 0
    assert top["score"] > 0 and top["rank_lexical"] == 1 and top["rank_dense"] == 0
    assert "下降" in docs[0].page_content and docs[0].id == top["id"]
    assert [d.metadata["score"] for d in docs] == sorted((d.metadata["score"] for d in docs), reverse=True)


def test_retriever_table_rows_and_filters(qa):
    docs = BudgetQARetriever(qa=qa, k=5, filters={"kind": "table"}).invoke("差旅费 30211")
    assert docs and all(d.metadata["kind"] == "table" for d in docs)
    travel = next(d for d in docs if "30211 差旅费" in d.metadata["rows"])
    assert travel.metadata["table"] == "表6" and travel.metadata["table_label"].startswith("表6 ")
    assert "30211 差旅费" in travel.page_content and travel.metadata["column"] == ""
    part4 = BudgetQARetriever(qa=qa, k=4, filters={"part": 4}).invoke("三公经费")
    assert part4 and {d.metadata["part"] for d in part4} == {4}


def test_retriever_gives_the_pdf_page(tmp_path):
    from budget_qa.core import BudgetQA
    from budget_qa.index import build_index
    from disclosure_gen import generate

    pdf = generate(tmp_path / "src", "provincial", "pdf", seed=2)
    build_index([pdf], tmp_path / "index", settings={"embedder": "none"})
    qa = BudgetQA.open(tmp_path / "index", {"embedder": "none"})
    try:
        docs = BudgetQARetriever(qa=qa, k=8).invoke("三公经费 公务接待费")
        assert docs and all(d.metadata["page"] >= 1 for d in docs)
        rows = [d for d in docs if d.metadata["kind"] == "table" and d.metadata["rows"]]
        assert rows
        for d in rows:  # the page of the chunk's first row, as the fact store has it
            md = d.metadata
            facts = qa.store.query("doc_id = ? AND table_id = ? AND line = ?", (md["doc_id"], md["table_id"], md["line"]))
            assert facts and md["page"] == facts[0].page
    finally:
        qa.close()


def test_retriever_in_a_chain(qa):
    chain = BudgetQARetriever(qa=qa, k=2) | RunnableLambda(lambda docs: [d.metadata["locator"] for d in docs])
    locators = chain.invoke("机关运行经费")
    assert len(locators) == 2 and any("机关运行经费" in loc for loc in locators)


# ---------------------------------------------------------------- tools


def test_tools_and_their_schemas(tools):
    assert set(tools) == {"lookup", "calculate", "search"}
    assert all(isinstance(t, BaseTool) for t in tools.values())
    assert set(tools["lookup"].args) == {"table", "row", "column", "document", "narrative"}
    assert set(tools["calculate"].args) == {"operation", "fact_ids"}
    schema = tools["calculate"].tool_call_schema.model_json_schema()
    assert schema["properties"]["operation"]["enum"] == ["share", "sum", "difference", "change"]
    assert set(tools["search"].args) == {"query", "k"}
    assert "exact" in tools["lookup"].description.lower()


def test_lookup_tool(tools):
    [f] = call(tools["lookup"], table="three_public", row="公务接待费")["figures"]
    assert (f["value"], f["unit"], f["table"], f["table_kind"]) == ("8.90", "万元", "表10", "three_public")
    assert f["locator"].startswith("表10 / 公务接待费") and isinstance(f["fact_id"], int) and "source" not in f
    both = call(tools["lookup"], row="公务接待费")
    assert both["ambiguous"] is True and [x["value"] for x in both["figures"]] == ["0.90", "8.90"]
    [col] = call(tools["lookup"], table="表6", row="差旅费", column="公用经费")["figures"]
    assert col["column"] == "一般公共预算基本支出/公用经费"
    said = call(tools["lookup"], row="一般公共预算", narrative=True)["figures"]
    assert any(x["value"] == "18.53" and x["unit"] == "%" for x in said)
    missing = tools["lookup"].invoke({"row": "差率费"})
    assert missing.startswith("No row matches '差率费'") and "差旅费" in missing
    assert tools["lookup"].invoke({}).startswith("Give at least a table or a row")


def test_calculate_tool(tools, qa):
    part = call(tools["lookup"], table="basic", row="工资福利支出")["figures"][0]
    whole = call(tools["lookup"], table="basic", row="总计")["figures"][0]
    ids = [part["fact_id"], whole["fact_id"]]
    s = call(tools["calculate"], operation="share", fact_ids=ids)
    assert (s["value"], s["unit"], s["formula"]) == ("87.74", "%", "616.74 ÷ 702.89 × 100% = 87.74%")
    assert [i["fact_id"] for i in s["inputs"]] == ids and s["inputs"][0]["locator"] == part["locator"]
    assert call(tools["calculate"], operation="difference", fact_ids=ids)["formula"] == "702.89 − 616.74 = 86.15"
    assert call(tools["calculate"], operation="sum", fact_ids=ids)["value"] == "1319.63"
    c = call(tools["calculate"], operation="change", fact_ids=[whole["fact_id"], part["fact_id"]])
    assert (c["value"], c["rate"]) == ("-86.15", "-12.26%")
    assert c["formula"] == "616.74 − 702.89 = -86.15; -86.15 ÷ 702.89 × 100% = -12.26%"
    staff = qa.store.query("kind = 'narrative' AND unit = '人'")[0]
    assert "different units" in tools["calculate"].invoke({"operation": "sum", "fact_ids": [staff.id, ids[0]]})
    blank = qa.store.query("kind = 'cell' AND value IS NULL")[0]
    assert "is blank" in tools["calculate"].invoke({"operation": "sum", "fact_ids": [blank.id, ids[0]]})
    assert tools["calculate"].invoke({"operation": "sum", "fact_ids": [ids[0], 10**9]}).startswith("No fact with id")
    assert "exactly two" in tools["calculate"].invoke({"operation": "share", "fact_ids": [*ids, ids[0]]})
    with pytest.raises(ValueError):  # outside the schema: an agent gets the validation message
        tools["calculate"].invoke({"operation": "ratio", "fact_ids": ids})


def test_search_tool(tools):
    [p, *_] = call(tools["search"], query="招商一科负责什么", k=3)["passages"]
    assert p["document"] == DOC and p["locator"] == "第一部分 / 二、机构设置及人员情况" and "招商一科" in p["quote"]


def test_tools_in_a_session_number_their_sources(qa):
    from budget_qa.integrations.langchain import ToolSession

    session = ToolSession()
    t = {x.name: x for x in budget_qa_tools(qa, session)}
    first = call(t["lookup"], row="差旅费")["figures"][0]
    again = call(t["lookup"], row="差旅费")["figures"][0]
    assert first["source"] == again["source"] == 1  # the same fact is one source
    p = call(t["search"], query="三公经费下降的原因", k=1)["passages"][0]
    assert p["source"] == 2 and session.cites.items[1].locator == p["locator"]
    assert session.calls == {"lookup": 2, "search": 1}


# ---------------------------------------------------------------- the runnable


def test_invoke_returns_the_answer_json(qa):
    out = qa.as_runnable().invoke("差旅费是多少？")
    ref = qa.ask("差旅费是多少？").to_dict()
    out.pop("timings_ms"), ref.pop("timings_ms")
    assert out == ref
    assert {"question", "language", "answer", "answerable", "route", "citations", "figures"} <= set(out)
    assert out["figures"][0]["value"] == "1.60" and out["citations"][0]["table"] == "表6"


def test_history_of_earlier_answers_strings_and_messages(qa):
    r = qa.as_runnable()
    earlier = r.invoke("2024年三公经费是多少？")
    for history in ([earlier], ["2024年三公经费是多少？"], [HumanMessage("2024年三公经费是多少？"), AIMessage("…")],
                    [{"role": "user", "content": "2024年三公经费是多少？"}]):
        out = r.invoke({"question": "那公务接待费呢？", "history": history})
        assert [f["value"] for f in out["figures"]] == ["8.90"], history
        assert out["resolved_question"] == "2024年公务接待费是多少？"
    msgs = r.invoke([HumanMessage("2024年三公经费是多少？"), AIMessage("…"), HumanMessage("那公务接待费呢？")])
    assert [f["value"] for f in msgs["figures"]] == ["8.90"]
    with pytest.raises(Exception, match="takes a question"):
        r.invoke(42)


def test_stream_yields_the_text(qa):
    r = qa.as_runnable()
    pieces = list(r.stream("招商一科负责什么？"))
    assert len(pieces) > 1 and "".join(pieces) == r.invoke("招商一科负责什么？")["answer"]
    assert text_pieces("a。b；c") == ["a。", "b；", "c"] and text_pieces("") == []

    async def go():
        return [p async for p in r.astream("差旅费是多少？")], await r.ainvoke("差旅费是多少？")

    apieces, aout = asyncio.run(go())
    assert "".join(apieces) == aout["answer"] and "1.60" in aout["answer"]


def test_runnable_in_a_chain(qa):
    chain = RunnableLambda(lambda q: q.strip()) | qa.as_runnable() | RunnableLambda(lambda d: d["figures"][0]["value"])
    assert chain.invoke("  差旅费是多少？ ") == "1.60"
    assert list(chain.stream("  差旅费是多少？ ")) == ["1.60"]  # inside a chain the dict flows on
    assert [o["figures"][0]["value"] for o in qa.as_runnable().batch(["差旅费是多少？", "公务接待费是多少？"])] \
        == ["1.60", "0.90"]


def test_callbacks_see_the_run(qa):
    class Seen(BaseCallbackHandler):
        def __init__(self):
            self.events = []

        def on_chain_start(self, serialized, inputs, **kw):
            self.events.append(("start", kw.get("name")))

        def on_chain_end(self, outputs, **kw):
            self.events.append(("end", outputs["route"]))

    seen = Seen()
    out = qa.as_runnable().invoke("差旅费是多少？", config={"callbacks": [seen], "run_name": "budget"})
    assert out["route"] == "lookup" and seen.events == [("start", "budget"), ("end", "lookup")]


# ---------------------------------------------------------------- docs/langchain.md runs


def test_docs_examples_run(qa_index, capsys):
    from test_llm_http import StubLLM, figure, tool_results

    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "langchain.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2
    stub = StubLLM()

    def final(body):
        calc = tool_results(body)[-1]
        return f"{calc['value']}%（{calc['formula']}；{calc['inputs'][0]['locator']}）"

    stub.script = [
        {"tools": [("lookup", {"table": "basic", "row": "工资福利支出"}), ("lookup", {"table": "basic", "row": "总计"})]},
        {"tools": lambda b: [("calculate", {"operation": "share", "fact_ids": [
            figure(b, "616.74")["fact_id"], figure(b, "702.89")["fact_id"]]})]},
        {"content": final},
    ]
    env: dict = {}
    try:
        exec(blocks[0].replace('".budget_qa"', repr(str(qa_index))), env)
        exec(blocks[1].replace("http://127.0.0.1:11434/v1", stub.url), env)
    finally:
        env["qa"].close()
        stub.close()
    out = capsys.readouterr().out
    assert "差旅费（30211）“合计”为 1.60 万元 [1]" in out and "表6 / 30211 差旅费 / 一般公共预算基本支出/合计" in out
    assert "8.90 万元 [1]" in out and "招商一科" in out and "参考：\n- " + DOC in out
    assert out.rstrip().endswith("87.74%（616.74 ÷ 702.89 × 100% = 87.74%；表6 / 301 工资福利支出 / 一般公共预算基本支出/合计）")
