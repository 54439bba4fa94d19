"""The test-disclosure generator itself: golden figures add up, files are written and readable."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from disclosure_gen import LAYOUTS, PDF_PASSWORD, build_disclosure, generate, golden_path, lay_out
from disclosure_gen.__main__ import main as cli_main
from disclosure_gen.printed import Para

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
needs_font = pytest.mark.skipif(not FONT.exists(), reason="fonts-wqy-microhei is not installed")
HIERARCHY = ("income", "expenditure", "general_budget", "gov_fund", "basic")


def load(path: Path) -> dict:
    return json.loads(golden_path(path).read_text(encoding="utf-8"))


def table(g: dict, kind: str) -> list[dict]:
    return [c for t in g["tables"] if t["kind"] == kind for c in t["cells"]]


def pick(cells: list[dict], column_end: str, row: str | None = None, code: str | None = None) -> Decimal:
    """The value of the (unique) cell matching, zero when the cell is blank."""
    found = [c for c in cells if c["column"].endswith(column_end) and (row is None or c["row"] == row)
             and (code is None or c["code"] == code)]
    assert len(found) <= 1, found
    return Decimal(found[0]["value"]) if found else Decimal("0")


def failures(g: dict) -> set[str]:
    """The consistency rules the golden figures break."""
    bad: set[str] = set()
    for t in g["tables"]:
        if t["kind"] not in HIERARCHY:
            continue
        deepest = 5 if t["kind"] == "basic" else 7
        columns: dict[str, dict[str, Decimal]] = {}
        for c in t["cells"]:
            columns.setdefault(c["column"], {})[c["code"]] = Decimal(c["value"])
        for values in columns.values():
            for code, v in values.items():
                if len(code) < deepest:
                    n = {0: 3, 3: 5, 5: 7}[len(code)]
                    kids = [x for k, x in values.items() if len(k) == n and k.startswith(code)]
                    if sum(kids) != v:
                        bad.add(f"hierarchy:{t['kind']}")
        for code in {c["code"] for c in t["cells"]}:
            row = [c for c in t["cells"] if c["code"] == code]
            total = pick(row, "合计") or pick(row, "小计")
            parts = ("人员经费", "公用经费") if t["kind"] == "basic" else ("基本支出", "项目支出")
            if t["kind"] != "income" and total != sum(pick(row, p) for p in parts):
                bad.add(f"row:{t['kind']}")
    summary = table(g, "summary")
    totals = {pick(summary, "", "收入总计"), pick(summary, "", "支出总计"),
              pick(table(g, "income"), "合计", code="") or pick(table(g, "income"), "总计", code=""),
              pick(table(g, "expenditure"), "合计", code="")}
    if len(totals) != 1:
        bad.add("cross:summary")
    general, expenditure = table(g, "general_budget"), table(g, "expenditure")
    general_total = pick(general, "合计", code="") or pick(general, "小计", code="")
    fiscal = table(g, "fiscal_summary")
    if general_total != pick(fiscal, "一般公共预算", "支出总计"):
        bad.add("cross:fiscal")
    if pick(table(g, "basic"), "合计", code="") != pick(general, "基本支出", code=""):
        bad.add("cross:basic")
    project = table(g, "project")
    project_total = pick(project, "项目支出合计", "总计") if g["layout"] == "urumqi" else pick(project, "合计", "合计")
    wanted = pick(general if g["layout"] == "urumqi" else expenditure, "项目支出", code="")
    if project_total != wanted:
        bad.add("cross:project")
    three = table(g, "three_public")
    for year_row in {c["row"] for c in three if c["row"].endswith("数")} or {None}:
        if year_row is None:   # vertical: one row per item, 合计 column
            total = pick(three, "合计", "合计")
            parts = [pick(three, "合计", r) for r in ("因公出国（境）费", "公务接待费", "公务用车购置及运行费（小计）")]
        else:
            total = pick(three, "合计", year_row)
            parts = [pick(three, p, year_row) for p in ("因公出国（境）费", "公务接待费", "公务用车购置及运行费/小计")]
        if total != sum(parts):
            bad.add("three_public")
    scale = Decimal(10000) if g["units_printed"] == "元" else Decimal(1)
    stated = [Decimal(f["value"]) for f in g["narrative"] if "收支总" in f["sentence"] and f["unit"] == "万元"]
    if g["narrative"] and stated[0] * scale != pick(summary, "", "收入总计"):
        bad.add("narrative:total")
    return bad


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_golden_figures_are_consistent(tmp_path, layout):
    kinds = {"summary", "income", "expenditure", "fiscal_summary", "general_budget", "basic", "project",
             "gov_fund", "state_capital", "three_public", "performance_project"}
    for seed in range(8):
        g = load(generate(tmp_path, layout, "txt", seed=seed, final=seed == 5))
        assert failures(g) == set(), (seed, failures(g))
        assert kinds <= {t["kind"] for t in g["tables"]}
        assert g["planted"] == [] and g["narrative"] and g["doc_kind"] == ("决算" if seed == 5 else "预算")
        for t in g["tables"]:
            for c in t["cells"]:
                assert c["printed"].replace(",", "") == c["value"] and c["row"] and c["column"]
                assert c["row"] == c["row"].strip() and not c["row"].startswith(("其中", "一、", "1."))


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_planted_errors_break_their_rules(tmp_path, layout):
    g = load(generate(tmp_path, layout, "txt", seed=2, plant_errors=True))
    assert failures(g) == {"hierarchy:expenditure", "three_public", "cross:project", "narrative:total"}
    assert [p["rule"] for p in g["planted"]] == ["hierarchy_sum", "column_total", "cross_table", "narrative_mismatch"]
    for p in g["planted"]:
        assert p["cells"] and all(c["value"] != c["expected"] for c in p["cells"])


def test_one_disclosure_three_layouts(tmp_path):
    totals = {}
    for layout in LAYOUTS:
        g = load(generate(tmp_path, layout, "txt", seed=4))
        scale = Decimal(10000) if g["units_printed"] == "元" else Decimal(1)
        totals[layout] = pick(table(g, "summary"), "", "收入总计") / scale
        assert g["department"] == build_disclosure(4).department
    assert len(set(totals.values())) == 1
    central = table(load(generate(tmp_path, "central", "txt", seed=4)), "income")
    assert all(c["value"].endswith("00.00") for c in central) and any("," in c["printed"] for c in central)


def test_deterministic(tmp_path):
    a = generate(tmp_path / "a", "provincial", "txt", seed=7, plant_errors=True)
    b = generate(tmp_path / "b", "provincial", "txt", seed=7, plant_errors=True)
    assert a.read_bytes() == b.read_bytes()
    assert golden_path(a).read_bytes() == golden_path(b).read_bytes()


def test_text_prints_every_golden_cell(tmp_path):
    for layout in LAYOUTS:
        path = generate(tmp_path, layout, "txt", seed=1)
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for c in (c for t in load(path)["tables"] for c in t["cells"]):
            assert any(c["printed"] in line.split("\t") and c["printed_row"] in line for line in lines), c
        if layout == "provincial":
            assert "— 1 —" in lines and "— 2 —" in lines
        if layout == "urumqi":
            assert "表 1" in lines and any(line.startswith("※\t※") for line in lines)


@needs_font
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_pdf_has_text_layer_landscape_tables_and_page_breaks(tmp_path, layout):
    import pdfplumber

    path = generate(tmp_path, layout, "pdf", seed=0)
    g = load(path)
    with pdfplumber.open(path) as pdf:
        pages = [(p.extract_text() or "").splitlines() for p in pdf.pages]
        orientations = {p.width > p.height for p in pdf.pages}
    assert orientations == {True, False}
    for n, lines in enumerate(pages, 1):
        assert g["department"] in lines[0] and lines[-1] == f"— {n} —"
    body = ["".join("".join(lines[1:-1]).split()) for lines in pages]
    titles = ["".join(t["title"].split()) for t in g["tables"]]
    starts = {i: t for i, text in enumerate(body) for t in g["tables"] if "".join(t["title"].split()) in text}
    continued = [t["kind"] for i, t in starts.items() if i + 1 < len(body) and t["cells"]
                 and not any(x in body[i + 1] for x in titles) and t["cells"][-1]["printed"] in body[i + 1]]
    assert continued, "no table runs over a page"
    paras = ["".join(b.text.split()) for b in lay_out(build_disclosure(0), layout).narrative() if isinstance(b, Para)]
    assert any(p not in page and p in body[i] + body[i + 1] for p in paras
               for i, page in enumerate(body[:-1])), "no paragraph breaks across a page"
    printed = [c["printed"] for t in g["tables"] for c in t["cells"]]
    assert sum(any(v in text for text in body) for v in printed) > 0.95 * len(printed)


@needs_font
def test_bad_pdfs(tmp_path):
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    with pdfplumber.open(generate(tmp_path, "provincial", "pdf-scan")) as pdf:
        assert len(pdf.pages) > 1 and not any((p.extract_text() or "").strip() for p in pdf.pages)
    encrypted = generate(tmp_path, "provincial", "pdf-encrypted")
    with pytest.raises(PdfminerException):
        pdfplumber.open(encrypted).pages[0].extract_text()
    with pdfplumber.open(encrypted, password=load(encrypted)["password"]) as pdf:
        assert PDF_PASSWORD and load(encrypted)["department"] in pdf.pages[0].extract_text()
    damaged = generate(tmp_path, "provincial", "pdf-damaged")
    assert damaged.read_bytes().startswith(b"%PDF") and b"%%EOF" not in damaged.read_bytes()[-64:]
    with pytest.raises(PdfminerException):
        pdfplumber.open(damaged).pages[0].extract_text()


def test_xlsx_sheets_merges_formats_and_formulas(tmp_path):
    import openpyxl

    for layout in LAYOUTS:
        path = generate(tmp_path, layout, "xlsx", seed=3)
        g = load(path)
        assert g["narrative"] == [] and g["files"] == [path.name]
        book, cached = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
        assert book.sheetnames == [t["sheet"] for t in g["tables"]]
        ws = book[g["tables"][1]["sheet"]]
        assert ws.merged_cells.ranges
        formulas = [(c.coordinate, c.number_format) for row in ws.iter_rows() for c in row
                    if isinstance(c.value, str) and c.value.startswith("=SUM(")]
        assert formulas and all(f == ("0.00" if layout == "urumqi" else "#,##0.00") for _, f in formulas)
        values = {f"{Decimal(str(c.value)):.2f}" for row in cached[ws.title].iter_rows() for c in row
                  if isinstance(c.value, (int, float))}
        assert {c["value"] for c in g["tables"][1]["cells"]} <= values
    shared = generate(tmp_path, "central", "xlsx", several_per_sheet=True, stem="one-sheet")
    assert len(openpyxl.load_workbook(shared).sheetnames) == 1


def test_xls_docx_and_split_pairs(tmp_path):
    import docx
    import xlrd

    xls = generate(tmp_path, "urumqi", "xls", seed=1)
    book = xlrd.open_workbook(str(xls), formatting_info=True)
    assert book.sheet_names()[0] == "表1" and book.sheet_by_index(1).merged_cells
    whole = docx.Document(str(generate(tmp_path, "central", "docx", seed=1)))
    assert len(whole.tables) >= 10 and any(build_disclosure(1).department in p.text for p in whole.paragraphs)
    for fmt, prose in (("split", ".docx"), ("split-txt", ".txt")):
        book_path = generate(tmp_path, "provincial", fmt, seed=1)
        g = load(book_path)
        assert g["files"] == [book_path.name, book_path.with_suffix(prose).name] and g["narrative"] and g["tables"]
        assert book_path.with_suffix(prose).exists()
    assert docx.Document(str(tmp_path / "provincial-2025-s1-split.docx")).tables == []


def test_full_set_is_fast_and_cli_prints_paths(tmp_path, capsys):
    start = time.perf_counter()
    assert cli_main([str(tmp_path), "--formats", "txt", "pdf", "xlsx", "--seed", "5"]) == 0
    assert time.perf_counter() - start < 15
    out = capsys.readouterr().out
    assert out.count(".golden.json") == 9 and "wrote 9 disclosures" in out
    assert len(list(tmp_path.glob("*.golden.json"))) == 9
