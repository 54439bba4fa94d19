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
QA_OTHER = ROOT / "eval" / "qa_other.jsonl"
CORPUS_OTHER = ROOT / "eval" / "corpus_other"
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


# ------------------------------------------------------------------ the gate on the second set (other disclosures)


@pytest.fixture(scope="module")
def other_result(tmp_path_factory):
    """The full system on eval/qa_other.jsonl, answering from a temporary index of eval/corpus_other."""
    from click.testing import CliRunner

    from budget_qa.cli import main

    out = tmp_path_factory.mktemp("eval-other")
    res = CliRunner().invoke(main, ["eval", str(QA_OTHER), "--corpus", str(CORPUS_OTHER), "--systems", "full",
                                    "--out", str(out), "--json"], env={"BUDGET_QA_EMBEDDER": "none"})
    assert res.exit_code == 0, res.output
    return json.loads(getattr(res, "stdout", res.output)), out


def test_gate_second_set_meets_thresholds(other_result):
    result, _ = other_result
    gate = json.loads(THRESHOLDS.read_text(encoding="utf-8"))["qa_other"]
    full = result["systems"][gate["system"]]
    assert result["questions"] == len(load_qa(QA_OTHER))
    low = {m: (full["metrics"][m], floor) for m, floor in gate["minimum"].items()
           if full["metrics"][m] is None or full["metrics"][m] < floor}
    low |= {f"accuracy of layout {lay}": (full["by_layout"][lay]["accuracy"], floor)
            for lay, floor in gate["minimum_by_layout"].items() if full["by_layout"][lay]["accuracy"] < floor}
    assert not low, f"second set below the thresholds in {THRESHOLDS.name} (got, minimum): {low}"


def test_second_set_report_is_per_document_and_per_layout(other_result):
    result, out = other_result
    assert set(result["documents"]) == {p.stem for p in CORPUS_OTHER.iterdir() if p.suffix != ".md"}
    assert set(result["layouts"]) == {"urumqi", "provincial", "central"}
    full = result["systems"]["full"]
    assert set(full["by_document"]) == set(result["documents"]) and set(full["by_layout"]) == set(result["layouts"])
    assert sum(d["questions"] for d in full["by_document"].values()) == result["questions"]
    report = (out / "report_other.md").read_text(encoding="utf-8")
    for heading in ("## Answer accuracy by document", "## Answer accuracy by layout", "## full: by document",
                    "## full: by layout", "## full: by question kind", "## full: by question language"):
        assert heading in report
    assert json.loads((out / "results_other.json").read_text(encoding="utf-8"))["corpus"] == str(CORPUS_OTHER)
    assert not (out / "report.md").exists() and "report_other.md" in result["summary_text"]


def test_second_set_is_big_bilingual_and_names_documents_of_its_corpus():
    stems = {p.stem for p in CORPUS_OTHER.iterdir() if p.suffix != ".md"}
    items = load_qa(QA_OTHER, documents=stems)
    assert len(items) >= 150 and sum(i.language == "en" for i in items) >= 0.45 * len(items)
    assert {i.layout for i in items} == {"urumqi", "provincial", "central"} and {i.document for i in items} == stems
    assert {i.kind for i in items} == {"figure", "narrative", "descriptive", "compute", "followup", "ambiguous",
                                       "abstain"}
    assert sum(len(i.history) >= 2 for i in items) >= 2


