"""A printed disclosure: blocks of headings, paragraphs and tables, as a layout lays them out.

Renderers only draw these blocks; the golden file is read from them too, so what is printed
and what is recorded as printed cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

#: Leading numbering stripped from a printed row label to give its golden ``row``.
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|\d+[.、．]\s*|[（(][一二三四五六七八九十\d]+[）)]|其中[：:])\s*")


def strip_label(text: str) -> str:
    """``"  1. 一般公共预算拨款"`` → ``"一般公共预算拨款"``; ``"其中：事业收入"`` → ``"事业收入"``."""
    label = text.strip()
    while True:
        stripped = _NUMBERING.sub("", label, count=1).strip()
        if stripped == label:
            return label
        label = stripped


@dataclass
class Figure:
    """A figure stated in a sentence."""

    value: Decimal
    unit: str
    printed: str


@dataclass
class Sentence:
    text: str
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Para:
    sentences: list[Sentence]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.sentences)


@dataclass
class Cell:
    """One printed body cell; numeric cells carry their golden description."""

    text: str
    value: Decimal | None = None    # in the unit printed for the table
    row: str = ""
    printed_row: str = ""
    code: str = ""
    side: str = ""
    key: tuple[str, str, str] | None = None       # (table kind, row key, column key)
    parts: tuple[tuple[int, int], ...] = ()       # body cells this one is the sum of
    column: str = ""                              # filled in by :func:`finish_table`


@dataclass
class Leaf:
    """A header leaf: a printed label and the logical column it holds (None for label columns)."""

    label: str
    key: str | None = None


@dataclass
class Group:
    label: str
    children: list[Leaf | Group]


@dataclass
class Table:
    kind: str
    number: str
    title: str
    unit: str
    sheet: str
    pre_lines: list[str]
    header: list[list[str]]
    merges: list[tuple[int, int, int, int]]     # (first row, first col, last row, last col)
    columns: list[str]                          # golden column path of each column
    body: list[list[Cell]]
    post_lines: list[str] = field(default_factory=list)
    indicators: list[dict[str, str]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.columns)


@dataclass
class Document:
    layout: str
    department: str
    year: str
    doc_kind: str
    units_printed: str
    running_header: str
    blocks: list[Heading | Para | Table] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def narrative(self) -> list[Heading | Para]:
        return [b for b in self.blocks if not isinstance(b, Table)]


def _leaves(node: Leaf | Group) -> list[Leaf]:
    return [node] if isinstance(node, Leaf) else [x for c in node.children for x in _leaves(c)]


def _depth(node: Leaf | Group) -> int:
    return 1 if isinstance(node, Leaf) else 1 + max(_depth(c) for c in node.children)


def header_grid(tree: list[Leaf | Group]) -> tuple[list[list[str]], list[tuple[int, int, int, int]], list[str], list[Leaf]]:
    """Lay out a header tree: the grid (text in the first spanned cell), merges, column paths, leaves."""
    depth = max(_depth(n) for n in tree)
    leaves = [x for n in tree for x in _leaves(n)]
    grid = [[""] * len(leaves) for _ in range(depth)]
    merges: list[tuple[int, int, int, int]] = []
    paths: list[str] = []

    def place(node: Leaf | Group, row: int, col: int, path: list[str]) -> int:
        grid[row][col] = node.label
        if isinstance(node, Leaf):
            if row < depth - 1:
                merges.append((row, col, depth - 1, col))
            paths.append("/".join([*path, node.label]))
            return col + 1
        end = col
        for child in node.children:
            end = place(child, row + 1, end, [*path, node.label])
        if end - col > 1:
            merges.append((row, col, row, end - 1))
        return end

    col = 0
    for node in tree:
        col = place(node, 0, col, [])
    return grid, merges, paths, leaves


def finish_table(table: Table) -> Table:
    """Copy each column's golden path onto its numeric cells."""
    for row in table.body:
        for c, cell in enumerate(row):
            if cell.value is not None:
                cell.column = table.columns[c]
    return table
