"""Turn one printed table grid into a Table, whatever the layout: header found by structure,
column paths from merged header cells, code columns in every form, one- or two-sided tables.

The rules are structural, so they hold for PDF, Excel, Word and text alike:
* the header is the rows above the first data row (a row with an amount, a code or a total),
  or up to a numbering row (※ 1 2 3 / 栏次 / 甲 乙 1 2);
* a merged header cell keeps its text in its first position; it names every column to its
  right, up to the next text in its row, that has a sub-header below it;
* code columns hold digit codes (类/款/项 split into three columns, one 科目编码 column of 3/5/7
  digits), or the code leads the name ("2010101 行政运行");
* a text column after an amount column starts a second side (收入 | 支出).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import IngestError
from ..model import Cell, Row, Table
from ..textnorm import squeeze_cjk
from .schemas import schema_for_kind

AMOUNT = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_DECIMAL = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$|^[-−]?\d{1,3}(?:,\d{3})+$")
_CODE = re.compile(r"^\d{2,7}$")
_CODE_IN_NAME = re.compile(r"^(\d{3}(?:\d{2}){0,2})\s*(?=[^\d\s.．、])(.+)$")
_NUMBERING_TOKENS = {"※", "栏次", "甲", "乙", "丙", "丁", "行次", "—", "-"}
_BLANK_MARKS = {"-", "—", "——", "－", "/", "／", "…", "——————"}
_TOTAL_WORDS = ("合计", "总计", "小计", "收入总计", "支出总计", "本年收入合计", "本年支出合计")
_SKIP_HEADERS = ("行次", "栏次", "序号")


@dataclass
class GridInput:
    """A table grid with what was printed around it."""

    rows: list[list[str]]
    row_lines: list[int]
    row_pages: list[int] = field(default_factory=list)
    breaks: set[int] = field(default_factory=set)  # row indexes that follow a page break


def normalise_amount(text: str) -> str:
    """'1,234.56' → '1234.56' (the printed decimals are kept: '1.60' stays '1.60')."""
    return text.replace(",", "").replace("−", "-")


def _clean(rows: list[list[str]]) -> list[list[str]]:
    width = max((len(r) for r in rows), default=0)
    out = [[squeeze_cjk(re.sub(r"\s*\n\s*", "", c or "")) for c in r] + [""] * (width - len(r)) for r in rows]
    while width and all(not r[width - 1] for r in out):
        width -= 1
        out = [r[:width] for r in out]
    return out


def is_numbering_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    if len(filled) < 2:
        return False
    digits = [int(c) for c in filled if c.isdigit()]
    others = [c for c in filled if not c.isdigit()]
    if any(c not in _NUMBERING_TOKENS for c in others):
        return False
    return bool(digits) and digits == list(range(digits[0], digits[0] + len(digits))) and digits[0] <= 2


def _is_data_row(cells: list[str]) -> bool:
    if any(_DECIMAL.match(c) for c in cells):
        return True
    filled = [c for c in cells if c]
    if filled and any(filled[0].replace(" ", "").startswith(w) for w in _TOTAL_WORDS) and all(
            AMOUNT.match(c) or c in _BLANK_MARKS for c in filled[1:]):
        return True  # a total row (its amounts may be integers, or blank); '小计 | 基本支出 | …' is a header
    return bool(filled) and bool(_CODE.match(filled[0])) and len(filled[0]) in (3, 5, 7) and any(
        not AMOUNT.match(c) for c in filled[1:])


def split_header(rows: list[list[str]]) -> tuple[list[list[str]], list[str] | None, int]:
    """(header rows without the numbering row, the numbering row or None, index of the first body row)."""
    for i, cells in enumerate(rows[:8]):
        if is_numbering_row(cells):
            return rows[:i], cells, i + 1
    for i, cells in enumerate(rows[:8]):
        if _is_data_row(cells):
            return rows[:i], None, i
    return rows[: min(len(rows), 3)], None, min(len(rows), 3)


def column_paths(header: list[list[str]], width: int) -> list[list[str]]:
    """Header levels above each column, merged cells resolved."""
    paths: list[list[str]] = [[] for _ in range(width)]
    for r, cells in enumerate(header):
        below = header[r + 1:]
        owner = ""
        for c in range(width):
            text = cells[c] if c < len(cells) else ""
            if text:
                owner = text
                paths[c].append(text)
            elif owner and any(c < len(b) and b[c] for b in below):
                paths[c].append(owner)  # under a merged cell that spans to here
            else:
                owner = ""
    return [[p for k, p in enumerate(path) if k == 0 or p != path[k - 1]] for path in paths]


def _column_roles(body: list[list[str]], paths: list[list[str]], width: int) -> list[str]:
    """'code' | 'text' | 'value' | 'skip' per column."""
    roles = []
    for c in range(width):
        vals = [r[c] for r in body if c < len(r) and r[c] and r[c] not in _BLANK_MARKS]
        head = "".join(paths[c])
        if any(w in head for w in _SKIP_HEADERS) and all(v.isdigit() for v in vals):
            roles.append("skip")
        elif vals and all(_CODE.match(v) and len(v) in (3, 5, 7) for v in vals) and any(
                w in head for w in ("编码", "代码")) and not _has_decimal(body, c):
            roles.append("code")  # a 科目编码 column printed after the names
        elif vals and all(_CODE.match(v) for v in vals) and (not roles or roles[-1] in ("code", "skip")) and (
                any(w in head for w in ("编码", "类", "款", "项", "科目", "代码")) or len(set(map(len, vals))) > 1
                or all(len(v) in (2, 3) for v in vals) and c < 3 and not _has_decimal(body, c)):
            roles.append("code")
        elif vals and sum(not AMOUNT.match(v) for v in vals) * 2 >= len(vals):
            roles.append("text")
        elif not vals and (any(w in head for w in ("名称", "项目", "科目", "单位")) and not roles[-1:] == ["value"]
                           or any(w in head for w in ("编码", "类", "款")) and c < 3):
            roles.append("code" if any(w in head for w in ("编码", "类", "款")) and "名称" not in head else "text")
        else:
            roles.append("value")
    return roles


def _has_decimal(body: list[list[str]], c: int) -> bool:
    return any(c < len(r) and "." in r[c] for r in body)


def _amount(path: str, line: int, text: str, column: str, number: str) -> str | None:
    t = text.strip()
    if not t or t in _BLANK_MARKS:
        return None
    if not AMOUNT.match(t):
        raise IngestError(
            path, line, f"malformed row in {number}: expected an amount in column '{column}', found '{t}'",
            "amounts are decimals such as 12.30 or 1,234.56; fix the row or remove the file from the folder",
        )
    return normalise_amount(t)


def _level(codes: list[str]) -> int:
    if len(codes) > 1:
        return len(codes)
    return {3: 1, 5: 2, 7: 3}.get(len(codes[0]), 1) if codes else 0


def build_grid_table(path: str, table: Table, grid: GridInput) -> Table:
    """Fill ``table`` (id, number, title, kind, unit already set) with columns and rows from ``grid``."""
    rows = _clean(grid.rows)
    lines = grid.row_lines + [grid.row_lines[-1] if grid.row_lines else 0] * (len(rows) - len(grid.row_lines))
    pages = grid.row_pages + [0] * (len(rows) - len(grid.row_pages))
    header, numbering, start = split_header(rows)
    width = len(rows[0]) if rows else 0
    folded_header = [tuple(h) for h in header]
    body = [(i, r) for i, r in enumerate(rows) if i >= start and tuple(r) not in folded_header
            and not is_numbering_row(r) and any(r)]
    table.header_rows = header + ([numbering] if numbering else [])
    _check_widths(path, table, header + ([numbering] if numbering else []), body, lines)
    paths = column_paths(header, width)
    roles = _column_roles([r for _, r in body], paths, width)
    sides = _sides(roles)
    names = _value_names(table, paths, roles, numbering)
    table.columns = [names[c] for c in range(width) if roles[c] == "value"]
    two_sided = len(sides) > 1
    prev: Row | None = None
    for i, cells in body:
        line, page = lines[i], pages[i]
        new_rows = []
        for label_cols, value_cols, code_cols in sides:
            side = _side_name(paths, label_cols) if two_sided else ""
            codes = [cells[c] for c in code_cols if cells[c]]
            values = [(c, _amount(path, line, cells[c], names[c], table.number)) for c in value_cols]
            texts = {c: cells[c] for c in label_cols if cells[c]}
            if not codes:
                for c, text in texts.items():  # '2010101 行政运行': the code printed inside the name
                    m = _CODE_IN_NAME.match(text)
                    if m and (not two_sided or len(m.group(1)) == 3):
                        codes, texts[c] = [m.group(1)], squeeze_cjk(m.group(2))
                        break
            primary = next((c for c in label_cols if "项目" in "".join(paths[c]) and "科目" not in "".join(paths[c])), None)
            label = texts.get(primary, "") if primary is not None else ""
            label = label or (list(texts.values())[-1] if texts else "")
            if not label and not codes:
                if any(v is not None for _, v in values):
                    label = table.title if not two_sided else ""  # a horizontal table's only row
                    if not label:
                        raise IngestError(path, line, f"malformed row in {table.number}: amount without a row label")
                else:
                    continue
            attrs = {}
            if len([c for c in label_cols if c in range(width)]) > 1:
                attrs = {_text_name(paths, c): texts[c] for c in label_cols if texts.get(c)}
            new_rows.append(Row(
                label=label, code="".join(codes), side=side, line=line, page=page, level=_level(codes),
                attrs=attrs, cells=[Cell(column=names[c], value=v, col_index=c) for c, v in values],
            ))
        if (len(new_rows) == 1 and not two_sided and prev is not None and not new_rows[0].code
                and all(c.value is None for c in new_rows[0].cells) and i in _after_breaks(grid.breaks, body, i)):
            prev.label += new_rows[0].label  # a row name split by a page break ('…养老保险缴' + '费支出')
            continue
        table.rows.extend(new_rows)
        prev = new_rows[-1] if new_rows else prev
    return table


def _check_widths(path: str, table: Table, header: list[list[str]], body, lines: list[int]) -> None:
    """A row wider than its header is a broken row (a stray tab, cells run together), not a new column."""
    if not header:
        return
    width = max((max((k for k, c in enumerate(h) if c), default=-1) + 1 for h in header), default=0)
    for i, cells in body:
        used = max((k for k, c in enumerate(cells) if c), default=-1) + 1
        if used > width:
            raise IngestError(path, lines[i], f"malformed row in {table.number or table.title}: {used} cells, "
                              f"expected at most {width}", "a row must have the table's columns, separated as in "
                              "its header")


def _after_breaks(breaks: set[int], body: list[tuple[int, list[str]]], i: int) -> set[int]:
    """Body row ``i`` is the first one after a page break (repeated header rows skipped)."""
    if not breaks:
        return set()
    pos = [k for k, _ in body]
    j = pos.index(i)
    prev_row = pos[j - 1] if j else -1
    return {i} if any(prev_row < b <= i for b in breaks) else set()


def _sides(roles: list[str]) -> list[tuple[list[int], list[int], list[int]]]:
    """(label columns, value columns, code columns) per side, left to right."""
    sides: list[tuple[list[int], list[int], list[int]]] = []
    cur: tuple[list[int], list[int], list[int]] = ([], [], [])
    for c, role in enumerate(roles):
        if role in ("text", "code") and cur[1]:
            sides.append(cur)
            cur = ([], [], [])
        if role == "text":
            cur[0].append(c)
        elif role == "code":
            cur[2].append(c)
        elif role == "value":
            cur[1].append(c)
    if cur[0] or cur[1] or cur[2]:
        sides.append(cur)
    return sides


def _side_name(paths: list[list[str]], label_cols: list[int]) -> str:
    for c in label_cols:
        if len(paths[c]) > 1:
            return paths[c][0]
    return paths[label_cols[0]][0] if label_cols and paths[label_cols[0]] else ""


def _text_name(paths: list[list[str]], c: int) -> str:
    name = paths[c][-1] if paths[c] else f"列{c + 1}"
    if name.endswith("科目名称") or name in ("科目", "功能分类科目名称"):
        return "科目名称"
    return name


def _value_names(table: Table, paths: list[list[str]], roles: list[str], numbering: list[str] | None) -> dict[int, str]:
    value_cols = [c for c, r in enumerate(roles) if r == "value"]
    schema = schema_for_kind(table.kind, table.title)
    if schema and numbering and len(schema.value_columns) == len(value_cols) and not schema.sides:
        # The national template's names, where the printed header disagrees with them: text
        # extracted from PDF often shifts merged header cells one column, while the data rows stay
        # aligned with the numbering row. A header whose leaves agree keeps its own full paths.
        leaves = [paths[c][-1] if paths[c] else "" for c in value_cols]
        if leaves != [n.rsplit("/", 1)[-1] for n in schema.value_columns]:
            return dict(zip(value_cols, schema.value_columns, strict=True))
    names: dict[int, str] = {}
    for c in value_cols:
        name = "/".join(paths[c]) or (f"列{numbering[c]}" if numbering and c < len(numbering) and numbering[c]
                                      else f"列{c + 1}")
        while name in names.values():
            name += "′"
        names[c] = name
    return names
