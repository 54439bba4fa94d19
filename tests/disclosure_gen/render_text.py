"""Plain-text rendering (UTF-8): narrative lines, tables as tab-separated lines.

Merged header cells print their text in the first spanned position and empty cells in the
rest. The provincial layout is paginated with "— N —" footers and a table that runs over a
page prints its header again; the urumqi layout, like the corpus, breaks a long table into
pieces that each repeat the 编制部门/单位 lines and the header, without footers.
"""

from __future__ import annotations

from pathlib import Path

from .printed import Document, Heading, Para, Table

#: Lines per page of the provincial layout; rows per piece of a long urumqi table.
PAGE_LINES = 48
URUMQI_PIECE_ROWS = 26


class _Pager:
    """Collects lines; with ``page_lines`` it inserts a footer every page and repeats headers."""

    def __init__(self, page_lines: int | None):
        self.lines: list[str] = []
        self.page_lines = page_lines
        self.count = 0
        self.page = 1
        self.repeat: list[str] = []

    def add(self, text: str) -> None:
        self.lines.append(text)
        self.count += 1
        if self.page_lines and self.count >= self.page_lines:
            self.lines += ["", f"— {self.page} —", ""]
            self.page += 1
            self.count = 0
            for line in self.repeat:
                self.add(line)

    def finish(self) -> str:
        if self.page_lines and self.count:
            self.lines += ["", f"— {self.page} —"]
        return "\n".join(self.lines) + "\n"


def _row(cells: list[str]) -> str:
    return "\t".join(cells)


def table_lines(table: Table, layout: str) -> tuple[list[str], list[str], list[list[str]]]:
    """Caption lines, header lines and body rows (as cell texts) of a table."""
    captions = [x for line in table.pre_lines for x in (line, "")]
    header = [_row(r) for r in table.header]
    body = [[c.text for c in row] for row in table.body]
    return captions, header, body


def _table(pager: _Pager, table: Table, layout: str) -> None:
    captions, header, body = table_lines(table, layout)
    for line in captions:
        pager.add(line)
    pieces = [body]
    if layout == "urumqi" and len(body) > URUMQI_PIECE_ROWS:
        pieces = [body[i:i + URUMQI_PIECE_ROWS] for i in range(0, len(body), URUMQI_PIECE_ROWS)]
    for k, piece in enumerate(pieces):
        if k:
            pager.add("")
            for line in captions[4:]:
                pager.add(line)
        pager.repeat = header
        for line in header:
            pager.add(line)
        for cells in piece:
            pager.add(_row(cells))
        pager.repeat = []
    pager.add("")
    for line in table.post_lines:
        pager.add(line)
        pager.add("")


def to_text(doc: Document, with_tables: bool = True, with_narrative: bool = True) -> str:
    """The whole document (or only its narrative / tables) as text."""
    pager = _Pager(PAGE_LINES if doc.layout == "provincial" else None)
    pager.add("")
    for block in doc.blocks:
        if isinstance(block, Table):
            if with_tables:
                _table(pager, block, doc.layout)
        elif with_narrative and isinstance(block, (Heading, Para)):
            pager.add(block.text)
            pager.add("")
    return pager.finish()


def render_text(doc: Document, path: Path, with_tables: bool = True) -> Path:
    """Write ``doc`` as UTF-8 text to ``path``."""
    path.write_text(to_text(doc, with_tables=with_tables), encoding="utf-8")
    return path
