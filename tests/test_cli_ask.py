"""`budget-qa ask` and `doctor` through click's CliRunner (the contract other tools rely on)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from budget_qa.cli import main


def test_ask_one_question_json(qa_index):
    r = CliRunner().invoke(main, ["ask", "差旅费是多少？", "--index", str(qa_index), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["answerable"] is True and d["route"] == "lookup" and d["figures"][0]["value"] == "1.60"
    assert d["citations"][0]["table"] == "表6"


def test_ask_text_shows_sources(qa_index):
    r = CliRunner().invoke(main, ["ask", "What is the travel budget?", "--index", str(qa_index)])
    assert r.exit_code == 0 and "CNY 16,000" in r.output and "Sources:" in r.output and "[1]" in r.output


def test_ask_stdin_json_lines(qa_index):
    questions = "差旅费是多少？\n\n2022年的三公经费是多少？\n   \nWhat are the main functions of the bureau?\n"
    r = CliRunner().invoke(main, ["ask", "-", "--index", str(qa_index), "--json"], input=questions)
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.output.strip().splitlines()]
    assert [x["question"] for x in lines] == ["差旅费是多少？", "2022年的三公经费是多少？", "What are the main functions of the bureau?"]
    assert [x["answerable"] for x in lines] == [True, False, True]
    assert [x["route"] for x in lines] == ["lookup", "abstain", "retrieval"]


def test_ask_too_long_is_an_error_line_in_batch(qa_index):
    r = CliRunner().invoke(main, ["ask", "-", "--index", str(qa_index), "--json"], input="差" * 2100 + "\n差旅费？\n")
    lines = [json.loads(x) for x in r.output.strip().splitlines()]
    assert "too long" in lines[0]["error"] and lines[1]["figures"][0]["value"] == "1.60"


def test_ask_without_index_says_what_to_do(tmp_path):
    r = CliRunner().invoke(main, ["ask", "差旅费是多少？", "--index", str(tmp_path / "none")])
    assert r.exit_code != 0 and "budget-qa ingest" in r.output


def test_doctor_reports_fallback(qa_index):
    r = CliRunner().invoke(main, ["doctor", "--index", str(qa_index), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert "1 document" in d["index"] and "facts" in d["index"]
    assert "staff desk" in d and "llm" in d
