"""Read .xlsx / .xls workbooks into text lines and grids holding each cell's text as Excel prints it."""

from __future__ import annotations

import hashlib
import re
import warnings
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

# openpyxl (.xlsx) and xlrd (.xls) rather than python-calamine: calamine is faster but hands back
# bare values without each cell's number format, so it cannot tell 814.9 printed as "814.90" or
# 1234.56 printed as "1,234.56"; both libraries here give the format string, the merged ranges and
# (openpyxl with data_only=True; xlrd always) a formula's saved result instead of its text.
import openpyxl
import xlrd
from openpyxl.cell.cell import MergedCell

from ..errors import IngestError
from .base import Grid, RawDocument, TextLine

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: .xls, .doc, and any encrypted OOXML
_RESAVE = "open it in Excel or WPS and save it again as .xlsx"
_DEFAULT_SHEET = re.compile(r"^(sheet|工作表)\s*\d*$", re.I)  # names that say nothing about the table
# a formula cell without a <v> result: written by a program that never calculated the workbook
_NO_RESULT = re.compile(rb"<c\b[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v></v>)?\s*</c>")


def read_excel(path: Path) -> RawDocument:
    path = Path(path)
    data = path.read_bytes()
    doc = RawDocument(str(path), hashlib.sha256(data).hexdigest(), "xlsx", files=[str(path)])
    # dispatch on the bytes, not the suffix: .xls files saved under an .xlsx name are common
    if data[:4] == b"PK\x03\x04":
        sheets = _read_xlsx(path, data, doc)
    elif data[:8] == OLE_MAGIC:
        doc.format = "xls"
        sheets = _read_xls(path, data, doc)
    else:
        raise _not_excel(path, data)
    for name, rows, spans in sheets:
        if rows is None:  # hidden sheets are not printed: helper lists, old versions
            doc.warnings.append(f"{path}: sheet '{name}' is hidden — skipped")
            continue
        blocks = _blocks(name, rows, spans)
        if not blocks:
            doc.warnings.append(f"{path}: sheet '{name}' is empty — skipped")
            continue
        if isinstance(blocks[0], Grid) and not _DEFAULT_SHEET.match(name.strip()):
            # no title row above the first table: its sheet name ("表3 部门支出总表") is the title,
            # placed just above the grid, where the layout stage looks for titles
            blocks.insert(0, TextLine(name.strip(), blocks[0].line))
        doc.blocks.extend(blocks)
    if not doc.blocks:
        raise IngestError(str(path), None, "has no data — every sheet of the workbook is empty",
                          "check it is the right file, or export the tables again")
    return doc


Sheet = tuple[str, list[list[str]] | None, dict[tuple[int, int], int]]  # name, cell text (None: hidden), merge widths


def _read_xlsx(path: Path, data: bytes, doc: RawDocument) -> list[Sheet]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "word/document.xml" in names:
                raise IngestError(str(path), None, "is a Word document, not an Excel workbook",
                                  "give it a .docx name")
            blank = sum(len(_NO_RESULT.findall(zf.read(n))) for n in names
                        if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        with warnings.catch_warnings():  # openpyxl warns about extensions it ignores (validation…)
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, data_only=True)
    except IngestError:
        raise
    except Exception as err:  # zipfile, XML and openpyxl errors alike mean a damaged file
        raise IngestError(str(path), None, f"is damaged or not an Excel workbook ({type(err).__name__}: {str(err)[:120]})", _RESAVE) from None
    if blank:
        doc.warnings.append(f"{path}: {blank} formula cell(s) have no saved result and read as blank — "
                            "open the file in Excel or WPS, save it, and ingest it again")
    sheets: list[Sheet] = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            sheets.append((ws.title, None, {}))
            continue
        rows = [[_cell_text(c) for c in row]
                for row in ws.iter_rows(min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column)]
        spans = {(m.min_row - 1, m.min_col - 1): m.max_col - m.min_col + 1 for m in ws.merged_cells.ranges}
        sheets.append((ws.title, rows, spans))
    return sheets


