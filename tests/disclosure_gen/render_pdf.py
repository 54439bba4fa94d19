"""PDF rendering (reportlab) with a real text layer, and deliberately bad PDFs for tests.

Narrative on A4 portrait pages, each table on a new page (landscape when it is too wide for
portrait); ruled tables with spans for merged header cells and the header repeated on every
page a table continues on; a running header (department and year) and a "— N —" footer on
every page. Paragraphs wrap and split across pages. Bad PDFs: ``scan`` (drawn shapes only,
no text layer), ``encrypted`` (a user password) and ``damaged`` (a valid PDF cut in half).
"""

from __future__ import annotations

from pathlib import Path

from .printed import Document, Heading, Table

FONT = "WQY"
FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
MARGIN = 42
WIDE = 7  # tables with more columns than this go on landscape pages


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        if not FONT_PATH.exists():
            raise FileNotFoundError(f"{FONT_PATH} is missing: install fonts-wqy-microhei")
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))


def _styles() -> dict:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=17, firstLineIndent=21, spaceAfter=4,
                          wordWrap="CJK")
    return {
        "body": base,
        "h0": ParagraphStyle("h0", base, fontSize=20, leading=30, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=14),
        "h1": ParagraphStyle("h1", base, fontSize=15, leading=24, firstLineIndent=0, spaceBefore=8, spaceAfter=8),
        "h2": ParagraphStyle("h2", base, fontSize=12.5, leading=20, firstLineIndent=0, spaceBefore=4),
        "h3": ParagraphStyle("h3", base, fontSize=11, leading=18, firstLineIndent=0),
        "caption": ParagraphStyle("caption", base, fontSize=13, leading=20, alignment=TA_CENTER, firstLineIndent=0),
        "unit": ParagraphStyle("unit", base, fontSize=9, leading=14, firstLineIndent=0),
        "cell": ParagraphStyle("cell", base, fontSize=7.5, leading=9.5, firstLineIndent=0, spaceAfter=0),
        "head": ParagraphStyle("head", base, fontSize=7.5, leading=9.5, firstLineIndent=0, spaceAfter=0,
                               alignment=TA_CENTER),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _col_widths(table: Table, available: float, size: float) -> list[float]:
    """Natural widths from the body text (headers wrap), scaled to fit ``available``."""
    widths = [size * 3.0] * table.width
    for row in table.header:
        for c, text in enumerate(row):
            if text and text != "※" and not text.isdigit() and (c, c) not in _hspans(table):
                widths[c] = max(widths[c], min(len(text), 4) * size + 8)
    for row in table.body:
        for c, cell in enumerate(row[: table.width]):
            per_char = size * (0.58 if cell.value is not None else 1.0)
            widths[c] = max(widths[c], min(len(cell.text.strip()) * per_char + 8, size * 18))
    total = sum(widths)
    return [w * available / total for w in widths] if total > available else widths


def _hspans(table: Table) -> set[tuple[int, int]]:
    """Columns whose header text belongs to a horizontal span (does not size the column)."""
    return {(c, c) for _, c0, _, c1 in table.merges if c1 > c0 for c in range(c0, c1 + 1)}


def _flowable_table(table: Table, st: dict, available: float, row_height: float | None = None):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph
    from reportlab.platypus import Table as RLTable

    widths = _col_widths(table, available, st["cell"].fontSize)
    data = [[Paragraph(_esc(t), st["head"]) if t else "" for t in row] for row in table.header]
    for row in table.body:
        data.append([Paragraph(_esc(c.text), st["cell"]) if c.value is None and len(c.text) * 7.6 > widths[i] - 6
                     else c.text for i, c in enumerate(row)])
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONT", (0, 0), (-1, -1), FONT, 7.5),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    for r, row in enumerate(table.body, len(table.header)):
        for c, cell in enumerate(row):
            if cell.value is not None:
                commands.append(("ALIGN", (c, r), (c, r), "RIGHT"))
    commands += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in table.merges]
    heights = [None] * len(table.header) + [row_height] * len(table.body) if row_height else None
    return RLTable(data, colWidths=widths, rowHeights=heights, repeatRows=len(table.header), style=commands,
                   hAlign="CENTER")


def _orientation(table: Table, sizes: dict) -> str:
    natural = sum(_col_widths(table, 10**6, 7.5))
    wide = table.width > WIDE or natural > sizes["portrait"][0] - 2 * MARGIN
    return "landscape" if wide else "portrait"


def _captions(table: Table, st: dict) -> list:
    from reportlab.platypus import Paragraph, Spacer

    return [*(Paragraph(_esc(line), st["caption"] if line == table.title else st["unit"]) for line in table.pre_lines),
            Spacer(1, 4)]


