"""Exact money formatting: 842.79 万元 → CNY 8,427,900 (Decimal, never floats)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Amount units a table can be printed in, as multiples of one yuan.
UNIT_YUAN = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def yuan(value: str, unit: str = "万元") -> str:
    """'842.79' (万元) → '8,427,900'; '12345600.50' (元) → '12,345,600.50'."""
    v = Decimal(value) * UNIT_YUAN.get(unit, Decimal(10000))
    v = v.quantize(Decimal(1), rounding=ROUND_HALF_UP) if v == v.to_integral_value() or unit != "元" else v
    return f"{v:,}"


def to_wan(value: str, unit: str) -> str:
    """The same amount in 万元, exactly (trailing zeros dropped): '12345600.00' 元 → '1234.56'."""
    v = Decimal(value) * UNIT_YUAN[unit] / UNIT_YUAN["万元"]
    return format(v.normalize(), "f") if v != v.to_integral_value() else str(int(v))


def pct(numerator: Decimal, denominator: Decimal) -> str:
    return str((numerator / denominator * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def fmt_amount(value: str, unit: str, lang: str, op: str = "") -> str:
    if unit == "万元":
        if lang == "en":
            return f"{op}{value} 万元 (CNY {yuan(value)})"
        return f"{op}{value} 万元"
    if unit in UNIT_YUAN:  # a table printed in 元 / 千元 / 亿元: also say it in 万元, the unit people compare in
        if lang == "en":
            return f"{op}{value} {unit} (CNY {yuan(value, unit)})"
        return f"{op}{value} {unit}（合 {to_wan(value, unit)} 万元）"
    if unit == "%":
        return f"{op}{value}%"
    if not unit:
        return f"{op}{value}"
    return f"{op}{value} {unit}" if lang == "en" else f"{op}{value}{unit}"
