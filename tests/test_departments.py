"""Several departments, layouts and units in one index: a department's short name scopes the
question, its words are not budget rows, departments and years not in the index are refused,
final accounts are kept apart from budgets."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from budget_qa.core import BudgetQA
from budget_qa.index import build_index
from disclosure_gen import generate, golden_path

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent

WATER, CULTURE = "湖南省水利厅", "某市文化体育局"


def _gold_value(path, kind: str, row: str, column_leaf: str) -> tuple[str, str]:
    gold = json.loads(golden_path(path).read_text(encoding="utf-8"))
    t = next(t for t in gold["tables"] if t["kind"] == kind)
    c = next(c for c in t["cells"] if c["row"] == row and c["column"].rsplit("/", 1)[-1] == column_leaf)
    return c["value"], t["unit"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("departments")
    water = generate(folder / "c", "provincial", "txt", seed=3, department=WATER, year=2024)
    culture = generate(folder / "c", "central", "txt", seed=4, department=CULTURE, year=2024)
    final = generate(folder / "c", "provincial", "txt", seed=3, department=WATER, year=2023, final=True)
    build_index([folder / "c"], folder / "index", with_retrieval=True, settings={"embedder": "none"})
    return BudgetQA.open(folder / "index"), water, culture, final


def test_short_name_scopes_to_the_department(corpus):
    qa, water, culture, _ = corpus
    want, unit = _gold_value(water, "basic", "差旅费", "合计")
    a = qa.ask("水利厅的差旅费是多少？")
    assert a.answerable and a.route == "lookup"
    assert {f.value for f in a.figures} == {want}
    assert {c.document for c in a.citations} == {water.name}
    want_c, unit_c = _gold_value(culture, "basic", "差旅费", "合计")
    a = qa.ask("文化体育局的差旅费是多少？")
    assert {f.value for f in a.figures} == {want_c} and unit_c == "元"
    assert {c.document for c in a.citations} == {culture.name}
    # a table printed in 元 is also said in 万元
    assert f"合 {Decimal(want_c) / 10000:f}".rstrip("0").rstrip(".") in a.answer.replace("0 万元", " 万元")


def test_department_words_are_not_budget_rows(corpus):
    qa, _, culture, _ = corpus
    a = qa.ask("文化体育局的三公经费是多少？")
    assert a.answerable and {c.document for c in a.citations} == {culture.name}
    assert all("文化旅游体育" not in c.row for c in a.citations)  # not the 文化旅游体育与传媒支出 row
    assert "三公" in a.answer and a.figures  # from the 三公 table (its title is in the answer)


def test_a_department_not_in_the_index_is_refused(corpus):
    qa, *_ = corpus
    a = qa.ask("教育局的三公经费是多少？")
    assert not a.answerable and a.route == "abstain"
    assert WATER in a.answer and CULTURE in a.answer
    assert a.figures == []


def test_a_year_not_in_the_index_is_refused(corpus):
    qa, *_ = corpus
    a = qa.ask("2019年水利厅的差旅费是多少？")
    assert not a.answerable and "2024" in a.answer


def test_final_accounts_are_kept_apart(corpus):
    qa, water, _, final = corpus
    want, _ = _gold_value(water, "basic", "差旅费", "合计")
    a = qa.ask("水利厅的差旅费是多少？")
    assert {c.document for c in a.citations} == {water.name}  # the budget, not the final accounts
    a = qa.ask("水利厅2023年决算的差旅费是多少？")
    assert a.answerable and {c.document for c in a.citations} == {final.name}


def test_shipped_glossary_holds_only_the_national_format():
    """A disclosure's own names (its department, projects, offices) live in a glossary beside it."""
    import json
    from importlib import resources

    terms = json.loads(resources.files("budget_qa").joinpath("data/glossary.json").read_text(encoding="utf-8"))["terms"]
    corpus = (ROOT / "corpus" / "urumqi-investment-promotion-bureau-2024-budget.txt").read_text(encoding="utf-8")
    projects = [ln.split("\t")[4] for ln in corpus.splitlines() if ln.count("\t") > 5 and ln.split("\t")[4:5] != [""]
                and ln.startswith("201")]
    own = {"乌鲁木齐市招商服务局", "招商一科", "招商二科", *projects}
    assert projects and not [t["zh"] for t in terms if t["zh"] in own or any(s in own for s in t.get("zh_synonyms", []))]


def test_a_disclosure_glossary_is_read_beside_it(tmp_path):
    """English names a disclosure gives for its own projects reach the answers (from the index, not the package)."""
    from budget_qa.glossary import sidecar_terms

    side = ROOT / "corpus" / "urumqi-investment-promotion-bureau-2024-budget.txt"
    terms = sidecar_terms([side])
    assert any(t["zh"] == "招商引资专项" for t in terms)
    index = tmp_path / "index"
    build_index([side], index, with_retrieval=False)
    qa = BudgetQA.open(index)
    assert qa.glossary.english("招商引资专项")


def _wan(value: str, unit: str) -> Decimal:
    return Decimal(value) / (10000 if unit == "元" else 1)


def test_across_departments_rank_and_sum(corpus):
    """'哪个部门…最多' and '各部门…合计' from every disclosure's facts (one basis, units converted), each cited."""
    qa, water, culture, _ = corpus
    w, wu = _gold_value(water, "basic", "公务接待费", "合计")
    c, cu = _gold_value(culture, "basic", "公务接待费", "合计")
    a = qa.ask("哪个部门的公务接待费最多？")
    assert a.route == "compute" and a.answerable
    top = WATER if _wan(w, wu) > _wan(c, cu) else CULTURE
    assert a.answer.startswith(f"最多的是{top}")
    assert {c.document for c in a.citations} == {water.name, culture.name}
    a = qa.ask("全市各部门公务接待费合计是多少？")
    total = (_wan(w, wu) + _wan(c, cu)).quantize(Decimal("0.01"))
    assert f"合计 {total} 万元" in a.answer
    a = qa.ask("Compare the official reception budgets of 水利厅 and 文化体育局")
    assert a.route == "compute" and "more than" in a.answer and len(a.citations) == 2
