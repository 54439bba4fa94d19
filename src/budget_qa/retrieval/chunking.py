"""Split a parsed Document into retrieval chunks: narrative paragraphs and small groups of table rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from ..model import Chunk, Document, Paragraph, Row, Section, Table

MAX_CHARS = 500  # a chunk body stays under this, so one chunk is one citable passage
SHORT_PARAGRAPH = 80  # paragraphs this short ("预算安排规模：73.10万元") are merged with a neighbour
ROWS_PER_CHUNK = 8
BLANK_ROW = "（空白）"  # a row whose amounts are all blank in the source
PART_NUMERALS = "一二三四五六七八九十"
_SENTENCE_END = re.compile(r"(?<=[。；！？])")
# row attributes that are parser bookkeeping, not printed text
_HIDDEN_ATTRS = {"kind"}


def make_chunks(doc: Document) -> list[Chunk]:
    """All chunks of a document: narrative sections first (in order), then tables (in order)."""
    sections = {s.id: s for s in doc.sections}
    chunks: list[Chunk] = []
    for sec in doc.sections:
        chunks += _section_chunks(doc, sec, sections)
    for table in doc.tables:
        chunks += _table_chunks(doc, table, sections)
    return chunks


# ---------------------------------------------------------------- context


def part_label(doc: Document, part: int, full: bool = True) -> str:
    """'第三部分 2024 年部门预算情况说明' (full) or '第三部分'."""
    if not 1 <= part <= len(PART_NUMERALS):
        return ""
    head = f"第{PART_NUMERALS[part - 1]}部分"
    title = doc.parts.get(part, "")
    return f"{head} {title}" if full and title else head


def heading(sec: Section) -> str:
    """The heading as printed: '十、…', '（一）…', '1、…'; sections without a numeral keep the bare title."""
    if not sec.numeral:
        return sec.title
    if sec.level == 2:
        return f"（{sec.numeral}）{sec.title}"
    return f"{sec.numeral}、{sec.title}"


def heading_chain(sec: Section | None, sections: dict[str, Section]) -> list[str]:
    chain: list[str] = []
    seen: set[str] = set()
    while sec is not None and sec.id not in seen:  # guard against a malformed parent cycle
        seen.add(sec.id)
        chain.append(heading(sec))
        sec = sections.get(sec.parent) if sec.parent else None
    return chain[::-1]


def _prefix(doc: Document, part: int, trail: list[str]) -> str:
    head = [f"{doc.department} {doc.year}年", part_label(doc, part), *trail]
    return " / ".join(h for h in head if h)


def _base_meta(doc: Document, part: int, section_id: str, table_id: str, kind: str) -> dict[str, str | int]:
    return {
        "doc_id": doc.id, "department": doc.department, "year": str(doc.year), "part": int(part),
        "section_id": section_id, "table_id": table_id, "kind": kind,
    }


# ---------------------------------------------------------------- narrative


def _section_chunks(doc: Document, sec: Section, sections: dict[str, Section]) -> list[Chunk]:
    chain = heading_chain(sec, sections)
    prefix = _prefix(doc, sec.part, chain)
    locator = " / ".join(x for x in [part_label(doc, sec.part, full=False), *chain] if x)
    # a paragraph that only repeats the heading ('主要职能') adds nothing
    paras = [p for p in sec.paragraphs if p.text.strip() and p.text.strip() != sec.title]
    out = []
    for k, group in enumerate(_group_paragraphs(paras), 1):
        body = "\n".join(text for _, text in group)
        meta = _base_meta(doc, sec.part, sec.id, "", "paragraph")
        meta.update({
            "locator": locator, "line": group[0][0].line, "quote": body, "heading": heading(sec),
            "paragraphs": ",".join(dict.fromkeys(p.id for p, _ in group)),
        })
        out.append(Chunk(id=f"{doc.id}:{sec.id}:{k}", doc_id=doc.id, text=f"{prefix}\n{body}", metadata=meta))
    return out


def _group_paragraphs(paras: list[Paragraph]) -> list[list[tuple[Paragraph, str]]]:
    """Greedy grouping: a short paragraph joins its neighbour while the group stays under MAX_CHARS."""
    groups: list[list[tuple[Paragraph, str]]] = []
    size = 0
    for para in paras:
        for piece in split_long(para.text):
            n = len(piece)
            if groups and size + n <= MAX_CHARS and (size < SHORT_PARAGRAPH or n < SHORT_PARAGRAPH):
                groups[-1].append((para, piece))
                size += n
            else:
                groups.append([(para, piece)])
                size = n
    return groups


def split_long(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split text longer than ``limit`` at sentence ends (hard cut only for a single overlong sentence)."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    cur = ""
    for sent in (s for s in _SENTENCE_END.split(text) if s):
        while len(sent) > limit:
            if cur:
                pieces.append(cur)
                cur = ""
            pieces.append(sent[:limit])
            sent = sent[limit:]
        if len(cur) + len(sent) > limit:
            pieces.append(cur)
            cur = ""
        cur += sent
    if cur:
        pieces.append(cur)
    return pieces


# ---------------------------------------------------------------- tables


def column_names(table: Table) -> dict[str, str]:
    """Shortest unambiguous name of each column: '一般公共预算基本支出/合计' → '合计' unless '合计' repeats."""
    paths = list(dict.fromkeys(table.columns + [c.column for r in table.rows for c in r.cells]))
    names: dict[str, str] = {}
    for path in paths:
        parts = path.split("/")
        for n in range(1, len(parts) + 1):
            cand = "/".join(parts[-n:])
            clash = [p for p in paths if p != path and (p == cand or p.endswith("/" + cand))]
            if not clash:
                names[path] = cand
                break
        else:
            names[path] = path
    return names


def row_head(row: Row) -> str:
    """'30211 差旅费'; rows of two-sided tables are not prefixed (their side is in the column names)."""
    return f"{row.code} {row.label}".strip() if row.code else row.label


def render_row(row: Row, table: Table, names: dict[str, str]) -> str:
    """One row as text: '30211 差旅费: 合计 1.60; 公用经费 1.60' (blank cells omitted)."""
    if row.attrs.get("kind") == "indicator":
        return _render_indicator(row, table)
    head = row_head(row)
    extra = [f"{k}：{v}" for k, v in row.attrs.items() if _shown_attr(k, v) and v != row.label]
    if extra:
        head += f"（{'；'.join(extra)}）"
    values = [f"{names.get(c.column, c.column)} {c.value}" for c in row.cells if c.value is not None]
    return f"{head}: {'; '.join(values) if values else BLANK_ROW}"


def _shown_attr(key: str, value: str) -> bool:
    return bool(value) and key not in _HIDDEN_ATTRS and not key.startswith("_") and "." not in key


def _render_indicator(row: Row, table: Table) -> str:
    """'产出指标 / 数量指标 / 外出参加会展及推介会任务: 指标值 >=4 次; 上年完成值 6 次; …'."""
    levels = [row.attrs.get(k, "") for k in ("一级指标", "二级指标", "三级指标")]
    head = " / ".join(x for x in levels if x) or row.label
    cells = {c.column: c.value for c in row.cells}
    values = []
    for col in table.columns:
        v = row.attrs.get(col) or cells.get(col)  # the printed text ('>=4 次') rather than the bare number
        if v:
            values.append(f"{col} {v}")
    return f"{head}: {'; '.join(values) if values else BLANK_ROW}"


def _row_groups(rows: list[Row], render: Callable[[Row], str]) -> Iterator[list[tuple[Row, str]]]:
    """Groups of at most ROWS_PER_CHUNK rows and ~MAX_CHARS, preferring to start a group at a 类 row.

    A 类 (level-1) row starts a new group only when the current one already holds its own 款/项
    rows, so a table of bare 类 lines (表1's expenditure side) is not cut into tiny pieces.
    """
    group: list[tuple[Row, str]] = []
    size = 0
    for row in rows:
        text = render(row)
        full = len(group) >= ROWS_PER_CHUNK or size + len(text) > MAX_CHARS
        at_class = row.level == 1 and len(group) >= ROWS_PER_CHUNK // 2 and any(r.level > 1 for r, _ in group)
        if group and (full or at_class):
            yield group
            group, size = [], 0
        group.append((row, text))
        size += len(text) + 1
    if group:
        yield group


def _row_runs(table: Table) -> Iterable[tuple[str, list[Row]]]:
    """Rows split by side (two-sided tables) and by kind (performance tables), keeping source order."""
    runs: dict[tuple[str, str], list[Row]] = {}
    for row in table.rows:
        runs.setdefault((row.side, row.attrs.get("kind", "")), []).append(row)
    for (side, _kind), rows in runs.items():
        yield side, rows


def _table_chunks(doc: Document, table: Table, sections: dict[str, Section]) -> list[Chunk]:
    sec = sections.get(table.section)
    label = table.label
    unit = f"（单位：{table.unit}）" if table.unit and not table.is_performance else ""
    prefix = _prefix(doc, table.part, [*heading_chain(sec, sections), label + unit])
    names = column_names(table)
    columns = list(dict.fromkeys(names.get(c, c) for c in table.columns))
    if table.is_performance:  # performance tables: the indicator levels are columns too
        columns = ["一级指标", "二级指标", "三级指标", *columns]
    header = f"栏目：{'；'.join(columns)}" if columns else ""
    out: list[Chunk] = []

    def add(body: str, line: int, locator: str, rows: list[Row]) -> None:
        meta = _base_meta(doc, table.part, table.section, table.id, "table")
        meta.update({
            "locator": locator, "line": line or table.line, "quote": body, "table": table.number,
            "table_label": label, "rows": "\n".join(row_head(r) for r in rows),
        })
        text = "\n".join(x for x in (prefix, header, body) if x)
        out.append(Chunk(id=f"{doc.id}:{table.id}:{len(out) + 1}", doc_id=doc.id, text=text, metadata=meta))

    # performance tables: the stated goals (年度绩效目标 / 项目总体目标) are narrative worth retrieving
    about = [f"{k}：{v}" for k, v in table.meta.items() if _shown_attr(k, v) and k != "year"]
    for piece in _pack(about):
        add(piece, table.line, label, [])
    if not table.rows:
        note = table.note or "本表无数据"
        add(f"（空表）{note}", table.line, label, [])
    for side, rows in _row_runs(table):
        for group in _row_groups(rows, lambda r: render_row(r, table, names)):
            heads = [row_head(r) for r, _ in group]
            span = heads[0] if len(heads) == 1 else f"{heads[0]} … {heads[-1]}"
            where = f"{label} / {side} / {span}" if side else f"{label} / {span}"
            body = "\n".join(text for _, text in group)
            line = min((r.line for r, _ in group if r.line), default=table.line)
            add(body, line, where, [r for r, _ in group])
    return out


def _pack(lines: list[str]) -> list[str]:
    """Join short lines into pieces under MAX_CHARS; overlong lines are split at sentence ends."""
    pieces: list[str] = []
    for line in lines:
        for part in split_long(line):
            if pieces and len(pieces[-1]) + 1 + len(part) <= MAX_CHARS:
                pieces[-1] += "\n" + part
            else:
                pieces.append(part)
    return pieces
