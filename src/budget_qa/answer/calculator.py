"""Calculations over looked-up figures (shares, sums, differences, rankings, previous year).

Every result carries its formula and the facts it used, so each input is cited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..model import Fact
from .money import pct


@dataclass
class Calc:
    kind: str
    value: str
    unit: str
    formula: str
    inputs: list[Fact] = field(default_factory=list)
    ranking: list[Fact] = field(default_factory=list)
    larger: Fact | None = None


def _v(f: Fact) -> Decimal:
    return Decimal(f.value or "0")


def _places(facts: list[Fact]) -> Decimal:
    """Keep the precision of the inputs: counts stay whole numbers, amounts keep two decimals."""
    n = max((len((f.value or "0").partition(".")[2]) for f in facts), default=2)
    return Decimal(1).scaleb(-n)


def share(a: Fact, b: Fact) -> Calc:
    num, den = sorted([a, b], key=_v)  # a share is the smaller figure over the larger
    value = pct(_v(num), _v(den))
    return Calc("share", value, "%", f"{num.value} ÷ {den.value} × 100% = {value}%", [num, den])


def total(facts: list[Fact]) -> Calc:
    s = sum((_v(f) for f in facts), Decimal(0))
    value = str(s.quantize(_places(facts)))
    return Calc("sum", value, facts[0].unit, " + ".join(f.value or "0" for f in facts) + f" = {value}", facts)


def difference(a: Fact, b: Fact) -> Calc:
    hi, lo = (a, b) if _v(a) >= _v(b) else (b, a)
    value = str((_v(hi) - _v(lo)).quantize(_places([a, b])))
    return Calc("difference", value, a.unit, f"{hi.value} − {lo.value} = {value}", [hi, lo], larger=hi)


def rank(children: list[Fact], smallest: bool = False) -> Calc:
    ordered = sorted(children, key=_v, reverse=not smallest)
    top = ordered[0]
    return Calc("rank", top.value or "0", top.unit, "", [top], ranking=ordered)


def previous_year(amount: Fact, change: Fact) -> Calc:
    delta = _v(change) if "增加" in change.column else -_v(change)
    prior = (_v(amount) - delta).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "−" if delta >= 0 else "+"
    return Calc("previous", str(prior), amount.unit, f"{amount.value} {sign} {change.value} = {prior}", [amount, change])


def average(amount: Fact, count: Fact) -> Calc:
    value = str((_v(amount) / _v(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return Calc("average", value, amount.unit, f"{amount.value} ÷ {count.value} = {value}", [amount, count])


def exclude(whole: Fact, parts: list[Fact]) -> Calc:
    rest = _v(whole) - sum((_v(f) for f in parts), Decimal(0))
    value = str(rest.quantize(Decimal("0.01")))
    formula = f"{whole.value} − " + " − ".join(f.value or "0" for f in parts) + f" = {value}"
    return Calc("exclude", value, whole.unit, formula, [whole, *parts])
