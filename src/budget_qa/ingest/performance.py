"""Parse performance-target tables (部门整体绩效目标表, 项目支出绩效目标表).

Indicator cells are not plain numbers ('>=500次', '> =450 项', '=1579 亿元', '有效保障'): we
keep the operator, the number and the unit. 一级/二级指标 span several rows, so blanks are
filled from the row above. PDF extraction sometimes shifts a row one cell to the right, so
indicator rows are aligned on their right-hand end, where the columns are always filled.
"""

from __future__ import annotations

import re

from ..errors import IngestError
from ..model import Cell, Row, Table
from ..textnorm import squeeze_cjk


def _trim(cells: list[str]) -> list[str]:
    out = list(cells)
    while out and not out[-1]:
        out.pop()
    return out

INDICATOR_RE = re.compile(r"^(?P<op>[<>=≥≤＞＜]\s*=?)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>.*)$")
_OPS = {"≥": ">=", "≤": "<=", "＞": ">", "＜": "<", "> =": ">=", "< =": "<="}


def parse_indicator(text: str) -> tuple[str, str | None, str]:
    """'> =450 项' → ('>=', '450', '项'); '有效保障' → ('', None, '')."""
    t = text.strip()
    m = INDICATOR_RE.match(t)
    if not m:
        return "", None, ""
    op = (m.group("op") or "").replace(" ", "")
    op = _OPS.get(op, op)
    if op.startswith(("≥", "≤")):
        op = _OPS[op[0]]
    return op, m.group("num"), re.sub(r"\s+", "", m.group("unit"))


def build_performance_table(
    path: str, table_id: str, kind: str, rows: list[tuple[int, list[str]]], first_line: int, year_note: str
) -> Table:
    table = Table(id=table_id, number=kind, title=kind, columns=[], unit="万元", line=first_line)
    table.meta["year"] = year_note
    header: list[str] | None = None
    group = ""
    filled: dict[str, str] = {}
    for line, raw in rows:
        cells = [squeeze_cjk(c) for c in _trim(raw)]
        if not cells:
            continue
        first = cells[0] if cells else ""
        if header is None and first in ("一级指标",):
            header = cells
            table.columns = [c for c in header[3:]]
            continue
        if header is None:
            _meta_row(path, table, line, cells, group_ref := [group])
            group = group_ref[0]
            continue
        _indicator_row(path, table, header, line, cells, filled)
    if header is None:
        raise IngestError(path, first_line, f"{kind} is truncated: no indicator header row (一级指标 …)")
    if table.id == "P0":
        table.subject = table.meta.get("部门名称", "")
    else:
        table.subject = table.meta.get("项目名称", "")
        if not table.subject:
            raise IngestError(path, first_line, f"{kind}: expected a 项目名称 row naming the project")
    return table


def _meta_row(path: str, table: Table, line: int, cells: list[str], group_ref: list[str]) -> None:
    """Key/value rows above the indicators, including the money rows (年度预算总额 6.00 …)."""
    label = re.sub(r"\s*[(（](盖章|万元)[)）]\s*", "", cells[0]) if cells[0] else ""
    rest = [c for c in cells[1:] if c]
    if label.startswith("项目资金"):
        # 项目资金(万元) | 年度预算总额 6.00 | 其中：财政拨款 6.00 | 其他资金 0.00
        pairs = list(zip(rest[0::2], rest[1::2], strict=False))
        for name, value in pairs:
            _money(path, table, line, "项目资金", re.sub(r"^其中[：:]", "", name), value)
        return
    if label.startswith("年度预算"):
        group_ref[0] = "年度预算"
        return
    if group_ref[0] == "年度预算" and not label:
        # ['', '', '财政资金 (万元)', '上级安排', '0.00'] or ['', '', '', '', '本级安排', '842.79']
        names = [c for c in cells if c]
        if len(names) >= 2:
            if len(names) == 3:
                table.meta["_group"] = re.sub(r"\s*[(（]万元[)）]", "", names[0])
            leaf, value = names[-2], names[-1]
            _money(path, table, line, "年度预算", f"{table.meta.get('_group', '')}/{leaf}".strip("/"), value)
        return
    if label and rest:
        # 项目名称 | X | 项目负责人 | Y ; 部门联系人 | 张振华 | 联系电话 | 0991-…
        for k, v in zip([label] + rest[1::2], rest[0::2], strict=False):
            table.meta[re.sub(r"<[^>]+>", "", k)] = re.sub(r"</?p>", "", v)


