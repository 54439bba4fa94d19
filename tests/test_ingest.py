"""Parsing: the real corpus and a second disclosure built in code."""

from __future__ import annotations

import pytest

from budget_qa.audit import audit, summary
from budget_qa.ingest.narrative import extract
from budget_qa.ingest.parser import parse_file
from budget_qa.ingest.performance import parse_indicator
from fixtures import small_disclosure, write_disclosure


def _row(table, label, side=""):
    rows = [r for r in table.rows if r.label == label and (not side or r.side == side)]
    assert len(rows) == 1, f"{table.number}: {len(rows)} rows labelled {label!r}"
    return rows[0]


def _value(table, label, column, side=""):
    cell = _row(table, label, side).cell(column)
    assert cell is not None, f"{table.number} / {label}: no column {column!r}"
    return cell.value


# ---------- the real corpus ----------
def test_document_metadata(corpus_doc):
    assert corpus_doc.department == "乌鲁木齐市招商服务局"
    assert corpus_doc.year == "2024"
    assert corpus_doc.date == "2024-02-22"
    assert corpus_doc.id == "urumqi-investment-promotion-bureau-2024-budget"
    assert sorted(corpus_doc.parts) == [1, 2, 3, 4]
    assert corpus_doc.parts[4] == "名词解释"


def test_section_tree(corpus_doc):
    s10 = corpus_doc.section("P3-S10")
    assert "三公" in s10.title and s10.level == 1 and s10.part == 3
    s12_2 = corpus_doc.section("P3-S12.2")
    assert s12_2.title == "政府采购情况"
    assert s12_2.parent == "P3-S12" and s12_2.level == 2
    item = corpus_doc.section("P3-S5.3.1")
    assert item.parent == "P3-S5.3" and item.level == 3
    assert item.title == "一般公共服务支出（类）商贸事务（款）行政运行（项）"
    assert corpus_doc.section("P1-S2").title == "机构设置及人员情况"
    # the table of contents does not produce sections: every P3 level-1 section appears once
    assert [s.id for s in corpus_doc.sections if s.part == 3 and s.level == 1] == [f"P3-S{n}" for n in range(1, 13)]
    # glossary terms are sections of part 4
    assert [s.title for s in corpus_doc.sections if s.part == 4][:2] == ["财政拨款", "一般公共预算"]


def test_table_ids_are_stable(corpus_doc):
    ids = [t.id for t in corpus_doc.tables]
    assert ids == [f"T{n}" for n in range(1, 12)] + [f"P{n}" for n in range(6)]
    assert len(corpus_doc.tables) == 17
    assert corpus_doc.table("T6").number == "表6"
    assert corpus_doc.table("T6").title == "一般公共预算基本支出情况表"
    assert corpus_doc.table("P0").title == "部门整体绩效目标表"
    assert corpus_doc.table("P5").subject == "招商引资专项"
    assert corpus_doc.table("P1").label == "项目支出绩效目标表:外地驻乌商会管理和服务费"


def test_row_split_by_page_break_is_joined(corpus_doc):
    t2 = corpus_doc.table("T2")
    row = _row(t2, "机关事业单位基本养老保险缴费支出")
    assert row.code == "2080505"
    assert row.level == 3
    assert row.cell("总计").value == "69.56"
    assert row.line == 159
    assert not [r for r in t2.rows if r.label in ("费支出", "机关事业单位基本养老保险缴")]
    assert len(t2.rows) == 15  # 总计 + 14 coded rows, nothing made from the continuation


def test_blank_cells_are_none_and_distinct_from_zero(corpus_doc):
    t10 = corpus_doc.table("T10")
    abroad = _row(t10, "因公出国（境）费")
    assert [c.value for c in abroad.cells] == [None, None, None, None]
    assert _value(t10, "公务接待费", "合计") == "8.90"
    assert _value(t10, "公务接待费", "资金来源/政府性基金") is None
    money = next(r for r in corpus_doc.table("P0").rows if r.attrs.get("kind") == "money")
    assert money.cell("财政资金/上级安排").value == "0.00"
    assert money.cell("财政资金/本级安排").value == "842.79"
    # 表1: a blank expenditure class, not 0.00
    assert _value(corpus_doc.table("T1"), "外交支出", "支出/预算数", side="支出") is None


