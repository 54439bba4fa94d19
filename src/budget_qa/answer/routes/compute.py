"""Calculation route: shares, sums, differences, ranks, averages, exclusions, previous-year values —
formula shown, every input cited."""

from __future__ import annotations

from decimal import Decimal

from ...model import Figure
from ..calculator import Calc, difference, exclude, rank, share, total
from ..finder import alias
from ..router import Plan, has
from ..types import Intent, Route
from .context import Ask


def answer(ask: Ask, p: Plan) -> None:
    from . import figures, passages

    finder, q = ask.finder, ask.q
    if p.intent == Intent.ACROSS:
        from . import across

        return across.answer(ask, p, ask.query.departments)
    if p.intent == Intent.YEARS:
        return _between_years(ask, p)
    calc: Calc | None = None
    smallest = has(r"最小|最少|最低|smallest|lowest|least", q)
    if p.intent == Intent.RANK:
        children = finder.children(p.items, p.table_hint, q)
        if children:
            calc = rank(children, smallest)
    elif p.intent == Intent.PREVIOUS:
        calc = finder.previous(p.items)
    elif p.intent == Intent.AVERAGE:
        calc = finder.average(p.items, p.table_hint, q)
    else:
        items = p.items
        named = [i for i in items if not alias(i.text)]
        if p.intent == Intent.SUM and len(named) >= 2:
            items = named  # 'A 和 B 总共多少钱': the sum of A and B, not of the whole budget too
        vals = finder.values(items, p.table_hint, q)
        if p.intent == Intent.SHARE and len(vals) == 1 and vals[0].unit == "万元":
            total_fact = finder.grand_total()  # 'what share of the total budget …'
            if total_fact is not None and total_fact.value != vals[0].value:
                vals.append(total_fact)
        if p.intent == Intent.SHARE and len(vals) >= 3 and has(r"分别|各自|各占|各是|\beach\b|respectively", q):
            # 'A 和 B 分别占 C 多少': every part over the whole (the largest of the figures)
            whole = max(vals, key=lambda f: Decimal(f.value or "0"))
            calcs = [share(part, whole) for part in vals if part is not whole]
            return _several(ask, calcs, smallest)
        if p.intent == Intent.SHARE and len(vals) >= 2:
            calc = share(vals[0], vals[1])
        elif p.intent == Intent.DIFFERENCE and len(vals) >= 2:
            calc = difference(vals[0], vals[1])
        elif p.intent == Intent.SUM and len(vals) >= 2:
            calc = total(vals)
        elif p.intent == Intent.EXCLUDE and len(vals) >= 2:
            whole = max(vals, key=lambda f: Decimal(f.value or "0"))
            calc = exclude(whole, [f for f in vals if f is not whole])
    ans = ask.answer
    if calc is None and p.intent == Intent.PREVIOUS and not figures.column_cue(q):
        from . import refusal

        # no figure of the year before is printed or follows from a stated change: not this year's instead
        return refusal.answer(ask, Plan(Route.ABSTAIN, reason="year", items=p.items))
    if calc is None:
        ans.route = Route.LOOKUP if p.items else Route.RETRIEVAL
        fallback = Plan(ans.route, Intent.FIGURE, p.items, table_hint=p.table_hint, terms=p.terms)
        return (figures.answer if p.items else passages.answer)(ask, fallback)
    ans.answer = ask.qa.composer.calc(calc, ask.cites, ask.lang, smallest)
    if p.intent in (Intent.SUM, Intent.DIFFERENCE, Intent.SHARE, Intent.EXCLUDE):
        ans.answer += basis_note(ask, p, calc)
    ans.figures.append(Figure(calc.value, calc.unit, ask.cites.fact(calc.inputs[0]), calc.kind))


