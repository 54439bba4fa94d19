"""Departments named in a question: the index's own departments by full or short name (scope),
and names of departments the index does not hold (an honest refusal, never another's figures)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

# A leading place name: 湖南省 / 长沙市 / 某某县 / 新疆维吾尔自治区 / 乌鲁木齐市 …
_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:自治区|自治州|特别行政区|省|市|县|区|州|盟|旗)(?=[\u4e00-\u9fff]{2,})")


def short_names(departments: list[str]) -> list[tuple[str, list[str]]]:
    """Each department with the shorter names people use for it: '湖南省水利厅' → ['水利厅'],
    '乌鲁木齐市招商服务局' → ['招商服务局']. A short name shared by two departments is dropped
    (it names neither)."""
    out = []
    for d in dict.fromkeys(departments):
        names, rest = [], d
        while True:
            m = _PLACE.match(rest)
            if not m or len(rest) - m.end() < 2:
                break
            rest = rest[m.end():]
            names.append(rest)
        out.append((d, [n for n in names if len(n) >= 3]))
    counts: dict[str, int] = {}
    for _, names in out:
        for n in names:
            counts[n] = counts.get(n, 0) + 1
    return [(d, [n for n in names if counts[n] == 1]) for d, names in out]


def named(q: str, names: list[tuple[str, list[str]]]) -> tuple[str, str]:
    """(department, the text that named it) for the longest name in the question; ('', '') if none."""
    best = ("", "")
    for full, shorts in names:
        for n in (full, *shorts):
            if n in q and len(n) > len(best[1]):
                if n != full and re.search(rf"[\u4e00-\u9fff]{{2}}(?:省|市|县|区|州){re.escape(n)}", q):
                    continue  # '长沙市水利局' is another city's bureau, not ours
                best = (full, n)
    return best


@lru_cache(maxsize=1)
def _department_pattern() -> re.Pattern:
    raw = json.loads(resources.files("budget_qa.data").joinpath("department_stems.json").read_text(encoding="utf-8"))
    stems = sorted(raw["stems"], key=len, reverse=True)
    suffixes = sorted(raw["suffixes"], key=len, reverse=True)
    return re.compile(f"(?P<stem>{'|'.join(map(re.escape, stems))})(?P<suffix>{'|'.join(map(re.escape, suffixes))})")


def unknown_department(q: str, names: list[tuple[str, list[str]]]) -> str:
    """A department name in the question that matches none of the index's departments."""
    known = [n for full, shorts in names for n in (full, *shorts)]
    for m in _department_pattern().finditer(q):
        token, stem, suffix = m.group(0), m.group("stem"), m.group("suffix")
        if any(token in k or k in token for k in known):
            continue
        if any(stem in full and full.endswith(suffix) for full, _ in names):
            continue  # '招商局' for 招商服务局: the same department, said shorter
        return token
    return ""


def named_all(q: str, names: list[tuple[str, list[str]]]) -> list[str]:
    """Every index department the question names (full or short name), in the order named."""
    hits = []
    for full, shorts in names:
        pos = min((q.find(n) for n in (full, *shorts) if n in q), default=-1)
        if pos >= 0:
            hits.append((pos, full))
    return [d for _, d in sorted(hits)]
