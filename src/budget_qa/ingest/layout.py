"""Build a Document from a reader's blocks, for every layout: metadata, parts, sections,
paragraphs and tables with their canonical kind.

Tables are found where readers put them (grids); the lines just above a grid give its
number, title, unit and department; a grid with no title of its own that follows a table
(after a page break) continues it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import IngestError
from ..model import Document, Table
from ..readers.base import Grid, RawDocument, TextLine
from ..textnorm import squeeze_cjk
from . import titles
from .grid import GridInput, build_grid_table, split_header
from .kinds import TableKind, kind_table_id
from .meta import DocumentMeta, find_meta
from .narrative_builder import NarrativeBuilder
from .performance import build_performance_tables

_PAGE_NUMBER = re.compile(r"^(?:[-—–－~]\s*\d{1,4}\s*[-—–－~]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
                          r"\d{1,4}\s*/\s*\d{1,4}|\d{1,4})$")
_YEAR_NOTE = re.compile(r"^[（(]\s*(?:19|20)\d{2}\s*年度?\s*[)）]$")
_EMPTY_NOTE = ("空表", "没有", "无此", "不涉及", "未安排", "无相关")
_PERF = (TableKind.PERFORMANCE_DEPT, TableKind.PERFORMANCE_PROJECT)


class _Pending:
    """A table being assembled: its title information and its grids (continuations joined)."""

    def __init__(self, number: str, title: str, kind: TableKind, unit: str, line: int, year_note: str) -> None:
        self.number, self.title, self.kind, self.unit, self.line = number, title, kind, unit, line
        self.year_note = year_note
        self.grid: GridInput | None = None
        self.width = 0
        self.page = 0
        self.sheet = ""
        self.note = ""

    def add(self, g: Grid) -> None:
        pages = g.row_pages or [g.page] * len(g.rows)
        if self.grid is None:
            self.grid = GridInput(rows=list(g.rows), row_lines=list(g.row_lines), row_pages=list(pages),
                                  breaks=set(g.breaks))
            self.width, self.page, self.sheet = max(map(len, g.rows), default=0), g.page, g.sheet
            return
        offset = len(self.grid.rows)
        self.grid.breaks.add(offset)  # the continuation starts after a page break
        self.grid.breaks |= {offset + b for b in g.breaks}
        self.grid.rows += g.rows
        self.grid.row_lines += g.row_lines
        self.grid.row_pages += pages


def build_document(raw: RawDocument, doc_id: str | None = None) -> Document:
    path = raw.path
    blocks = [b for b in raw.blocks if not (isinstance(b, TextLine) and _PAGE_NUMBER.match(b.text.strip()))]
    meta = find_meta(raw, blocks)
    doc = Document(
        id=doc_id or _doc_id(raw), path=path, department=meta.department, year=meta.year, date=meta.date,
        title=meta.title, sha256=raw.sha256, kind=meta.kind, format=raw.format, files=list(raw.files),
        warnings=list(raw.warnings),
    )
    consumed = _table_heads(blocks)
    narrative = NarrativeBuilder(doc, meta)
    pending: _Pending | None = None
    n_perf = 0
    last_table_block = -10
    for k, b in enumerate(blocks):
        if isinstance(b, TextLine):
            if k in consumed:
                continue
            text = squeeze_cjk(b.text)
            if pending is not None and k == last_table_block + 1 and _is_note(text, pending):
                pending.note = text
                continue
            if pending is not None and titles.is_furniture(text):
                continue  # a unit/department line repeated on the next page of the same table
            orphan = _orphan_head(blocks, k, consumed)
            if orphan is not None:
                if pending is not None:
                    n_perf = _finish(path, doc, pending, narrative, n_perf)
                    pending = None
                note_at, p = orphan
                if note_at is None:
                    raise IngestError(path, b.line, f"table {p.number} {p.title} is truncated: expected its header "
                                      "and rows after the title, found none", "check the file is complete")
                p.note = squeeze_cjk(blocks[note_at].text)
                consumed.update(dict.fromkeys(range(k, note_at + 1), True))
                _finish_empty(doc, p, narrative)
                continue
            narrative.line(text, b.line, b.page)
            continue
        head = consumed.get(k)
        if head is None and pending is not None and _continues(pending, b, blocks, last_table_block, k):
            pending.add(_strip_repeated_header(pending, b))
            last_table_block = k
            continue
        if pending is not None:
            n_perf = _finish(path, doc, pending, narrative, n_perf)
            pending = None
        if head is None:
            head = _untitled(b, meta)
            if head is None:
                for row in b.rows:  # a layout grid (contact box, signature block): its text is narrative
                    text = squeeze_cjk(" ".join(c for c in row if c))
                    if text:
                        narrative.line(text, b.line, b.page)
                continue
        pending = head
        pending.add(b)
        last_table_block = k
    if pending is not None:
        _finish(path, doc, pending, narrative, n_perf)
    doc.toc = narrative.toc
    if not any(not t.is_performance for t in doc.tables):
        last = max((b.line for b in blocks), default=1)
        raise IngestError(path, last, "does not look like a departmental budget disclosure: found no budget tables "
                          "(收支总表, 收入总表, 支出总表 …) up to the end of the file",
                          "give the complete disclosure; a disclosure published as several files is joined when "
                          "its files share a name stem or sit in a folder of their own")
    return doc


def _orphan_head(blocks: list, k: int, consumed: dict) -> tuple[int | None, _Pending] | None:
    """A table number and title with no grid after them: an empty table with its sentence
    ('本部门无政府性基金预算，此表为空'), or — when no table follows at all — a file cut short."""
    num = titles.split_number(blocks[k].text.strip())
    if not num:
        return None
    title, j = squeeze_cjk(num[1]), k + 1
    if not titles.title_kind(title) and j < len(blocks) and isinstance(blocks[j], TextLine):
        title, j = squeeze_cjk(blocks[j].text), j + 1
    kind = titles.title_kind(title)
    if kind is None:
        return None
    p = _Pending(num[0], title, kind, "", blocks[k].line, "")
    for m in range(j, min(len(blocks), j + 4)):
        b = blocks[m]
        if isinstance(b, Grid):
            return None
        if any(w in b.text for w in _EMPTY_NOTE):
            return m, p
        if not titles.is_furniture(b.text):
            break
    if not any(isinstance(b, Grid) for b in blocks[k:]):
        return None, p
    return None


def _finish_empty(doc: Document, p: _Pending, narrative: NarrativeBuilder) -> None:
    part, section = narrative.position()
    doc.tables.append(Table(id=_table_id(doc, p.kind), number=p.number, title=titles.clean_title(p.title, doc.department),
                            columns=[], unit=p.unit or doc_unit(doc), note=p.note, line=p.line, kind=p.kind.value,
                            part=part, section=section))


def _doc_id(raw: RawDocument) -> str:
    stems = [Path(f).stem for f in raw.files] or [Path(raw.path).stem]
    common = stems[0]
    for s in stems[1:]:
        while common and not s.startswith(common):
            common = common[:-1]
    return common.rstrip("-_ .") or stems[0]


def _table_heads(blocks: list) -> dict[int, _Pending]:
    """Per grid index, its title information; the title lines' indexes map to a marker."""
    heads: dict = {}
    for k, b in enumerate(blocks):
        if not isinstance(b, Grid):
            continue
        number = title = unit = year_note = ""
        kind: TableKind | None = None
        used: list[int] = []
        j = k - 1
        while j >= 0 and k - j <= 6 and isinstance(blocks[j], TextLine) and j not in heads:
            s = squeeze_cjk(blocks[j].text)
            num = titles.split_number(blocks[j].text.strip())  # before squeezing: '表五 一般…' keeps its gap
            if num:
                num = (num[0], squeeze_cjk(num[1]))
            if num and not number:
                number = num[0]
                if num[1] and not title and titles.title_kind(num[1]):
                    title, kind = num[1], titles.title_kind(num[1])
                used.append(j)
                break  # the number is the first line of a table's head
            if titles.is_furniture(s):
                unit = unit or titles.unit_in(s) or ""
            elif _YEAR_NOTE.match(s):
                year_note = s
            elif not title and titles.title_kind(s):
                title, kind = s, titles.title_kind(s)
            else:
                break
            used.append(j)
            j -= 1
        if not title and not number:
            continue
        if not title and number:
            kind = _kind_from_header(b)
            if kind is None:
                continue
        for u in used:
            heads[u] = True
        line = blocks[min(used)].line if used else b.line
        heads[k] = _Pending(number, title, kind or TableKind.OTHER, unit, line, year_note)
    return heads


