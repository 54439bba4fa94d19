"""Across departments: the same item in every disclosure in scope — ranked, summed or compared —
from the fact store's canonical kinds (one basis for all), each figure cited, the disclosures that
do not give the item named. Not from the top few retrieved passages."""

from __future__ import annotations

from decimal import Decimal

from ...model import Fact, Figure
from ..finder import FactFinder, fact_order
from ..money import UNIT_YUAN, fmt_amount
from ..router import COMPUTE_CUES, Plan, cue, has
from ..types import Scope
from .context import Ask

RANK_MOST, RANK_LEAST = cue("rank_most"), cue("rank_least")


def _wan(f: Fact) -> Decimal:
    """The amount in 万元, whatever unit its table prints."""
    return Decimal(f.value or "0") * UNIT_YUAN.get(f.unit, UNIT_YUAN["万元"]) / UNIT_YUAN["万元"]


def _show(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.01'))}"


def answer(ask: Ask, p: Plan, departments: list[str]) -> None:
    from . import refusal

    qa, lang, q = ask.qa, ask.lang, ask.q
    item = next((i for i in p.items), None)
    if item is None:
        return refusal.answer(ask, Plan("abstain", reason="none", items=p.items))
    scope = ask.query.scope
    per_doc: dict[str, Fact] = {}
    missing: list[str] = []
    for dept in departments:
        finder = FactFinder(qa.store, qa.terms, Scope(department=dept, year=scope.year, doc_kind=scope.doc_kind))
        facts = [f for f in finder.candidates(item, table_hint=p.table_hint) if f.value and f.unit in UNIT_YUAN]
        if facts:
            per_doc[dept] = sorted(facts, key=fact_order)[0]
        else:
            missing.append(dept)
    if not per_doc:
        return refusal.answer(ask, Plan("abstain", reason="none", items=p.items))
    # one basis for all: the table kind most departments give the item in
    kinds = [f.table_kind for f in per_doc.values()]
    basis = max(kinds, key=lambda k: (kinds.count(k), -kinds.index(k)))  # ties: deterministic, first seen
    for dept, f in list(per_doc.items()):
        if f.table_kind != basis:
            finder = FactFinder(qa.store, qa.terms, Scope(department=dept, year=scope.year, doc_kind=scope.doc_kind))
            same = [g for g in finder.candidates(item, table_hint=p.table_hint) if g.value and g.table_kind == basis]
            if same:
                per_doc[dept] = same[0]
    rows = sorted(per_doc.items(), key=lambda kv: _wan(kv[1]), reverse=not has(RANK_LEAST, q))
    lines = []
    for dept, f in rows:
        n = ask.cites.fact(f)
        ask.answer.figures.append(Figure(f.value or "", f.unit, n, dept))
        amount = fmt_amount(f.value or "", f.unit, lang)
        lines.append(f"{dept} {amount} [{n}]" if lang == "zh" else f"{dept}: {amount} [{n}]")
    name = item.text if lang == "zh" else qa.composer.name(item.text, "en")
    total = sum((_wan(f) for f in per_doc.values()), Decimal(0))
    if has(COMPUTE_CUES["sum"], q) and not has(RANK_MOST + "|" + RANK_LEAST, q):
        head = (f"{len(per_doc)} 个部门的{name}合计 {_show(total)} 万元。计算："
                + " + ".join(_show(_wan(f)) for _, f in rows) + f" = {_show(total)}（万元）" if lang == "zh" else
                f"{name} across {len(per_doc)} departments: {_show(total)} 万元 in total. Calculation: "
                + " + ".join(_show(_wan(f)) for _, f in rows) + f" = {_show(total)} (万元)")
    else:
        top_dept, top = rows[0]
        least = has(RANK_LEAST, q)
        head = (f"{'最少' if least else '最多'}的是{top_dept}，{name} {fmt_amount(top.value or '', top.unit, lang)}" if lang == "zh"
                else f"The {'lowest' if least else 'highest'} is {top_dept}: {name} {fmt_amount(top.value or '', top.unit, lang)}")
    if len(rows) == 2 and "合计" not in head and "in total" not in head:
        gap = _wan(rows[0][1]) - _wan(rows[1][1])
        head += (f"，比{rows[1][0]}多 {_show(abs(gap))} 万元（{_show(_wan(rows[0][1]))} − {_show(_wan(rows[1][1]))}）"
                 if lang == "zh" else
                 f", {_show(abs(gap))} 万元 more than {rows[1][0]} ({_show(_wan(rows[0][1]))} − {_show(_wan(rows[1][1]))})")
    listing = ("；".join(lines) if lang == "zh" else "; ".join(lines))
    basis_text = qa.composer.scope(rows[0][1], lang)
    text = (f"{head}。各部门（口径：{basis_text}）：{listing}。" if lang == "zh"
            else f"{head}. By department (basis: {basis_text}): {listing}.")
    if missing:
        text += (f"\n未列出该项的部门：{'、'.join(missing)}。" if lang == "zh"
                 else f"\nDepartments whose disclosure does not give it: {', '.join(missing)}.")
    ask.answer.answer = text
