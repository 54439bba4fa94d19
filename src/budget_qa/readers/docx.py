"""Read a .docx document: its paragraphs and tables in body order, as text lines and grids."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

from ..errors import IngestError
from .base import Grid, RawDocument, TextLine

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: an encrypted .docx, or an old .doc
_RESAVE = "open it in Word or WPS and save it again as .docx"
# where a paragraph's runs sit: directly, or inside links, insertions, smart tags, fields, controls
_RUNS = "./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r | ./w:fldSimple/w:r | ./w:sdt/w:sdtContent/w:r"
_CHINESE = "〇一二三四五六七八九"


def read_docx(path: Path) -> RawDocument:
    path = Path(path)
    data = path.read_bytes()
    _check(path, data)
    try:
        document = docx.Document(str(path))
    except Exception as err:  # zip, XML and python-docx errors alike mean a damaged file
        raise IngestError(str(path), None, f"is damaged or not a Word document ({type(err).__name__}: {err})"[:200],
                          _RESAVE) from None
    doc = RawDocument(str(path), hashlib.sha256(data).hexdigest(), "docx", files=[str(path)])
    numbers = _Numbering(document)
    line = 0
    for el in _body_items(document.element.body):
        if el.tag == qn("w:p"):
            label = numbers.label(el)
            text = _para_text(el)
            for part in ((label + text) if text.strip() else "").split("\n"):
                if part.strip():
                    line += 1
                    # typed indentation ("　　") is layout, not text, so it goes with the trailing space
                    doc.blocks.append(TextLine(part.strip(), line))
            continue
        rows = _table_rows(el)
        if rows and max(len(r) for r in rows) == 1:
            # a one-column table is a frame around text, not a table
            for r in rows:
                line += 1
                doc.blocks.append(TextLine(r[0], line))
        elif rows:
            doc.blocks.append(Grid(rows, line + 1, row_lines=list(range(line + 1, line + 1 + len(rows)))))
            line += len(rows)
    if not doc.blocks:
        raise IngestError(str(path), None, "has no text — the document body is empty",
                          "check it is the right file (a scanned page needs OCR first)")
    return doc


def _check(path: Path, data: bytes) -> None:
    if data[:8] == OLE_MAGIC:
        if "WordDocument".encode("utf-16-le") in data:
            raise IngestError(str(path), None, "is an old Word .doc file, not .docx", _RESAVE)
        raise IngestError(str(path), None, "is password-protected",
                          "save an unprotected copy (File › Info › Protect Document › remove the password) "
                          "and ingest that")
    if not data:
        raise IngestError(str(path), None, "is empty (0 bytes)", "download or export the document again")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise IngestError(str(path), None, "is damaged or not a Word document (not a .docx zip package)",
                          _RESAVE) from None
    if "xl/workbook.xml" in names:
        raise IngestError(str(path), None, "is an Excel workbook, not a Word document", "give it an .xlsx name")
    if "word/document.xml" not in names:
        raise IngestError(str(path), None, "is damaged or not a Word document (no word/document.xml inside)",
                          _RESAVE)


def _body_items(parent):
    """w:p and w:tbl in body order, looking inside content controls and custom XML wrappers."""
    for child in parent.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag == qn("w:sdt"):
            for content in child.iterchildren(qn("w:sdtContent")):
                yield from _body_items(content)
        elif child.tag == qn("w:customXml"):
            yield from _body_items(child)


def _para_text(p) -> str:
    return "".join(r.text for r in p.xpath(_RUNS))


def _clean(text: str) -> str:
    # a cell's paragraphs join without a space between Chinese text
    out = ""
    for part in (s.strip() for s in text.split("\n")):
        if part:
            out += ("" if not out or (not out[-1].isascii() and not part[0].isascii()) else " ") + part
    return out


def _table_rows(tbl) -> list[list[str]]:
    """The table as a rectangle: a merged cell's text at its top-left position, "" elsewhere."""
    rows: list[list[str]] = []
    for tr in tbl.tr_lst:
        row = [""] * tr.grid_before  # rows may start after the first grid column
        for tc in tr.tc_lst:
            text = ""
            if tc.vMerge != "continue":  # a vertically spanned-over position stays ""
                text = _clean("\n".join(_para_text(p) for p in tc.iter(qn("w:p"))))
            row.extend([text] + [""] * (tc.grid_span - 1))
        rows.append(row)
    rows = [r for r in rows if any(r)]  # empty rows carry nothing
    width = max((max(i for i, v in enumerate(r) if v) + 1 for r in rows), default=0)
    return [(r + [""] * width)[:width] for r in rows]