def _money(path: str, table: Table, line: int, row_label: str, column: str, value: str) -> None:
    op, num, unit = parse_indicator(value)
    if num is None or op:
        raise IngestError(path, line, f"malformed row in {table.number}: expected an amount for '{column}', found '{value}'")
    row = next((r for r in table.rows if r.label == row_label and r.attrs.get("kind") == "money"), None)
    if row is None:
        row = Row(label=row_label, line=line, attrs={"kind": "money"})
        table.rows.append(row)
    row.cells.append(Cell(column=column, value=num))


def _indicator_row(path, table, header, line, cells, filled) -> None:
    n = len(header)
    if len(cells) > n:
        extra = cells[: len(cells) - n]
        if any(extra):
            raise IngestError(path, line, f"malformed row in {table.number}: {len(cells)} cells, expected {n}")
        cells = cells[len(cells) - n :]
    cells = [""] * (n - len(cells)) + cells  # right-align: blanks are the spanned 一级/二级 cells
    rec = dict(zip(header, cells, strict=True))
    for level in header[:2]:
        if rec[level]:
            filled[level] = rec[level]
            if level == header[0]:
                filled.pop(header[1], None) if not rec[header[1]] else None
        else:
            rec[level] = filled.get(level, "")
    label = rec[header[2]]
    if not label:
        raise IngestError(path, line, f"malformed row in {table.number}: indicator row without a 三级指标 name")
    row = Row(label=label, line=line, attrs={k: v for k, v in rec.items() if v} | {"kind": "indicator"})
    for col in header[3:]:
        if any(w in col for w in ("依据", "规则", "佐证")):
            continue  # text columns ('2023 年工作总结…' is a source, not a figure)
        text = rec.get(col, "")
        op, num, unit = parse_indicator(text)
        if num is None:
            continue
        if "权重" in col and (op or unit):
            continue
        row.cells.append(Cell(column=col, value=num))
        if op:
            row.attrs[f"{col}.op"] = op
        if unit:
            row.attrs[f"{col}.unit"] = unit
    table.rows.append(row)


def build_performance_tables(path: str, first_id: int, kind: str, title: str,
                             rows: list[tuple[int, list[str]]], first_line: int, year_note: str,
                             department: str = "") -> list[Table]:
    """Performance tables in any layout: the national one (key/value rows above an indicator header
    starting with 一级指标) or one table for every project (项目名称 | 金额 | 一级指标 | … per row)."""
    header_at = next((k for k, (_, cells) in enumerate(rows) if any(squeeze_cjk(c) == "一级指标" for c in cells)), None)
    if header_at is None:
        raise IngestError(path, first_line, f"{title} is truncated: no indicator header row (一级指标 …)")
    header = [squeeze_cjk(c) for c in rows[header_at][1]]
    first = header.index("一级指标")
    if first == 0:
        tid = "P0" if kind == "部门整体绩效目标表" else f"P{first_id}"
        return [build_performance_table(path, tid, kind, rows, first_line, year_note)]
    keys, levels = header[:first], _trim(header[first:])
    name_col = next((k for k, h in enumerate(keys) if "项目" in h and "金额" not in h), None)
    money_col = next((k for k, h in enumerate(keys) if any(w in h for w in ("金额", "资金", "预算"))), None)
    tables: list[Table] = []
    filled: dict[str, str] = {}
    current = ""
    for line, raw in rows[header_at + 1:]:
        cells = [squeeze_cjk(c) for c in raw] + [""] * len(header)
        project = cells[name_col] if name_col is not None else ""
        if project and project != current or not tables:
            current = project or department
            table = Table(id="P0" if kind == "部门整体绩效目标表" else f"P{first_id + len(tables)}", number=kind,
                          title=kind, columns=levels[3:], unit="万元", line=line, subject=current)
            table.meta["year"] = year_note
            table.meta["项目名称" if name_col is not None else "部门名称"] = current
            money = cells[money_col] if money_col is not None else ""
            if money:
                _money(path, table, line, "项目资金", "年度预算总额", money)
            tables.append(table)
            filled = {}
        _indicator_row(path, tables[-1], levels, line, cells[first:first + len(levels)], filled)
    return tables
