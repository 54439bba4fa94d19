"""The Excel reader: workbooks built here give exact blocks, printed values and clear errors."""

from __future__ import annotations

import pytest
import xlsxwriter
import xlwt

from budget_qa.errors import IngestError
from budget_qa.readers.base import Grid, TextLine
from budget_qa.readers.excel import read_excel


def _blocks(doc):
    """Blocks as plain tuples, so a whole sheet is compared in one assertion."""
    out = []
    for b in doc.blocks:
        if isinstance(b, TextLine):
            out.append(("text", b.line, b.text))
        else:
            out.append(("grid", b.sheet, b.row_lines, b.rows))
    return out


def _income_table(wb, ws, top: int = 0) -> None:
    """A title, a unit line and a table with a two-row merged header, starting at row ``top``."""
    center = wb.add_format({"align": "center"})
    two = wb.add_format({"num_format": "0.00"})
    thousands = wb.add_format({"num_format": "#,##0.00"})
    ws.merge_range(top, 0, top, 4, "表一 部门收支总表", center)
    ws.write(top + 1, 0, "部门：XX厅 金额单位：万元")
    ws.merge_range(top + 2, 0, top + 3, 0, "科目编码", center)
    ws.merge_range(top + 2, 1, top + 3, 1, "科目名称", center)
    ws.merge_range(top + 2, 2, top + 2, 3, "本年收入", center)
    ws.merge_range(top + 2, 4, top + 3, 4, "合计", center)
    ws.write_row(top + 3, 2, ["财政拨款", "其他收入"])
    ws.write_row(top + 4, 0, ["201", "一般公共服务支出"])
    ws.write_number(top + 4, 2, 814.9, two)
    ws.write_number(top + 4, 3, 1234.56, thousands)
    ws.write_formula(top + 4, 4, f"=C{top + 5}+D{top + 5}", thousands, 2049.46)
    ws.write_row(top + 5, 0, ["20101", "人大事务"])
    ws.write_number(top + 5, 2, 12.0)  # General: an integral float prints without ".0"


INCOME_GRID = [
    ["科目编码", "科目名称", "本年收入", "", "合计"],
    ["", "", "财政拨款", "其他收入", ""],
    ["201", "一般公共服务支出", "814.90", "1,234.56", "2,049.46"],
    ["20101", "人大事务", "12", "", ""],
]


def test_one_sheet_per_table_with_merged_header_and_printed_values(tmp_path):
    path = tmp_path / "budget.xlsx"
    wb = xlsxwriter.Workbook(path)
    _income_table(wb, wb.add_worksheet("表一"))
    other = wb.add_worksheet("表3 部门支出总表")  # no title row: the sheet name stands in for it
    other.write_row(0, 0, ["项目", "金额"])
    other.write_row(1, 0, ["基本支出", 842.79])
    wb.close()

    doc = read_excel(path)

    assert doc.format == "xlsx" and doc.files == [str(path)] and doc.warnings == []
    assert _blocks(doc) == [
        ("text", 1, "表一 部门收支总表"),
        ("text", 2, "部门：XX厅 金额单位：万元"),
        ("grid", "表一", [3, 4, 5, 6], INCOME_GRID),
        ("text", 1, "表3 部门支出总表"),
        ("grid", "表3 部门支出总表", [1, 2], [["项目", "金额"], ["基本支出", "842.79"]]),
    ]
    assert doc.blocks[2].line == 3


def test_several_tables_in_one_sheet_separated_by_blank_rows(tmp_path):
    path = tmp_path / "all.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Sheet1")  # a default name is not a title
    ws.write_row(0, 1, ["项目", "金额"])  # starts in column B: the empty column A is trimmed
    ws.write_row(1, 1, ["工资福利支出", 100.5])
    _income_table(wb, ws, top=3)
    ws.write(10, 0, "注：本表金额保留两位小数。")
    wb.close()

    assert _blocks(read_excel(path)) == [
        ("grid", "Sheet1", [1, 2], [["项目", "金额"], ["工资福利支出", "100.5"]]),
        ("text", 4, "表一 部门收支总表"),
        ("text", 5, "部门：XX厅 金额单位：万元"),
        ("grid", "Sheet1", [6, 7, 8, 9], INCOME_GRID),
        ("text", 11, "注：本表金额保留两位小数。"),
    ]


