"""Read a disclosure file: decode strictly, find the title, department, year and date."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import IngestError

TITLE_RE = re.compile(r"^(?P<year>(?:19|20)\d{2})\s*年\s*(?:度)?\s*部门预算(?:公开)?\s*$")
DATE_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


@dataclass
class SourceText:
    path: str
    lines: list[str]  # without line endings; index 0 is line 1
    sha256: str
    department: str
    year: str
    date: str | None
    title_line: int


def decode(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise IngestError(
            str(path),
            line,
            f"not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start})",
            f"convert it first, e.g. 'iconv -f GB18030 -t UTF-8 {path.name} > {path.stem}.utf8.txt'",
        ) from None
    return text.lstrip("\ufeff"), digest


def read_source(path: Path) -> SourceText:
    text, digest = decode(path)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise IngestError(str(path), line, "binary file (a NUL byte), not a text disclosure",
                          "give the .txt text of the disclosure")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title_line = department = year = None
    nonempty_seen = 0
    first_line = last_line = 1
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        nonempty_seen += 1
        if nonempty_seen == 1:
            first_line = i + 1
        last_line = i + 1
        m = TITLE_RE.match(s)
        if m:
            title_line, year = i + 1, m.group("year")
            department = _department_before(lines, i)
            break
        if nonempty_seen > 12:
            break
    if not title_line or not department:
        raise IngestError(
            str(path),
            first_line,
            "does not look like a departmental budget disclosure: expected the department name and a title "
            f"line such as '2024 年部门预算公开' within the first lines (searched lines {first_line}–{last_line})",
            "give only 部门预算公开 text files (one disclosure per file)",
        )
    return SourceText(str(path), lines, digest, department, year, _find_date(lines), title_line)


def _department_before(lines: list[str], idx: int) -> str | None:
    for j in range(idx - 1, -1, -1):
        s = lines[j].strip()
        if s:
            return re.sub(r"\s+", "", s)
    return None


def _find_date(lines: list[str]) -> str | None:
    """A publication date printed near the top or the signature at the end, as ISO yyyy-mm-dd."""
    window = [ln for ln in lines[:15]] + [ln for ln in lines[-8:]]
    for line in window:
        m = DATE_RE.search(line)
        if m:
            y, mo, d = m.groups()
            return f"{y}-{int(mo):02d}-{int(d):02d}"
    return None
