"""Resolve a follow-up ('那差旅费呢？', 'and in yuan?', '为什么增长？') against the previous turn."""

from __future__ import annotations

import re

from .terms import TermIndex

_YUAN = re.compile(r"in\s+yuan|in\s+rmb|in\s+cny|换算成元|折合.{0,3}元|用元|多少元|以元", re.I)
_FOLLOW = re.compile(r"^(那|那么|那个|还有|再|以及|and\b|what\s+about|how\s+about|and\s+what|then\b)|呢[？?]?$|^(why|为什么|为何|原因)", re.I)


def resolve(question: str, history: list, terms: TermIndex, lang: str) -> tuple[str, bool]:
    """Returns (the question to answer, whether amounts should also be given in yuan)."""
    if not history:
        return question, bool(_YUAN.search(question))
    prev = history[-1]
    items = terms.find(question, lang)
    short = len(question) <= 16 if lang == "zh" else len(question.split()) <= 7
    if _YUAN.search(question) and not [i for i in items if i.kind != "column"]:
        return prev.resolved, True
    if not (_FOLLOW.search(question.strip()) or (short and not items)):
        return question, False
    prev_items = terms.find(prev.resolved, prev.language)
    items = [i for i in items if i.kind in ("row", "column")]  # measure words ('增长') are not new items
    if items and prev_items:
        # swap the item: '2024年三公经费是多少？' + '那公务接待费呢？' → '2024年公务接待费是多少？'
        old = prev_items[0]
        text = prev.resolved
        for phrase in (old.via, old.text):
            idx = text.lower().find(phrase.lower()) if phrase else -1
            if idx < 0:
                from ..textnorm import fold

                idx = fold(text).find(fold(phrase)) if phrase else -1
                if idx >= 0 and fold(text) != text.lower():
                    return items[0].text + " " + _strip_follow(question) + " " + prev.resolved, False
            if idx >= 0:
                return text[:idx] + items[0].text + text[idx + len(phrase):], False
        return f"{items[0].text} {prev.resolved}", False
    if not items and prev_items:
        # '为什么增长？' → '一般公共预算 为什么增长？'
        return " ".join(i.text for i in prev_items) + " " + _strip_follow(question), False
    return question, False


def _strip_follow(q: str) -> str:
    return re.sub(r"^(那么?|还有|and|what about|how about)\s*", "", q.strip(), flags=re.I)
