"""English answers in English: what a Chinese passage states in a fixed form — a figure and its change,
'主要原因是…', 'key：value' lines — is said as English sentences; the Chinese quote stays the cited source."""

from __future__ import annotations

import re

from .routes.context import Ask
from .terms import Item
from .types import Measure

_KEY_VALUE = re.compile(r"([\u4e00-\u9fff（）()]{2,12})[：:]\s*([^：:\n/]{1,60}?)(?=\s*(?:/|\n|$|[\u4e00-\u9fff]{2,12}[：:]))")
_REASON = re.compile(r"(?:主要)?原因(?:是|为|：|:)\s*([^；;。]+)")


def change_statement(ask: Ask, items: list[Item]) -> str:
    """'X: 17.81 万元 (CNY 178,100), down on the previous year by 2.50 万元, decrease of 12.31% [n].'"""
    for item in items[:2]:
        facts = ask.finder.candidates(item, Measure.CHANGE)
        if any(f.column in ("比上年增加", "比上年减少") for f in facts):
            return ask.qa.composer.figures([[f] for f in facts], ask.cites, "en")
    return ""


def reasons(text: str) -> list[str]:
    """The reasons a passage gives ('主要原因是…'), in its own words."""
    return list(dict.fromkeys(m.group(1).strip(" ，,") for m in _REASON.finditer(text)))[:3]


def key_values(ask: Ask, text: str) -> str:
    """'部门联系人：张振华 / 联系电话：0991-…' → 'department contact person: 张振华; contact telephone: 0991-…'."""
    pairs = []
    for key, value in _KEY_VALUE.findall(text):
        en = ask.qa.glossary.english(key)
        if en:
            pairs.append(f"{en}: “{value.strip()}”")
    return "; ".join(pairs[:6])


def render(ask: Ask, intent: str, items: list[Item], sentence: str, n: int, where: str) -> str:
    """The English answer for a Chinese passage; the quote itself follows as the source."""
    lines = []
    if intent == "reason":
        stated = change_statement(ask, items)
        if stated:
            lines.append(stated)
        found = reasons(sentence)
        if found:
            lines.append("The main reason stated (in Chinese): " + " / ".join(f"“{r}”" for r in found) + f" [{n}]")
    facts = key_values(ask, sentence)
    if facts:
        lines.append(f"{facts} [{n}]")
    lines.append(f"Source ({where}, in Chinese): “{sentence}” [{n}]")
    return "\n".join(lines)
