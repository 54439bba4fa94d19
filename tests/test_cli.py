"""The `budget-qa` command through click's CliRunner: ingest, tables, lookup, check, ask without an index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget_qa.cli import main
from budget_qa.index import live_path
from fixtures import small_disclosure, write_disclosure

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def index_dir(runner, tmp_path_factory) -> str:
    d = str(tmp_path_factory.mktemp("cli") / "index")
    res = runner.invoke(main, ["ingest", str(CORPUS), "--index", d, "--facts-only"])
    assert res.exit_code == 0, res.output
    first, last = res.stdout.strip().split("\n")
    assert first == "urumqi-investment-promotion-bureau-2024-budget: 乌鲁木齐市招商服务局 2024 预算 (text, 17 tables)"
    assert last.startswith("Indexed 1 document(s): ") and last.endswith(f"→ {d}")
    assert (live_path(d) / "facts.sqlite").is_file() and (live_path(d) / "manifest.json").is_file()
    return d


def test_ingest_json(runner, tmp_path):
    d = str(tmp_path / "index")
    res = runner.invoke(main, ["ingest", str(CORPUS), "--index", d, "--facts-only", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["documents"] == ["urumqi-investment-promotion-bureau-2024-budget"]
    assert report["errors"] == [] and report["chunks"] == 0
    assert report["facts"] > 300


def test_tables_json(runner, index_dir):
    res = runner.invoke(main, ["tables", "--index", index_dir, "--json"])
    assert res.exit_code == 0, res.output
    tables = json.loads(res.stdout)
    assert len(tables) == 17
    assert [t["id"] for t in tables] == [f"T{n}" for n in range(1, 12)] + [f"P{n}" for n in range(6)]
    t8 = next(t for t in tables if t["id"] == "T8")
    assert t8["rows"] == 0 and t8["note"].endswith("为空表。")
    assert next(t for t in tables if t["id"] == "T6")["label"] == "表6 一般公共预算基本支出情况表"


def test_tables_text(runner, index_dir):
    res = runner.invoke(main, ["tables", "--index", index_dir])
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().split("\n")
    assert len(lines) == 17
    assert any("表10 财政拨款“三公”经费支出情况表" in ln and "(6 rows × 4 columns)" in ln for ln in lines)


def test_lookup_json(runner, index_dir):
    res = runner.invoke(main, ["lookup", "--row", "差旅费", "--json", "--index", index_dir])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    [c] = data["candidates"]
    assert c["value"] == "1.60" and c["unit"] == "万元" and c["blank"] is False
    assert c["locator"] == "表6 / 30211 差旅费 / 一般公共预算基本支出/合计"
    assert c["line"] == 293
    assert data["query"]["row"] == "差旅费" and data["ambiguous"] is False


def test_lookup_prints_every_candidate(runner, index_dir):
    res = runner.invoke(main, ["lookup", "--row", "公务接待费", "--index", index_dir])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "2 cells match" in out
    assert "0.90 万元  表6 / 30217 公务接待费 / 一般公共预算基本支出/合计" in out
    assert "8.90 万元  表10 / 公务接待费 / 合计" in out
    assert "urumqi-investment-promotion-bureau-2024-budget.txt:296]" in out


def test_lookup_blank_cell(runner, index_dir):
    res = runner.invoke(main, ["lookup", "-t", "三公", "-r", "因公出国（境）费", "--index", index_dir])
    assert res.exit_code == 0, res.output
    assert "blank" in res.stdout and "表10 / 因公出国（境）费 / 合计" in res.stdout


def test_lookup_unknown_row_suggests(runner, index_dir):
    res = runner.invoke(main, ["lookup", "--row", "差率费", "--index", index_dir])
    assert res.exit_code == 1
    assert "No row matches '差率费'" in res.stderr
    assert "差旅费" in res.stderr
    assert res.stdout == ""


def test_lookup_needs_table_or_row(runner, index_dir):
    res = runner.invoke(main, ["lookup", "--index", index_dir])
    assert res.exit_code == 2
    assert "give at least --table or --row" in res.output


def test_check_json_on_the_corpus(runner, index_dir):
    res = runner.invoke(main, ["check", "--json", "--index", index_dir])
    s = json.loads(res.stdout)["summary"]
    findings = json.loads(res.stdout)["findings"]
    assert s["checks"] > 250
    # every arithmetic rule passes; only the document's staffing statement may be flagged (see test_audit)
    assert [f["rule"] for f in findings] == ["narrative-headcount"] * s["mismatches"]
    assert s["mismatches"] <= 1
    assert res.exit_code == (3 if s["mismatches"] else 0)


@pytest.fixture(scope="module")
def small_index(runner, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("small-corpus")
    write_disclosure(folder, "demo-2025.txt", small_disclosure())
    d = str(tmp_path_factory.mktemp("small-cli") / "index")
    res = runner.invoke(main, ["ingest", str(folder), "--index", d, "--facts-only"])
    assert res.exit_code == 0, res.output
    return d


def test_check_clean_document_exits_zero(runner, small_index):
    res = runner.invoke(main, ["check", "--json", "--index", small_index])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["summary"]["mismatches"] == 0
    assert data["summary"]["checks"] == data["summary"]["passed"] > 150
    assert data["findings"] == []  # only mismatches unless --all


def test_check_mismatch_exits_three(runner, tmp_path):
    text = small_disclosure().replace("302\t11\t差旅费\t6.50\t\t6.50", "302\t11\t差旅费\t7.50\t\t7.50")
    folder = tmp_path / "corpus"
    write_disclosure(folder, "planted.txt", text)
    d = str(tmp_path / "index")
    assert runner.invoke(main, ["ingest", str(folder), "--index", d, "--facts-only"]).exit_code == 0
    res = runner.invoke(main, ["check", "--index", d])
    assert res.exit_code == 3
    assert "MISMATCH [code-hierarchy] planted: total vs sum of its children: 表6 / 302 商品和服务支出" in res.stdout
    assert "mismatch(es)." in res.stdout


def test_ingest_skips_bad_files_and_says_so(runner, tmp_path):
    folder = tmp_path / "corpus"
    write_disclosure(folder, "good.txt", small_disclosure())
    write_disclosure(folder, "notes.txt", "just some notes\n")
    d = str(tmp_path / "index")
    res = runner.invoke(main, ["ingest", str(folder), "--index", d, "--facts-only"])
    assert res.exit_code == 0, res.output
    assert "Indexed 1 document(s)" in res.stdout and "good: " in res.stdout
    assert f"Skipped {folder / 'notes.txt'}:1: does not look like a departmental budget disclosure" in res.stderr
    assert "1 file(s) skipped" in res.stderr


def test_ingest_nothing_ingested_fails(runner, tmp_path):
    folder = tmp_path / "corpus"
    write_disclosure(folder, "notes.txt", "just some notes\n")
    res = runner.invoke(main, ["ingest", str(folder), "--index", str(tmp_path / "index"), "--facts-only"])
    assert res.exit_code == 1
    assert "Nothing ingested" in res.stderr
    assert not (tmp_path / "index").exists()


def test_ask_without_an_index(runner, tmp_path):
    missing = tmp_path / "no-index"
    res = runner.invoke(main, ["ask", "2024年三公经费是多少？", "--index", str(missing)])
    assert res.exit_code == 1
    assert f"No index at {missing}" in res.stderr
    assert "run 'budget-qa ingest corpus/' first" in res.stderr
    assert not missing.exists()
