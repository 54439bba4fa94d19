"""A question's premise about a change ('为什么 X 增加了') checked against the figures: a wrong one
is corrected, with the stated change cited, before anything else is said."""

from __future__ import annotations

import re

from ..model import Fact
from .routes.context import Ask
from .terms import Item
from .types import Measure

_UP = re.compile(r"增加|增长|上升|提高|上涨|涨了|多了|变多|\b(increase[sd]?|rise|rose|risen|go(es|ne)?\s+up|went\s+up|grow|grew|"
                 r"higher|more\s+than\s+last)\b", re.I)
_DOWN = re.compile(r"减少|下降|降低|下调|少了|变少|压缩|\b(decrease[sd]?|fall|fell|fallen|drop(ped)?|go(es|ne)?\s+down|"
                   r"went\s+down|cut|lower|less\s+than\s+last|shrink|shrank)\b", re.I)
_CHANGE_UP, _CHANGE_DOWN = ("比上年增加", "增长率"), ("比上年减少", "下降率")


def asserted_direction(q: str) -> str:
    up, down = bool(_UP.search(q)), bool(_DOWN.search(q))
    return "up" if up and not down else "down" if down and not up else ""


def correction(ask: Ask, items: list[Item]) -> str:
    """The correcting sentence, or '' when the premise holds or cannot be checked."""
    said = asserted_direction(ask.q)
    if not said:
        return ""
    for item in items[:2]:
        facts = [f for f in ask.finder.candidates(item, Measure.CHANGE) if f.column in _CHANGE_UP + _CHANGE_DOWN]
        amount = next((f for f in facts if f.column in ("比上年增加", "比上年减少") and f.value), None)
        if amount is None:
            continue
        actual = "up" if amount.column == "比上年增加" else "down"
        if actual == said or (amount.value and float(amount.value) == 0):
            return ""
        rate = next((f for f in facts if f.quote == amount.quote and f.column in ("增长率", "下降率")), None)
        return _sentence(ask, item, amount, rate, actual)
    return ""


def _sentence(ask: Ask, item: Item, amount: Fact, rate: Fact | None, actual: str) -> str:
    n = ask.cites.fact(amount)
    if ask.lang == "zh":
        verb, did_not = ("增加", "减少") if actual == "up" else ("减少", "增加")
        pct = f"（{'增长' if actual == 'up' else '下降'} {rate.value}%）" if rate else ""
        return f"更正：{item.text}并没有{did_not}，而是比上年{verb} {amount.value} 万元{pct} [{n}]。"
    name = ask.qa.composer.name(item.text, "en")
    direction = "up" if actual == "up" else "down"
    other = "increase" if actual == "down" else "decrease"
    pct = f" ({rate.value}%)" if rate else ""
    return f"Correction: {name} did not {other}; it is {direction} {amount.value} 万元{pct} on the previous year [{n}]."
