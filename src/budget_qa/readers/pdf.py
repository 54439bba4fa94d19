"""PDF reader: ruled tables become Grids, the text around them becomes one TextLine per paragraph."""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.utils import cluster_objects, extract_words

from budget_qa.errors import IngestError
from budget_qa.readers.base import Block, Grid, RawDocument, TextLine
from budget_qa.textnorm import squeeze_cjk

TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
MARGIN = 0.12  # share of the page height at the top and bottom where running headers and footers sit
SEGMENT_GAP = 2.0  # a gap wider than this many characters splits a printed row ("编制部门：…    单位：万元")
RIGHT_SLACK = 3.0  # a wrapped line ends within this many characters of the text block's right edge
PARA_GAP = 2.0  # a vertical gap of more than this many line heights ends a paragraph

# The start of a heading or list item: such a line begins a new TextLine even after a full line.
HEADING = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百\d]+[)）]|\d+[.．、](?!\d)|\d+[)）]"
    r"|第[一二三四五六七八九十百\d]+[部分章节条篇]|表\s*\d|附[件表录]|注[:：]|图\s*\d)"
)
PAGE_NUMBER = re.compile(
    r"^(?:[-—–－_·•~\s]*\d+[-—–－_·•~\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页|\d+\s*/\s*\d+|page\s*\d+(?:\s*of\s*\d+)?)$",
    re.IGNORECASE,
)
NUMERIC = set("0123456789,.")
CONTINUED = re.compile(r"^[（(]?续表?\s*\d*[）)]?$")  # "续表", "（续）" above a table's continuation


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    whole: bool  # False for one of several segments of a printed row: never part of a paragraph

    @property
    def size(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[tuple[float, float, list[list[str]]]] = field(default_factory=list)  # (top, bottom, rows)
    chars: int = 0


def _key(text: str) -> str:
    return "".join(text.split())


def _latin(ch: str) -> bool:
    return ch.isascii() and not ch.isspace()


def _join(a: str, b: str) -> str:
    """Rejoin text broken over lines: Latin words were broken at a space; Chinese and numbers anywhere
    (a narrow cell wraps "12,345.\n67")."""
    if not a or not b:
        return a or b
    number = a[-1] in NUMERIC and b[0] in NUMERIC
    return a + (" " if _latin(a[-1]) and _latin(b[0]) and not number else "") + b


def _clean(text: str) -> str:
    return squeeze_cjk(re.sub(r"\s+", " ", text))


def _cell(text: str | None) -> str:
    out = ""
    for part in (text or "").split("\n"):
        out = _join(out, part.strip())
    return _clean(out)


def _inside(obj: dict, box: tuple[float, float, float, float]) -> bool:
    # the same test pdfplumber uses to give a character to a table cell: its midpoint
    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return box[0] <= x < box[2] and box[1] <= y < box[3]


def _level(char: dict) -> bool:
    """Is the character on a left-to-right horizontal baseline? Diagonal watermarks, stamps and
    sideways margin notes are not narrative (a skew matrix, synthetic italics, still is)."""
    a, b = char["matrix"][:2]
    return a > 0 and abs(b) <= 0.05 * a


def _lines(chars: list[dict]) -> list[_Line]:
    """Printed rows of words, top to bottom, split at wide gaps into segments."""
    out: list[_Line] = []
    words = extract_words(chars)
    for row in cluster_objects(words, "top", 3):
        row.sort(key=lambda w: w["x0"])
        segments = [[row[0]]]
        for w in row[1:]:
            prev = segments[-1][-1]
            size = max(prev["bottom"] - prev["top"], w["bottom"] - w["top"])
            if w["x0"] - prev["x1"] > SEGMENT_GAP * size:
                segments.append([w])
            else:
                segments[-1].append(w)
        top = min(w["top"] for w in row)  # one top for the row: its segments stay left to right
        for seg in segments:
            text = _clean(" ".join(w["text"] for w in seg))
            if text:
                out.append(_Line(text, seg[0]["x0"], seg[-1]["x1"], top, max(w["bottom"] for w in seg),
                                 len(segments) == 1))
    return out


def _read_page(page: pdfplumber.page.Page) -> _Page:
    out = _Page(page.page_number, float(page.width), float(page.height), chars=len(page.chars))
    boxes = []
    for table in page.find_tables(TABLE_SETTINGS):  # found once per page: the costliest step
        # (pdfplumber already leaves out single-cell tables: a box ruled around a paragraph)
        boxes.append(table.bbox)
        rows = [row for row in ([_cell(c) for c in r] for r in table.extract()) if any(row)]
        if rows:
            out.tables.append((table.bbox[1], table.bbox[3], rows))
    chars = [c for c in page.chars if _level(c) and not any(_inside(c, b) for b in boxes)]
    out.lines = _lines(chars)
    return out


def _drop_margins(pages: list[_Page]) -> list[str]:
    """Remove page numbers and running headers/footers: margin lines repeated on most pages.
    Returns the running headers' text (often the department and the year: metadata of last resort)."""
    def in_margin(page: _Page, ln: _Line) -> str:
        # a line with a table between it and the edge of the page is not in the margin
        if ln.top < MARGIN * page.height and not any(top < ln.top for top, _, _ in page.tables):
            return "top"
        if ln.bottom > (1 - MARGIN) * page.height and not any(b > ln.bottom for _, b, _ in page.tables):
            return "bottom"
        return ""

    def key(ln: _Line) -> str:
        # page numbers inside a header change from page to page; numbered headings ("表 1") must not
        return _key(ln.text) if HEADING.match(ln.text) else re.sub(r"\d+", "#", _key(ln.text))

    seen: Counter[tuple[str, str]] = Counter()
    for page in pages:
        seen.update({(zone, key(ln)) for ln in page.lines if (zone := in_margin(page, ln))})
    need = max(2, len(pages) / 2)
    running = list(dict.fromkeys(ln.text for page in pages for ln in page.lines
                                 if in_margin(page, ln) == "top" and seen["top", key(ln)] >= need
                                 and not PAGE_NUMBER.match(ln.text)))
    for page in pages:
        page.lines = [
            ln for ln in page.lines
            if not ((zone := in_margin(page, ln)) and (PAGE_NUMBER.match(ln.text) or seen[zone, key(ln)] >= need))
        ]
    return running


def _edges(pages: list[_Page]) -> dict[int, tuple[float, float]]:
    """Left and right edge of the text block, per page width (portrait and landscape differ)."""
    edges: dict[int, tuple[float, float]] = {}
    for page in pages:
        for ln in page.lines:
            if ln.whole:
                left, right = edges.get(round(page.width), (ln.x0, ln.x1))
                edges[round(page.width)] = (min(left, ln.x0), max(right, ln.x1))
    # Where no line is full (a page of short lines), the longest line is not the edge: assume the
    # right margin about as wide as the left one.
    return {w: (left, max(right, w - left)) for w, (left, right) in edges.items()}


def _continues(prev: tuple[_Line, _Page], cur: _Line, page: _Page, edges) -> bool:
    """Does ``cur`` carry on the paragraph whose last printed line is ``prev``?"""
    last, last_page = prev
    if not (last.whole and cur.whole) or HEADING.match(cur.text):
        return False
    right = edges[round(last_page.width)][1]
    left = edges[round(page.width)][0]
    if last.x1 < right - RIGHT_SLACK * last.size or cur.x0 > left + 0.8 * cur.size:
        return False  # the line ended short, or the next one is indented: a new paragraph
    if last_page is page:
        return last.top < cur.top and cur.top - last.bottom <= PARA_GAP * last.size
    return True  # across a page break: the last line of one page, the first of the next


# A table's own title ('项目支出绩效目标表', '表 3 部门支出总表'): printed again above a grid, it starts a
# new table of the same shape (one per project), not a continuation.
TABLE_TITLE = re.compile(r"^(?:(?:附)?表\s*[0-9一二三四五六七八九十]+\b.*|.{2,50}表)$")


def _preamble(blocks: list[Block]) -> set[str]:
    """The text lines printed just above the last block, a grid ("表 2", "编制部门：…", "单位：万元")."""
    keys = set()
    for b in reversed(blocks[-5:-1]):
        if not isinstance(b, TextLine):
            break
        keys.add(_key(b.text))
    return keys


def _assemble(pages: list[_Page]) -> list[Block]:
    edges = _edges(pages)
    blocks: list[Block] = []
    tail: tuple[_Line, _Page] | None = None  # last printed line of the last block, if it is text
    for page in pages:
        items = sorted([(ln.top, 0, ln) for ln in page.lines] + [(t, 1, rows) for t, _, rows in page.tables],
                       key=lambda it: (it[0], it[1]))
        lead = next((i for i, it in enumerate(items) if it[1] == 1), len(items))
        last = blocks[-1] if blocks else None
        if lead and isinstance(last, Grid) and lead < len(items) and len(items[lead][2][0]) == len(last.rows[0]):
            above = _preamble(blocks)
            new_head = any(TABLE_TITLE.match(it[2].text.strip()) for it in items[:lead])
            if not new_head and all(_key(it[2].text) in above or CONTINUED.match(it[2].text) for it in items[:lead]):
                items = items[lead:]  # "编制部门：…", "单位：万元" or "续表" repeated above a continued table
        for i, (_, kind, obj) in enumerate(items):
            last = blocks[-1] if blocks else None
            if kind == 1:
                if i == 0 and isinstance(last, Grid) and len(obj[0]) == len(last.rows[0]):
                    _continue_grid(last, obj, page.number)
                else:
                    blocks.append(Grid(rows=obj, line=0, page=page.number, row_pages=[page.number] * len(obj)))
                tail = None
            elif isinstance(last, TextLine) and tail and _continues(tail, obj, page, edges):
                last.text = _join(last.text, obj.text)
                tail = (obj, page)
            else:
                blocks.append(TextLine(obj.text, 0, page.number))
                tail = (obj, page)
    return blocks


def _continue_grid(grid: Grid, rows: list[list[str]], page: int) -> None:
    """Append a table's continuation; drop the header rows repeated at its top."""
    head = 0
    while head < min(len(rows), len(grid.rows)) and list(map(_key, rows[head])) == list(map(_key, grid.rows[head])):
        head += 1
    if rows[head:]:
        grid.breaks.append(len(grid.rows))
        grid.rows.extend(rows[head:])
        grid.row_pages.extend([page] * (len(rows) - head))


def _number(blocks: list[Block]) -> None:
    n = 1
    for b in blocks:
        if isinstance(b, Grid):
            b.row_lines = list(range(n, n + len(b.rows)))
            b.line = n
            n += len(b.rows)
        else:
            b.line = n
            n += 1


def read_pdf(path: Path) -> RawDocument:
    """Read a PDF with a text layer; raise IngestError for scans, locked and damaged files."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise IngestError(name, None, f"cannot be read ({err.strerror})", "check the path and permissions") from err

    def damaged(why: str) -> IngestError:
        return IngestError(name, None, f"is damaged or not a PDF ({why})", "download it again")

    if b"%PDF-" not in data[:1024]:
        raise damaged("no %PDF header")
    if b"%%EOF" not in data[-4096:]:
        raise damaged("the file ends early: no %%EOF marker")  # a cut-off download reads partly, silently
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = []
            for page in pdf.pages:
                pages.append(_read_page(page))
                page.close()  # drop the page's cached layout as soon as it is read
    except Exception as err:  # pdfminer raises many kinds; all mean the same to the user
        cause = err.args[0] if err.args and isinstance(err.args[0], Exception) else err
        if isinstance(cause, PDFEncryptionError):
            raise IngestError(name, None, "is password-protected",
                              "save an unprotected copy (print to PDF) and ingest that") from err
        raise damaged(f"{type(cause).__name__}: {str(cause)[:200]}".rstrip(": ")) from err
    if not pages:
        raise damaged("no pages")
    if not any(p.chars for p in pages):
        raise IngestError(name, None, "has no text layer — it is a scanned image",
                          "run OCR first, e.g. 'ocrmypdf -l chi_sim in.pdf out.pdf', then ingest the OCR'd file")
    running = _drop_margins(pages)
    blocks = _assemble(pages)
    _number(blocks)
    return RawDocument(path=name, sha256=hashlib.sha256(data).hexdigest(), format="pdf", blocks=blocks,
                       files=[name], pages=len(pages), running_headers=running)
