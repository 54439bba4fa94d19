"""Consistency audit of a disclosure's own arithmetic (`budget-qa check`), for every layout.

Rules hold for every consistent disclosure and are keyed on canonical table kinds, never on one
template's table numbers: within a table (code hierarchy per unit, total columns from the header's
own structure, two-sided balances, 三公 items), across tables (the same total in the summary,
income and expenditure tables; fiscal appropriations against the general budget only where the
fund budgets are empty), performance tables against the project table, and the narrative (figures
against tables, growth rates, each '其中' breakdown on its own). Every finding names both
locations and both values.
"""

from __future__ import annotations

from ..model import Document
from .base import Finding
from .cross import cross_tables, performance
from .narrative import narrative
from .tables import table_rules

__all__ = ["Finding", "audit", "summary"]


def audit(doc: Document) -> list[Finding]:
    out: list[Finding] = []
    for t in doc.tables:
        out += table_rules(t)
    out += cross_tables(doc) + performance(doc) + narrative(doc)
    for f in out:
        f.document = doc.id
    return out


def summary(findings: list[Finding]) -> dict:
    bad = [f for f in findings if not f.ok]
    rules: dict[str, list[int]] = {}
    for f in findings:
        rules.setdefault(f.rule, [0, 0])[0 if f.ok else 1] += 1
    return {"checks": len(findings), "passed": len(findings) - len(bad), "mismatches": len(bad),
            "by_rule": {k: {"passed": v[0], "mismatches": v[1]} for k, v in sorted(rules.items())}}
