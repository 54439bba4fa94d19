"""The reader interface: a file in, a RawDocument (text lines and table grids, in reading order) out.

Readers know formats, not layouts. Each one turns a file into the same neutral blocks:

* ``TextLine`` — one printed line of narrative (or a table's title, unit line, note, footer…);
* ``Grid`` — one printed table as rows of cell strings. A merged cell keeps its text in its
  top-left position and ``""`` in the positions it spans (how PDF, Excel and tab-separated
  text all present merged cells), so the layout stage can resolve header spans the same way
  for every format.

Everything that depends on a department's layout (which grid is which table, where its header
ends, which columns hold codes, what the unit is) happens later, in ``budget_qa.ingest``, once
for all formats. Readers drop only what is certainly not content: running headers and footers,
page numbers, empty lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TextLine:
    text: str  # the line as printed, stripped of trailing whitespace
    line: int  # 1-based line number in the source (running line count for PDF / Word)
    page: int = 0  # 1-based page (PDF); 0 when the format has no pages


@dataclass
class Grid:
    rows: list[list[str]]  # cell text as printed ("" for blank or spanned-over cells)
    line: int  # line number of the first row
    page: int = 0  # page of the first row (PDF)
    row_lines: list[int] = field(default_factory=list)  # line number of each row (same length as rows)
    row_pages: list[int] = field(default_factory=list)  # page of each row (PDF); empty otherwise
    sheet: str = ""  # worksheet name (Excel)
    # row indexes where a page break fell *before* that row (PDF continuation, text page breaks):
    # the layout stage uses them to drop repeated headers and rejoin split rows
    breaks: list[int] = field(default_factory=list)


Block = TextLine | Grid


@dataclass
class RawDocument:
    path: str  # the (first) file read
    sha256: str  # of the file's bytes (of all joined files, in order)
    format: str  # "text" | "pdf" | "xlsx" | "xls" | "docx"
    blocks: list[Block] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file joined into this document
    pages: int = 0  # PDF page count (0 for formats without pages)
    warnings: list[str] = field(default_factory=list)
    # problems that did not stop the read (an empty sheet)
    running_headers: list[str] = field(default_factory=list)  # PDF: text repeated at the top of every page
