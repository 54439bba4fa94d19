"""A generator of consistent, varied 部门预算公开 test disclosures with golden figures.

One seed gives one abstract disclosure (:mod:`.model`); a layout prints it (:mod:`.layouts`);
a renderer writes the printed document as text, PDF, xlsx/xls or docx; the golden file
``<stem>.golden.json`` lists every printed figure. This package never imports the project's
parser: it is an independent source of truth for it.

    from tests.disclosure_gen import generate
    path = generate(tmp_path, "provincial", "pdf", seed=3)
"""

from __future__ import annotations

import json
from pathlib import Path

from .golden import golden
from .layouts import LAYOUTS, lay_out
from .model import Disclosure, build_disclosure

#: Formats: one file, a narrative + workbook pair ("split"), or a bad PDF.
FORMATS = ("txt", "pdf", "xlsx", "xls", "docx", "split", "split-txt", "pdf-scan", "pdf-encrypted", "pdf-damaged")
#: The formats written by default (a whole set of layouts × these).
DEFAULT_FORMATS = ("txt", "pdf", "xlsx")
PDF_PASSWORD = "budget"

__all__ = ["DEFAULT_FORMATS", "FORMATS", "LAYOUTS", "PDF_PASSWORD", "Disclosure", "build_disclosure",
           "generate", "generate_set", "golden_path", "lay_out"]


def golden_path(path: Path | str) -> Path:
    """The golden file beside a generated file: ``foo.pdf`` → ``foo.golden.json``."""
    path = Path(path)
    return path.with_name(path.stem + ".golden.json")


def _write(doc, fmt: str, stem: Path, several_per_sheet: bool) -> tuple[list[Path], bool, bool]:
    """Render ``doc``; return the files written and whether tables / narrative are in them."""
    from .render_docx import render_docx
    from .render_pdf import render_bad_pdf, render_pdf
    from .render_text import render_text
    from .render_xlsx import render_xls, render_xlsx

    ext = {"txt": ".txt", "xlsx": ".xlsx", "xls": ".xls", "docx": ".docx"}
    if fmt in ext:
        path = stem.with_suffix(ext[fmt])
        if fmt == "txt":
            return [render_text(doc, path)], True, True
        if fmt == "docx":
            return [render_docx(doc, path)], True, True
        if fmt == "xlsx":
            return [render_xlsx(doc, path, several_per_sheet)], True, False
        return [render_xls(doc, path)], True, False
    if fmt in ("split", "split-txt"):
        book = render_xlsx(doc, stem.with_suffix(".xlsx"), several_per_sheet)
        prose = (render_docx(doc, stem.with_suffix(".docx"), with_tables=False) if fmt == "split"
                 else render_text(doc, stem.with_suffix(".txt"), with_tables=False))
        return [book, prose], True, True
    if fmt == "pdf":
        return [render_pdf(doc, stem.with_suffix(".pdf"))], True, True
    if fmt.startswith("pdf-"):
        kind = fmt[4:]
        path = render_bad_pdf(doc, stem.with_suffix(".pdf"), kind, PDF_PASSWORD)
        return [path], kind == "encrypted", kind == "encrypted"
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def generate(out_dir: Path | str, layout: str = "urumqi", fmt: str = "txt", seed: int = 0,
             department: str | None = None, year: str | int | None = None, plant_errors: bool = False,
             final: bool = False, several_per_sheet: bool = False, stem: str | None = None) -> Path:
    """Write one disclosure and its ``<stem>.golden.json`` into ``out_dir``; return the main file.

    The main file is the document itself, or for ``split``/``split-txt`` the table workbook
    (its narrative sibling shares the stem; the golden file's ``files`` lists both). The same
    seed, department, year and ``final`` give the same figures in every layout and format.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = build_disclosure(seed, department, year, final=final, plant_errors=plant_errors)
    doc = lay_out(model, layout)
    name = stem or "-".join(filter(None, (layout, model.year, "final" if final else "", f"s{seed}",
                                          "errors" if plant_errors else "", fmt)))
    files, tables, narrative = _write(doc, fmt, out / name, several_per_sheet)
    data = golden(model, doc, fmt, [f.name for f in files], tables, narrative)
    if fmt == "pdf-encrypted":
        data["password"] = PDF_PASSWORD
    if fmt.startswith("pdf-"):
        data["bad"] = fmt[4:]
    golden_path(files[0]).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return files[0]


def generate_set(out_dir: Path | str, layouts=tuple(LAYOUTS), formats=DEFAULT_FORMATS, seed: int = 0,
                 **options) -> list[Path]:
    """Every layout in every format for one seed; returns the main files."""
    return [generate(out_dir, layout, fmt, seed=seed, **options) for layout in layouts for fmt in formats]