def test_one_cell_rows_inside_a_table_stay_rows_and_a_wide_title_splits_tables(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("表")
    ws.write_row(0, 0, ["项目", "上年", "本年"])
    ws.write(1, 0, "政府性基金预算拨款")  # amounts left blank: still a table row
    ws.write_row(2, 0, ["合计", 1, 2])
    ws.merge_range(3, 0, 3, 2, "表二 部门收入总表")  # no blank row, but a merged title across the table
    ws.write_row(4, 0, ["项目", "金额"])
    ws.write_row(5, 0, ["合计", 3])
    wb.close()

    assert _blocks(read_excel(path)) == [
        ("text", 1, "表"),
        ("grid", "表", [1, 2, 3], [["项目", "上年", "本年"], ["政府性基金预算拨款", "", ""], ["合计", "1", "2"]]),
        ("text", 4, "表二 部门收入总表"),
        ("grid", "表", [5, 6], [["项目", "金额"], ["合计", "3"]]),
    ]


def test_number_formats_print_as_excel_shows_them(tmp_path):
    path = tmp_path / "fmt.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("表")
    formats = ["0.00", "#,##0.00", "General", "0.00%", "#,##0.00_);(#,##0.00)",
               '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', 'yyyy"年"m"月"d"日"', "0.00"]
    values = [2.675, -1234.5, 0.30000000000000004, 0.1234, -1234.5, 0, 45306, 842.7900000000001]
    for col, (fmt, value) in enumerate(zip(formats, values, strict=True)):
        ws.write(0, col, f"列{col}")
        ws.write_number(1, col, value, wb.add_format({"num_format": fmt}))
    wb.close()

    grid = read_excel(path).blocks[-1]
    assert grid.rows[1] == ["2.68", "-1,234.50", "0.3", "12.34%", "(1,234.50)", "-", "2024年1月15日", "842.79"]


def test_formula_without_saved_result_warns(tmp_path):
    import openpyxl

    path = tmp_path / "calc.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "表"
    wb.active.append(["项目", "金额"])
    wb.active.append(["合计", "=1+2"])  # openpyxl saves no result for a formula
    wb.save(path)

    doc = read_excel(path)

    # the missing result reads as blank, which leaves "合计" alone on its row
    assert _blocks(doc) == [("text", 1, "表"), ("grid", "表", [1], [["项目", "金额"]]), ("text", 2, "合计")]
    assert doc.warnings == [f"{path}: 1 formula cell(s) have no saved result and read as blank — "
                            "open the file in Excel or WPS, save it, and ingest it again"]


def test_xls_with_merged_header_formats_and_a_date(tmp_path):
    path = tmp_path / "old.xls"
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("表二")
    ws.write_merge(0, 0, 0, 2, "表二 部门收入总表")
    ws.write_merge(1, 2, 0, 0, "项目")
    ws.write_merge(1, 1, 1, 2, "本年收入")
    ws.write(2, 1, "财政拨款")
    ws.write(2, 2, "日期")
    ws.write(3, 0, "合计")
    ws.write(3, 1, 1234.5, xlwt.easyxf(num_format_str="#,##0.00"))
    ws.write(3, 2, 45306, xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    ws.write(4, 0, "其中")
    ws.write(4, 1, 814.9, xlwt.easyxf(num_format_str="0.00"))
    ws.write(4, 2, 3.0)
    book.save(str(path))

    doc = read_excel(path)

    assert doc.format == "xls" and doc.warnings == []
    assert _blocks(doc) == [
        ("text", 1, "表二 部门收入总表"),
        ("grid", "表二", [2, 3, 4, 5], [["项目", "本年收入", ""], ["", "财政拨款", "日期"],
                                       ["合计", "1,234.50", "2024-01-15"], ["其中", "814.90", "3"]]),
    ]


def test_xls_content_under_an_xlsx_name_and_a_hidden_sheet(tmp_path):
    path = tmp_path / "renamed.xlsx"
    book = xlwt.Workbook(encoding="utf-8")
    hidden = book.add_sheet("辅助")
    hidden.write(0, 0, "x")
    hidden.write(0, 1, "y")
    hidden.visibility = 1
    shown = book.add_sheet("表一 收入")
    shown.write(0, 0, "项目")
    shown.write(0, 1, "金额")
    book.save(str(path))

    doc = read_excel(path)

    assert doc.format == "xls"
    assert doc.warnings == [f"{path}: sheet '辅助' is hidden — skipped"]
    assert _blocks(doc) == [("text", 1, "表一 收入"), ("grid", "表一 收入", [1], [["项目", "金额"]])]


def test_empty_sheet_is_skipped_with_a_warning(tmp_path):
    path = tmp_path / "gap.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("封面")
    wb.add_worksheet("表一").write_row(0, 0, ["项目", "金额"])
    wb.close()

    doc = read_excel(path)

    assert doc.warnings == [f"{path}: sheet '封面' is empty — skipped"]
    assert _blocks(doc) == [("text", 1, "表一"), ("grid", "表一", [1], [["项目", "金额"]])]


def _error(path) -> str:
    with pytest.raises(IngestError) as info:
        read_excel(path)
    return str(info.value)


def test_all_empty_workbook_is_an_error(tmp_path):
    path = tmp_path / "empty.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Sheet1")
    wb.add_worksheet("Sheet2")
    wb.close()
    assert _error(path) == (f"{path}: has no data — every sheet of the workbook is empty — "
                            "check it is the right file, or export the tables again")


def test_encrypted_workbook_says_to_remove_the_password(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    assert _error(path) == (f"{path}: is password-protected — save an unprotected copy "
                            "(File › Info › Protect › remove the password) and ingest that")


def test_garbage_and_disguised_files_are_errors_with_advice(tmp_path):
    garbage = tmp_path / "junk.xlsx"
    garbage.write_bytes(b"this is not a spreadsheet\n" * 20)
    html = tmp_path / "export.xls"
    html.write_text("<html><body><table><tr><td>项目</td></tr></table></body></html>", encoding="utf-8")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)

    assert _error(garbage) == (f"{garbage}: is damaged or not an Excel workbook (neither .xlsx nor .xls content)"
                               " — open it in Excel or WPS and save it again as .xlsx")
    assert _error(html) == (f"{html}: is a web page or XML file saved with an Excel name, not a workbook"
                            " — open it in Excel or WPS and save it again as .xlsx")
    message = _error(broken)
    assert message.startswith(f"{broken}: is damaged or not an Excel workbook (BadZipFile: ")
    assert message.endswith(" — open it in Excel or WPS and save it again as .xlsx")


def test_grid_blocks_are_grids_with_sheet_names(tmp_path):
    path = tmp_path / "kinds.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Sheet1").write_row(0, 0, ["a", "b"])
    wb.close()
    (grid,) = read_excel(path).blocks  # a default sheet name adds no title line
    assert isinstance(grid, Grid) and grid.sheet == "Sheet1" and grid.line == 1
