"""The exchange log (SQLite): write, search, filter, feedback, and it survives a reopen."""

from __future__ import annotations

import pytest

from budget_qa.web.exchange_log import ExchangeLog


def answer(text, lang="zh", route="lookup", answerable=True):
    return {
        "answer": text,
        "language": lang,
        "route": route,
        "answerable": answerable,
        "citations": [{"id": 1, "locator": "表10 / 合计 / 合计", "quote": "合计 | 合计: 17.81"}],
        "figures": [{"value": "17.81", "unit": "万元", "citation": 1}],
        "timings_ms": {"total": 2.5},
    }


@pytest.fixture
def log(tmp_path):
    lg = ExchangeLog.in_dir(tmp_path / "data")
    lg.add(
        question="2024年三公经费是多少？",
        answer=answer("合计为 17.81 万元 [1]"),
        session="a",
        ts="2024-03-01T09:00:00",
    )
    lg.add(
        question="How much for receptions?",
        answer=answer("8.90 万元 [1]", "en"),
        session="b",
        ts="2024-03-02T10:00:00",
    )
    lg.add(
        question="明年的预算呢？",
        answer=answer("没有", route="abstain", answerable=False),
        session="a",
        ts="2024-03-03T11:00:00",
        channel="desk",
    )
    return lg


def test_write_and_read_back(log):
    e = log.get(1)
    assert (e.question, e.language, e.route, e.session, e.ms) == (
        "2024年三公经费是多少？",
        "zh",
        "lookup",
        "a",
        2.5,
    )
    assert e.citations[0]["locator"] == "表10 / 合计 / 合计" and e.figures[0]["value"] == "17.81"
    assert log.get(3).answerable is False and log.get(99) is None


def test_search_text_newest_first(log):
    assert [e.id for e in log.search()] == [3, 2, 1]
    assert [e.id for e in log.search("17.81")] == [1]  # matches the answer
    assert [e.id for e in log.search("receptions")] == [2]  # matches the question
    assert log.search("100%") == [] and log.search("_") == []  # LIKE wildcards are literal


def test_filters(log):
    assert [e.id for e in log.search(language="en")] == [2]
    assert [e.id for e in log.search(route="abstain")] == [3]
    assert [e.id for e in log.search(channel="desk")] == [3]
    assert [e.id for e in log.search(date_from="2024-03-02")] == [3, 2]
    assert [e.id for e in log.search(date_from="2024-03-02", date_to="2024-03-02")] == [2]
    log.set_feedback(1, "up")
    assert [e.id for e in log.search(feedback="up")] == [1]
    assert [e.id for e in log.search(feedback="none")] == [3, 2]


def test_feedback_and_comment(log):
    assert log.set_feedback(2, "down", comment=" 数字不对？ ")
    e = log.get(2)
    assert (e.feedback, e.comment) == ("down", "数字不对？")
    assert [x.id for x in log.search("数字不对")] == [2]  # comments are searchable
    assert not log.set_feedback(2, "up", session="someone-else")  # only the session's own exchanges
    with pytest.raises(ValueError):
        log.set_feedback(2, "great")


def test_survives_reopen(log, tmp_path):
    log.set_feedback(1, "up", comment="好")
    again = ExchangeLog.in_dir(tmp_path / "data")
    assert again.count() == 3 and again.count("desk") == 1
    assert (again.get(1).feedback, again.get(1).comment) == ("up", "好")
    assert again.add(question="q", answer=answer("a")) == 4
