"""The audit of a disclosure's own arithmetic: clean documents pass, planted errors are found and located."""

from __future__ import annotations

from pathlib import Path

import pytest

from budget_qa.audit import audit, summary
from budget_qa.ingest.parser import parse_file
from fixtures import small_disclosure, write_disclosure

CORPUS_FILE = Path(__file__).resolve().parent.parent / "corpus" / "urumqi-investment-promotion-bureau-2024-budget.txt"
# The one statement the document itself gets wrong, if the staffing rule is present: '在职 38 人，增加 0 人'
# in 第一部分 against '新调入 5 名工作人员' in 第三部分. Every arithmetic rule must pass.
KNOWN_CORPUS_FINDINGS = {("narrative-headcount", "0", "5")}


def _known(f) -> bool:
    return (f.rule, f.a.get("value"), f.b.get("value")) in KNOWN_CORPUS_FINDINGS


def _planted(tmp_path: Path, text: str, *edits: tuple[str, str]) -> list:
    """Apply each (old, new) edit, which must match exactly once; parse and audit; return the mismatches."""
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    doc = parse_file(write_disclosure(tmp_path, "planted.txt", text))
    return [f for f in audit(doc) if not f.ok and not _known(f)]


@pytest.fixture(scope="module")
def corpus_text() -> str:
    return CORPUS_FILE.read_text(encoding="utf-8")


def test_corpus_passes(corpus_doc):
    findings = audit(corpus_doc)
    s = summary(findings)
    assert s["checks"] > 250
    assert [f.message for f in findings if not f.ok and not _known(f)] == []
    assert s["mismatches"] <= len(KNOWN_CORPUS_FINDINGS)
    for rule in ("code-hierarchy", "column-sum", "cross-table", "two-sided-balance", "sum-of-items",
                 "narrative-rate", "narrative-vs-table", "narrative-breakdown", "performance"):
        assert s["by_rule"][rule]["passed"] >= 1, rule
        assert s["by_rule"][rule]["mismatches"] == 0, rule
    assert {f.document for f in findings} == {corpus_doc.id}


def test_every_finding_names_two_locations_and_two_values(corpus_doc):
    for f in audit(corpus_doc):
        assert f.a["locator"] and f.b["locator"], f.message
        assert f.a["value"] in f.message and f.b["value"] in f.message, f.message


def test_changed_cell_breaks_the_code_hierarchy(tmp_path, corpus_text):
    bad = _planted(tmp_path, corpus_text, ("302\t11\t差旅费\t1.60\t\t1.60", "302\t11\t差旅费\t2.60\t\t2.60"))
    assert {f.rule for f in bad} == {"code-hierarchy"}
    assert len(bad) == 2  # 合计 and 公用经费 columns of 302
    f = next(f for f in bad if f.a["locator"].endswith("/合计"))
    assert f.a == {"locator": "表6 / 302 商品和服务支出 / 一般公共预算基本支出/合计", "value": "70.32"}
    assert f.b == {"locator": "sum of 13 rows under it", "value": "71.32"}
    assert "表6" in f.message and "302" in f.message and "70.32" in f.message and "71.32" in f.message
    assert "difference -1.00" in f.message


def test_unbalanced_two_sided_table(tmp_path, corpus_text):
    bad = _planted(tmp_path, corpus_text, ("收入总计\t842.79\t支出总计\t842.79", "收入总计\t842.79\t支出总计\t843.79"))
    [f] = [f for f in bad if f.rule == "two-sided-balance"]
    assert f.a == {"locator": "表1 / [收入] 收入总计 / 收入/预算数", "value": "842.79"}
    assert f.b == {"locator": "表1 / [支出] 支出总计 / 支出/预算数", "value": "843.79"}
    # the same changed total also disagrees with its classes and with 表3
    assert {f.rule for f in bad} == {"two-sided-balance", "code-hierarchy", "cross-table"}
    cross = next(f for f in bad if f.rule == "cross-table")
    assert cross.b == {"locator": "表3 / 总计 / 支出预算/合计", "value": "842.79"}


