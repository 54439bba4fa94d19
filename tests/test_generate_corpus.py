"""The synthetic-corpus generator (benchmarks/generate_corpus.py): parseable, distinct, consistent documents."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from budget_qa.audit import audit
from budget_qa.ingest.parser import parse_file

ROOT = Path(__file__).resolve().parent.parent
TABLE_RULES = ("code-hierarchy", "column-sum", "cross-table", "sum-of-items", "two-sided-balance")


def _load_generator():
    spec = importlib.util.spec_from_file_location("generate_corpus", ROOT / "benchmarks" / "generate_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_corpus", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen():
    return _load_generator()


@pytest.fixture(scope="module")
def generated(gen, tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    return gen.generate_corpus(out, 3, seed=11)


def _amounts(doc) -> dict[tuple, str]:
    # by position: some row labels name the department or a year, which change
    return {(t.number, k, c.column): c.value
            for t in doc.tables if t.number.startswith("表") for k, r in enumerate(t.rows) for c in r.cells if c.value}


def test_generated_documents_parse_with_distinct_departments_and_years(generated, corpus_doc):
    docs = [parse_file(g.path) for g in generated]
    assert [d.department for d in docs] == [g.department for g in generated]
    assert [d.year for d in docs] == [str(g.year) for g in generated]
    assert len({d.department for d in docs}) == 3 and len({d.year for d in docs}) == 3
    assert corpus_doc.department not in {d.department for d in docs}
    for g, d in zip(generated, docs, strict=True):
        assert g.path.name == f"{g.path.name.rsplit('-', 2)[0]}-{g.year}-budget.txt"
        assert [t.number for t in d.tables] == [t.number for t in corpus_doc.tables]
        assert d.department in g.path.read_text(encoding="utf-8").splitlines()[2]


def test_generated_numbers_differ_from_the_original(generated, corpus_doc):
    orig = _amounts(corpus_doc)
    for g in generated:
        new = _amounts(parse_file(g.path))
        assert new.keys() == orig.keys()  # the same non-blank cells: blanks stay blank
        changed = [k for k in orig if orig[k] != new[k] and orig[k] != "0.00"]
        nonzero = [k for k in orig if orig[k] != "0.00"]
        assert len(changed) >= 0.9 * len(nonzero)


def test_generated_documents_pass_the_table_rules(generated):
    for g in generated:
        findings = audit(parse_file(g.path))
        for rule in TABLE_RULES:
            checks = [f for f in findings if f.rule == rule]
            assert checks, f"{g.path.name}: no {rule} checks ran"
            bad = [f.message for f in checks if not f.ok]
            assert not bad, f"{g.path.name}: {bad[:3]}"
        rates = [f for f in findings if f.rule == "narrative-rate"]
        assert rates and all(f.ok for f in rates), [f.message for f in rates if not f.ok]
        vs_tables = [f for f in findings if f.rule in ("narrative-vs-table", "performance")]
        assert vs_tables and all(f.ok for f in vs_tables), [f.message for f in vs_tables if not f.ok]


def test_text_format_is_kept(generated):
    src = (ROOT / "corpus" / "urumqi-investment-promotion-bureau-2024-budget.txt").read_text(encoding="utf-8")
    for g in generated:
        text = g.path.read_text(encoding="utf-8")
        a, b = src.split("\n"), text.split("\n")
        assert len(a) == len(b)
        assert [line.count("\t") for line in a] == [line.count("\t") for line in b]
        assert "为空表" in text and text.count("编制部门：") == src.count("编制部门：")  # 表2's page break kept


def test_generation_is_deterministic(gen, generated, tmp_path):
    again = gen.generate_corpus(tmp_path, 3, seed=11)
    for a, b in zip(generated, again, strict=True):
        assert a.path.name == b.path.name
        assert a.path.read_bytes() == b.path.read_bytes()


def test_department_names_are_distinct_beyond_the_combinations(gen):
    deps = gen.departments(len(gen.CITIES) * len(gen.BUREAUS) + 5, seed=0)
    assert len({d.name for d in deps}) == len(deps)
    assert len({d.slug for d in deps}) == len(deps)
    assert sum("（2）" in d.name for d in deps) == 5
