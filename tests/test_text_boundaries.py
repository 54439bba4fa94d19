"""Text boundaries: whatever comes in through the CLI, stdin, the Python API, lookup labels, the web
chat, the exchange log or the reply drafts, nothing crashes, messages stay short and clear, and text
appended to a question does not change which figure it gets.

The policy itself is documented in src/budget_qa/textsafe.py. These tests use only public interfaces,
so that they can be run against an older checkout to count what used to go wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from budget_qa.cli import main
from budget_qa.errors import LookupNotFound, QuestionError
from budget_qa.web.exchange_log import ExchangeLog
from budget_qa.web.reply import draft_reply, to_markdown, write_files
from fixtures import small_disclosure, write_disclosure

ROOT = Path(__file__).resolve().parent.parent
REPLACED = "invalid UTF-8 in the input was replaced with U+FFFD"
TRAVEL = "差旅费是多少？"
TOO_LONG_1M = ("问题过长（1,000,000 个字符，上限 500 个字符），请一次只问一件事。"
               "Question too long (1,000,000 characters; the limit is 500) — ask one thing at a time.")


def _open(index):
    from budget_qa.core import BudgetQA

    return BudgetQA.open(index, {"embedder": "none"})


def _values(ans) -> list[str]:
    return sorted(f.value for f in ans.figures)


def _docx_text(path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


@pytest.fixture(scope="module")
def small_qa(tmp_path_factory):
    """The small disclosure of tests/fixtures.py (差旅费 6.50, 公务接待费 2.50), facts only."""
    from budget_qa.index import build_index

    tmp = tmp_path_factory.mktemp("small")
    build_index([write_disclosure(tmp, "small.txt", small_disclosure())], tmp / "index", with_retrieval=False)
    return _open(tmp / "index")


@pytest.fixture(scope="module")
def literal_qa(tmp_path_factory):
    """The small disclosure with a '_' and a '%' printed in two 表6 row labels."""
    from budget_qa.index import build_index

    tmp = tmp_path_factory.mktemp("literal")
    text = small_disclosure().replace("\t差旅费\t", "\t差旅_费\t").replace("\t办公费\t", "\t办公%费\t")
    build_index([write_disclosure(tmp, "literal.txt", text)], tmp / "index", with_retrieval=False)
    return _open(tmp / "index")


@pytest.fixture(scope="module")
def web_ctx(tmp_path_factory):
    from web_support import make_ctx

    return make_ctx(tmp_path_factory.mktemp("web"))


# ---------- stdin and stdout: a real process fed raw bytes ----------
STDIN_LINES = [
    TRAVEL.encode(),                               # valid
    b"\xff\xfe" + TRAVEL.encode(),                 # invalid UTF-8 before the question
    "2024年三公".encode() + b"\x00" + "经费是多少？".encode(),  # a NUL inside
    TRAVEL.encode()[:-1],                          # cut inside the last character
    b"\x00\x01\x02",                               # nothing but control characters
    b"",                                           # blank: skipped, as documented
    b"\xe5",                                       # a lone lead byte
]


def _ask_stdin(index, data: bytes, **env) -> subprocess.CompletedProcess:
    environ = os.environ | env
    return subprocess.run([sys.executable, "-m", "budget_qa.cli", "ask", "-", "--json", "--index", str(index)],
                          input=data, capture_output=True, env=environ, timeout=300, cwd=ROOT)


def _json_lines(out: bytes) -> list[dict]:
    return [json.loads(line.decode("utf-8")) for line in out.splitlines()]  # strict: every line is UTF-8


def _check_stdin_answers(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    assert b"Traceback" not in proc.stderr
    lines = _json_lines(proc.stdout)
    assert len(lines) == len([x for x in STDIN_LINES if x.strip()]) == 6
    assert [x["question"] for x in lines] == [TRAVEL, "\ufffd\ufffd" + TRAVEL, "2024年三公经费是多少？",
                                               "差旅费是多少\ufffd", "", "\ufffd"]
    assert [f["value"] for f in lines[0]["figures"]] == ["1.60"] and REPLACED not in lines[0]["notes"]
    assert [f["value"] for f in lines[1]["figures"]] == ["1.60"] and REPLACED in lines[1]["notes"]
    assert [f["value"] for f in lines[2]["figures"]] == ["17.81"]
    assert [f["value"] for f in lines[3]["figures"]] == ["1.60"] and REPLACED in lines[3]["notes"]
    assert lines[4]["answerable"] is False and lines[4]["error"].startswith("Empty question")
    assert REPLACED in lines[5]["notes"] and "error" not in lines[5]


def test_stdin_invalid_utf8_and_nul_give_one_utf8_json_line_each(fact_index):
    _check_stdin_answers(_ask_stdin(fact_index, b"\n".join(STDIN_LINES) + b"\n"))


def test_stdin_with_strict_stdio(fact_index):
    _check_stdin_answers(_ask_stdin(fact_index, b"\n".join(STDIN_LINES) + b"\n", PYTHONIOENCODING="utf-8:strict"))


def test_stdout_in_an_ascii_locale_is_still_utf8(fact_index):
    _check_stdin_answers(_ask_stdin(fact_index, b"\r\n".join(STDIN_LINES) + b"\r\n", PYTHONIOENCODING="ascii",
                                    LC_ALL="C", LANG="C"))


def test_question_argument_with_invalid_utf8(fact_index):
    proc = subprocess.run([sys.executable, "-m", "budget_qa.cli", "ask", TRAVEL.encode() + b"\xff", "--json",
                           "--index", str(fact_index)], capture_output=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr[-2000:]
    (d,) = _json_lines(proc.stdout)
    assert d["question"] == TRAVEL + "\ufffd" and [f["value"] for f in d["figures"]] == ["1.60"]
    assert REPLACED in d["notes"]


def test_question_argument_with_a_surrogate_in_text_mode(fact_index):
    r = CliRunner().invoke(main, ["ask", TRAVEL + "\udcff", "--index", str(fact_index)])
    assert r.exit_code == 0 and r.exception is None, r.output
    assert "“合计”为 1.60 万元 [1]" in r.stdout and r.stdout.rstrip().endswith(f"({REPLACED})")


# ---------- lookup labels ----------
def test_lookup_label_with_invalid_utf8(fact_index):
    r = CliRunner().invoke(main, ["lookup", "--row", "差旅费\udcff", "--index", str(fact_index), "--json"])
    assert r.exception is None and r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["query"]["row"] == "差旅费\ufffd"
    assert [(c["row"], c["value"]) for c in d["candidates"]] == [("差旅费", "1.60")]
    assert f"Note: {REPLACED} (--row)" in r.stderr


@pytest.mark.parametrize("char", ["差", "a"])
def test_lookup_label_of_30000_characters(fact_index, char):
    r = CliRunner().invoke(main, ["lookup", "--row", char * 30_000, "--index", str(fact_index)])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output[:500]
    assert r.output.startswith("Error: Row label too long (30,000 characters; the limit is 200) — give the row as "
                               "printed in the disclosure, e.g. 差旅费 or 30211")
    assert len(r.output) < 300


def test_lookup_tool_answers_a_long_label_with_text(qa):
    from budget_qa.lookup_tool import make_lookup_tool

    tool = make_lookup_tool(qa.store)
    out = tool.invoke({"row": "差" * 30_000})
    assert isinstance(out, str) and out.startswith("Row label too long (30,000 characters; the limit is 200)")
    assert json.loads(tool.invoke({"row": "差旅费"}))["candidates"][0]["value"] == "1.60"


def test_underscores_are_not_wildcards(qa):
    for label in ("___", "__"):
        with pytest.raises(LookupNotFound) as info:
            qa.lookup(row=label)
        assert str(info.value).startswith(f"No row matches '{label}'")


def test_percent_is_not_a_wildcard(qa):
    for label in ("%", "%%", "差%费", "_旅费", "差旅_"):
        with pytest.raises(LookupNotFound) as info:
            qa.lookup(row=label)
        assert str(info.value).startswith(f"No row matches '{label}'")


def test_printed_underscore_and_percent_match_themselves(literal_qa):
    rows = lambda res: [(f.row_label, f.value) for f in res.candidates]  # noqa: E731
    assert rows(literal_qa.lookup(row="差旅_费")) == [("差旅_费", "6.50")]
    assert rows(literal_qa.lookup(row="办公%费")) == [("办公%费", "12.00")]
    assert rows(literal_qa.lookup(row="_费")) == [("差旅_费", "6.50")]
    assert rows(literal_qa.lookup(row="%费")) == [("办公%费", "12.00")]
    with pytest.raises(LookupNotFound):
        literal_qa.lookup(row="办_")


# ---------- the Python API ----------
def test_api_bytes_question(qa):
    assert _values(qa.ask(TRAVEL.encode("utf-8"))) == ["1.60"]


def test_api_invalid_bytes_question(qa):
    with pytest.raises(QuestionError) as info:
        qa.ask(b"\xff" + TRAVEL.encode())
    assert str(info.value) == ("问题不是有效的 UTF-8 文本（第 0 个字节 0xff）。The question is not valid UTF-8 "
                               "(byte 0xff at offset 0) — pass text (str) or UTF-8 bytes.")


@pytest.mark.parametrize("value,name", [(42, "int"), (["差旅费"], "list"), (1.5, "float")])
def test_api_question_that_is_not_text(qa, value, name):
    with pytest.raises(QuestionError) as info:
        qa.ask(value)
    assert str(info.value) == f"问题必须是文本，而不是 {name}。The question must be text (str), not {name}."


def test_api_none_question(qa):
    with pytest.raises(QuestionError, match="^Empty question"):
        qa.ask(None)


def test_api_lone_surrogate_question(qa):
    ans = qa.ask(TRAVEL + "\ud800")
    assert ans.question == TRAVEL + "\ufffd" and _values(ans) == ["1.60"]
    json.dumps(ans.to_dict(), ensure_ascii=False).encode("utf-8")  # storable and printable


@pytest.mark.parametrize("question", ["差旅费\x0b是多少？", "差旅费\x00是多少？", "差旅费是多少？\x1b[31m",
                                      "\x1b]0;x\x07差旅费是多少？\x7f\x85"])
def test_control_characters_in_a_question(qa, question):
    ans = qa.ask(question)
    assert _values(ans) == ["1.60"]
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in ans.question)


@pytest.mark.parametrize("question", ["差\u200b旅费是多少？", "差旅\u202e费是多少？", "\ufeff差旅费\u2060是多少？"])
def test_invisible_format_characters_inside_a_term(qa, question):
    assert _values(qa.ask(question)) == ["1.60"]


@pytest.mark.parametrize("char", ["差", "a"])
def test_a_million_character_question(qa, char):
    with pytest.raises(QuestionError) as info:
        qa.ask(char * 1_000_000)
    assert str(info.value) == TOO_LONG_1M  # both languages, the limit and the length; the question is not echoed


def test_a_million_character_question_on_stdin(fact_index):
    r = CliRunner().invoke(main, ["ask", "-", "--json", "--index", str(fact_index)],
                           input="差" * 1_000_000 + "\n" + TRAVEL + "\n")
    assert r.exit_code == 0, r.output[:500]
    first, second = r.stdout.splitlines()
    assert len(first) < 1000 and json.loads(first)["error"] == TOO_LONG_1M
    assert [f["value"] for f in json.loads(second)["figures"]] == ["1.60"]


def test_question_length_limit_applies_before_any_work(qa):
    with pytest.raises(QuestionError) as info:
        qa.ask("差" * 501)
    assert str(info.value).startswith("问题过长（501 个字符，上限 500 个字符）")
    assert qa.ask("差" * 500).answerable is False  # at the limit: answered (there is no such item)
    assert _values(qa.ask(TRAVEL + " " * 1000)) == ["1.60"]  # spaces do not count


# ---------- text appended to a question ----------
TAILS = ["' OR 1=1 --", "<script>alert(1)</script>", "]]></x>", "'; DROP TABLE facts; --", '" OR ""="',
         "<!-- x -->", " UNION SELECT * FROM facts", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
         "{{7*7}}", "%", "___"]
BASES = [TRAVEL, "公务接待费是多少？", "How much is budgeted for official receptions?", "2024年三公经费是多少？"]


def _figure_key(ans) -> tuple:
    return ans.answerable, str(ans.route), ans.language, sorted((f.value, f.unit) for f in ans.figures)


@pytest.mark.parametrize("tail", TAILS)
def test_appended_text_does_not_change_the_figures(qa, small_qa, tail):
    for index_qa in (qa, small_qa):
        for base in BASES:
            want = _figure_key(index_qa.ask(base))
            assert _figure_key(index_qa.ask(base + tail)) == want, (base, tail)
            assert _figure_key(index_qa.ask(tail + " " + base)) == want, (tail, base)


def test_appended_text_expected_figures(qa, small_qa):
    assert _values(qa.ask(TRAVEL + TAILS[0])) == ["1.60"]
    assert _values(small_qa.ask(TRAVEL + TAILS[1])) == ["6.50"]
    assert _values(qa.ask("公务接待费是多少？" + TAILS[3])) == ["0.90", "8.90"]


# ---------- the exchange log ----------
def _answer_dict(text: str = "合计为 1.60 万元 [1]", quote: str = "30211 差旅费 | 合计: 1.60") -> dict:
    return {"answer": text, "language": "zh", "route": "lookup", "answerable": True,
            "citations": [{"id": 1, "locator": "表6 / 30211 差旅费 / 合计", "quote": quote, "document": "d.txt"}],
            "figures": [{"value": "1.60", "unit": "万元", "citation": 1}], "timings_ms": {"total": 1.5}}


def test_exchange_log_round_trip_with_surrogates_and_controls(tmp_path):
    log = ExchangeLog(tmp_path / "exchanges.sqlite")
    ans = _answer_dict("合计为 1.60 万元 [1]\n第二行\t制表\x00\ud800", "30211 差旅费\udcff | 合计: 1.60\x0b")
    ex = log.add(question="差旅费是多少？\ud800\x00\x0b<script>", answer=ans, session="s\udcff", client="127.0.0.1")
    e = log.get(ex)
    assert e.question == "差旅费是多少？\ufffd <script>"
    assert e.answer == "合计为 1.60 万元 [1]\n第二行\t制表\ufffd"
    assert e.session == "s\ufffd" and e.client == "127.0.0.1"
    assert e.citations[0]["quote"] == "30211 差旅费\ufffd | 合计: 1.60 "
    assert e.figures == [{"value": "1.60", "unit": "万元", "citation": 1}]
    assert [x.id for x in log.search("\ud800")] == [ex] and log.search("%") == [] and log.search("_") == []
    assert log.set_feedback(ex, "up", comment="好\udcff\x00") and log.get(ex).comment == "好\ufffd"


def test_exchange_log_keeps_markup_as_text(tmp_path):
    log = ExchangeLog(tmp_path / "exchanges.sqlite")
    q = TRAVEL + "<script>alert(1)</script>]]></x>' OR 1=1 --"
    ex = log.add(question=q, answer=_answer_dict("<b>1.60</b>"))
    assert log.get(ex).question == q and log.get(ex).answer == "<b>1.60</b>"
    assert [x.id for x in log.search("' OR 1=1 --")] == [ex] and log.count() == 1


def test_web_chat_logs_a_question_with_a_lone_surrogate(web_ctx):
    from budget_qa.web import chat
    from web_support import FakeRequest, run

    before = web_ctx.log.count()
    outputs = run(chat.respond(web_ctx, TRAVEL + "\ud800", None, FakeRequest(session_hash="surrogate")))
    assert web_ctx.log.count() == before + 1
    e = web_ctx.log.search("差旅费是多少？\ufffd")[0]
    assert e.question == TRAVEL + "\ufffd" and e.figures[0]["value"] == "1.60"
    messages = outputs[-1][0]
    assert "1.60" in messages[1]["content"]


# ---------- reply drafts ----------
def test_reply_docx_with_a_vertical_tab_in_the_question(qa, tmp_path):
    r = draft_reply(TRAVEL + "\x0b", qa.ask(TRAVEL).to_dict(), date="2024-05-06")
    md, path = write_files(r, tmp_path, "reply-vt")
    text = _docx_text(path)
    assert "关于“差旅费是多少？”的答复" in text and "1.60 万元" in text
    assert md.read_text(encoding="utf-8").startswith("# 关于“差旅费是多少？”的答复")


def test_reply_docx_with_odd_characters_in_the_answer_and_quotes(tmp_path):
    ans = _answer_dict("合计为 1.60 万元 [1]\x00\ufffe\ud800\x1b[1m", "30211 差旅费\x0c | 合计: 1.60\x01")
    r = draft_reply("差旅\x00费\u0085是多少？", ans, date="2024-05-06")
    _, path = write_files(r, tmp_path, "reply-odd")
    text = _docx_text(path)
    assert "关于“差旅费 是多少？”的答复" in text
    assert "合计为 1.60 万元 [1]\ufffd" in text and "30211 差旅费 | 合计: 1.60”" in text


def test_reply_markdown_keeps_markup_inert(qa, tmp_path):
    q = TRAVEL + "<script>alert(1)</script>[x](javascript:alert(1))"
    r = draft_reply(q, qa.ask(TRAVEL).to_dict(), date="2024-05-06")
    md = to_markdown(r)
    assert "<script>" not in md and "](javascript" not in md.replace("\\]", "")  # no tag, no link
    assert md.startswith("# 关于“差旅费是多少？\\<script\\>alert(1)\\</script\\>\\[x\\](javascript:alert(1))”的答复")
    assert "1.60 万元 [1]" in md
    _, path = write_files(r, tmp_path, "reply-markup")
    assert f"关于“{q}”的答复" in _docx_text(path)  # plain text in Word: shown, never run


def test_desk_draft_for_a_question_with_a_vertical_tab(web_ctx):
    from budget_qa.web import desk

    preview, md, path = desk.draft_for_question(web_ctx, "差旅费\x0b预算是多少？", "zh", user="alice")
    assert preview.startswith("# 关于“差旅费 预算是多少？”的答复") and "1.60 万元" in preview
    assert Path(md).read_text(encoding="utf-8") == preview and "1.60" in _docx_text(path)
