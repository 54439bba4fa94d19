"""The evaluation harness: the CI quality gate on the QA set, the metrics, and QA-file validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from budget_qa.errors import BudgetQAError
from budget_qa.evaluation import metrics
from budget_qa.evaluation.metrics import Score, aggregate, locator_matches, parse_numbers, value_in
from budget_qa.evaluation.qaset import QASetError, check_item, load_qa
from budget_qa.model import Answer, Citation, Figure

ROOT = Path(__file__).resolve().parent.parent
QA_FILE = ROOT / "eval" / "qa.jsonl"
THRESHOLDS = ROOT / "eval" / "thresholds.json"


# ------------------------------------------------------------------ the gate


@pytest.fixture(scope="module")
def full_result(qa_index, tmp_path_factory):
    from click.testing import CliRunner

    from budget_qa.cli import main

    out = tmp_path_factory.mktemp("eval")
    res = CliRunner().invoke(main, ["eval", str(QA_FILE), "--index", str(qa_index), "--systems", "full",
                                    "--out", str(out), "--json"], env={"BUDGET_QA_EMBEDDER": "none"})
    assert res.exit_code == 0, res.output
    return json.loads(getattr(res, "stdout", res.output)), out


def test_gate_full_system_meets_thresholds(full_result):
    result, _ = full_result
    gate = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
    got = result["systems"][gate["system"]]["metrics"]
    assert result["questions"] == len(load_qa(QA_FILE))
    low = {m: (got[m], floor) for m, floor in gate["minimum"].items() if got[m] is None or got[m] < floor}
    assert not low, f"below the thresholds in {THRESHOLDS.name} (got, minimum): {low}"


def test_eval_writes_report_results_and_chart(full_result):
    result, out = full_result
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| Figure exact match |" in report and "## Failures of full" in report
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))["systems"].keys() == {"full"}
    assert len(result["per_question"]["scores"]["full"]["correct"]) == result["questions"]
    assert [a["id"] for a in result["answers"]["full"]] == result["per_question"]["ids"]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "Chart not drawn" in report
    else:
        assert (out / "accuracy_by_kind.png").stat().st_size > 0 and "](accuracy_by_kind.png)" in report
    assert "Figure exact match" in result["summary_text"]


def test_unknown_system_is_a_clear_error(qa_index, tmp_path):
    from budget_qa.evaluate import run_eval

    with pytest.raises(BudgetQAError, match="Unknown system 'gpt'"):
        run_eval(QA_FILE, qa_index, ["gpt"], tmp_path, {"embedder": "none"}, progress=False)


# ------------------------------------------------------------------ exact match


@pytest.mark.parametrize("gold,answer,ok", [
    ("1.60", "差旅费 1.60 万元 [1]", True),
    ("1.60", "差旅费 1.6 万元", True),  # the same decimal
    ("1.60", "差旅费 11.60 万元", False),  # not part of a bigger number
    ("1.60", "1.605", False),
    ("1", "见来源 [1]。", False),  # a citation marker is not a figure
    ("> =450 项", "指标值 ≥450 项", True),
    ("> =450 项", "指标值 >= 450项", True),
    ("> =450 项", "指标值 450 项", False),  # the operator is part of the value
    ("<=2%", "故障率 ≤ 2%", True),
    ("=1579 亿元", "目标 1579 亿元", True),  # a gold '=' may be left out
    ("96.70%", "占 96.70%", True),
    ("96.70%", "96.70 万元", False),  # a percentage needs its sign
    ("16000.00", "CNY 16,000", True),
    ("842.79", "８４２.７９万元", True),  # full-width digits
])
def test_value_exact_match(gold, answer, ok):
    assert value_in(gold, parse_numbers(answer)) is ok


def test_figure_exact_uses_structured_figures_too():
    from budget_qa.evaluation.qaset import QAItem

    item = QAItem("zh-cmp-001", "q", "zh", "compute", "compute", True, ["90.00%"], [{"table": "表6", "row": "总计",
                                                                                        "column": "人员经费"}])
    ans = Answer("q", "zh", "人员经费占基本支出的九成", True, "compute", figures=[Figure("90.00", "%", 1)])
    s = metrics.score(item, ans, [], 1.0)
    assert s.figure_exact is True and s.contains_gold is False


# ------------------------------------------------------------------ locators


def cite(**kw) -> Citation:
    return Citation(**{"id": 1, "document": "d", "locator": "", "quote": "", **kw})


@pytest.mark.parametrize("gold,citation,ok", [
    ({"table": "表1", "row": "本年收入", "column": "预算数"},
     cite(table="表1", row="一、本年收入", column="预算数", locator="表1 / 一、本年收入 / 收入/预算数"), True),
    ({"table": "表6", "row": "差旅费", "column": "合计"}, cite(table="表6", row="差旅费", column="人员经费"), False),
    ({"table": "表6", "row": "差旅费", "column": "合计"}, cite(table="表10", row="差旅费", column="合计"), False),
    ({"table": "表7", "row": "招商引资专项", "column": "项目支出合计"},
     cite(table="表7", row="招商引资专项", column="项目支出/合计"), True),  # column by suffix
    ({"table": "项目支出绩效目标表:外地驻乌商会管理和服务费", "row": "走访和联系商（协）会及会员企业", "column": "指标值"},
     cite(table="项目支出绩效目标表", row="走访和联系商(协)会及会员企业", column="指标值",
          locator="项目支出绩效目标表:外地驻乌商会管理和服务费 / 走访和联系商（协）会及会员企业 / 指标值"), True),
    ({"table": "项目支出绩效目标表:招商引资专项", "row": "走访", "column": "指标值"},
     cite(table="项目支出绩效目标表", row="走访", column="指标值", locator="项目支出绩效目标表:招商引资服务费 / 走访"), False),
    ({"table": "表6", "row": "差旅费", "column": "合计"},  # a passage of table rows
     cite(table="表6", locator="表6 一般公共预算基本支出情况表 / 302 … 30211", quote="30211 差旅费: 合计 1.60"), True),
    ({"table": "表8"}, cite(table="表8", locator="表8 政府性基金预算支出情况表"), True),
    ({"part": 3, "section": "十"}, cite(part=3, section="十", locator="第三部分 / 十、关于… / 公务接待费 / 数额"), True),
    ({"part": 3, "section": "十二", "subsection": "(二)"},
     cite(part=3, section="十二", locator="第三部分 / 十二、其他重要事项的情况说明 / （二）政府采购情况"), True),
    ({"part": 3, "section": "十二", "subsection": "(二)"},
     cite(part=3, section="十二", locator="第三部分 / 十二、其他重要事项的情况说明 / （三）国有资产占用使用情况"), False),
    ({"part": 1, "section": "二"}, cite(locator="第一部分 / 二、机构设置及人员情况"), True),  # from the locator text
    ({"part": 3, "section": "二"}, cite(part=1, section="二"), False),
    ({"part": 3, "section": "十"}, cite(table="表10", row="合计", column="合计", part=2), False),
])
def test_locator_matching(gold, citation, ok):
    assert locator_matches(gold, citation) is ok


# ------------------------------------------------------------------ abstention, language, latency


def test_abstention_precision_and_recall():
    def s(abstained: bool, should: bool) -> Score:
        return Score("x", "abstain", "zh", abstained=abstained, should_abstain=should)

    got = aggregate([s(True, True), s(True, False), s(False, True), s(False, True), s(False, False)])
    assert got["abstention_precision"] == 0.5 and got["n_abstention_precision"] == 2
    assert got["abstention_recall"] == pytest.approx(1 / 3, abs=1e-4) and got["n_abstention_recall"] == 3
    never = aggregate([s(False, True), s(False, False)])
    assert never["abstention_precision"] is None and never["abstention_recall"] == 0.0


def test_answer_language_ignores_quoted_and_bracketed_source_text():
    assert metrics.answer_language("travel (差旅费): 1.60 万元 (CNY 16,000) [1]") == "en"
    assert metrics.answer_language("The disclosure says (Part 3): “2024 年“三公”经费预算比上年减少 2.50 万元” [1]") == "en"
    assert metrics.answer_language("表6中，差旅费“合计”为 1.60 万元 [1]。") == "zh"


def test_percentile_nearest_rank():
    assert metrics.percentile([5, 1, 3, 2, 4], 50) == 3
    assert metrics.percentile(list(range(1, 101)), 95) == 95
    assert metrics.percentile([], 50) is None


# ------------------------------------------------------------------ QA-file validation


GOOD = {"id": "zh-fig-001", "question": "差旅费是多少？", "language": "zh", "kind": "figure", "route": "lookup",
        "answerable": True, "gold_values": ["1.60"], "gold_locators": [{"table": "表6", "row": "差旅费", "column": "合计"}],
        "gold_answer_contains": []}


def write_qa(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "qa.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_qa_file_errors_name_file_line_and_field(tmp_path):
    bad_part = {**GOOD, "id": "zh-fig-003", "gold_locators": [{"part": "3", "section": "十"}]}
    no_question = {k: v for k, v in GOOD.items() if k != "question"} | {"id": "zh-fig-004"}
    wrong_kind = {**GOOD, "id": "zh-fig-005", "kind": "figures"}
    path = write_qa(tmp_path, [json.dumps(GOOD, ensure_ascii=False), '{"id": "zh-fig-002", ',
                               json.dumps(bad_part, ensure_ascii=False), json.dumps(no_question, ensure_ascii=False),
                               json.dumps(wrong_kind, ensure_ascii=False), json.dumps(GOOD, ensure_ascii=False)])
    with pytest.raises(QASetError) as exc:
        load_qa(path)
    msg = str(exc.value)
    assert str(path) in msg
    assert "line 2: not valid JSON" in msg
    assert "line 3, field 'gold_locators[0].part': must be an integer 1–4 (got '3')" in msg
    assert "line 4, field 'question': required field is missing" in msg
    assert "line 5, field 'kind': must be one of" in msg
    assert "line 6, field 'id': duplicate id 'zh-fig-001' (first used on line 1)" in msg
    assert [p.line for p in exc.value.problems] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize("change,field", [
    ({"route": "abstain"}, "answerable"),  # abstain ⇔ answerable false
    ({"gold_values": []}, "gold_values"),  # a figure needs a value
    ({"history": ["上一句"]}, "history"),  # only follow-ups have a history
    ({"id": "en-fig-001"}, "id"),  # id prefix must agree with the language
    ({"gold_locators": [{"table": "表12", "row": "x", "column": "y"}]}, "gold_locators[0].table"),
    ({"gold_locators": [{"table": "表6", "row": "差旅费"}]}, "gold_locators[0]"),  # row needs a column
    ({"gold_locators": [{"part": 3, "section": "十", "subsection": "（二）"}]}, "gold_locators[0].subsection"),
    ({"extra": 1}, "extra"),
])
def test_item_rules(change, field):
    problems = check_item({**GOOD, **change}, 7)
    assert field in {p.field for p in problems}, problems
    assert all(p.line == 7 for p in problems)


def test_real_qa_set_is_valid_and_checks_agree_with_the_schema():
    items = load_qa(QA_FILE)
    assert len(items) == len({i.id for i in items}) and items[0].line == 1
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "eval" / "qa_schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    raw = [json.loads(x) for x in QA_FILE.read_text(encoding="utf-8").splitlines() if x.strip()]
    mutations = [{"route": "abstain"}, {"kind": "descriptive"}, {"gold_values": []}, {"answerable": "yes"},
                 {"gold_locators": [{"part": 5, "section": "一"}]}, {"language": "fr"}, {"history": []}]
    for obj in raw[:: max(1, len(raw) // 25)]:
        for m in [{}, *mutations]:
            cand = {**obj, **m}
            ours = [p for p in check_item(cand, 1) if not p.message.startswith("prefix")]  # not a schema rule
            assert (not list(validator.iter_errors(cand))) == (not ours), (obj["id"], m, ours)
