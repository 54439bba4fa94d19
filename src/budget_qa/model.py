"""Plain dataclasses for parsed disclosures, facts, chunks and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Cell:
    """One cell of a parsed table. ``value`` is None for a blank cell (no amount printed)."""

    column: str  # column path, levels joined by "/" (e.g. "一般公共预算基本支出/合计")
    value: str | None  # exact text as printed; None when blank
    col_index: int = 0


@dataclass
class Row:
    label: str  # label as printed (page-break fragments joined)
    code: str = ""  # 类/款/项 concatenated, e.g. "2011301"
    side: str = ""  # two-sided tables: "收入" / "支出" (or 表4's headings); "" otherwise
    cells: list[Cell] = field(default_factory=list)
    line: int = 0  # 1-based line in the source file
    level: int = 0  # 0 total, 1 类, 2 款, 3 项 (code tables); 0 otherwise
    attrs: dict[str, str] = field(default_factory=dict)  # extra text columns (项目名称, 一级指标, ...)
    page: int = 0  # page of the source (PDF); 0 when the format has no pages

    def cell(self, column: str) -> Cell | None:
        for c in self.cells:
            if c.column == column:
                return c
        return None


@dataclass
class Table:
    id: str  # stable within a document: "T1".."T11", "P0" (部门整体), "P1".. (项目)
    number: str  # "表6"; for performance tables the kind ("项目支出绩效目标表")
    title: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    unit: str = ""
    note: str = ""  # explanatory sentence of an empty table
    line: int = 0
    part: int = 0
    section: str = ""
    subject: str = ""  # performance tables: the project name
    header_rows: list[list[str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    kind: str = "other"  # canonical kind (budget_qa.ingest.kinds.TableKind), whatever the printed number
    page: int = 0  # first page (PDF)
    sheet: str = ""  # worksheet (Excel)

    @property
    def is_performance(self) -> bool:
        return self.kind in ("performance_dept", "performance_project")

    @property
    def label(self) -> str:
        """Human-readable name: '表6 一般公共预算基本支出情况表' or '项目支出绩效目标表:招商引资专项'."""
        if not self.is_performance:
            return f"{self.number} {self.title}".strip()
        return f"{self.title}:{self.subject}" if self.subject else self.title


@dataclass
class Paragraph:
    id: str
    text: str
    line: int
    page: int = 0


@dataclass
class Section:
    id: str  # e.g. "P3-S10", "P3-S12-s2"
    part: int
    numeral: str  # "十", "(二)", "1"
    title: str
    level: int  # 1 一、 ; 2 (一) ; 3 1、
    line: int
    parent: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return self.title


@dataclass
class Document:
    id: str  # file stem
    path: str
    department: str
    year: str
    date: str | None
    title: str
    parts: dict[int, str] = field(default_factory=dict)  # 1 → "2024年…部门概况"
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sha256: str = ""
    kind: str = "预算"  # 预算 (budget) or 决算 (final accounts)
    format: str = "text"  # the reader that produced it: text | pdf | xlsx | xls | docx (joined: "docx+xlsx")
    files: list[str] = field(default_factory=list)  # every file of the disclosure
    warnings: list[str] = field(default_factory=list)  # what ingest noticed but did not stop for
    glossary: list[dict] = field(default_factory=list)  # English names of its own projects/offices (sidecar)
    toc: list[str] = field(default_factory=list)  # the entries of its own table of contents (目录)

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)

    def tables_of(self, kind: str) -> list[Table]:
        return [t for t in self.tables if t.kind == kind]

    def table_of(self, kind: str) -> Table | None:
        """The (first) table of a canonical kind."""
        return next((t for t in self.tables if t.kind == kind), None)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        tables = []
        for t in d.get("tables", []):
            rows = [Row(**{**r, "cells": [Cell(**c) for c in r["cells"]]}) for r in t["rows"]]
            tables.append(Table(**{**t, "rows": rows}))
        sections = []
        for s in d.get("sections", []):
            sections.append(Section(**{**s, "paragraphs": [Paragraph(**p) for p in s["paragraphs"]]}))
        parts = {int(k): v for k, v in d.get("parts", {}).items()}
        return cls(**{**d, "tables": tables, "sections": sections, "parts": parts})


@dataclass
class Fact:
    """One figure: a numeric table cell, an indicator value or a figure stated in the narrative."""

    doc_id: str
    document: str
    department: str
    year: str
    kind: str  # "cell" | "indicator" | "narrative"
    table_id: str  # "" for narrative facts
    table_no: str
    table_title: str
    section: str  # section locator for narrative facts
    row_label: str
    row_code: str
    column: str
    value: str | None  # exact decimal string as printed; None = blank cell
    unit: str
    op: str = ""  # indicator operator: = >= <= > <
    side: str = ""
    quote: str = ""  # the printed row or sentence
    line: int = 0
    id: int = 0
    order: int = 0  # position of the column in its table (0 = first amount column)
    table_kind: str = ""  # canonical kind of the table ("" for narrative facts)
    page: int = 0  # page of the source (PDF)
    doc_kind: str = "预算"  # 预算 or 决算

    @property
    def locator(self) -> str:
        if self.kind == "narrative":
            return f"{self.section} / {self.row_label} / {self.column}"
        row = f"{self.row_code} {self.row_label}".strip() if self.row_code else self.row_label
        head = self.table_no if self.table_kind not in ("performance_dept", "performance_project") and \
            self.table_no else f"{self.table_title}"
        page = f" (p. {self.page})" if self.page else ""
        return f"{head} / {row} / {self.column}{page}"

    @property
    def display_value(self) -> str:
        if self.value is None:
            return "(blank)"
        return f"{self.op}{self.value}{self.unit if self.unit not in ('万元',) else ' 万元'}"


@dataclass
class Chunk:
    id: str
    doc_id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Citation:
    id: int
    document: str
    locator: str
    quote: str
    table: str = ""
    row: str = ""
    column: str = ""
    part: int = 0
    section: str = ""
    line: int = 0
    page: int = 0  # PDF page of the quoted source; 0 when the format has no pages

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d


@dataclass
class Figure:
    value: str
    unit: str
    citation: int
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "citation": self.citation, "label": self.label}


@dataclass
class Answer:
    question: str
    language: str
    answer: str
    answerable: bool
    route: str
    citations: list[Citation] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    resolved_question: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "language": self.language,
            "answer": self.answer,
            "answerable": self.answerable,
            "route": self.route,
            "citations": [c.to_dict() for c in self.citations],
            "figures": [f.to_dict() for f in self.figures],
            "timings_ms": self.timings_ms,
            "notes": self.notes,
            "resolved_question": self.resolved_question,
        }
