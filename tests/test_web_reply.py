"""Reply drafts for the inquiry desk: Markdown and .docx with the figure and numbered citations."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from budget_qa.web import desk
from budget_qa.web.reply import draft_reply, to_markdown, write_files
from web_support import make_ctx


@pytest.fixture(scope="module")
def web_ctx(tmp_path_factory):
    """A WebContext over the real corpus with its own exchange log."""
    return make_ctx(tmp_path_factory.mktemp("web"))


def docx_text(path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_chinese_reply_markdown_and_docx(web_ctx, tmp_path):
    ans = web_ctx.qa.ask("2024年三公经费是多少？").to_dict()
    r = draft_reply(
        "2024年三公经费是多少？",
        ans,
        department="乌鲁木齐市招商服务局",
        document_title="乌鲁木齐市招商服务局 2024 年部门预算公开",
        date="2024-05-06",
    )
    md = to_markdown(r)
    assert md.startswith("# 关于“2024年三公经费是多少？”的答复")
    assert "合计为 17.81 万元 [1]" in md
    assert "- 17.81 万元 — 表10 / 合计 / 合计 [1]" in md
    assert "[1] 《乌鲁木齐市招商服务局 2024 年部门预算公开》 表10 / 合计 / 合计：“合计 | 合计: 17.81" in md
    assert "\n[2] 《乌鲁木齐市招商服务局 2024 年部门预算公开》 第三部分" in md
    assert md.rstrip().endswith("2024年5月6日")
    md_path, docx_path = write_files(r, tmp_path, "reply-1-zh")
    assert md_path.read_text(encoding="utf-8") == md
    text = docx_text(docx_path)
    assert "关于“2024年三公经费是多少？”的答复" in text and "17.81 万元 [1]" in text
    assert "[1] 《乌鲁木齐市招商服务局 2024 年部门预算公开》 表10 / 合计 / 合计" in text and "\n[2] " in text


def test_english_reply_on_request(web_ctx):
    ans = web_ctx.qa.ask("How much is budgeted for official receptions?").to_dict()
    md = to_markdown(draft_reply("How much is budgeted for official receptions?", ans, lang="en"))
    assert md.startswith("# Reply to your inquiry") and "Sources" in md
    assert "8.90 万元 — 表10 / 公务接待费 / 合计 [2]" in md and "[1] " in md and "[2] " in md


def test_reply_language_differs_from_answer_language(web_ctx):
    ans = web_ctx.qa.ask("2024年三公经费是多少？").to_dict()
    md = to_markdown(draft_reply("2024年三公经费是多少？", ans, lang="en"))
    assert "quoted as given, in Chinese" in md and "17.81" in md


def test_unanswerable_reply_says_so(web_ctx):
    ans = web_ctx.qa.ask("2019年三公经费是多少？").to_dict()
    assert ans["answerable"] is False
    assert "经查，上述公开文件未载明相关内容。" in to_markdown(draft_reply("2019年三公经费是多少？", ans))


def test_desk_drafts_from_a_logged_exchange(web_ctx):
    ans = web_ctx.qa.ask("差旅费预算是多少？")
    ex = web_ctx.log.add(question="差旅费预算是多少？", answer=ans.to_dict(), session="s")
    preview, md, docx_path = desk.draft_for_exchange(web_ctx, str(ex), "zh")
    assert "1.60 万元" in preview and "[1] 《乌鲁木齐市招商服务局 2024 年部门预算公开》 表6" in preview
    assert Path(md).read_text(encoding="utf-8") == preview and Path(md).parent == desk.replies_dir(web_ctx)
    assert "1.60" in docx_text(docx_path)
    assert desk.draft_for_exchange(web_ctx, "", "zh")[1:] == (None, None)
    assert desk.draft_for_exchange(web_ctx, "999999", "en")[0] == "No exchange #999999."


def test_desk_new_question_is_answered_logged_and_drafted(web_ctx):
    preview, md, docx_path = desk.draft_for_question(web_ctx, "培训费预算是多少？", "zh", user="alice")
    assert "4.20" in preview and md.endswith(".md") and docx_path.endswith(".docx")
    e = web_ctx.log.search("培训费预算是多少？", channel="desk")[0]
    assert e.session == "desk:alice" and e.route == "lookup"


def test_desk_log_search_table(web_ctx):
    web_ctx.log.add(question="<b>bold?</b>", answer={"answer": "x", "language": "en", "route": "abstain"})
    df = desk.search_log(web_ctx, "bold", language="en", route="abstain")
    assert list(df.columns) == desk.LOG_COLUMNS and df.iloc[0]["question"] == "<b>bold?</b>"
    assert desk.search_log(web_ctx, "bold", language="zh").empty
    assert "Q: <b>bold?</b>" in desk.exchange_detail(web_ctx, str(df.iloc[0]["id"]))


def test_docx_bullets_are_list_paragraphs_with_author_and_title(tmp_path):
    from budget_qa.web.reply import write_docx

    ans = {"answer": "主要包括：\n- 公务接待费 8.90 万元 [1]\n* 公务用车运行费 8.91 万元\n1. 第一项\n17.81 万元合计",
           "language": "zh", "citations": [], "figures": []}
    r = draft_reply("三公经费包括哪些？", ans, date="2024-05-06")
    path = write_docx(r, tmp_path / "r.docx", author="alice")
    d = docx.Document(str(path))
    styles = {p.text: p.style.name for p in d.paragraphs}
    assert styles["公务接待费 8.90 万元 [1]"] == "List Bullet"
    assert styles["公务用车运行费 8.91 万元"] == "List Bullet"
    assert styles["第一项"] == "List Number"
    assert styles["17.81 万元合计"] == "Normal"  # a figure at the start of a line is not a list item
    assert not any(p.text.startswith(("- ", "* ")) for p in d.paragraphs)
    assert d.core_properties.author == "alice" and d.core_properties.title == "关于“三公经费包括哪些？”的答复"
    _, docx_path = write_files(r, tmp_path, "no-user")
    props = docx.Document(str(docx_path)).core_properties
    assert props.author == "budget-qa" and props.title == r.title
