"""Build citations from facts and retrieved chunks; resolve part/section for each."""

from __future__ import annotations

import re

from ..model import Citation, Fact

_PART = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_section_locator(loc: str) -> tuple[int, str, str]:
    """'第三部分 / 十二、其他… / （二）政府采购情况' → (3, '十二', '(二)')."""
    parts = [p.strip() for p in loc.split(" / ")]
    part = 0
    m = re.match(r"第([一二三四])部分", parts[0]) if parts else None
    if m:
        part = _PART[m.group(1)]
    elif parts:
        parts = ["", *parts]  # no part in this layout: the first level is a section
    section = sub = ""
    if len(parts) > 1:
        m = re.match(r"([一二三四五六七八九十]+)、", parts[1])
        section = m.group(1) if m else ""
    if len(parts) > 2:
        m = re.match(r"[（(]([一二三四五六七八九十]+)[)）]", parts[2])
        sub = f"({m.group(1)})" if m else ""
    return part, section, sub


class CitationList:
    """Numbered citations for one answer; the same source is cited once."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._by_key: dict[tuple, int] = {}

    def fact(self, f: Fact) -> int:
        key = ("fact", f.document, f.table_id, f.row_label, f.column, f.line, f.section)
        if f.kind == "narrative":
            key = ("sentence", f.document, f.section, f.quote)  # one sentence, one citation
        if key in self._by_key:
            return self._by_key[key]
        if f.kind == "narrative":
            part, section, _ = parse_section_locator(f.section)
            c = Citation(id=len(self.items) + 1, document=f.document, locator=f.locator, quote=f.quote,
                         row=f.row_label, column=f.column, part=part, section=section, line=f.line, page=f.page)
        else:
            c = Citation(id=len(self.items) + 1, document=f.document, locator=f.locator, quote=f.quote,
                         table=f.table_no, row=f.row_label, column=f.column.rsplit("/", 1)[-1],
                         part=3 if f.table_kind in ("performance_dept", "performance_project") else 2, line=f.line,
                         page=f.page)
        return self._add(key, c)

    def passage(self, document: str, locator: str, quote: str, line: int, table: str = "") -> int:
        key = ("passage", document, locator, quote[:80])
        if key in self._by_key:
            return self._by_key[key]
        part, section, _ = parse_section_locator(locator)
        c = Citation(id=len(self.items) + 1, document=document, locator=locator, quote=quote, table=table,
                     part=part, section=section, line=line)
        return self._add(key, c)

    def _add(self, key: tuple, c: Citation) -> int:
        self.items.append(c)
        self._by_key[key] = c.id
        return c.id