def _kind_from_header(g: Grid) -> TableKind | None:
    header, _, _ = split_header([[c or "" for c in r] for r in g.rows])
    return titles.title_kind("".join("".join(r) for r in header)[-30:] + "表")


def _untitled(g: Grid, meta: DocumentMeta) -> _Pending | None:
    """A grid with no title line above it: named by its worksheet, or kept as an unnamed table."""
    if g.sheet:
        num = titles.split_number(g.sheet)
        rest = num[1] if num else g.sheet
        kind = titles.title_kind(rest) or titles.title_kind(rest + "表")
        if kind:
            return _Pending(num[0] if num else "", rest, kind, "", g.line, "")
    if any(re.match(r"^[-−]?[\d,]+\.\d+$", c or "") for r in g.rows for c in r) and len(g.rows) >= 2:
        return _Pending("", g.sheet or "", TableKind.OTHER, "", g.line, "")
    return None


def _continues(p: _Pending, g: Grid, blocks: list, last: int, k: int) -> bool:
    """A grid right after a table, with only page furniture between, of the same width."""
    between = blocks[last + 1:k]
    if any(not (isinstance(b, TextLine) and titles.is_furniture(b.text)) for b in between):
        return False
    width = max(map(len, g.rows), default=0)
    return width == p.width or bool(p.grid and g.rows and g.rows[0] == p.grid.rows[0])