def _cell_text(cell) -> str:
    if isinstance(cell, MergedCell) or cell.value is None:
        return ""
    return _show(cell.value, cell.number_format or "General")


def _read_xls(path: Path, data: bytes, doc: RawDocument) -> list[Sheet]:
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        raise _protected(path)
    if "WordDocument".encode("utf-16-le") in data:
        raise IngestError(str(path), None, "is a Word .doc file, not an Excel workbook", "")
    if not any(s.encode("utf-16-le") in data for s in ("Workbook", "Book")):
        # an OLE file with no workbook inside under an .xlsx name is an encrypted .xlsx
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raise _protected(path)
        raise IngestError(str(path), None, "is damaged or not an Excel workbook (no workbook stream)", _RESAVE)
    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True)
        except xlrd.XLRDError as err:
            if "encrypt" in str(err).lower():
                raise
            # some writers produce formatting records xlrd rejects: values without formats beat nothing
            book = xlrd.open_workbook(file_contents=data)
            doc.warnings.append(f"{path}: cell formats and merged cells could not be read ({err}); "
                                "amounts show unformatted — save the file as .xlsx for exact printing")
    except Exception as err:
        if "encrypt" in str(err).lower():
            raise _protected(path) from None
        raise IngestError(str(path), None, f"is damaged or not an Excel workbook ({type(err).__name__}: {str(err)[:120]})", _RESAVE) from None
    sheets: list[Sheet] = []
    for sh in book.sheets():
        if sh.visibility:
            sheets.append((sh.name, None, {}))
            continue
        rows = [[_xls_text(book, sh, r, c) for c in range(sh.ncols)] for r in range(sh.nrows)]
        spans = {(r0, c0): c1 - c0 for r0, r1, c0, c1 in sh.merged_cells}
        for r0, r1, c0, c1 in sh.merged_cells:  # only the top-left position keeps the text
            for r in range(r0, min(r1, len(rows))):
                for c in range(c0, min(c1, sh.ncols)):
                    if (r, c) != (r0, c0):
                        rows[r][c] = ""
        sheets.append((sh.name, rows, spans))
    return sheets


def _xls_text(book, sh, r: int, c: int) -> str:
    kind, value = sh.cell_type(r, c), sh.cell_value(r, c)
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_BOOLEAN, xlrd.XL_CELL_ERROR):
        return "" if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) else \
            ("TRUE" if value else "FALSE") if kind == xlrd.XL_CELL_BOOLEAN else \
            xlrd.error_text_from_code.get(value, "#ERROR")
    rec = book.format_map.get(book.xf_list[sh.cell_xf_index(r, c)].format_key) if book.formatting_info else None
    if kind == xlrd.XL_CELL_DATE:
        try:
            dt = xlrd.xldate_as_datetime(value, book.datemode)
        except Exception:  # out-of-range serial: show the number rather than fail
            return _general(value)
        value = dt.time() if value < 1 else dt.date() if value == int(value) else dt
    return _show(value, rec.format_str if rec else "General")


def _protected(path: Path) -> IngestError:
    return IngestError(str(path), None, "is password-protected",
                       "save an unprotected copy (File › Info › Protect › remove the password) and ingest that")


def _not_excel(path: Path, data: bytes) -> IngestError:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not data:
        return IngestError(str(path), None, "is empty (0 bytes)", "download or export the workbook again")
    if head.startswith(b"<") and (b"<html" in head or b"<table" in head or b"spreadsheet" in head):
        # reporting systems often export HTML or XML-2003 pages under an .xls name
        return IngestError(str(path), None, "is a web page or XML file saved with an Excel name, not a workbook",
                           _RESAVE)
    return IngestError(str(path), None, "is damaged or not an Excel workbook (neither .xlsx nor .xls content)",
                       _RESAVE)