@pytest.mark.parametrize("tid", ["T8", "T9"])
def test_empty_tables_keep_their_note(corpus_doc, tid):
    t = corpus_doc.table(tid)
    assert t.rows == []
    assert t.note.endswith("为空表。")
    assert "没有使用" in t.note
    top = "政府性基金预算支出" if tid == "T8" else "国有资本经营预算支出"  # the printed header, all its levels
    assert t.columns == [f"{top}/合计", f"{top}/基本支出/人员经费", f"{top}/基本支出/公用经费", f"{top}/项目支出"]


def test_codes_are_joined_with_levels(corpus_doc):
    for tid in ("T2", "T3", "T5"):
        t = corpus_doc.table(tid)
        assert _row(t, "行政运行").code == "2011301"
        assert _row(t, "行政运行").level == 3
        assert _row(t, "商贸事务").code == "20113"
        assert _row(t, "商贸事务").level == 2
        assert _row(t, "一般公共服务支出").code == "201"
        assert _row(t, "一般公共服务支出").level == 1
        assert _row(t, "总计").code == "" and _row(t, "总计").level == 0
    t6 = corpus_doc.table("T6")
    assert _row(t6, "差旅费").code == "30211"
    assert _value(t6, "差旅费", "一般公共预算基本支出/公用经费") == "1.60"
    assert _value(t6, "差旅费", "一般公共预算基本支出/人员经费") is None
    # the same code twice in 表2 (款 and 项 of 其他科学技术支出) stays two rows
    assert [r.code for r in corpus_doc.table("T2").rows if r.label == "其他科学技术支出"] == ["20699", "2069999"]


def test_two_sided_tables(corpus_doc):
    t1 = corpus_doc.table("T1")
    assert {r.side for r in t1.rows} == {"收入", "支出"}
    assert t1.columns == ["收入/预算数", "支出/预算数"]
    assert _value(t1, "收入总计", "收入/预算数", side="收入") == "842.79"
    assert _value(t1, "支出总计", "支出/预算数", side="支出") == "842.79"
    gps = _row(t1, "一般公共服务支出", side="支出")
    assert gps.code == "201" and gps.cell("支出/预算数").value == "750.40" and gps.line == 102
    assert _value(t1, "二、上年结转结余", "收入/预算数", side="收入") == "27.80"
    # the left and right halves of one printed line are two rows with the same line number
    assert [r.side for r in t1.rows if r.line == 132] == ["收入", "支出"]

    t4 = corpus_doc.table("T4")
    assert {r.side for r in t4.rows} == {"财政拨款收入", "财政拨款支出"}
    total = _row(t4, "支出总计", side="财政拨款支出")
    assert [c.value for c in total.cells] == ["814.99", "814.99", None, None]
    assert _value(t4, "一般公共预算", "财政拨款收入/合计", side="财政拨款收入") == "814.99"


@pytest.mark.parametrize(
    "text, expected",
    [
        (">=500次", (">=", "500", "次")),
        ("> =450 项", (">=", "450", "项")),
        ("=1579 亿元", ("=", "1579", "亿元")),
        ("≥10 次", (">=", "10", "次")),
        ("<=2%", ("<=", "2", "%")),
        ("<=4 小时", ("<=", "4", "小时")),
        ("=5 组 (局)", ("=", "5", "组(局)")),
        ("有效保障", ("", None, "")),
        ("有效 保障", ("", None, "")),
    ],
)
def test_parse_indicator(text, expected):
    assert parse_indicator(text) == expected