def _strip_repeated_header(p: _Pending, g: Grid) -> Grid:
    assert p.grid is not None
    header, numbering, start = split_header([[c or "" for c in r] for r in p.grid.rows])
    repeated = {tuple(_fold_row(r)) for r in p.grid.rows[:start]}
    keep = [i for i, r in enumerate(g.rows) if tuple(_fold_row(r)) not in repeated]
    return Grid(rows=[g.rows[i] for i in keep], line=g.line, page=g.page,
                row_lines=[g.row_lines[i] for i in keep if i < len(g.row_lines)],
                row_pages=[g.row_pages[i] for i in keep if i < len(g.row_pages)], sheet=g.sheet)


def _fold_row(r: list[str]) -> list[str]:
    out = [re.sub(r"\s+", "", c or "") for c in r]
    while out and not out[-1]:
        out.pop()
    return out


def _is_note(text: str, p: _Pending) -> bool:
    return any(w in text for w in _EMPTY_NOTE) and len(text) < 200 and (
        "表" in text or p.grid is None or not _has_amounts(p.grid))


def _has_amounts(g: GridInput) -> bool:
    return any(re.match(r"^[-−]?[\d,]+\.\d+$", (c or "").strip()) for r in g.rows for c in r)


def _finish(path: str, doc: Document, p: _Pending, narrative: NarrativeBuilder, n_perf: int) -> int:
    assert p.grid is not None
    part, section = narrative.position()
    unit = p.unit or _unit_from_header(p.grid) or doc_unit(doc)
    if p.kind in _PERF:
        rows = list(zip(p.grid.row_lines, p.grid.rows, strict=False))
        name = "部门整体绩效目标表" if p.kind is TableKind.PERFORMANCE_DEPT else "项目支出绩效目标表"
        made = build_performance_tables(path, n_perf + 1, name, p.title or name, rows, p.line, p.year_note,
                                        doc.department)
        for table in made:
            table.kind, table.page, table.part, table.section = p.kind.value, p.page, part, section
            table.number = table.title
            n_perf += table.id != "P0"
        doc.tables.extend(made)
        return n_perf
    else:
        number = p.number or (doc.tables and "") or ""
        table = Table(id=_table_id(doc, p.kind), number=number, title=titles.clean_title(p.title, doc.department),
                      columns=[], unit=unit, note=p.note, line=p.line, kind=p.kind.value, page=p.page, sheet=p.sheet)
        build_grid_table(path, table, p.grid)
        if not table.rows and not p.note and not _is_empty_kind(p.kind):
            raise IngestError(path, p.grid.row_lines[-1] if p.grid.row_lines else p.line,
                              f"table {table.label} is truncated: it has a header but no rows and no explanatory "
                              "sentence", "check the file is complete (an empty table must say so, e.g. '…为空表')")
    table.part, table.section = part, section
    doc.tables.append(table)
    return n_perf


def _is_empty_kind(kind: TableKind) -> bool:
    """Tables a department without such funds prints with a header only."""
    return kind in (TableKind.GOV_FUND, TableKind.STATE_CAPITAL, TableKind.CARRYOVER, TableKind.PROCUREMENT,
                    TableKind.PURCHASE_SERVICES, TableKind.THREE_PUBLIC)


def _table_id(doc: Document, kind: TableKind) -> str:
    base = kind_table_id(kind)
    taken = {t.id for t in doc.tables}
    if base not in taken and base != "X":
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _unit_from_header(g: GridInput) -> str:
    for r in g.rows[:4]:
        for c in r:
            m = re.search(r"[（(](万元|千元|亿元|元)[)）]", c or "")
            if m:
                return m.group(1)
    return ""


def doc_unit(doc: Document) -> str:
    units = [t.unit for t in doc.tables if t.unit and not t.is_performance]
    return max(units, key=lambda u: (units.count(u), -units.index(u))) if units else "万元"
