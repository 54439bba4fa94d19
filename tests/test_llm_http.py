"""The LLM path over real HTTP: an OpenAI-compatible stub server on loopback replies with tool calls and
then a final message (plain JSON or server-sent events). Every case ends in a correct, cited answer and
a note saying what happened: the model's answer when each of its numbers came from a tool, else the
extractive one."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytest.importorskip("langchain_openai")

Step = dict[str, Any]


class StubLLM:
    """/v1/chat/completions answered from a script: one step per request, in order.

    A step is {"tools": [(name, args)]} (args a dict, or a string sent as is), {"content": text}, either
    of them a callable of the request body, or {"raw": text} (sent as the JSON body), with an optional
    "sleep" (seconds before answering). With "stream": true in the request the reply is SSE chunks.
    """

    def __init__(self) -> None:
        self.script: list[Step] = []
        self.requests: list[dict] = []
        self.release = threading.Event()  # ends sleeping handlers when the test is over
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stub.requests.append(body)
                if self.path == "/api/chat" and stub.script:  # Ollama's protocol: JSON lines
                    return self._ollama(stub.script.pop(0), body)
                if not self.path.endswith("/chat/completions") or not stub.script:
                    return self._send(404 if stub.script else 500, b'{"error": {"message": "no reply scripted"}}')
                step = stub.script.pop(0)
                if step.get("sleep"):
                    stub.release.wait(step["sleep"])
                if "raw" in step:
                    return self._send(200, step["raw"].encode())
                if body.get("stream"):
                    return self._stream(step, body)
                msg = _message(step, body)
                self._send(200, json.dumps({
                    "id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": "stub",
                    "choices": [{"index": 0, "message": msg,
                                 "finish_reason": "tool_calls" if msg.get("tool_calls") else "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }, ensure_ascii=False).encode())

            def _send(self, status: int, data: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _ollama(self, step: Step, body: dict) -> None:
                msg = _message(step, body)
                out = {"role": "assistant", "content": msg.get("content") or ""}
                if msg.get("tool_calls"):
                    out["tool_calls"] = [{"function": {"name": c["function"]["name"],
                                                       "arguments": json.loads(c["function"]["arguments"])}}
                                         for c in msg["tool_calls"]]
                line = {"model": "stub", "created_at": "2024-01-01T00:00:00Z", "message": out, "done": True,
                        "done_reason": "stop"}
                self._send(200, (json.dumps(line, ensure_ascii=False) + "\n").encode(), "application/x-ndjson")

            def _stream(self, step: Step, body: dict) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                msg = _message(step, body)

                def chunk(delta: dict, finish: str | None = None) -> None:
                    data = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": "stub",
                            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                    self.wfile.write(f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode())
                    self.wfile.flush()

                chunk({"role": "assistant", "content": ""})
                for i, call in enumerate(msg.get("tool_calls") or []):
                    args = call["function"]["arguments"]
                    chunk({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                           "function": {"name": call["function"]["name"], "arguments": ""}}]})
                    for k in range(0, len(args), 7):  # the arguments arrive in pieces
                        chunk({"tool_calls": [{"index": i, "function": {"arguments": args[k:k + 7]}}]})
                text = msg.get("content") or ""
                for k in range(0, len(text), 4):
                    chunk({"content": text[k:k + 4]})
                chunk({}, "tool_calls" if msg.get("tool_calls") else "stop")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _message(step: Step, body: dict) -> dict:
    if "tools" in step:
        calls = step["tools"](body) if callable(step["tools"]) else step["tools"]
        return {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{len(body['messages'])}_{i}", "type": "function",
             "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)}}
            for i, (name, args) in enumerate(calls)]}
    content = step["content"](body) if callable(step["content"]) else step["content"]
    return {"role": "assistant", "content": content}


def tool_results(body: dict) -> list[Any]:
    """The tool messages the client sent back, parsed where they are JSON."""
    out = []
    for m in body["messages"]:
        if m.get("role") == "tool":
            try:
                out.append(json.loads(m["content"]))
            except ValueError:
                out.append(m["content"])
    return out


def figure(body: dict, value: str, row: str = "") -> dict:
    """The figure with this value (and row) in the tool results of a request."""
    for res in tool_results(body):
        for f in (res.get("figures", []) if isinstance(res, dict) else []):
            if f["value"] == value and row in f["row"]:
                return f
    raise AssertionError(f"no tool result with {value}")


@pytest.fixture
def stub():
    s = StubLLM()
    yield s
    s.close()


@pytest.fixture
def make_qa(qa_index, stub):
    from budget_qa.core import BudgetQA

    opened = []

    def make(**settings: Any):
        qa = BudgetQA.open(qa_index, {"embedder": "none", "llm": "openai", "llm_model": "stub",
                                      "llm_base_url": stub.url, "llm_timeout": 10, **settings})
        opened.append(qa)
        return qa

    yield make
    for qa in opened:
        qa.close()


TRAVEL = "差旅费是多少？"
EXTRACTIVE = "1.60 万元 [1]"  # what the extractive answer to TRAVEL says


def travel_answer(body: dict) -> str:
    return f"按预算，差旅费安排 1.60 万元 [{figure(body, '1.60')['source']}]。"


def test_tool_using_answer_is_kept(stub, make_qa):
    stub.script = [{"tools": [("lookup", {"row": "差旅费"})]}, {"content": travel_answer}]
    a = make_qa().ask(TRAVEL)
    assert a.answer == "按预算，差旅费安排 1.60 万元 [1]。"
    [c] = a.citations
    assert (c.id, c.table, c.row, c.locator) == (1, "表6", "差旅费", "表6 / 30211 差旅费 / 一般公共预算基本支出/合计")
    assert [(f.value, f.unit, f.citation) for f in a.figures] == [("1.60", "万元", 1)]
    assert a.notes[-1] == "answered by the LLM (lookup ×1); every number checked against the tool results"
    first, second = stub.requests
    assert {t["function"]["name"] for t in first["tools"]} == {"lookup", "calculate", "search"}
    lookup_schema = next(t["function"] for t in first["tools"] if t["function"]["name"] == "lookup")
    assert {"table", "row", "column", "document"} <= set(lookup_schema["parameters"]["properties"])
    assert first["model"] == "stub" and not first.get("stream")
    [result] = tool_results(second)
    assert result["figures"][0]["locator"] == c.locator and result["figures"][0]["value"] == "1.60"


def test_calculate_over_fact_ids(stub, make_qa):
    def share_call(body):
        part, whole = figure(body, "616.74", "工资福利支出"), figure(body, "702.89", "总计")
        return [("calculate", {"operation": "share", "fact_ids": [part["fact_id"], whole["fact_id"]]})]

    def final(body):
        calc = tool_results(body)[-1]
        srcs = [i["source"] for i in calc["inputs"]]
        return (f"工资福利支出 616.74 万元 [{srcs[0]}] 占基本支出 702.89 万元 [{srcs[1]}] 的 {calc['value']}%"
                f"（{calc['formula']}）。")

    stub.script = [{"tools": [("lookup", {"row": "工资福利支出", "table": "basic"}),
                              ("lookup", {"row": "总计", "table": "basic"})]},
                   {"tools": share_call}, {"content": final}]
    a = make_qa().ask("工资福利支出占基本支出的比例是多少？")
    assert a.answer == "工资福利支出 616.74 万元 [1] 占基本支出 702.89 万元 [2] 的 87.74%（616.74 ÷ 702.89 × 100% = 87.74%）。"
    assert [c.row for c in a.citations] == ["工资福利支出", "总计"]
    assert ("87.74", "%", 1) in [(f.value, f.unit, f.citation) for f in a.figures]
    assert "calculate ×1, lookup ×2" in a.notes[-1]


def test_invented_number_is_rejected(stub, make_qa):
    stub.script = [{"tools": [("lookup", {"row": "差旅费"})]},
                   {"content": lambda b: f"差旅费约为 9.99 万元 [{figure(b, '1.60')['source']}]，比去年多 3 倍。"}]
    a = make_qa().ask(TRAVEL)
    assert "9.99" not in a.answer and EXTRACTIVE in a.answer
    assert a.citations[0].row == "差旅费" and a.figures[0].value == "1.60"
    assert a.notes[-1] == ("LLM answer rejected: numbers not in any tool result ['3', '9.99']; "
                           "extractive answer shown")


def test_streamed_reply(stub, make_qa):
    stub.script = [{"tools": [("lookup", {"row": "差旅费", "table": "表6"})]}, {"content": travel_answer}]
    qa = make_qa(llm_stream=1)
    out = qa.as_runnable().invoke(TRAVEL)
    assert out["answer"] == "按预算，差旅费安排 1.60 万元 [1]。"
    assert out["citations"][0]["row"] == "差旅费" and out["figures"][0]["value"] == "1.60"
    assert "answered by the LLM (lookup ×1)" in out["notes"][-1]
    assert all(r.get("stream") is True for r in stub.requests) and len(stub.requests) == 2
    assert tool_results(stub.requests[1])[0]["figures"][0]["value"] == "1.60"  # arguments joined from pieces


def test_timeout_answers_extractively_within_the_limit(stub, make_qa):
    stub.script = [{"sleep": 30, "content": "too late"}]
    qa = make_qa(llm_timeout=1)
    qa.ask("2022年的三公经费是多少？")  # warm (an abstention: the LLM is not asked)
    t0 = time.perf_counter()
    a = qa.ask(TRAVEL)
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.5, elapsed  # the server would take 30 s
    assert EXTRACTIVE in a.answer and a.citations[0].row == "差旅费"
    assert a.notes[-1] == "LLM timed out after 1 s; extractive answer shown"


def test_stream_that_stalls_is_cut_at_the_limit(stub, make_qa):
    stub.script = [{"sleep": 30, "content": "too late"}]
    qa = make_qa(llm_timeout=1, llm_stream=1)
    qa.ask("2022年的三公经费是多少？")
    t0 = time.perf_counter()
    a = qa.ask(TRAVEL)
    assert time.perf_counter() - t0 < 2.5 and a.notes[-1] == "LLM timed out after 1 s; extractive answer shown"


def test_malformed_json_reply(stub, make_qa):
    stub.script = [{"raw": '{"id": "x", "choices": [{"message": {"role": "assistant", "content": "差旅'}]
    a = make_qa().ask(TRAVEL)
    assert EXTRACTIVE in a.answer and a.citations[0].row == "差旅费"
    assert a.notes[-1] == "LLM reply could not be read (malformed JSON); extractive answer shown"


def test_malformed_tool_arguments_are_asked_again(stub, make_qa):
    stub.script = [{"tools": [("lookup", '{"row": "差旅费"')]},  # not valid JSON
                   {"tools": [("lookup", {"row": "差旅费"})]}, {"content": travel_answer}]
    a = make_qa().ask(TRAVEL)
    assert a.answer == "按预算，差旅费安排 1.60 万元 [1]。"
    assert a.notes[-1] == ("answered by the LLM (lookup ×1); 1 tool call(s) with malformed JSON arguments were "
                           "asked again; every number checked against the tool results")
    [error] = tool_results(stub.requests[1])
    assert "not valid JSON" in error


def test_passages_by_search(stub, make_qa):
    def final(body):
        p = tool_results(body)[0]["passages"][0]
        return f"招商一科负责招商引资综合协调工作 [{p['source']}]。"

    stub.script = [{"tools": [("search", {"query": "招商一科 职责", "k": 3})]}, {"content": final}]
    a = make_qa().ask("招商一科负责什么？")
    assert a.answer == "招商一科负责招商引资综合协调工作 [1]。"
    assert a.citations[0].locator == "第一部分 / 二、机构设置及人员情况" and a.citations[0].part == 1
    assert "search ×1" in a.notes[-1]


def test_answer_citing_a_source_no_tool_returned(stub, make_qa):
    stub.script = [{"content": "差旅费 1.60 万元 [7]。"}]
    a = make_qa().ask(TRAVEL)
    assert EXTRACTIVE in a.answer
    assert a.notes[-1] == "LLM answer rejected: it cites sources no tool returned [7]; extractive answer shown"


def test_endless_tool_calls_stop(stub, make_qa):
    stub.script = [{"tools": [("lookup", {"row": "差旅费"})]} for _ in range(8)]
    a = make_qa().ask(TRAVEL)
    assert EXTRACTIVE in a.answer
    assert a.notes[-1] == "LLM did not finish within 5 rounds of tool calls; extractive answer shown"


def test_server_down(make_qa):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    a = make_qa(llm_base_url=f"http://127.0.0.1:{port}/v1").ask(TRAVEL)
    assert time.perf_counter() - t0 < 5
    assert EXTRACTIVE in a.answer and a.notes[-1] == "LLM unavailable (cannot connect to the server); extractive answer shown"


def test_server_error_status(stub, make_qa):
    stub.script = []  # every request gets HTTP 500
    a = make_qa().ask(TRAVEL)
    assert EXTRACTIVE in a.answer and a.notes[-1] == "LLM server answered HTTP 500; extractive answer shown"


def test_stream_of_the_runnable_yields_the_checked_text(stub, make_qa):
    stub.script = [{"tools": [("lookup", {"row": "差旅费"})]}, {"content": travel_answer}]
    pieces = list(make_qa().as_runnable().stream(TRAVEL))
    assert "".join(pieces) == "按预算，差旅费安排 1.60 万元 [1]。"




def test_ollama_over_http(stub, make_qa):
    stub.script = [{"tools": [("lookup", {"row": "差旅费"})]}, {"content": travel_answer}]
    a = make_qa(llm="ollama", llm_base_url=stub.url.removesuffix("/v1")).ask(TRAVEL)
    assert a.answer == "按预算，差旅费安排 1.60 万元 [1]。" and a.citations[0].row == "差旅费"
    assert a.notes[-1] == "answered by the LLM (lookup ×1); every number checked against the tool results"
    assert {t["function"]["name"] for t in stub.requests[0]["tools"]} == {"lookup", "calculate", "search"}
