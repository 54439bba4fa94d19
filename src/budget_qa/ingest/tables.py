"""Parse one printed table (tab-separated lines) into a Table: headers, codes, sides, blanks."""

from __future__ import annotations

import re

from ..errors import IngestError
from ..model import Cell, Row, Table
from ..textnorm import is_number, squeeze_cjk
from .schemas import Schema, schema_for

_CODE_RE = re.compile(r"^(\d{3})\s+(.+)$")  # '201 一般公共服务支出' on 表1/表4's expenditure side


def split(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


def _trim(cells: list[str]) -> list[str]:
    out = list(cells)
    while out and not out[-1]:
        out.pop()
    return out


def is_numbering_row(cells: list[str]) -> bool:
    return bool(cells) and cells[0] == "※"


def build_table(
    path: str,
    table_id: str,
    number: str,
    title: str,
    unit: str,
    rows: list[tuple[int, list[str]]],
    breaks: set[int],
    note: str,
    first_line: int,
) -> Table:
    """rows: (line, cells) of the table's body and header, page-break repeats already removed."""
    schema = schema_for(title)
    header, body = _split_header(rows, schema)
    table = Table(
        id=table_id,
        number=number,
        title=squeeze_cjk(title),
        columns=[],
        unit=unit,
        note=note,
        line=first_line,
        header_rows=[c for _, c in header],
    )
    if schema and schema.sides:
        table.columns = [c for side in schema.sides for c in side.value_cols.values()]
        _two_sided(path, table, schema, body)
    else:
        _grid(path, table, schema, header, body, breaks)
    if not table.rows and not note:
        raise IngestError(
            path,
            (body[-1][0] if body else (header[-1][0] if header else first_line)),
            f"table {number} {title} is truncated: it has a header but no rows and no explanatory sentence",
            "check the file is complete (an empty table must say so, e.g. '…为空表')",
        )
    return table


def _split_header(rows, schema):
    for i, (_, cells) in enumerate(rows):
        if is_numbering_row(cells):
            return rows[: i + 1], rows[i + 1 :]
    # no ※ row (表1, 表4): header = leading rows without any amount
    for i, (_, cells) in enumerate(rows):
        if any(is_number(c) for c in cells):
            return rows[:i], rows[i:]
    return rows, []


def _amount(path: str, line: int, text: str, column: str, number: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if not is_number(text):
        raise IngestError(
            path, line, f"malformed row in {number}: expected an amount in column '{column}', found '{text}'",
            "amounts are plain decimals such as 12.30; fix the row or remove the file from the folder",
        )
    return text


def _two_sided(path: str, table: Table, schema: Schema, body) -> None:
    ncols = max(max(s.value_cols) for s in schema.sides) + 1
    for line, cells in body:
        cells = _trim(cells)
        if len(cells) > ncols:
            raise IngestError(path, line, f"malformed row in {table.number}: {len(cells)} cells, expected at most {ncols}")
        cells += [""] * (ncols - len(cells))
        for side in schema.sides:
            label = squeeze_cjk(cells[side.label_col])
            values = {name: _amount(path, line, cells[i], name, table.number) for i, name in side.value_cols.items()}
            if not label:
                if any(v is not None for v in values.values()):
                    raise IngestError(path, line, f"malformed row in {table.number}: amount without a row label")
                continue
            code = ""
            m = _CODE_RE.match(label)
            if m:
                code, label = m.group(1), squeeze_cjk(m.group(2))
            table.rows.append(
                Row(
                    label=label,
                    code=code,
                    side=side.name,
                    cells=[Cell(column=n, value=v, col_index=i) for (i, n), v in zip(side.value_cols.items(), values.values(), strict=True)],
                    line=line,
                    level=1 if code else 0,
                )
            )


def _columns_from_header(header: list[tuple[int, list[str]]], numbering: list[str]) -> tuple[int, list[str]]:
    """Fallback for tables outside the standard: numbered columns named from the printed header."""
    first_value = next((i for i, c in enumerate(numbering) if c and c != "※"), len(numbering))
    names = []
    for col in range(first_value, len(numbering)):
        parts = [squeeze_cjk(cells[col]) for _, cells in header[:-1] if col < len(cells) and cells[col]]
        names.append("/".join(parts) or f"列{numbering[col]}")
    return first_value, names


def _grid(path: str, table: Table, schema: Schema | None, header, body, breaks: set[int]) -> None:
    numbering = header[-1][1] if header and is_numbering_row(header[-1][1]) else []
    if schema:
        first = schema.first_value_col
        columns = list(schema.value_columns)
        code_cols, name_col, extra = schema.code_cols, schema.name_col, schema.extra_label_cols
        if numbering:
            printed = len([c for c in _trim(numbering)[first:] if c])
            if printed and printed != len(columns):
                raise IngestError(
                    path, header[-1][0],
                    f"table {table.number} {table.title}: the numbering row has {printed} amount columns, "
                    f"the national format has {len(columns)}",
                    "check the table header is complete",
                )
    else:
        first, columns = _columns_from_header(header, numbering)
        code_cols, name_col, extra = 0, max(first - 1, 0), {}
    table.columns = columns
    width = first + len(columns)
    prev: Row | None = None
    for line, cells in body:
        cells = _trim(cells)
        if len(cells) > width:
            raise IngestError(
                path, line, f"malformed row in {table.number}: {len(cells)} cells, expected at most {width}",
                "a row must have the table's columns, separated by tabs",
            )
        cells += [""] * (width - len(cells))
        codes = [c for c in cells[:code_cols] if c]
        label = squeeze_cjk(cells[name_col])
        attrs = {name: squeeze_cjk(cells[i]) for i, name in extra.items() if cells[i]}
        values = [_amount(path, line, cells[first + k], col, table.number) for k, col in enumerate(columns)]
        if not codes and not attrs and all(v is None for v in values):
            if not label:
                continue
            if prev is not None and any(prev.line < b < line for b in breaks):
                # a row name split across a page break ('…养老保险缴' + '费支出')
                prev.label += label
                continue
        if codes and any(not c.isdigit() for c in codes):
            raise IngestError(path, line, f"malformed row in {table.number}: code columns hold {codes}, expected digits")
        row = Row(
            label=attrs.get("项目名称", label),
            code="".join(codes),
            cells=[Cell(column=col, value=v, col_index=first + k) for k, (col, v) in enumerate(zip(columns, values, strict=True))],
            line=line,
            level=len(codes),
            attrs=({"科目名称": label} | attrs) if attrs else {},
        )
        table.rows.append(row)
        prev = row
