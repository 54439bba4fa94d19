"""Exact money formatting: 842.79 万元 → CNY 8,427,900 (Decimal, never floats)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def yuan(wan: str) -> str:
    """'842.79' (万元) → '8,427,900'."""
    v = (Decimal(wan) * 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{v:,}"


def pct(numerator: Decimal, denominator: Decimal) -> str:
    return str((numerator / denominator * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def fmt_amount(value: str, unit: str, lang: str, op: str = "") -> str:
    if unit == "万元":
        if lang == "en":
            return f"{op}{value} 万元 (CNY {yuan(value)})"
        return f"{op}{value} 万元"
    if unit == "%":
        return f"{op}{value}%"
    if not unit:
        return f"{op}{value}"
    return f"{op}{value} {unit}" if lang == "en" else f"{op}{value}{unit}"