def test_second_set_gold_is_printed_in_its_documents():
    """eval/validate_qa.py reads each disclosure of corpus_other itself (PDF, workbook, Word, text) and finds
    every gold value, locator and key phrase of qa_other.jsonl in the document the item names."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, str(ROOT / "eval" / "validate_qa.py"), "--qa", str(QA_OTHER),
                          "--corpus", str(CORPUS_OTHER)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "OK: all lines valid" in res.stdout, res.stdout[-3000:] + res.stderr[-2000:]


def test_a_set_over_a_corpus_must_name_each_document(tmp_path):
    named = {**GOOD, "document": "doc-a", "layout": "provincial"}
    path = write_qa(tmp_path, [json.dumps(named, ensure_ascii=False),
                               json.dumps({**GOOD, "id": "zh-fig-002"}, ensure_ascii=False),
                               json.dumps({**named, "id": "zh-fig-003", "document": "doc-b"}, ensure_ascii=False)])
    with pytest.raises(QASetError) as exc:
        load_qa(path, documents={"doc-a"})
    msg = str(exc.value)
    assert "line 2, field 'document': required field is missing" in msg
    assert "line 3, field 'document': no document 'doc-b' in the corpus (it has: doc-a)" in msg
    assert "layout" in {p.field for p in check_item({**GOOD, "document": "doc-a"}, 1)}  # document needs its layout
    assert load_qa(write_qa(tmp_path, [json.dumps(GOOD, ensure_ascii=False)]))[0].document == ""  # one disclosure


@pytest.mark.parametrize("table,ok", [("表6", True), ("表六", True), ("表十一", True), ("预算06表", True),
                                      ("项目支出绩效目标表:统计抽样调查", True), ("表12", False), ("表十二", False),
                                      ("预算13表", False), ("表 6", False)])
def test_table_locators_as_each_layout_numbers_them(table, ok):
    problems = check_item({**GOOD, "gold_locators": [{"table": table, "row": "差旅费", "column": "合计"}]}, 1)
    assert (not problems) is ok, problems


def test_locators_name_their_document_and_layouts_without_parts():
    aliases = {"w24.pdf": "w24", "w24": "w24", "n24.docx": "n24", "n24.xlsx": "n24", "n24": "n24"}
    cell = {"table": "表六", "row": "差旅费", "column": "合计"}
    hit = cite(document="w24.pdf", table="表六", row="差旅费", column="合计")
    assert locator_matches(cell, hit, "w24", aliases) and not locator_matches(cell, hit, "w23", aliases)
    assert locator_matches({**cell, "document": "w24"}, hit, "w23", aliases)  # the locator's own document
    split = cite(document="n24.docx", table="预算06表", row="差旅费", column="合计")  # a table of the workbook
    assert locator_matches({"table": "预算06表", "row": "差旅费", "column": "合计"}, split, "n24", aliases)
    provincial = cite(document="w24.pdf", locator="二、部门预算收支情况说明 / （十二）其他重要事项的说明")
    assert locator_matches({"section": "二", "subsection": "(十二)"}, provincial, "w24", aliases)
    assert not locator_matches({"part": 3, "section": "二"}, provincial, "w24", aliases)
    assert not locator_matches({"section": "二"}, cite(locator="第三部分 / 二、收入预算情况"), "", aliases)


@pytest.mark.parametrize("gold,answer,ok", [
    ("147000.00", "147000.00 元（合 14.7 万元）", True),
    ("147000.00", "公务接待费 14.70 万元", True),  # the same amount in 万元
    ("147000.00", "14.70", False),  # no unit stated: no conversion
    ("3.84", "CNY 38,400", True),
    ("3.84", "38400 元", True),
    ("5", "5 万元", True),
    ("5", "50000 元", False),  # counts are not converted
    ("26.59%", "0.2659 万元", False),
])
def test_amounts_match_across_units_only_when_the_answer_states_its_unit(gold, answer, ok):
    assert value_in(gold, parse_numbers(answer), metrics.stated_amounts(answer)) is ok


def test_output_file_names_follow_the_qa_file():
    from budget_qa.evaluation.report import output_names

    assert output_names("eval/qa.jsonl") == {"report": "report.md", "results": "results.json",
                                             "chart": "accuracy_by_kind.png"}
    assert output_names("eval/qa_other.jsonl")["report"] == "report_other.md"
    assert output_names("/tmp/other.jsonl")["results"] == "results_other.json"


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


@pytest.mark.parametrize("qa_file", [QA_FILE, QA_OTHER], ids=["qa", "qa_other"])
def test_real_qa_set_is_valid_and_checks_agree_with_the_schema(qa_file):
    items = load_qa(qa_file)
    assert len(items) == len({i.id for i in items}) and items[0].line == 1
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "eval" / "qa_schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    raw = [json.loads(x) for x in qa_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    mutations = [{"route": "abstain"}, {"kind": "descriptive"}, {"gold_values": []}, {"answerable": "yes"},
                 {"gold_locators": [{"part": 5, "section": "一"}]}, {"language": "fr"}, {"history": []},
                 {"layout": "county"}, {"document": "a b"}, {"gold_locators": [{"subsection": "(一)"}]},
                 {"gold_locators": [{"table": "表十二", "row": "x", "column": "y"}]}]
    if "document" not in raw[0]:
        mutations.append({"layout": "provincial"})  # a layout without its document
    for obj in raw[:: max(1, len(raw) // 25)]:
        for m in [{}, *mutations]:
            cand = {**obj, **m}
            ours = [p for p in check_item(cand, 1) if not p.message.startswith("prefix")]  # not a schema rule
            assert (not list(validator.iter_errors(cand))) == (not ours), (obj["id"], m, ours)
