"""Turn a disclosure's text into a Document: parts, numbered sections, paragraphs and tables."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import IngestError
from ..model import Document, Paragraph, Section, Table
from ..textnorm import squeeze_cjk
from .performance import build_performance_table
from .reader import DATE_RE, read_source
from .tables import build_table, split

PART_RE = re.compile(r"^第([一二三四五六七八九十])部分\s*(.*)$")
TABLE_RE = re.compile(r"^表\s*(\d{1,2})$")
PERF_TITLES = ("部门整体绩效目标表", "项目支出绩效目标表")
H1_RE = re.compile(r"^([一二三四五六七八九十]{1,3})、\s*(.+)$")
H2_RE = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[)）]\s*(.+)$")
H3_RE = re.compile(r"^(\d{1,2})[、.．]\s*(.+)$")
NUMERALS = "一二三四五六七八九十"
_SENTENCE_END = ("。", "；", "！", "？", "：", ":", "”")


def numeral_value(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + NUMERALS.index(s[1]) + 1
    if s.endswith("十"):
        return (NUMERALS.index(s[0]) + 1) * 10
    if "十" in s:
        a, b = s.split("十")
        return (NUMERALS.index(a) + 1) * 10 + NUMERALS.index(b) + 1
    return NUMERALS.index(s) + 1


def reader_date(text: str) -> bool:
    m = DATE_RE.fullmatch(text.replace(" ", ""))
    return bool(m)


def _is_heading(text: str) -> bool:
    return len(text) <= 60 and not text.endswith(("。", "；", ";")) and "。" not in text


def parse_file(path: str | Path) -> Document:
    path = Path(path)
    src = read_source(path)
    lines = src.lines
    doc = Document(
        id=path.stem, path=str(path), department=src.department, year=src.year, date=src.date,
        title=f"{src.department} {src.year} 年部门预算公开", sha256=src.sha256,
    )
    start = _body_start(lines, src.title_line)
    part = 0
    stack: dict[int, Section] = {}
    n_table_perf = 0
    i = start
    current_para: Paragraph | None = None

    def add_section(level: int, numeral: str, title: str, line: int) -> None:
        nonlocal current_para
        parent = stack.get(level - 1)
        if level == 1:
            sid = f"P{part}-S{numeral_value(numeral)}"
        elif parent is not None:
            sid = f"{parent.id}.{numeral_value(numeral)}"
        else:
            sid = f"P{part}-x{line}"
        if doc.section(sid):
            sid = f"{sid}-L{line}"
        sec = Section(id=sid, part=part, numeral=numeral, title=title, level=level, line=line,
                      parent=parent.id if parent else "")
        doc.sections.append(sec)
        stack[level] = sec
        for deeper in [k for k in stack if k > level]:
            del stack[deeper]
        current_para = None

    def add_paragraph(text: str, line: int) -> None:
        nonlocal current_para
        sec = stack.get(3) or stack.get(2) or stack.get(1)
        if sec is None:
            add_section(1, "", doc.parts.get(part, "前言"), line)
            sec = stack[1]
        if current_para is not None and current_para in sec.paragraphs and not current_para.text.endswith(_SENTENCE_END) \
                and len(current_para.text) > 40:
            current_para.text += text  # a sentence broken by a page break
            return
        current_para = Paragraph(id=f"{sec.id}-p{len(sec.paragraphs) + 1}", text=text, line=line)
        sec.paragraphs.append(current_para)

    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        lineno = i + 1
        if not s:
            i += 1
            continue
        m = PART_RE.match(s)
        if m and "\t" not in raw:
            part = NUMERALS.index(m.group(1)) + 1
            doc.parts[part] = squeeze_cjk(m.group(2))
            stack.clear()
            current_para = None
            i += 1
            continue
        m = TABLE_RE.match(s)
        if m:
            table, i = _read_table(src.path, lines, i, f"表{int(m.group(1))}", f"T{int(m.group(1))}")
            table.part, table.section = part, (stack[1].id if stack.get(1) else "")
            doc.tables.append(table)
            continue
        if s in PERF_TITLES:
            tid = "P0" if s == PERF_TITLES[0] else f"P{n_table_perf + 1}"
            if s != PERF_TITLES[0]:
                n_table_perf += 1
            table, i = _read_perf(src.path, lines, i, s, tid)
            sec = stack.get(2) or stack.get(1)
            table.part, table.section = part, (sec.id if sec else "")
            doc.tables.append(table)
            continue
        if "\t" in raw:
            raise IngestError(src.path, lineno, "table row outside a table: expected a '表 N' line and a title before it")
        text = squeeze_cjk(s.lstrip("-•· ").strip())
        if part == 0 or text == doc.department or reader_date(text):
            i += 1  # table of contents, or the closing signature (department and date)
            continue
        h1, h2, h3 = H1_RE.match(text), H2_RE.match(text), H3_RE.match(text)
        if h1 and _is_heading(text) and part != 4:
            add_section(1, h1.group(1), squeeze_cjk(h1.group(2)), lineno)
        elif h1 and part == 4:
            # glossary: '一、**财政拨款**:指…' → a section per term, the definition as its paragraph
            term = re.split(r"[:：]", h1.group(2), maxsplit=1)[0].replace("*", "").strip()
            add_section(1, h1.group(1), term, lineno)
            add_paragraph(text.replace("**", ""), lineno)
        elif h2 and _is_heading(text) and stack.get(1):
            add_section(2, h2.group(1), squeeze_cjk(h2.group(2)), lineno)
        elif h3 and stack.get(2) and "（项）" in text[:80]:
            # '1、一般公共服务支出（类）…（项）：2024年预算数为…' — an item: its own sub-section
            head = re.split(r"[：:]", h3.group(2), maxsplit=1)[0][:60]
            add_section(3, h3.group(1), head, lineno)
            add_paragraph(text, lineno)
        else:
            add_paragraph(text, lineno)
        i += 1
    if not any(t.number.startswith("表") for t in doc.tables):
        last = max((k + 1 for k, ln in enumerate(lines) if ln.strip()), default=1)
        raise IngestError(src.path, last, "does not look like a departmental budget disclosure: expected the tables "
                          "'表 1'…'表 11', found none up to the end of the file",
                          "give only 部门预算公开 text files, complete")
    return doc


def _body_start(lines: list[str], title_line: int) -> int:
    """Skip the table of contents: the body starts at the second '第一部分' line, if there are two."""
    firsts = [i for i, ln in enumerate(lines) if PART_RE.match(ln.strip()) and ln.strip().startswith("第一部分")]
    if len(firsts) >= 2:
        return firsts[1]
    return firsts[0] if firsts else title_line


def _meta_line(s: str) -> tuple[str, str] | None:
    m = re.match(r"^(编制部门|单位|编制单位)\s*[：:]\s*(.*)$", s)
    return (m.group(1), m.group(2).strip()) if m else None


def _read_table(path: str, lines: list[str], i: int, number: str, tid: str) -> tuple[Table, int]:
    first_line = i + 1
    i += 1
    title = ""
    unit = ""
    while i < len(lines) and not title:
        s = lines[i].strip()
        if s:
            if "\t" in lines[i] or TABLE_RE.match(s):
                raise IngestError(path, i + 1, f"{number} has no title line", "expected the table title after '表 N'")
            title = s
        i += 1
    rows: list[tuple[int, list[str]]] = []
    header_sig: list[list[str]] = []
    header_done = False
    breaks: set[int] = set()
    note = ""
    in_header_repeat = False
    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        if not s:
            i += 1
            continue
        meta = _meta_line(s)
        if meta:
            if meta[0] == "单位":
                unit = meta[1]
            if rows:
                in_header_repeat = True  # a page break: the header is printed again
                breaks.add(i + 1)
            i += 1
            continue
        if "\t" in raw:
            cells = split(raw)
            if in_header_repeat and header_sig and cells in header_sig:
                i += 1
                continue
            in_header_repeat = False
            rows.append((i + 1, cells))
            if not header_done:
                # the header: rows before the first amount, up to the ※ numbering row; a page break repeats it
                if any(_is_amount(c) for c in cells):
                    header_done = True
                else:
                    header_sig.append(cells)
                    header_done = cells[0] == "※"
            i += 1
            continue
        # a non-table line ends the table; the sentence of an empty table is kept as its note
        if "空表" in s or (not _has_body(rows) and "没有" in s):
            note = squeeze_cjk(s)
            i += 1
        break
    if not rows:
        raise IngestError(path, first_line, f"table {number} {title} is truncated: expected its header and rows "
                          "after the title, found none", "check the file is complete")
    table = build_table(path, tid, number, title, unit, rows, breaks, note, first_line)
    return table, i


def _is_amount(c: str) -> bool:
    return bool(re.match(r"^-?\d+\.\d+$", c.strip()))


def _has_body(rows: list[tuple[int, list[str]]]) -> bool:
    return any(_is_amount(c) for _, cells in rows for c in cells)


def _read_perf(path: str, lines: list[str], i: int, kind: str, tid: str) -> tuple[Table, int]:
    first_line = i + 1
    i += 1
    year_note = ""
    rows: list[tuple[int, list[str]]] = []
    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        if not s:
            i += 1
            continue
        if "\t" in raw:
            rows.append((i + 1, split(raw)))
            i += 1
            continue
        if not rows and re.match(r"^[(（]\s*\d{4}\s*年\s*[)）]$", s):
            year_note = s
            i += 1
            continue
        break
    if not rows:
        raise IngestError(path, first_line, f"{kind} is truncated: expected its rows after the title, found none",
                          "check the file is complete")
    return build_performance_table(path, tid, kind, rows, first_line, year_note), i