def _blocks(sheet: str, rows: list[list[str]], spans: dict[tuple[int, int], int]) -> list:
    """Rows with one cell → TextLine; runs of rows with two or more → Grid; blank rows end a grid."""
    filled = [[c for c, v in enumerate(row) if v] for row in rows]
    width = max((f[-1] + 1 for f in filled if f), default=0)

    def lone(i: int) -> bool:  # a one-cell row, but not a title merged across most of the sheet
        return len(filled[i]) == 1 and spans.get((i, filled[i][0]), 1) < max(2, (width + 1) // 2)

    blocks: list = []
    i, n = 0, len(rows)
    while i < n:
        if len(filled[i]) == 1:
            blocks.append(TextLine(rows[i][filled[i][0]], i + 1))
        if len(filled[i]) < 2:
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < n and filled[j]:
            k = j
            while k < n and lone(k):
                k += 1
            if k == j and len(filled[j]) >= 2:
                run.append(j)
                j += 1
            elif k < n and len(filled[k]) >= 2:
                # one-cell rows between table rows are table rows with blank amounts, not text
                run.extend(range(j, k))
                j = k
            else:
                break
        cols = sorted({c for r in run for c in filled[r]})
        lo, hi = cols[0], cols[-1] + 1  # leading and trailing columns empty in every row go
        grid_rows = [(rows[r] + [""] * hi)[lo:hi] for r in run]
        blocks.append(Grid(grid_rows, run[0] + 1, row_lines=[r + 1 for r in run], sheet=sheet))
        i = j
    return blocks


def _show(value, fmt: str) -> str:
    """The text Excel prints for a cell value under number format ``fmt``."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime | date | time | timedelta):
        return _show_date(value, fmt)
    return _show_number(float(value), fmt)


def _clean(text: str) -> str:
    # a line break inside a cell (header "本年\n收入") joins without a space between Chinese text
    out = ""
    for part in (p.strip() for p in text.replace("\r", "\n").split("\n")):
        if part:
            out += ("" if not out or (not out[-1].isascii() and not part[0].isascii()) else " ") + part
    return out


def _general(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))  # 12.0 stored as a float prints as 12
    return f"{v:.15g}".replace("e", "E")  # 15 significant digits, as Excel keeps


def _sections(fmt: str) -> list[str]:
    return re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', fmt)  # the ';' outside quoted text


def _show_number(v: float, fmt: str) -> str:
    secs = _sections(fmt)
    sec, signed = secs[0], True
    if v < 0 and len(secs) > 1:
        sec, signed = secs[1], False  # the negative section prints its own sign or brackets
    elif v == 0 and len(secs) > 2:
        sec = secs[2]
    # literal text, locale tags, padding and fill characters, marked with a NUL so placeholders
    # inside quoted text ("0.00万元") are not taken for digits
    chars: list[str] = []
    for m in re.finditer(r'"([^"]*)"|\\(.)|\[\$([^\]-]*)[^\]]*\]|\[[^\]]*\]|_.|\*.|(.)', sec):
        lit, esc, cur, plain = m.group(1), m.group(2), m.group(3), m.group(4)
        if m.group(0).startswith("_"):
            chars.append("\0 ")
        elif lit is not None or esc is not None or cur is not None:
            chars.extend("\0" + ch for ch in (lit if lit is not None else esc if esc is not None else cur))
        elif plain is not None:
            chars.append(plain)
    body = "".join(ch for ch in chars if len(ch) == 1)
    if "general" in body.lower() or "@" in body or "/" in body:  # fractions print as General too
        return _general(v) if signed or v >= 0 else _general(-v)
    if not re.search(r"[0#?]", body):  # a section of text only: a zero printed as "-"
        return "".join(ch[-1] for ch in chars).strip()
    first = next(i for i, ch in enumerate(chars) if len(ch) == 1 and ch in "0#?")
    start = first - 1 if first and chars[first - 1] == "." else first
    end = start
    while end < len(chars) and len(chars[end]) == 1 and chars[end] in "0#?,.Ee+-":
        end += 1
    pattern = "".join(chars[start:end])
    pre = "".join(ch[-1] for ch in chars[:start])
    post = "".join(ch[-1] for ch in chars[end:])
    x = abs(v) * 100 ** body.count("%")
    if "E" in pattern.upper():
        digits = pattern.upper().split("E")[0]
        dec = len(digits.split(".")[1]) if "." in digits else 0
        num = f"{x:.{dec}E}"
    else:
        int_pat, _, dec_pat = pattern.partition(".")
        scale = len(int_pat) - len(int_pat.rstrip(",")) + len(dec_pat) - len(dec_pat.rstrip(","))
        int_pat, dec_pat = int_pat.rstrip(","), dec_pat.rstrip(",")
        x /= 1000 ** scale
        q = Decimal(f"{x:.15g}").quantize(Decimal(1).scaleb(-len(dec_pat)), rounding=ROUND_HALF_UP)
        whole, _, frac = f"{q:f}".partition(".")
        frac = frac[: len(dec_pat)]
        keep = len(dec_pat.rstrip("#?"))  # '0' places always print, '#' places only when non-zero
        while len(frac) > keep and frac.endswith("0"):
            frac = frac[:-1]
        min_int = int_pat.count("0")
        whole = "" if whole == "0" and min_int == 0 else whole.zfill(min_int)
        if "," in int_pat and whole:
            whole = f"{int(whole):,}".zfill(min_int)
        num = whole + ("." + frac if "." in pattern else "")
        if signed and v < 0 and q == 0:
            signed = False  # -0.001 under 0.00 prints 0.00, not -0.00
    return (("-" if signed and v < 0 else "") + pre + num + post).strip()


_DATE_PART = re.compile(r'"([^"]*)"|\\(.)|\[[^\]]*\]|[_*].|(yyyy|yy|mm?|dd?|hh?|ss?)|(am/pm)', re.I)


def _show_date(v, fmt: str) -> str:
    if isinstance(v, timedelta):  # [h]:mm durations
        secs = int(v.total_seconds())
        return f"{secs // 3600}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    sec = _sections(fmt)[0]
    # US short dates (built-in 'mm-dd-yy') print per the viewer's locale; ISO is unambiguous.
    # Formats that start with the year or hour, or spell dates in Chinese, are followed.
    if not (re.sub(r'"[^"]*"|\[[^\]]*\]', "", sec).lower().startswith(("y", "h")) or re.search("[年月日时分秒]", sec)):
        if isinstance(v, datetime):
            return v.date().isoformat() if v.time() == time() else v.isoformat(sep=" ", timespec="seconds")
        return v.isoformat() if isinstance(v, date) else v.isoformat(timespec="seconds")
    dt = v if isinstance(v, datetime) else datetime.combine(v, time()) if isinstance(v, date) else \
        datetime.combine(date(1900, 1, 1), v)
    twelve = "am/pm" in sec.lower()

    def part(m: re.Match) -> str:
        lit, esc, tok, ampm = m.groups()
        if tok is None:
            return lit if lit is not None else esc if esc is not None else \
                ("AM" if dt.hour < 12 else "PM") if ampm else " " if m.group(0)[0] == "_" else ""
        t = tok[0].lower()
        if t == "m" and (re.search(r"h[^ymdhs]*$", sec[: m.start()], re.I)
                         or re.match(r"[^ymdhs]*s", sec[m.end():], re.I)):
            t = "minute"  # m after an hour or before seconds is minutes
        n = {"y": dt.year, "m": dt.month, "d": dt.day, "h": (dt.hour % 12 or 12) if twelve else dt.hour,
             "minute": dt.minute, "s": dt.second}[t]
        return f"{n % 100:02d}" if tok.lower() == "yy" else f"{n:0{min(len(tok), 2)}d}"

    return _DATE_PART.sub(part, sec).strip()
