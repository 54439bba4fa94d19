"""Every numeric cell of 表1–表11 and of the performance tables matches the hand-made golden file."""

from __future__ import annotations

import csv
from pathlib import Path

from budget_qa.textnorm import fold

GOLDEN = Path(__file__).parent / "golden" / "urumqi_2024_cells.tsv"


def _key(table: str, code: str, label: str, column: str) -> tuple:
    return (fold(table), code, fold(label), fold(column))


def golden_cells() -> dict[tuple, tuple]:
    with GOLDEN.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {_key(r["table"], r["row_code"], r["row_label"], r["column"]): (r["value"], r["op"], r["unit"]) for r in rows}


def parsed_cells(doc) -> dict[tuple, tuple]:
    out = {}
    for t in doc.tables:
        table = t.number if t.number.startswith("表") else (t.title if t.id == "P0" else f"{t.title}:{t.subject}")
        for row in t.rows:
            for c in row.cells:
                if c.value is None:
                    continue
                indicator = row.attrs.get("kind") == "indicator"
                op = row.attrs.get(f"{c.column}.op", "")
                unit = row.attrs.get(f"{c.column}.unit", "") if indicator else ("万元" if row.attrs.get("kind") == "money" else "")
                out[_key(table, row.code, row.label, c.column)] = (c.value, op, unit)
    return out


def test_every_numeric_cell_round_trips(corpus_doc):
    gold = golden_cells()
    got = parsed_cells(corpus_doc)
    missing = {k: v for k, v in gold.items() if k not in got}
    wrong = {k: (v, got[k]) for k, v in gold.items() if k in got and got[k] != v}
    extra = {k: v for k, v in got.items() if k not in gold}
    assert not missing, f"cells in the document the parser lost: {list(missing.items())[:10]}"
    assert not wrong, f"cells parsed with the wrong value: {list(wrong.items())[:10]}"
    assert not extra, f"cells the parser invented: {list(extra.items())[:10]}"
    assert len(gold) > 300
