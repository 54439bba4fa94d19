"""Readers: one module per file format, each a file in and a RawDocument out (see ``base``).

``read_file`` picks the reader by the file's first bytes (a PDF named .txt is still a PDF) and
then by its suffix; ``group_files`` decides which files of a folder form one disclosure.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import IngestError
from .base import Block, Grid, RawDocument, TextLine

__all__ = ["Block", "Grid", "RawDocument", "TextLine", "read_file", "read_files", "group_files", "SUFFIXES"]

SUFFIXES = (".txt", ".text", ".pdf", ".xlsx", ".xlsm", ".xls", ".docx")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls/.doc, and every password-protected Office file


def read_file(path: Path) -> RawDocument:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as err:
        raise IngestError(str(path), None, f"cannot be read ({err.strerror or err})",
                          "check the file's permissions, or remove it from the folder") from None
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF") or suffix == ".pdf":
        from .pdf import read_pdf

        return read_pdf(path)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        from .excel import read_excel

        return read_excel(path)
    if suffix == ".docx":
        from .docx import read_docx

        return read_docx(path)
    if suffix == ".doc" or (head.startswith(_OLE) and suffix not in (".xls",)):
        raise IngestError(str(path), None, "is a legacy Word .doc (or another binary Office file)",
                          "save it as .docx or PDF and ingest that")
    from .text import read_text

    return read_text(path)


def read_files(paths: list[Path]) -> RawDocument:
    """Several files of one disclosure (e.g. narrative .docx/.pdf + tables .xlsx) as one RawDocument:
    narrative files first, then table workbooks, each in name order."""
    if len(paths) == 1:
        return read_file(paths[0])
    ordered = sorted(paths, key=lambda p: (p.suffix.lower() in (".xlsx", ".xlsm", ".xls"), p.name))
    parts = [read_file(p) for p in ordered]
    out = RawDocument(path=str(ordered[0]), sha256="", format="+".join(p.format for p in parts))
    digest = hashlib.sha256()
    offset = 0
    for part in parts:
        digest.update(bytes.fromhex(part.sha256))
        out.files += part.files
        out.warnings += part.warnings
        for b in part.blocks:
            _shift(b, offset, out.pages)
            out.blocks.append(b)
        offset = max([offset, *(_last_line(b) for b in part.blocks)])
        out.pages += part.pages
    out.sha256 = digest.hexdigest()
    return out


def _last_line(b: Block) -> int:
    return max(b.row_lines, default=b.line) if isinstance(b, Grid) else b.line


def _shift(b: Block, lines: int, pages: int) -> None:
    """Line numbers of a later file continue after the earlier ones, so ids and citations stay unique."""
    b.line += lines
    if isinstance(b, Grid):
        b.row_lines = [n + lines for n in b.row_lines]
        if pages:
            b.row_pages = [p + pages if p else p for p in b.row_pages]
    if pages and b.page:
        b.page += pages


def group_files(files: list[Path], roots: list[Path] | None = None) -> list[list[Path]]:
    """Files of one disclosure: the same name stem in one folder (foo.docx + foo.xlsx), or one
    narrative file plus table workbooks in a folder of their own (a sub-folder of an input folder,
    holding nothing else). Everything else is one file each."""
    roots = [Path(r).resolve() for r in roots or []]
    by_dir: dict[Path, list[Path]] = {}
    for f in files:
        by_dir.setdefault(f.parent, []).append(f)
    groups: list[list[Path]] = []
    for folder, members in by_dir.items():
        workbooks = [f for f in members if f.suffix.lower() in (".xlsx", ".xlsm", ".xls")]
        narrative = [f for f in members if f not in workbooks]
        if workbooks and len(narrative) == 1 and folder.resolve() not in roots:
            groups.append(sorted(members))
            continue
        by_stem: dict[str, list[Path]] = {}
        for f in sorted(members):
            by_stem.setdefault(_stem_key(f), []).append(f)
        groups += list(by_stem.values())
    return groups


def _stem_key(f: Path) -> str:
    stem = f.stem
    for tail in ("-表格", "_表格", "-tables", "_tables", "-说明", "_说明", "-narrative", "_narrative"):
        if stem.endswith(tail):
            return stem[: -len(tail)]
    return stem