def basis_note(ask: Ask, p: Plan, calc: Calc) -> str:
    """Say which basis the inputs share, and where an item has another figure on another basis
    (公务接待费: 基本支出 0.90, “三公”经费 8.90): a sum or share never mixes bases silently."""
    composer, lang = ask.qa.composer, ask.lang
    kinds = {f.table_kind for f in calc.inputs if f.kind == "cell"}
    notes = []
    if len(kinds) == 1 and all(f.kind == "cell" for f in calc.inputs):
        scope = composer.scope(calc.inputs[0], lang)
        notes.append(f"口径：{scope}" if lang == "zh" else f"basis: {scope}")
    used = {(f.doc_id, f.table_id, f.row_label) for f in calc.inputs}
    for item in p.items[:4]:
        others = [f for f in ask.finder.candidates(item, table_hint=p.table_hint)
                  if f.value and f.kind == "cell" and (f.doc_id, f.table_id, f.row_label) not in used
                  and f.value not in {g.value for g in calc.inputs}]
        if others and any(item.text in g.row_label or g.row_label in item.text for g in calc.inputs):
            o = others[0]
            n = ask.cites.fact(o)
            where = composer.table_name(o, lang)
            notes.append(f"{o.row_label}在{where}中另为 {composer.value(o, lang)} [{n}]，口径不同，未计入" if lang == "zh"
                         else f"{composer.name(o.row_label, lang)} is {composer.value(o, lang)} in {where} [{n}], "
                              "another basis, not used")
    if not notes:
        return ""
    return ("（" + "；".join(notes) + "）") if lang == "zh" else (" (" + "; ".join(notes) + ")")


def _several(ask: Ask, calcs: list[Calc], smallest: bool) -> None:
    """Every part of a multi-part question, each with its formula and cited inputs."""
    texts = [ask.qa.composer.calc(c, ask.cites, ask.lang, smallest) for c in calcs]
    ask.answer.answer = "\n".join(texts)
    for c in calcs:
        ask.answer.figures.append(Figure(c.value, c.unit, ask.cites.fact(c.inputs[0]), c.kind))


def _between_years(ask: Ask, p: Plan) -> None:
    """'2024年差旅费比2023年少了多少': the item in each year's own disclosure, the difference, both cited."""
    from dataclasses import replace

    from ..finder import FactFinder
    from . import refusal

    facts = []
    for year in ask.query.years:
        finder = FactFinder(ask.qa.store, ask.qa.terms, replace(ask.query.scope, year=year))
        vals = finder.values(p.items[:1], p.table_hint, ask.q)
        if not vals:
            return refusal.answer(ask, Plan(Route.ABSTAIN, reason="none", items=p.items))
        facts.append(vals[0])
    if facts[0].unit != facts[1].unit:
        return refusal.answer(ask, Plan(Route.ABSTAIN, reason="none", items=p.items))
    (y1, y2), (a, b) = ask.query.years, facts
    change = Decimal(b.value or "0") - Decimal(a.value or "0")
    places = max(len((a.value or "").partition(".")[2]), len((b.value or "").partition(".")[2]))
    amount = f"{abs(change):.{places}f}"
    composer, lang = ask.qa.composer, ask.lang
    na, nb = ask.cites.fact(a), ask.cites.fact(b)
    va, vb, vc = (composer.value(a, lang), composer.value(b, lang),
                  composer.value(replace(b, value=amount), lang))
    name = a.row_label if lang == "zh" else composer.name(a.row_label, "en")
    if lang == "zh":
        word = "增加" if change > 0 else "减少" if change < 0 else "持平，变化"
        text = (f"{name}：{y1} 年 {va} [{na}]，{y2} 年 {vb} [{nb}]；{y2} 年比 {y1} 年{word} {vc}。"
                f"计算：{b.value} − {a.value} = {change}（两年的预算各自公开）。")
    else:
        word = "up" if change > 0 else "down" if change < 0 else "unchanged,"
        text = (f"{name}: {va} in {y1} [{na}], {vb} in {y2} [{nb}]; {y2} is {word} {vc} on {y1}. "
                f"Calculation: {b.value} − {a.value} = {change} (each year from its own disclosure).")
    ask.answer.answer = text
    ask.answer.figures.append(Figure(amount, b.unit, nb, "change"))
