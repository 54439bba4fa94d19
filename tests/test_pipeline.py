"""The answer pipeline on a disclosure the tests generate (not the corpus file): everyday names,
row + column, compositions, bases, premises, refusals, follow-ups, traditional characters, English."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from budget_qa.core import BudgetQA
from budget_qa.index import build_index
from disclosure_gen import generate, golden_path


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipeline")
    path = generate(folder / "c", "provincial", "txt", seed=3, department="湖南省水利厅", year=2024)
    gold = json.loads(golden_path(path).read_text(encoding="utf-8"))
    build_index([folder / "c"], folder / "index", settings={"embedder": "none"})
    return BudgetQA.open(folder / "index", {"embedder": "none"}), gold


def value(gold: dict, kind: str, row: str, leaf: str) -> str:
    t = next(t for t in gold["tables"] if t["kind"] == kind)
    return next(c["value"] for c in t["cells"] if c["row"] == row and c["column"].rsplit("/", 1)[-1] == leaf)


def pct(a: str, b: str) -> str:
    return str((Decimal(a) / Decimal(b) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_everyday_names_of_rows(setup):
    qa, gold = setup
    assert value(gold, "basic", "差旅费", "合计") in qa.ask("出差费是多少？").answer
    a = qa.ask("How much goes on staff wages?")
    assert value(gold, "basic", "工资福利支出", "合计") in a.answer and a.language == "en"
    a = qa.ask("差旅費是多少？")  # traditional characters
    assert {f.value for f in a.figures} == {value(gold, "basic", "差旅费", "合计")}


def test_row_and_column_together(setup):
    qa, gold = setup
    a = qa.ask("行政运行的基本支出是多少？")
    assert value(gold, "general_budget", "行政运行", "基本支出") in {f.value for f in a.figures}
    assert all(c.column == "基本支出" for c in a.citations)


def test_every_part_of_a_multi_part_share(setup):
    qa, gold = setup
    travel, meetings = value(gold, "basic", "差旅费", "合计"), value(gold, "basic", "会议费", "合计")
    public = value(gold, "basic", "合计", "公用经费")
    a = qa.ask("差旅费和会议费分别占公用经费多少？")
    assert a.route == "compute"
    assert f"{pct(travel, public)}%" in a.answer and f"{pct(meetings, public)}%" in a.answer


def test_sum_says_its_basis(setup):
    qa, gold = setup
    travel, reception = value(gold, "basic", "差旅费", "合计"), value(gold, "basic", "公务接待费", "合计")
    a = qa.ask("差旅费和公务接待费合计多少？")
    assert str(Decimal(travel) + Decimal(reception)) in a.answer and "口径" in a.answer


def test_a_wrong_premise_is_corrected(setup):
    qa, gold = setup
    now, before = value(gold, "three_public", "2024年预算数", "合计"), value(gold, "three_public", "2023年预算数", "合计")
    assert Decimal(now) < Decimal(before)  # it went down
    a = qa.ask("为什么三公经费增加了？")
    assert a.answer.startswith("更正：") and "并没有增加" in a.answer
    a = qa.ask("Why did the three public expenses go up?")
    assert a.answer.startswith("Correction:") and "did not increase" in a.answer


@pytest.mark.parametrize("q, lang", [("明年的差旅费会是多少？", "zh"), ("What will the travel budget be next year?", "en"),
                                     ("公务接待费安排得合理吗？", "zh"), ("Is the travel budget reasonable?", "en"),
                                     ("2024年一季度预算执行了多少？", "zh")])
def test_forecasts_opinions_and_periods_are_refused(setup, q, lang):
    qa, _ = setup
    a = qa.ask(q)
    assert not a.answerable and a.route == "abstain" and a.figures == [] and a.language == lang


def test_a_standalone_question_is_not_rewritten(setup):
    qa, _ = setup
    first = qa.ask("What does the department do?")
    a = qa.ask("2024年的差旅费是多少？", [qa.turn(first)])
    assert a.resolved_question == "" and a.route == "lookup"
    figure = qa.ask("差旅费是多少？")
    a = qa.ask("asdkjh qwe", [qa.turn(figure)])
    assert a.resolved_question == "" and not a.answerable


def test_english_reason_is_said_in_english(setup):
    qa, _ = setup
    a = qa.ask("Why did basic expenditure change?")
    first = a.answer.splitlines()[0]
    body = re.sub(r"“[^”]*”|\([^)]*\)", "", first)
    assert len(re.findall(r"[A-Za-z]", body)) > len(re.findall(r"[\u4e00-\u9fff]", body))
    assert "in Chinese" in a.answer  # the Chinese sentence stays, as the cited source


def test_grounding_flags_citation_markers_that_name_no_source():
    from budget_qa.answer.grounding import ungrounded
    from budget_qa.model import Answer, Citation

    ans = Answer("q", "zh", "", True, "lookup", citations=[Citation(1, "d", "表6 / 差旅费 / 合计", "差旅费 | 合计: 1.60")])
    assert ungrounded("差旅费 1.60 万元 [1]。", ans) == set()
    assert ungrounded("差旅费 1.60 万元 [7]。", ans) == {"7"}  # no seventh source
    assert ungrounded("差旅费 1.60 万元，约 9 倍 [1]。", ans) == {"9"}
