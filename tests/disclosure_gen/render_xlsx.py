"""Workbook rendering: ``.xlsx`` with xlsxwriter and ``.xls`` with xlwt (tables only).

One sheet per table (named like the table, e.g. "表一" or "预算01表"), or all tables on one
sheet separated by blank rows (``several_per_sheet``). Caption rows (number, title, unit) sit
above the header; merged header cells are real merges; amounts carry a number format so the
displayed text is the printed text; in ``.xlsx`` a total that is the sum of other cells is a
formula with its cached value (a planted error keeps a plain number).
"""

from __future__ import annotations

from pathlib import Path

from .printed import Cell, Document, Table

SHARED_SHEET = "预算公开表"


def _grid(table: Table) -> list[list[Cell]]:
    """Header and body as one grid of cells."""
    return [[Cell(t) for t in row] for row in table.header] + table.body


def _covered(table: Table) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    """Each merge keyed by its first cell, and every other cell it covers mapped to None."""
    out = {}
    for r0, c0, r1, c1 in table.merges:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                out[(r, c)] = None
        out[(r0, c0)] = (r0, c0, r1, c1)
    return out


def _widths(table: Table) -> list[float]:
    widths = [4.0] * table.width
    for row in table.body:
        for c, cell in enumerate(row[: table.width]):
            widths[c] = max(widths[c], min(40.0, len(cell.text) * (1.0 if cell.value is not None else 2.1) + 2))
    return widths


def _formula(table: Table, cell: Cell, top: int) -> str | None:
    """``=SUM(...)`` of the parts when their values add up to the cell's value."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    if not cell.parts:
        return None
    values = [table.body[r][c].value for r, c in cell.parts]
    if any(v is None for v in values) or sum(values) != cell.value:
        return None
    return "=SUM(" + ",".join(xl_rowcol_to_cell(top + r, c) for r, c in cell.parts) + ")"


def _write_xlsx_table(ws, table: Table, r0: int, fmts: dict, number_format: str) -> int:
    """Write ``table`` from row ``r0``; return the next free row."""
    width = max(table.width, 1)
    for line in table.pre_lines:
        if width > 1:
            ws.merge_range(r0, 0, r0, width - 1, line, fmts["title"] if line == table.title else fmts["plain"])
        else:
            ws.write_string(r0, 0, line, fmts["plain"])
        r0 += 1
    grid, covered = _grid(table), _covered(table)
    top = r0 + len(table.header)
    for r, row in enumerate(grid):
        style = fmts["head"] if r < len(table.header) else None
        for c, cell in enumerate(row):
            merge = covered.get((r, c), False)
            fmt = style or (fmts["num"] if cell.value is not None else fmts["text"])
            if merge:
                ws.merge_range(r0 + merge[0], merge[1], r0 + merge[2], merge[3], cell.text, fmt)
            elif merge is None:
                continue
            elif cell.value is not None:
                formula = _formula(table, cell, top)
                if formula:
                    ws.write_formula(r0 + r, c, formula, fmt, float(cell.value))
                else:
                    ws.write_number(r0 + r, c, float(cell.value), fmt)
            elif cell.text:
                ws.write_string(r0 + r, c, cell.text, fmt)
            else:
                ws.write_blank(r0 + r, c, None, fmt)
    r0 += len(grid)
    for line in table.post_lines:
        ws.write_string(r0, 0, line, fmts["plain"])
        r0 += 1
    for c, w in enumerate(_widths(table)):
        ws.set_column(c, c, w)
    return r0


def render_xlsx(doc: Document, path: Path, several_per_sheet: bool = False) -> Path:
    """Write the tables of ``doc`` to an ``.xlsx`` workbook."""
    import xlsxwriter

    number_format = "#,##0.00" if doc.layout != "urumqi" else "0.00"
    wb = xlsxwriter.Workbook(str(path))
    font = {"font_name": "宋体", "font_size": 10}
    fmts = {"title": wb.add_format({**font, "bold": True, "font_size": 14, "align": "center"}),
            "plain": wb.add_format(font),
            "head": wb.add_format({**font, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                   "text_wrap": True}),
            "text": wb.add_format({**font, "border": 1}),
            "num": wb.add_format({**font, "border": 1, "num_format": number_format})}
    shared = wb.add_worksheet(SHARED_SHEET) if several_per_sheet else None
    row = 0
    for table in doc.tables():
        if shared is not None:
            row = _write_xlsx_table(shared, table, row, fmts, number_format) + 2
        else:
            _write_xlsx_table(wb.add_worksheet(table.sheet), table, 0, fmts, number_format)
    wb.close()
    return path


def render_xls(doc: Document, path: Path) -> Path:
    """Write the tables of ``doc`` to a legacy ``.xls`` workbook (one sheet per table, no formulas)."""
    import xlwt

    number_format = "#,##0.00" if doc.layout != "urumqi" else "0.00"
    wb = xlwt.Workbook(encoding="utf-8")
    borders = "borders: left thin, right thin, top thin, bottom thin"
    head = xlwt.easyxf(f"font: bold on; align: horiz center, vert center, wrap on; {borders}")
    text = xlwt.easyxf(borders)
    num = xlwt.easyxf(borders, num_format_str=number_format)
    plain = xlwt.easyxf("")
    for table in doc.tables():
        ws = wb.add_sheet(table.sheet)
        r0 = 0
        for line in table.pre_lines:
            ws.write(r0, 0, line, plain)
            r0 += 1
        grid, covered = _grid(table), _covered(table)
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                merge = covered.get((r, c), False)
                style = head if r < len(table.header) else (num if cell.value is not None else text)
                value = float(cell.value) if cell.value is not None else cell.text
                if merge:
                    ws.write_merge(r0 + merge[0], r0 + merge[2], merge[1], merge[3], value, style)
                elif merge is False:
                    ws.write(r0 + r, c, value, style)
        r0 += len(grid)
        for line in table.post_lines:
            ws.write(r0, 0, line, plain)
            r0 += 1
        for c, w in enumerate(_widths(table)):
            ws.col(c).width = int(w * 256)
    wb.save(str(path))
    return path