class _Numbering:
    """Labels Word draws for automatically numbered paragraphs ("一、", "（二）", "1.")."""

    FORMATS = {"decimal": str, "upperLetter": lambda n: _letters(n), "lowerLetter": lambda n: _letters(n).lower(),
               "upperRoman": lambda n: _roman(n), "lowerRoman": lambda n: _roman(n).lower(),
               "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 0 < n <= 20 else str(n),
               "decimalEnclosedCircleChinese": lambda n: chr(0x2460 + n - 1) if 0 < n <= 20 else str(n)}

    def __init__(self, document) -> None:
        self.counters: dict[str, list[int | None]] = {}
        self.levels: dict[tuple[str, int], tuple[str, str, int, str]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        try:
            numbering = document.part.part_related_by(RT.NUMBERING).element
        except (KeyError, AttributeError):
            return  # no numbering part: no automatic numbers
        abstract = {a.get(qn("w:abstractNumId")): a for a in numbering.iterchildren(qn("w:abstractNum"))}
        for num in numbering.iterchildren(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            definition = abstract.get(ref.get(qn("w:val")) if ref is not None else None)
            if definition is None:
                continue
            for lvl in definition.iterchildren(qn("w:lvl")):
                ilvl = _level(lvl.get(qn("w:ilvl")))
                self.levels[(num.get(qn("w:numId")), ilvl)] = (
                    _val(lvl, "w:numFmt", "decimal"), _val(lvl, "w:lvlText", ""),
                    _int(_val(lvl, "w:start", "1"), 1), _val(lvl, "w:suff", "tab"))
        for style in document.styles.element.iterchildren(qn("w:style")):
            num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            if num_pr is not None and num_pr.find(qn("w:numId")) is not None:
                self.style_num[style.get(qn("w:styleId"))] = (
                    _val(num_pr, "w:numId", "0"), _level(_val(num_pr, "w:ilvl", "0")))

    def label(self, p) -> str:
        num_pr = p.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        num_id, ilvl = self.style_num.get(style.get(qn("w:val")) if style is not None else "", ("0", 0))
        if num_pr is not None:
            num_id = _val(num_pr, "w:numId", num_id)
            ilvl = _level(_val(num_pr, "w:ilvl", str(ilvl)))
        if (num_id, ilvl) not in self.levels or not _para_text(p).strip():
            return ""  # Word skips numbering on an empty paragraph too
        counts = self.counters.setdefault(num_id, [None] * 9)
        fmt, text, start, suff = self.levels[(num_id, ilvl)]
        counts[ilvl] = start if counts[ilvl] is None else counts[ilvl] + 1
        counts[ilvl + 1:] = [None] * (8 - ilvl)  # a new item restarts the levels below it
        if fmt in ("bullet", "none") and "%" not in text:
            return ""  # bullets are decoration, not part of the heading text
        for k in range(9):
            if f"%{k + 1}" in text:
                level = self.levels.get((num_id, k), ("decimal", "", 1, ""))
                n = counts[k] if counts[k] is not None else level[2]
                text = text.replace(f"%{k + 1}", _format(n, level[0]))
        return text + ("" if suff == "nothing" or not text else " ")


def _val(el, tag: str, default: str) -> str:
    child = el.find(qn(tag))
    value = child.get(qn("w:val")) if child is not None else None
    return default if value is None else value


def _int(value: str | None, default: int) -> int:
    # a malformed number in the numbering XML costs that label, never the document
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _level(value: str | None) -> int:
    return max(0, min(_int(value, 0), 8))  # Word has levels 0–8


def _format(n: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideograph", "japanese", "taiwanese")):
        return _chinese(n)
    return _Numbering.FORMATS.get(fmt, str)(n)


def _chinese(n: int) -> str:
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    return (_CHINESE[tens] if tens > 1 else "") + ("十" if tens else "") + (_CHINESE[ones] if ones else "")


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                       (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out