def _long_table(doc: Document, st: dict, sizes: dict) -> tuple[int, float] | None:
    """If no table would run over a page, the longest one and a body row height that makes it."""
    tables = doc.tables()
    if not tables:
        return None
    for t in tables:
        w, h = sizes[_orientation(t, sizes)]
        w -= 2 * MARGIN
        used = sum(f.wrap(w, 10**6)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in _captions(t, st))
        if used + _flowable_table(t, st, w).wrap(w, 10**6)[1] > h - 2 * MARGIN:
            return None
    i = max(range(len(tables)), key=lambda k: len(tables[k].body))
    frame_h = sizes[_orientation(tables[i], sizes)][1] - 2 * MARGIN
    return i, max(15.0, 1.15 * frame_h / max(1, len(tables[i].body)))


def _story(doc: Document, st: dict, sizes: dict[str, tuple[float, float]]) -> list:
    from reportlab.platypus import NextPageTemplate, PageBreak, Paragraph

    story: list = []
    current, after_table = "portrait", False
    stretch = _long_table(doc, st, sizes)
    n = -1
    for block in doc.blocks:
        if isinstance(block, Table):
            n += 1
            want = _orientation(block, sizes)
            if story:
                story += [NextPageTemplate(want), PageBreak()]
            current, after_table = want, True
            row_height = stretch[1] if stretch and stretch[0] == n else None
            story += [*_captions(block, st), _flowable_table(block, st, sizes[current][0] - 2 * MARGIN, row_height)]
            story += [Paragraph(_esc(line), st["body"]) for line in block.post_lines]
        else:
            if after_table:
                story += [NextPageTemplate("portrait"), PageBreak()]
                current, after_table = "portrait", False
            style = st[f"h{min(block.level, 3)}"] if isinstance(block, Heading) else st["body"]
            story.append(Paragraph(_esc(block.text), style))
    return story


def _document(path: Path, doc: Document, encrypt=None):
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    sizes = {"portrait": A4, "landscape": landscape(A4)}

    def decorate(canvas, _template) -> None:
        w, h = canvas._pagesize
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.drawCentredString(w / 2, h - MARGIN + 14, doc.running_header)
        canvas.line(MARGIN, h - MARGIN + 10, w - MARGIN, h - MARGIN + 10)
        canvas.setFont(FONT, 10)
        canvas.drawCentredString(w / 2, MARGIN - 26, f"— {canvas.getPageNumber()} —")
        canvas.restoreState()

    templates = [PageTemplate(id=name, pagesize=size, onPage=decorate,
                              frames=[Frame(MARGIN, MARGIN, size[0] - 2 * MARGIN, size[1] - 2 * MARGIN, id=name)])
                 for name, size in sizes.items()]
    template = BaseDocTemplate(str(path), pagesize=A4, pageTemplates=templates, title=doc.running_header,
                               author=doc.department, encrypt=encrypt)
    return template, sizes


def render_pdf(doc: Document, path: Path, encrypt=None) -> Path:
    """Write ``doc`` as a PDF with a text layer."""
    _register()
    template, sizes = _document(path, doc, encrypt)
    template.build(_story(doc, _styles(), sizes))
    return path


def render_scan(doc: Document, path: Path, pages: int = 3) -> Path:
    """A PDF that looks like a scan: ruled boxes and grey bars where text would be, no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    w, h = A4
    for page in range(pages):
        c.setFillGray(0.97)
        c.rect(0, 0, w, h, stroke=0, fill=1)
        c.setFillGray(0.35)
        y = h - 90
        for i in range(18 + page * 3 % 5):
            c.rect(MARGIN + (21 if i % 6 == 0 else 0), y, (w - 2 * MARGIN) * (0.55 + (i * 37 % 40) / 100), 6,
                   stroke=0, fill=1)
            y -= 16
        for r in range(12):
            c.line(MARGIN, y - r * 14, w - MARGIN, y - r * 14)
        for k in range(6):
            c.line(MARGIN + k * (w - 2 * MARGIN) / 5, y, MARGIN + k * (w - 2 * MARGIN) / 5, y - 11 * 14)
        c.showPage()
    c.save()
    return path


def render_bad_pdf(doc: Document, path: Path, kind: str, password: str = "budget") -> Path:
    """``scan``, ``encrypted`` (user password ``password``) or ``damaged`` (truncated to half)."""
    if kind == "scan":
        return render_scan(doc, path)
    if kind == "encrypted":
        from reportlab.lib.pdfencrypt import StandardEncryption

        return render_pdf(doc, path, StandardEncryption(password, ownerPassword=password + "-owner", canPrint=1))
    if kind == "damaged":
        render_pdf(doc, path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return path
    raise ValueError(f"unknown bad PDF kind {kind!r}: scan, encrypted or damaged")