def test_indicators_in_tables(corpus_doc):
    p1 = corpus_doc.table("P1")
    visit = _row(p1, "走访和联系商（协）会及会员企业")
    assert visit.cell("指标值").value == "500"
    assert visit.attrs["指标值.op"] == ">=" and visit.attrs["指标值.unit"] == "次"
    assert visit.cell("上年完成值").value == "1100"
    # spanning 一级/二级 cells are filled from the row above
    problems = _row(p1, "收集和解决企业问题")
    assert problems.attrs["一级指标"] == "产出指标" and problems.attrs["二级指标"] == "数量指标"
    # '有效保障' has no number: no 指标值 cell, the text kept as an attribute
    guard = _row(p1, "保障民营企快速发展")
    assert guard.cell("指标值") is None and guard.attrs["指标值"] == "有效保障"
    p3 = corpus_doc.table("P3")
    projects = _row(p3, "完成全年招商引资项目")
    assert (projects.attrs["指标值.op"], projects.cell("指标值").value, projects.attrs["指标值.unit"]) == (">=", "450", "项")
    p0 = corpus_doc.table("P0")
    target = _row(p0, "招商引资目标任务数")
    assert (target.attrs["指标值.op"], target.cell("指标值").value, target.attrs["指标值.unit"]) == ("=", "1579", "亿元")
    # a row shifted one cell right by the PDF extraction is aligned on its right-hand end
    p2 = corpus_doc.table("P2")
    fix = _row(p2, "系统故障修复处理时间")
    assert fix.attrs["二级指标"] == "时效指标" and fix.attrs["一级指标"] == "产出指标"
    assert fix.cell("指标值").value == "1" and fix.attrs["指标值.op"] == "<=" and fix.attrs["指标值.unit"] == "周"


def test_narrative_figures_with_their_sentence(corpus_doc):
    figs = extract(corpus_doc)
    change = [f for f in figs if f.value == "127.41"]
    assert len(change) == 1
    f = change[0]
    assert (f.unit, f.measure, f.subject, f.section_id, f.line) == ("万元", "比上年增加", "一般公共预算", "P3-S2", 406)
    assert "增长 18.53%" in f.sentence and "814.99 万元" in f.sentence
    rate = next(g for g in figs if g.value == "18.53")
    assert (rate.unit, rate.measure, rate.subject) == ("%", "增长率", "一般公共预算")
    assert rate.sentence == f.sentence
    assert f.section.startswith("第三部分 / 二、关于乌鲁木齐市招商服务局")
    staff = next(g for g in figs if g.subject == "编制数")
    assert (staff.value, staff.unit, staff.section_id) == ("41", "人", "P1-S2")
    # thresholds ('单位价值 50 万元以上') and dates are not figures
    assert not [g for g in figs if g.value == "50" and g.unit == "万元"]
    assert not [g for g in figs if g.value in ("2023", "2024")]


# ---------- the second disclosure, built in code ----------
@pytest.fixture(scope="module")
def small_doc(tmp_path_factory):
    path = write_disclosure(tmp_path_factory.mktemp("small"), "demo-2025.txt", small_disclosure())
    return parse_file(path)


def test_small_metadata_and_tables(small_doc):
    assert small_doc.department == "乌鲁木齐市示范测试局"
    assert small_doc.year == "2025"
    assert small_doc.date == "2025-02-20"
    assert small_doc.id == "demo-2025"
    assert sorted(small_doc.parts) == [1, 2, 3, 4]
    assert [t.id for t in small_doc.tables] == ["T1", "T2", "T3", "T5", "T6", "T8", "T10", "P1"]
    assert small_doc.section("P3-S12.2").title == "政府采购情况"
    assert "三公" in small_doc.section("P3-S10").title


def test_small_department_and_year_parameters(tmp_path):
    text = small_disclosure(department="乌鲁木齐市另一测试局", year="2026")
    doc = parse_file(write_disclosure(tmp_path, "other.txt", text))
    assert (doc.department, doc.year, doc.date) == ("乌鲁木齐市另一测试局", "2026", "2026-02-20")
    assert "乌鲁木齐市示范测试局" not in text


def test_small_continuation_row_joined(small_doc):
    t2 = small_doc.table("T2")
    row = _row(t2, "机关事业单位基本养老保险缴费支出")
    assert row.code == "2080505"
    assert row.cell("总计").value == "30.00"
    assert not [r for r in t2.rows if r.label == "费支出"]
    # rows after the break (and its repeated header) are read on
    assert [r.code for r in t2.rows] == ["", "201", "20103", "2010301", "2010302", "208", "20805", "2080501",
                                         "2080505", "210", "21011", "2101101"]
    assert _value(t2, "行政单位医疗", "总计") == "20.00"
    assert _value(t2, "一般行政管理事务", "财政拨款结转") == "10.00"


def test_small_empty_table(small_doc):
    t8 = small_doc.table("T8")
    assert t8.rows == []
    assert t8.note == "乌鲁木齐市示范测试局 2025 年没有使用政府性基金预算拨款安排的支出，政府性基金预算支出情况表为空表。"


