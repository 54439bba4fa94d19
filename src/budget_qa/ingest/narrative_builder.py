"""The narrative of a disclosure: parts (第一部分 …), numbered sections (一、/（一）/1、), paragraphs,
the glossary (名词解释) as one section per term; the cover, table of contents and signature skipped."""

from __future__ import annotations

import re

from ..model import Document, Paragraph, Section
from ..textnorm import squeeze_cjk
from .meta import DocumentMeta

PART_RE = re.compile(r"^第([一二三四五六七八九十])部分\s*(.*)$")
H1_RE = re.compile(r"^([一二三四五六七八九十]{1,3})[、.．]\s*(.+)$")
H2_RE = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[)）]\s*(.+)$")
H3_RE = re.compile(r"^(\d{1,2})[、.．]\s*(.+)$")
_DATE_ONLY = re.compile(r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_TOC_TAIL = re.compile(r"[.．…·\s]*\d{1,3}$")
NUMERALS = "一二三四五六七八九十"
_SENTENCE_END = ("。", "；", "！", "？", "：", ":", "”")
_GLOSSARY = ("名词解释", "术语解释", "名词说明")


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


def _is_heading(text: str) -> bool:
    return len(text) <= 60 and not text.endswith(("。", "；", ";")) and "。" not in text


class NarrativeBuilder:
    """Fed line by line (tables are handled elsewhere); keeps the current part and section."""

    def __init__(self, doc: Document, meta: DocumentMeta) -> None:
        self.doc, self.meta = doc, meta
        self.part = 0
        self.stack: dict[int, Section] = {}
        self.para: Paragraph | None = None
        self.in_toc = False
        self.toc: list[str] = []
        self._toc_lines: list[tuple[str, int, int, bool]] = []  # (raw, line, page, looks listed)
        self.started = False  # past the cover (title lines)
        self.glossary = False

    def position(self) -> tuple[int, str]:
        sec = self.stack.get(2) or self.stack.get(1)
        return self.part, (sec.id if sec else "")

    # -- sections and paragraphs -----------------------------------------------------------
    def _add_section(self, level: int, numeral: str, title: str, line: int) -> None:
        parent = self.stack.get(level - 1)
        if level == 1:
            sid = f"P{self.part}-S{numeral_value(numeral) if numeral else 0}"
        elif parent is not None:
            sid = f"{parent.id}.{numeral_value(numeral)}"
        else:
            sid = f"P{self.part}-x{line}"
        if self.doc.section(sid):
            sid = f"{sid}-L{line}"
        sec = Section(id=sid, part=self.part, numeral=numeral, title=title, level=level, line=line,
                      parent=parent.id if parent else "")
        self.doc.sections.append(sec)
        self.stack[level] = sec
        for deeper in [k for k in self.stack if k > level]:
            del self.stack[deeper]
        self.para = None

    def _add_paragraph(self, text: str, line: int, page: int) -> None:
        sec = self.stack.get(3) or self.stack.get(2) or self.stack.get(1)
        if sec is None:
            self._add_section(1, "", self.doc.parts.get(self.part, "前言"), line)
            sec = self.stack[1]
        p = self.para
        if p is not None and p in sec.paragraphs and not p.text.endswith(_SENTENCE_END) and len(p.text) > 40:
            p.text += text  # a sentence broken by a page break
            return
        self.para = Paragraph(id=f"{sec.id}-p{len(sec.paragraphs) + 1}", text=text, line=line, page=page)
        sec.paragraphs.append(self.para)

    # -- lines ---------------------------------------------------------------------------
    def line(self, raw: str, lineno: int, page: int = 0) -> None:
        s = raw.strip()
        if not s:
            return
        text = squeeze_cjk(s.lstrip("-•· ").strip())
        folded = re.sub(r"\s+", "", text)
        if not self.started:
            if lineno <= self.meta.title_line or folded in (re.sub(r"\s+", "", self.meta.department),):
                return  # the cover: department name and title
            self.started = True
        if folded in ("目录", "目次"):
            self.in_toc = True
            return
        if self.in_toc:
            entry = _TOC_TAIL.sub("", folded)
            listed = s.startswith(("-", "•", "·")) or bool(re.search(r"[.．…·]{3,}\s*\d{1,3}$", s))
            if _is_heading(text) and entry and entry not in self.toc:
                self.toc.append(entry)
                self._toc_lines.append((raw, lineno, page, listed))
                return
            self.in_toc = False
            if entry not in self.toc:
                # the body began without repeating the first entry: the lines after the last one that
                # looked like a TOC entry (a bullet, dot leaders and a page number) are the body's
                last = max((k for k, t in enumerate(self._toc_lines) if t[3]), default=len(self._toc_lines) - 1)
                for r, n, pg, _ in self._toc_lines[last + 1:]:
                    self.line(r, n, pg)
        m = PART_RE.match(text)
        if m:
            self.part = NUMERALS.index(m.group(1)) + 1
            self.doc.parts[self.part] = squeeze_cjk(m.group(2))
            self.stack.clear()
            self.para = None
            self.glossary = any(w in m.group(2) for w in _GLOSSARY)
            return
        if folded == re.sub(r"\s+", "", self.doc.department) or _DATE_ONLY.match(folded):
            return  # the closing signature (department and date)
        h1, h2, h3 = H1_RE.match(text), H2_RE.match(text), H3_RE.match(text)
        if self.glossary and (h1 or h3 or h2) and re.search(r"[:：]", text):
            # glossary: '一、**财政拨款**:指…' → a section per term, the definition as its paragraph
            h = h1 or h2 or h3
            assert h is not None
            term = re.split(r"[:：]", h.group(2), maxsplit=1)[0].replace("*", "").strip()
            level = 1 if self.part and not self._glossary_section() else 2
            self._add_section(level, h.group(1), term, lineno)
            self._add_paragraph(text.replace("**", ""), lineno, page)
            return
        if h1 and _is_heading(text):
            self._add_section(1, h1.group(1), squeeze_cjk(h1.group(2)), lineno)
            self.glossary = self.glossary and bool(self.part) or any(w in text for w in _GLOSSARY)
            return
        if h2 and _is_heading(text) and self.stack.get(1):
            self._add_section(2, h2.group(1), squeeze_cjk(h2.group(2)), lineno)
            return
        if h3 and self.stack.get(2) and "（项）" in text[:80]:
            # '1、一般公共服务支出（类）…（项）：2024年预算数为…' — an item: its own sub-section
            head = re.split(r"[：:]", h3.group(2), maxsplit=1)[0][:60]
            self._add_section(3, h3.group(1), head, lineno)
            self._add_paragraph(text, lineno, page)
            return
        self._add_paragraph(text, lineno, page)

    def _glossary_section(self) -> bool:
        """The glossary is a section ('五、名词解释') rather than a part: its terms go under it."""
        sec = self.stack.get(1)
        return bool(sec and any(w in sec.title for w in _GLOSSARY))
