"""The golden file: every printed figure with its table, row, column and code.

It is built from the printed document (the blocks the renderers draw), never by reading a
rendered file back. Planted errors are found by printing the same disclosure without them and
comparing the two documents cell by cell and figure by figure.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from .layouts import lay_out
from .model import Disclosure
from .printed import Cell, Document, Para, Table


def _amount(v: Decimal, unit: str) -> str:
    return f"{v:.2f}" if unit in ("万元", "元", "%") else str(v)


def _cell(c: Cell) -> dict[str, str]:
    return {"row": c.row, "printed_row": c.printed_row, "code": c.code, "side": c.side,
            "column": c.column, "value": f"{c.value:.2f}", "printed": c.text}


def table_entry(t: Table) -> dict:
    entry = {"kind": t.kind, "number": t.number, "title": t.title, "unit": t.unit, "sheet": t.sheet,
             "header_rows": len(t.header),
             "cells": [_cell(c) for row in t.body for c in row if c.value is not None]}
    if t.kind.startswith("performance"):
        entry["cells"] = []
        entry["indicators"] = t.indicators
    return entry


def narrative_entries(doc: Document) -> list[dict[str, str]]:
    out = []
    for block in doc.narrative():
        if isinstance(block, Para):
            for s in block.sentences:
                out += [{"sentence": s.text, "value": _amount(f.value, f.unit), "unit": f.unit, "printed": f.printed}
                        for f in s.figures]
    return out


def planted(model: Disclosure, doc: Document) -> list[dict]:
    """Describe each planted error by the printed cells (or figure) it changed."""
    if not model.plants:
        return []
    clean = lay_out(replace(model, plants=[]), doc.layout)
    changed: dict[str, list[dict]] = {}
    for t, ct in zip(doc.tables(), clean.tables(), strict=True):
        for row, crow in zip(t.body, ct.body, strict=True):
            for c, cc in zip(row, crow, strict=True):
                if c.value is not None and c.value != cc.value:
                    changed.setdefault(t.kind, []).append({**_cell(c), "table_number": t.number,
                                                           "expected": f"{cc.value:.2f}", "expected_printed": cc.text})
    for got, want in zip(narrative_entries(doc), narrative_entries(clean), strict=True):
        if got["value"] != want["value"]:
            changed.setdefault("narrative", []).append({**got, "expected": want["value"],
                                                        "expected_printed": want["printed"]})
    return [{"rule": p.rule, "table": p.table, "delta_wan": f"{p.delta:.2f}", "description": p.note,
             "cells": changed.get(p.table, [])} for p in model.plants]


def golden(model: Disclosure, doc: Document, fmt: str, files: list[str], tables: bool = True,
           narrative: bool = True) -> dict:
    """The golden dict for ``doc`` rendered as ``fmt`` into ``files``."""
    return {
        "layout": doc.layout, "format": fmt, "files": files, "seed": model.seed,
        "department": model.department, "year": model.year, "doc_kind": model.doc_kind,
        "unit": "万元", "units_printed": doc.units_printed, "units": model.units,
        "tables": [table_entry(t) for t in doc.tables()] if tables else [],
        "narrative": narrative_entries(doc) if narrative else [],
        "planted": planted(model, doc),
    }
