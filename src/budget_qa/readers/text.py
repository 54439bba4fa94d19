"""Read a text disclosure: lines as printed, tab-separated rows as table grids."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..errors import IngestError
from .base import Grid, RawDocument, TextLine

# Encodings Chinese government text files come in, tried in order after UTF-8. GB18030 is a
# superset of GBK and GB2312; a file that decodes as neither is reported, not guessed at.
_FALLBACK_ENCODINGS = ("gb18030",)
_FORM_FEED = "\f"


def decode_text(path: Path, raw: bytes) -> str:
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise IngestError(str(path), raw[:nul].count(b"\n") + 1, "binary file (a NUL byte), not a text disclosure",
                          "give the disclosure as published (PDF, .xlsx/.xls, .docx) or as text")
    try:
        return raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as err:
        first_error = err
    lenient = raw.decode("utf-8", errors="replace")
    if lenient.count("\ufffd") * 100 < len(lenient) and re.search(r"[\u4e00-\u9fff]", lenient):
        # UTF-8 text with a few broken bytes: say where, rather than guess another encoding
        line = raw[: first_error.start].count(b"\n") + 1
        raise IngestError(str(path), line, f"not valid UTF-8 text (byte 0x{raw[first_error.start]:02x} at offset "
                          f"{first_error.start})", "the file is damaged there; download it again or fix that line")
    for enc in _FALLBACK_ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if _mostly_readable(text):
            return text
    line = raw[: first_error.start].count(b"\n") + 1
    raise IngestError(
        str(path), line,
        f"not readable as UTF-8 or GB18030 text (byte 0x{raw[first_error.start]:02x} at offset {first_error.start})",
        "give the disclosure as published (PDF, .xlsx/.xls, .docx) or as UTF-8 text",
    )


def _mostly_readable(text: str) -> bool:
    """A wrong legacy decoding yields rare symbols and private-use characters, not CJK text."""
    sample = text[:20000]
    if not sample:
        return True
    cjk = len(re.findall(r"[\u4e00-\u9fff]", sample))
    odd = len(re.findall(r"[\ue000-\uf8ff\ufffd]", sample))
    return cjk > 0 and odd < max(1, len(sample) // 200)


def read_text(path: Path, raw: bytes | None = None) -> RawDocument:
    raw = path.read_bytes() if raw is None else raw
    text = decode_text(path, raw)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    doc = RawDocument(path=str(path), sha256=hashlib.sha256(raw).hexdigest(), format="text", files=[str(path)])
    grid: Grid | None = None
    page = 1 if _FORM_FEED in text else 0
    for i, line in enumerate(lines, 1):
        if _FORM_FEED in line:
            page += line.count(_FORM_FEED)
            line = line.replace(_FORM_FEED, "")
        if "\t" in line:
            cells = [c.strip() for c in line.split("\t")]
            if grid is None:
                grid = Grid(rows=[], line=i, page=page)
                doc.blocks.append(grid)
            grid.rows.append(cells)
            grid.row_lines.append(i)
            if page:
                grid.row_pages.append(page)
            continue
        s = line.rstrip()
        if not s.strip():
            continue  # an empty line does not end a table: printed tables have them between rows
        grid = None
        doc.blocks.append(TextLine(text=s.strip(), line=i, page=page))
    doc.pages = page
    return doc
