"""Bad input: each error names the file and the line and says what was expected; folders degrade gracefully."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from budget_qa.errors import IngestError, LookupNotFound, NothingIngestedError
from budget_qa.index import build_index, live_path
from budget_qa.ingest.parser import parse_file
from budget_qa.lookup import lookup
from fixtures import small_disclosure, write_disclosure

TRAVEL = "302\t11\t差旅费\t6.50\t\t6.50"  # 表6 差旅费 in the small disclosure


def _line_of(text: str, needle: str) -> int:
    """1-based number of the line that is ``needle``, or else the one line holding it."""
    lines = text.split("\n")
    hits = [k + 1 for k, ln in enumerate(lines) if ln == needle] or [
        k + 1 for k, ln in enumerate(lines) if needle in ln]
    assert len(hits) == 1, hits
    return hits[0]


def _ingest_error(path: Path) -> IngestError:
    with pytest.raises(IngestError) as info:
        parse_file(path)
    err = info.value
    assert err.path == str(path)
    assert str(err).startswith(f"{path}:{err.line}: ")  # 'file:line: problem'
    return err


def _cut_after(text: str, needle: str) -> str:
    """The text up to and including the line holding ``needle``: a file cut short there."""
    n = _line_of(text, needle)
    return "\n".join(text.split("\n")[:n]) + "\n"


# ---------- one file ----------
def test_gb18030_text_is_read_like_utf8(tmp_path):
    """Chinese government text files often come in GB18030/GBK: read them, the same figures as UTF-8."""
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(small_disclosure().encode("gb18030"))
    utf8 = write_disclosure(tmp_path, "utf8.txt", small_disclosure())
    a, b = parse_file(gbk), parse_file(utf8)
    assert a.department == b.department and a.year == b.year
    cells = lambda d: [(t.id, r.label, c.column, c.value) for t in d.tables for r in t.rows for c in r.cells]  # noqa: E731
    assert cells(a) == cells(b) and len(cells(a)) > 100


def test_broken_utf8(tmp_path):
    text = small_disclosure().encode("utf-8")
    k = text.index("目 录".encode())
    path = tmp_path / "broken.txt"
    path.write_bytes(text[:k] + b"\xff\xfe" + text[k:])
    err = _ingest_error(path)
    assert err.line == _line_of(small_disclosure(), "目 录")
    assert "not valid UTF-8 text (byte 0xff" in str(err) and "download it again" in str(err)


def test_not_a_disclosure(tmp_path):
    readme = "# budget-qa\n\nAsk questions of budget disclosures.\n\n## Install\n\npip install -e .\n"
    path = write_disclosure(tmp_path, "README.txt", readme)
    err = _ingest_error(path)
    assert err.line == 1
    assert "does not look like a departmental budget disclosure" in str(err)
    assert "expected a title naming the department and the year" in str(err)


def test_title_but_no_tables(tmp_path):
    text = _cut_after(small_disclosure(), "编制数 12")
    path = write_disclosure(tmp_path, "no-tables.txt", text)
    err = _ingest_error(path)
    assert err.line == _line_of(text, "编制数 12")
    assert "found no budget tables" in str(err)


def test_binary_file(tmp_path):
    text = small_disclosure()
    k = text.index("目 录")
    path = write_disclosure(tmp_path, "binary.txt", text[:k] + "\x00" + text[k:])
    err = _ingest_error(path)
    assert err.line == _line_of(text, "目 录")
    assert "binary file" in str(err)


def test_table_cut_after_its_header(tmp_path):
    text = small_disclosure()
    cut = _cut_after(text, "经济分类科目编码")  # 表6: header printed, file ends before the ※ row and the rows
    path = write_disclosure(tmp_path, "cut.txt", cut)
    err = _ingest_error(path)
    assert err.line == _line_of(text, "经济分类科目编码")
    assert "table 表6 一般公共预算基本支出情况表 is truncated" in str(err)
    assert "header but no rows" in str(err)
    assert "check the file is complete" in str(err)


def test_table_cut_after_its_numbering_row(tmp_path):
    text = small_disclosure()
    numbering = "※\t※\t※\t1\t2\t3"  # 表6's numbering row (two code columns)
    path = write_disclosure(tmp_path, "cut6.txt", _cut_after(text, numbering))
    err = _ingest_error(path)
    assert err.line == _line_of(text, numbering)
    assert "表6" in str(err) and "truncated" in str(err)


def test_table_cut_after_its_title(tmp_path):
    text = small_disclosure()
    cut = _cut_after(text, "部门支出总体情况表")  # '表 3', its title, then nothing
    path = write_disclosure(tmp_path, "cut3.txt", cut)
    err = _ingest_error(path)
    assert err.line == _line_of(text, "表 3")
    assert "table 表3 部门支出总体情况表 is truncated: expected its header and rows" in str(err)


def test_two_sided_table_cut_after_its_header(tmp_path):
    text = small_disclosure()
    header = "项目\t预算数\t支出功能分类\t预算数"
    path = write_disclosure(tmp_path, "cut1.txt", _cut_after(text, header))
    err = _ingest_error(path)
    assert "表1" in str(err) and "truncated" in str(err)
    assert err.line == _line_of(text, header)


@pytest.mark.parametrize("bad", ["abc", "12.3.4", "1,2"])
def test_malformed_amount(tmp_path, bad):
    text = small_disclosure()
    assert text.count(TRAVEL) == 1
    path = write_disclosure(tmp_path, "bad.txt", text.replace(TRAVEL, f"302\t11\t差旅费\t{bad}\t\t6.50"))
    err = _ingest_error(path)
    assert err.line == _line_of(text, TRAVEL)
    assert f"malformed row in 表6: expected an amount in column '一般公共预算基本支出/合计', found '{bad}'" in str(err)


def test_too_many_cells(tmp_path):
    text = small_disclosure()
    path = write_disclosure(tmp_path, "wide.txt", text.replace(TRAVEL, TRAVEL + "\t1.00"))
    err = _ingest_error(path)
    assert err.line == _line_of(text, TRAVEL)
    assert "malformed row in 表6: 7 cells, expected at most 6" in str(err)


def test_too_many_cells_two_sided(tmp_path):
    text = small_disclosure()
    line = "收入总计\t360.00\t支出总计\t360.00"
    path = write_disclosure(tmp_path, "wide1.txt", text.replace(line, line + "\t5.00"))
    err = _ingest_error(path)
    assert err.line == _line_of(text, line)
    assert "malformed row in 表1: 5 cells, expected at most 4" in str(err)


def test_malformed_indicator_money(tmp_path):
    text = small_disclosure()
    money = "年度预算总额\t20.00\t"
    path = write_disclosure(tmp_path, "money.txt", text.replace(money, "年度预算总额\t二十万\t"))
    err = _ingest_error(path)
    assert err.line == _line_of(text, money)
    assert "expected an amount for '年度预算总额', found '二十万'" in str(err)


# ---------- a folder ----------
def _bad_files(folder: Path) -> list[Path]:
    text = small_disclosure()
    folder.mkdir(parents=True, exist_ok=True)
    broken = folder / "broken.txt"
    raw = text.encode("utf-8")
    broken.write_bytes(raw[:200] + b"\xff" + raw[200:])
    return [
        broken,
        write_disclosure(folder, "README.txt", "Notes about this folder.\n"),
        write_disclosure(folder, "bad-amount.txt", text.replace(TRAVEL, "302\t11\t差旅费\tabc\t\t6.50")),
    ]


def _snapshot(index_dir: Path) -> dict[str, bytes]:
    return {name: (live_path(index_dir) / name).read_bytes() for name in ("manifest.json", "facts.sqlite", "documents.json")}


def _only_index_left(parent: Path) -> None:
    assert sorted(p.name for p in parent.iterdir()) == ["index"], "temporary or old index directories left behind"


@pytest.fixture
def previous_index(tmp_path):
    """An index built from one good disclosure, in a parent folder of its own."""
    good = write_disclosure(tmp_path / "first", "demo-2025.txt", small_disclosure())
    index_dir = tmp_path / "out" / "index"
    build_index([good.parent], index_dir, with_retrieval=False)
    return index_dir


def test_folder_with_good_and_bad_files(tmp_path):
    folder = tmp_path / "corpus"
    write_disclosure(folder, "good.txt", small_disclosure())
    bad = _bad_files(folder)
    index_dir = tmp_path / "out" / "index"
    report = build_index([folder], index_dir, with_retrieval=False)
    assert report.documents == ["good"]
    assert sorted(e.path for e in report.errors) == sorted(str(p) for p in bad)
    assert all(e.line for e in report.errors)
    assert report.facts > 100
    assert [e["file"] for e in report.to_dict()["errors"]] == [e.path for e in report.errors]
    manifest = (live_path(index_dir) / "manifest.json").read_text(encoding="utf-8")
    assert '"good"' in manifest and "bad-amount.txt" in manifest
    _only_index_left(index_dir.parent)


def test_only_bad_files_keep_the_previous_index(tmp_path, previous_index):
    before = _snapshot(previous_index)
    folder = tmp_path / "bad"
    bad = _bad_files(folder)
    with pytest.raises(NothingIngestedError) as info:
        build_index([folder], previous_index, with_retrieval=False)
    msg = str(info.value)
    assert "previous index (if any) is unchanged" in msg
    for p in bad:
        assert str(p) in msg
    assert _snapshot(previous_index) == before
    _only_index_left(previous_index.parent)


def test_strict_keeps_the_previous_index(tmp_path, previous_index):
    before = _snapshot(previous_index)
    folder = tmp_path / "mixed"
    write_disclosure(folder, "good.txt", small_disclosure(year="2026"))
    _bad_files(folder)
    with pytest.raises(IngestError) as info:
        build_index([folder], previous_index, strict=True, with_retrieval=False)
    assert re.match(rf"^{re.escape(str(folder))}/\S+\.txt:\d+: ", str(info.value))
    assert _snapshot(previous_index) == before
    _only_index_left(previous_index.parent)


def test_rebuild_replaces_the_index_and_cleans_up(tmp_path, previous_index):
    before = _snapshot(previous_index)
    folder = tmp_path / "second"
    write_disclosure(folder, "demo-2026.txt", small_disclosure(year="2026"))
    report = build_index([folder], previous_index, with_retrieval=False)
    assert report.documents == ["demo-2026"]
    assert _snapshot(previous_index)["facts.sqlite"] != before["facts.sqlite"]
    _only_index_left(previous_index.parent)


# ---------- lookups of labels that do not exist ----------
def test_unknown_row_suggests_nearest(store):
    with pytest.raises(LookupNotFound) as info:
        lookup(store, row="差率费")
    err = info.value
    assert err.what == "row" and err.given == "差率费"
    assert "差旅费" in err.suggestions
    assert "No row matches '差率费'" in str(err) and "did you mean" in str(err) and "差旅费" in str(err)


def test_unknown_table_suggests_tables(store):
    with pytest.raises(LookupNotFound) as info:
        lookup(store, table="表99", row="差旅费")
    err = info.value
    assert err.what == "table"
    assert err.suggestions and all(s.startswith("表") or "绩效" in s for s in err.suggestions)
    with pytest.raises(LookupNotFound) as info:
        lookup(store, table="基金预算支出情况", row="合计")  # 表8/表9 are empty: no facts to find
    assert "No table matches '基金预算支出情况'" in str(info.value)


def test_unknown_column_suggests_columns(store):
    with pytest.raises(LookupNotFound) as info:
        lookup(store, table="表6", row="差旅费", column="公用经废")
    err = info.value
    assert err.what == "column"
    assert "一般公共预算基本支出/公用经费" in err.suggestions
