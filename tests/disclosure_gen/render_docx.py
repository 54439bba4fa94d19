"""Word rendering (python-docx): headings, paragraphs and tables with merged header cells.

With ``with_tables=False`` it writes only the narrative, the companion of a table workbook
that shares its name stem. Wide tables get a landscape section of their own.
"""

from __future__ import annotations

from pathlib import Path

from .printed import Document, Heading, Para, Table

WIDE = 8  # tables with more columns than this get a landscape section


def _set_east_asian_font(document, name: str = "宋体") -> None:
    from docx.oxml.ns import qn

    style = document.styles["Normal"]
    style.font.name = name
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _orient(document, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT, WD_SECTION

    section = document.add_section(WD_SECTION.NEW_PAGE)
    long, short = max(section.page_width, section.page_height), min(section.page_width, section.page_height)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


def _table(document, table: Table) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    for line in table.pre_lines:
        p = document.add_paragraph(line)
        if line == table.title:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.runs[0].bold = True
    rows = [list(r) for r in table.header] + [[c.text for c in row] for row in table.body]
    if rows:
        t = document.add_table(rows=len(rows), cols=table.width)
        t.style = "Table Grid"
        cells = [r.cells for r in t.rows]
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if text:
                    cell = cells[r][c]
                    cell.text = text
                    run = cell.paragraphs[0].runs[0]
                    run.font.size = Pt(7.5 if table.width > WIDE else 9)
                    if r >= len(table.header) and table.body[r - len(table.header)][c].value is not None:
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for r0, c0, r1, c1 in table.merges:
            text = rows[r0][c0]
            merged = cells[r0][c0].merge(cells[r1][c1])
            if text:
                merged.paragraphs[0].runs[0].text = text
                for extra in merged.paragraphs[1:]:
                    extra._element.getparent().remove(extra._element)
    for line in table.post_lines:
        document.add_paragraph(line)


def render_docx(doc: Document, path: Path, with_tables: bool = True) -> Path:
    """Write ``doc`` (or only its narrative) as a Word document."""
    import docx

    document = docx.Document()
    _set_east_asian_font(document)
    landscape = False
    for block in doc.blocks:
        if isinstance(block, Heading):
            if landscape:
                _orient(document, landscape := False)
            document.add_heading(block.text, level=min(block.level, 3))
        elif isinstance(block, Para):
            if landscape:
                _orient(document, landscape := False)
            document.add_paragraph(block.text)
        elif isinstance(block, Table) and with_tables:
            wide = block.width > WIDE
            if wide != landscape:
                _orient(document, landscape := wide)
            _table(document, block)
    document.save(str(path))
    return path
