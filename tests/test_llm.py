"""The optional LLM layer with LangChain's fake chat models: rephrasing is kept only when grounded."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_core")
from langchain_core.language_models.fake_chat_models import FakeListChatModel  # noqa: E402


@pytest.fixture
def llm_qa(qa_index):
    from budget_qa.core import BudgetQA

    qa = BudgetQA.open(qa_index, {"embedder": "none", "llm": "openai"})
    return qa


def test_grounded_rephrasing_is_used(llm_qa):
    llm_qa._llm = FakeListChatModel(responses=["按预算，差旅费安排 1.60 万元 [1]。"])
    a = llm_qa.ask("差旅费是多少？")
    assert a.answer == "按预算，差旅费安排 1.60 万元 [1]。"
    assert any("rephrased" in n for n in a.notes)
    assert a.figures[0].value == "1.60"


def test_invented_number_is_rejected(llm_qa):
    llm_qa._llm = FakeListChatModel(responses=["差旅费约为 9.99 万元 [1]，比去年多 3 倍。"])
    a = llm_qa.ask("差旅费是多少？")
    assert "9.99" not in a.answer and "1.60 万元 [1]" in a.answer
    assert any("rejected" in n and "9.99" in n for n in a.notes)


def test_answer_without_citation_is_rejected(llm_qa):
    llm_qa._llm = FakeListChatModel(responses=["差旅费为 1.60 万元。"])
    a = llm_qa.ask("差旅费是多少？")
    assert "[1]" in a.answer and any("no citation" in n for n in a.notes)


def test_failing_model_falls_back(llm_qa):
    class Broken:
        def invoke(self, _msgs):
            raise ConnectionError("server down")

    llm_qa._llm = Broken()
    a = llm_qa.ask("差旅费是多少？")
    assert "1.60 万元 [1]" in a.answer and any("unavailable" in n for n in a.notes)


def test_prompt_carries_sources_and_figures(llm_qa):
    from budget_qa.answer.llm import build_messages

    msgs = build_messages("差旅费是多少？", "差旅费 1.60 万元 [1]", [(1, "表6 / 30211 差旅费 / 合计", "30211 差旅费 | 合计: 1.60")])
    text = "\n".join(m.content for m in msgs)
    assert "1.60" in text and "[1] 表6" in text and "never add" in text


def test_unknown_provider_message():
    from budget_qa.answer.llm import make_chat_model
    from budget_qa.errors import BudgetQAError

    with pytest.raises(BudgetQAError, match="none, openai or ollama"):
        make_chat_model({"llm": "gpt5-magic"})


def test_openai_model_is_built_lazily_with_base_url():
    pytest.importorskip("langchain_openai")
    from budget_qa.answer.llm import make_chat_model

    m = make_chat_model({"llm": "openai", "llm_model": "qwen", "llm_base_url": "http://127.0.0.1:9/v1", "llm_timeout": 1})
    assert m.model_name == "qwen" and "127.0.0.1:9" in str(m.openai_api_base)