def test_small_figures(small_doc):
    t1 = small_doc.table("T1")
    assert _value(t1, "收入总计", "收入/预算数", side="收入") == "360.00"
    assert _value(t1, "支出总计", "支出/预算数", side="支出") == "360.00"
    assert _row(t1, "卫生健康支出", side="支出").code == "210"
    t6 = small_doc.table("T6")
    assert _value(t6, "差旅费", "一般公共预算基本支出/合计") == "6.50"
    assert _value(t6, "维修（护）费", "一般公共预算基本支出/公用经费") == "3.00"
    assert _row(t6, "公务接待费").code == "30217"
    assert _value(t6, "总计", "一般公共预算基本支出/人员经费") == "300.00"
    t5 = small_doc.table("T5")
    assert _value(t5, "总计", "一般公共预算支出/项目支出") == "10.00"
    t10 = small_doc.table("T10")
    assert _value(t10, "合计", "合计") == "14.50"
    assert _value(t10, "因公出国（境）费", "合计") is None
    assert _value(t10, "公务接待费", "资金来源/一般公共预算") == "2.50"


def test_small_performance_table(small_doc):
    p1 = small_doc.table("P1")
    assert p1.subject == "档案数字化服务"
    assert p1.meta["项目负责人"] == "王明"
    money = next(r for r in p1.rows if r.attrs.get("kind") == "money")
    assert [(c.column, c.value) for c in money.cells] == [("年度预算总额", "20.00"), ("财政拨款", "10.00"), ("其他资金", "10.00")]
    train = _row(p1, "开展档案业务培训")
    assert (train.attrs["指标值.op"], train.cell("指标值").value, train.attrs["指标值.unit"]) == (">=", "12", "次")
    rolls = _row(p1, "数字化档案卷数")  # both 一级 and 二级 cells span from the row above
    assert (rolls.attrs["一级指标"], rolls.attrs["二级指标"]) == ("产出指标", "数量指标")
    assert (rolls.attrs["指标值.op"], rolls.cell("指标值").value) == (">=", "3000")
    errors = _row(p1, "档案差错率")  # 一级 spans, 二级 is new
    assert (errors.attrs["一级指标"], errors.attrs["二级指标"]) == ("产出指标", "质量指标")
    assert (errors.attrs["指标值.op"], errors.cell("指标值").value, errors.attrs["指标值.unit"]) == ("<=", "3", "%")
    assert _row(p1, "任务完成及时率").attrs["指标值.op"] == ">="  # '≥95%'
    guard = _row(p1, "保障档案安全利用")
    assert guard.attrs["指标值"] == "有效保障" and guard.cell("指标值") is None
    assert guard.attrs["一级指标"] == "效益指标"


def test_small_narrative_figures(small_doc):
    figs = extract(small_doc)
    by = {(f.subject, f.measure): f for f in figs if f.section_id.startswith("P")}
    assert by[("编制数", "数额")].value == "12"
    assert by[("实有人数", "数额")].value == "15"
    assert by[("在职", "数额")].value == "10"
    assert by[("一般公共预算", "比上年增加")].value == "50.00"
    assert by[("一般公共预算", "增长率")].value == "16.67"
    assert by[("一般公共预算", "占比")].value == "97.22"
    assert by[("财政拨款结转", "下降率")].value == "16.67"
    assert by[("行政运行", "数额")].value == "280.00"
    assert by[("行政运行", "增长率")].value == "12.00"
    assert by[("政府采购预算", "数额")].value == "25.00"
    assert by[("财政拨款“三公”经费", "数额")].value == "14.50"
    assert "增长 16.67%" in by[("一般公共预算", "比上年增加")].sentence


def test_small_audit_has_no_mismatch(small_doc):
    findings = audit(small_doc)
    s = summary(findings)
    assert s["mismatches"] == 0, [f.message for f in findings if not f.ok]
    assert s["checks"] > 150
    for rule in ("code-hierarchy", "column-sum", "cross-table", "two-sided-balance", "sum-of-items",
                 "narrative-rate", "narrative-vs-table", "narrative-breakdown", "performance"):
        assert s["by_rule"][rule]["passed"] >= 1, rule
