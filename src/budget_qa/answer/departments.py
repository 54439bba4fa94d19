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
        if rest.startswith("国家") and len(rest) > 4:
            rest = rest[2:]  # '国家统计调查局' → '统计调查局'
            names.append(rest)
        # and the shorter endings people say ('统计调查局' → '调查局'), kept only where they name one department
        stems = _en_data().get("stems", [])
        names += [rest[k:] for k in range(1, len(rest) - 2) if re.search(r"(?:厅|局|委员会|委|办|中心)$", rest)
                  and any(rest[k:].startswith(st) for st in stems)]
        out.append((d, [n for n in dict.fromkeys(names) if len(n) >= 3]))
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


# ---------- English names ----------
_GENERIC_EN = {"the", "of", "and", "for", "provincial", "province", "municipal", "city", "county", "district",
               "people's", "peoples", "government", "national", "state", "general", "dept", "s", "its"}
_WORD = re.compile(r"[a-z][a-z'-]+")


@lru_cache(maxsize=1)
def _en_data() -> dict:
    return json.loads(resources.files("budget_qa.data").joinpath("department_stems.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=256)
def english_words(department: str) -> tuple[frozenset[str], frozenset[str]]:
    """(place words, function words) of a department's name in English: '湖南省水利厅' →
    ({'hunan'}, {'water', 'resources', 'conservancy', 'department'}). Places by pinyin (or their
    usual English name), functions from the national list of department names."""
    data = _en_data()
    places: set[str] = set()
    rest = department
    while True:
        m = _PLACE.match(rest)
        if not m:
            break
        name = re.sub(r"(?:自治区|自治州|特别行政区|省|市|县|区|州|盟|旗)$", "", m.group(0))
        places |= set(_place_en(name, data).split())
        rest = rest[m.end():]
    if rest.startswith("国家"):
        places.add("national")
        rest = rest[2:]
    functions: set[str] = set()
    for stem in sorted(data.get("stems_en", {}), key=len, reverse=True):
        if stem in rest:
            functions |= set(data["stems_en"][stem])
            rest = rest.replace(stem, "")
    for suffix, words in data.get("suffixes_en", {}).items():
        if department.endswith(suffix):
            functions |= set(words)
            break
    return frozenset(places), frozenset(functions)


def _place_en(name: str, data: dict) -> str:
    known = data.get("places_en", {})
    if name in known:
        return known[name]
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # without pinyin, places in English cannot be told apart: functions still match
        return ""
    return "".join(lazy_pinyin(name)).lower()


def named_en(q: str, names: list[tuple[str, list[str]]]) -> str:
    """The index department an English question names ('the Hunan Water Resources Department',
    'the statistics survey bureau'), or ''."""
    words = set(_WORD.findall(q.lower()))
    best, best_score = "", 0
    shared = [p for full, _ in names for p in english_words(full)[0]]
    for full, _ in names:
        places, functions = english_words(full)
        specific = functions - {"department", "bureau", "office", "administration", "commission", "committee"}
        hit_p, hit_f = len(places & words), len(specific & words)
        own_place = any(shared.count(p) == 1 for p in places & words)  # a place only this department has
        if hit_f and (hit_p or hit_f >= 2) or own_place:
            score = 2 * hit_p + hit_f
            if score > best_score:
                best, best_score = full, score
    return best


def unknown_department_en(q: str, names: list[tuple[str, list[str]]]) -> str:
    """An organisation named in English with a place that is none of the index departments' places
    ('the Jiangxi Provincial Department of Water Resources'), or ''."""
    ours = {w for full, _ in names for w in english_words(full)[0]}
    m = re.search(r"\b((?:[A-Z][a-z]+\s+){1,5})(Department|Bureau|Commission|Ministry|Office|Administration)\b|"
                  r"\b(Department|Bureau|Commission|Ministry)\s+of\s+((?:[A-Z][a-z]+\s*){1,4})", q)
    if not m or not ours:
        return ""
    phrase = (m.group(1) or "") + " " + (m.group(4) or "")
    functions = {w for stem_words in _en_data().get("stems_en", {}).values() for w in stem_words}
    places = [w for w in _WORD.findall(phrase.lower()) if w not in functions and w not in _GENERIC_EN]
    return m.group(0) if places and not any(p in ours for p in places) else ""


def mask(text: str, names: list[tuple[str, list[str]]]) -> str:
    """The text with the departments it names blanked out (their words are not budget items)."""
    dept, mention = named(text, names)
    if mention:
        return text.replace(mention, " ")
    if re.search(r"[A-Za-z]{3}", text):
        dept = named_en(text, names)
        if dept:
            places, functions = english_words(dept)
            words = sorted(places | functions, key=len, reverse=True)
            return re.sub(r"\b(?:" + "|".join(map(re.escape, words)) + r")(?:'s)?\b", " ", text, flags=re.I)
    return text
