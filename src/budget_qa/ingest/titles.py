"""Recognise a table's number, title, kind, unit and department from the lines printed above it.

Everything layout-specific is data (``data/table_kinds.json``): title keywords per canonical
kind, the forms of table numbers (表1, 表 一, 附表1, 表1-1, 预算01表), unit and department lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .kinds import TableKind

_YEAR = re.compile(r"(?:19|20)\d{2}\s*年\s*度?")
_QUOTES = str.maketrans("", "", "“”\"'‘’「」")
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class _Data:
    kinds: tuple[tuple[TableKind, tuple[str, ...]], ...]
    numbers: tuple[re.Pattern, ...]
    units: tuple[re.Pattern, ...]
    departments: tuple[re.Pattern, ...]


@lru_cache(maxsize=1)
def _data() -> _Data:
    raw = json.loads(resources.files("budget_qa.data").joinpath("table_kinds.json").read_text(encoding="utf-8"))
    return _Data(
        kinds=tuple((TableKind(k), tuple(_norm(w) for w in words)) for k, words in raw["kinds"]),
        numbers=tuple(re.compile(p) for p in raw["number_patterns"]),
        units=tuple(re.compile(p) for p in raw["unit_patterns"]),
        departments=tuple(re.compile(p) for p in raw["department_patterns"]),
    )


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(_QUOTES)


def chinese_number(s: str) -> int | None:
    """'十一' → 11, '三' → 3, '07' → 7; None when it is not a number."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if not s or any(c not in _CN_DIGITS and c != "十" for c in s):
        return None
    if "十" not in s:
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def split_number(line: str) -> tuple[str, str] | None:
    """'表 1' → ('表1', ''); '表一 部门收支总表' → ('表一', '部门收支总表'); '预算01表 收支总表' →
    ('预算01表', '收支总表'); None when the line does not start with a table number."""
    s = line.strip()
    for pat in _data().numbers:
        m = pat.match(s)
        if not m:
            continue
        if m.groupdict().get("n2"):
            return None if not title_kind(s[m.end():]) else (f"表{m.group('n2')}", s[m.end():].strip())
        n = re.sub(r"\s+", "", m.group("n"))
        pre = m.groupdict().get("pre")
        rest = s[m.end():].strip().lstrip(":：、.．").strip()
        if not pre and len(n) > 1 and n.endswith("一") and rest.startswith("般"):
            n, rest = n[:-1], "一" + rest  # '表六一般公共预算…' printed without a gap: 一般 starts the title
        if pre:
            number = f"{pre}{n}表"
        else:
            number = ("附表" if s.startswith("附表") else "表") + n
        return number, rest
    return None


def number_ordinal(number: str) -> int | None:
    m = re.search(r"([0-9一二三四五六七八九十〇零]+)", number)
    return chinese_number(m.group(1)) if m else None


def title_kind(title: str) -> TableKind | None:
    """The canonical kind a title names, or None when it names no table of the national format."""
    t = _norm(_YEAR.sub("", title))
    if not t or len(t) > 80 or not t.endswith(("表", "情况", "明细", "目标")) and "表" not in t[-6:]:
        return None
    for kind, words in _data().kinds:
        if any(w in t for w in words):
            return kind
    return None


def clean_title(title: str, department: str = "") -> str:
    """The table's own title: without the department and year printed in it."""
    t = title.strip()
    if department and t.startswith(department):
        t = t[len(department):]
    t = _YEAR.sub("", t, count=1) if _YEAR.match(t) else t
    return re.sub(r"\s+", "", t) or title.strip()


def unit_in(line: str) -> str | None:
    for pat in _data().units:
        m = pat.search(line)
        if m:
            return m.group("unit")
    return None


def department_in(line: str) -> str | None:
    for pat in _data().departments:
        m = pat.match(line.strip())
        if m and not unit_in(f"单位：{m.group('dept')}"):
            return m.group("dept")
    return None


def is_furniture(line: str) -> bool:
    """A unit or department line printed above a table (and repeated on every page it spans)."""
    s = line.strip()
    return bool(unit_in(s) or department_in(s)) and len(s) < 80
