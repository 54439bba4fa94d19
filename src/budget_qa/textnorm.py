"""Text normalisation shared by the parser, the fact store and the lookup tool."""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u9fff\uf900-\ufaff“”（）：、，。；"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
NUMBER = re.compile(r"^-?\d+(?:,\d{3})*(?:\.\d+)?$")
_NUM_PREFIX = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+[.、．]\s*|[（(][一二三四五六七八九十\d]+[)）]\s*|其中[：:]\s*)+")


def squeeze_cjk(text: str) -> str:
    """Remove the spaces PDF extraction leaves between Chinese characters ('有效 保障' → '有效保障')."""
    return _SPACE_BETWEEN_CJK.sub("", text.strip())


def fold(text: str) -> str:
    """Match key: NFKC (full-width → half-width), no whitespace, unified quotes, lower case."""
    t = unicodedata.normalize("NFKC", text)
    t = t.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    t = re.sub(r"\s+", "", t)
    return t.lower()


def strip_brackets(text: str) -> str:
    """'维修(护)费' → '维修费' (drops bracketed qualifiers; works on folded text)."""
    return re.sub(r"\([^()]*\)", "", text)


def strip_numbering(label: str) -> str:
    """'1. 一般公共预算拨款' → '一般公共预算拨款'; '其中：一般财力' → '一般财力'."""
    return _NUM_PREFIX.sub("", label.strip()).strip()


def is_number(text: str) -> bool:
    return bool(NUMBER.match(text.strip()))


def label_keys(label: str) -> set[str]:
    """All match keys of a label: folded, without numbering, without bracketed parts, without quotes."""
    base = fold(label)
    plain = fold(strip_numbering(label))
    keys = {base, plain, strip_brackets(plain), plain.replace('"', "")}
    keys |= {k.replace('"', "") for k in list(keys)}
    return {k for k in keys if k}
