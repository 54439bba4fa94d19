"""Public chat handlers without a browser: streamed answers, escaping, citations, follow-ups, feedback."""

from __future__ import annotations

import json

import pytest

from budget_qa.model import Citation
from budget_qa.web import chat
from budget_qa.web.render import citations_html, md_text
from web_support import FakeRequest, make_ctx, run


@pytest.fixture(scope="module")
def web_ctx(tmp_path_factory):
    """A WebContext over the real corpus with its own exchange log."""
    return make_ctx(tmp_path_factory.mktemp("web"))


XSS = "<script>window.__pwned=1</script><b>x</b>"


def ask(ctx, question, state=None, request=None):
    state = state if state is not None else chat.new_state()
    steps = run(chat.respond(ctx, question, state, request or FakeRequest()))
    return steps, state


def test_figure_answer_streams_then_shows_cited_rows_and_citations(web_ctx):
    steps, state = ask(web_ctx, "2024年三公经费是多少？")
    assert len(steps) >= 4  # placeholder, partial chunks, final
    partial = [m[-1]["content"] for m, _s, _box in steps[1:-1]]
    assert any(p.endswith("▌") for p in partial)
    msgs, _, box = steps[-1]
    assert box == ""
    user, answer, sources = msgs
    assert user == {"role": "user", "content": "2024年三公经费是多少？"}
    assert "17.81 万元 [1]" in answer["content"]
    # the cited table row, every column, blank cells empty
    assert "**表10 财政拨款“三公”经费支出情况表**" in answer["content"]
    assert "| [1] | 合计 | 17.81 | 17.81 |   |   |" in answer["content"]
    assert sources["metadata"]["title"] == "来源（2）"
    assert sources["content"].count("<details") == 2
    assert "<summary>[1] 表10 / 合计 / 合计</summary>" in sources["content"]
    assert "17.81 万元，其中：因公出国（境）费 0.00 万元" in sources["content"]
    assert state["msg_exchange"] == {1: state["exchanges"][0], 2: state["exchanges"][0]}


def test_comparison_question_computes_the_share(web_ctx):
    msgs = ask(web_ctx, "人员经费占基本支出的比例是多少？")[0][-1][0]
    assert "90.00%" in msgs[1]["content"] and "632.57" in msgs[1]["content"]
    assert "| [1] | 总计 | 702.89 | 632.57 | 70.32 |" in msgs[1]["content"]


def test_english_question_gets_an_english_answer(web_ctx):
    msgs = ask(web_ctx, "How much is budgeted for official receptions?")[0][-1][0]
    assert "8.90" in msgs[1]["content"] and "0.90" in msgs[1]["content"]
    assert "official reception" in msgs[1]["content"]
    assert msgs[2]["metadata"]["title"] == "Sources (2)"


def test_text_question_is_answered_or_honestly_declined(web_ctx):
    msgs = ask(web_ctx, "What are the main functions of the bureau?")[0][-1][0]
    assert msgs[1]["role"] == "assistant" and msgs[1]["content"].strip()


def test_question_text_is_never_html(web_ctx):
    msgs = ask(web_ctx, XSS)[0][-1][0]
    user = msgs[0]["content"]
    assert "<script" not in user and "<b>" not in user
    assert "&lt;script&gt;" in user and "&lt;b&gt;x&lt;/b&gt;" in user
    assert all("<script" not in m["content"] for m in msgs)


def test_markdown_links_images_and_blocks_are_neutralised():
    s = md_text("[a](javascript:alert(1)) ![i](http://x/y.png) *b* 17.81 万元 [1]\n# h\n1. x")
    assert "](" not in s.replace("\\](", "")  # no live link or image
    assert "\\*b\\*" in s and "17.81 万元 [1]" in s
    assert "\n\\# h" in s and "\n1\\. x" in s


def test_citation_quotes_and_locators_are_escaped():
    c = Citation(1, "doc.txt", "表1 / <i>x</i>", 'a "<img src=x onerror=alert(1)>" b\n\nc', line=3)
    html = citations_html([c])
    assert "<img" not in html and "<i>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;i&gt;x&lt;/i&gt;" in html
    assert "\n\n" not in html  # a blank line would end the HTML block


def test_follow_up_uses_session_state(web_ctx):
    steps, state = ask(web_ctx, "差旅费预算是多少？")
    assert "1.60" in steps[-1][0][1]["content"]
    steps, state = ask(web_ctx, "那培训费呢？", state)
    answer = steps[-1][0][-2]["content"] if steps[-1][0][-1].get("metadata") else steps[-1][0][-1]["content"]
    assert "培训费" in answer and "4.20" in answer
    assert "培训费预算是多少" in answer  # shown how the follow-up was understood
    assert [t.question for t in state["turns"]] == ["差旅费预算是多少？", "那培训费呢？"]


def test_clear_forgets_the_conversation(web_ctx):
    _, state = ask(web_ctx, "差旅费预算是多少？")
    msgs, state, box = chat.clear(state)
    assert msgs == [] and state["turns"] == [] and box == ""


def test_empty_question_does_nothing(web_ctx):
    steps, state = ask(web_ctx, "   ")
    assert steps == [([], state, "")]


def test_every_exchange_is_logged_with_citations(web_ctx):
    _, state = ask(
        web_ctx, "2024年三公经费是多少？", request=FakeRequest(host="10.0.0.9", session_hash="s-log")
    )
    e = web_ctx.log.get(state["exchanges"][-1])
    assert (e.question, e.language, e.route, e.session, e.client) == (
        "2024年三公经费是多少？",
        "zh",
        "lookup",
        "s-log",
        "10.0.0.9",
    )
    assert e.citations[0]["locator"] == "表10 / 合计 / 合计"
    assert json.dumps(e.figures, ensure_ascii=False).count("17.81") == 1


def test_feedback_and_comment_are_stored_with_the_exchange(web_ctx):
    _, state = ask(web_ctx, "差旅费预算是多少？")
    ex = state["exchanges"][-1]
    assert chat.rate(web_ctx, state, helpful=False) == "已记录，谢谢您的反馈。"
    assert web_ctx.log.get(ex).feedback == "down"
    status, box = chat.comment(web_ctx, state, "想知道明细 <b>", "en")
    assert status.startswith("Recorded") and box == ""
    assert web_ctx.log.get(ex).comment == "想知道明细 <b>"
    # the Chatbot's own thumbs map the message index to its exchange
    assert chat.like(web_ctx, state, 1, True) and web_ctx.log.get(ex).feedback == "up"
    assert chat.rate(web_ctx, chat.new_state(), True) == "请先提问，再对回答评价。"


def test_rate_limit_gives_a_friendly_message_and_logs_nothing(tmp_path):
    ctx = make_ctx(tmp_path, rate_limit=2)
    state = chat.new_state()
    for _ in range(2):
        ask(ctx, "差旅费预算是多少？", state)
    steps, state = ask(ctx, "培训费预算是多少？", state)
    msgs, _, box = steps[-1]
    assert "提问太频繁了" in msgs[-1]["content"] and "每分钟最多 2 个问题" in msgs[-1]["content"]
    assert box == "培训费预算是多少？"  # kept, to send again later
    assert ctx.log.count() == 2
    other = ask(ctx, "差旅费预算是多少？", request=FakeRequest(host="10.0.0.2"))[0]
    assert "1.60" in other[-1][0][1]["content"]  # another client is not limited