def test_wrong_narrative_rate(tmp_path, corpus_text):
    bad = _planted(tmp_path, corpus_text, ("增长 18.53%", "增长 19.53%"))
    [f] = bad
    assert f.rule == "narrative-rate"
    assert f.a["value"] == "19.53" and f.b["value"] == "18.53"
    assert f.a["locator"] == "第三部分 / 二、关于乌鲁木齐市招商服务局 2024 年收入预算情况说明 / 一般公共预算 / 增长率"
    assert f.b["locator"] == "127.41 / (814.99 - 127.41) × 100"


def test_wrong_sanggong_total(tmp_path, corpus_text):
    bad = _planted(tmp_path, corpus_text, ("合计\t17.81\t17.81", "合计\t18.81\t17.81"))
    [f] = [f for f in bad if f.rule == "sum-of-items"]
    assert f.a == {"locator": "表10 / 合计 / 合计", "value": "18.81"}
    assert f.b == {"locator": "因公出国（境）费 + 公务接待费 + 公务用车购置及运行费（小计）", "value": "17.81"}
    assert {f.rule for f in bad} == {"sum-of-items", "column-sum"}  # 合计 ≠ 一般公共预算 column too


def test_wrong_subtotal_in_sanggong(tmp_path, corpus_text):
    bad = _planted(tmp_path, corpus_text, ("公务用车运行费\t8.91\t8.91", "公务用车运行费\t7.91\t7.91"))
    sub = [f for f in bad if f.rule == "sum-of-items" and "小计" in f.a["locator"]]
    assert sub and sub[0].a["value"] == "8.91" and sub[0].b["value"] == "7.91"


# ---------- the second disclosure ----------
@pytest.fixture(scope="module")
def small_text() -> str:
    return small_disclosure()


def test_small_disclosure_is_clean(tmp_path, small_text):
    findings = audit(parse_file(write_disclosure(tmp_path, "clean.txt", small_text)))
    assert [f.message for f in findings if not f.ok] == []
    assert len(findings) > 150


def test_small_narrative_vs_table(tmp_path, small_text):
    bad = _planted(tmp_path, small_text, ("公务接待费 2.50 万元。", "公务接待费 3.50 万元。"))
    vs = next(f for f in bad if f.rule == "narrative-vs-table")
    assert vs.a["value"] == "3.50" and vs.b["value"] == "2.50"
    assert vs.b["locator"] == "表10 / 公务接待费 / 合计"
    assert vs.a["locator"].endswith("/ 公务接待费")
    brk = next(f for f in bad if f.rule == "narrative-breakdown")  # 14.50 ≠ 0 + 0 + 12.00 + 3.50
    assert brk.a["value"] == "14.50" and brk.b["value"] == "15.50"


def test_small_cross_table(tmp_path, small_text):
    # 表5 总计 基本支出 no longer equals 表6 总计 (and no longer adds up in 表5 itself)
    bad = _planted(tmp_path, small_text, ("\t总计\t350.00\t340.00\t10.00", "\t总计\t350.00\t341.00\t10.00"))
    cross = [f for f in bad if f.rule == "cross-table"]
    assert [(f.a["locator"], f.a["value"], f.b["locator"], f.b["value"]) for f in cross] == [
        ("表5 / 总计 / 一般公共预算支出/基本支出", "341.00", "表6 / 总计 / 一般公共预算基本支出/合计", "340.00")]
    assert {f.rule for f in bad} == {"cross-table", "column-sum", "code-hierarchy", "narrative-vs-table"}


def test_small_performance_funding(tmp_path, small_text):
    bad = _planted(tmp_path, small_text, ("其他资金\t10.00", "其他资金\t11.00"))
    [f] = bad
    assert f.rule == "performance"
    assert f.a == {"locator": "项目支出绩效目标表:档案数字化服务 / 项目资金 / 年度预算总额", "value": "20.00"}
    assert f.b["value"] == "21.00"
