"""Parse a disclosure file (or the files of one disclosure) into a Document.

Reading (format) and building (layout) are separate: ``budget_qa.readers`` turns a PDF, a
workbook, a Word file or text into neutral blocks; ``layout.build_document`` makes the same
Document out of them for every layout.
"""

from __future__ import annotations

from pathlib import Path

from ..glossary import sidecar_terms
from ..model import Document
from ..readers import read_file, read_files
from .layout import build_document
from .narrative_builder import numeral_value

__all__ = ["parse_file", "parse_files", "numeral_value"]


def parse_file(path: str | Path) -> Document:
    doc = build_document(read_file(Path(path)))
    doc.glossary = sidecar_terms([path])
    return doc


def parse_files(paths: list[Path]) -> Document:
    """One disclosure published as several files (narrative + table workbook)."""
    if len(paths) == 1:
        return parse_file(paths[0])
    doc = build_document(read_files(paths))
    doc.glossary = sidecar_terms(paths)
    return doc
