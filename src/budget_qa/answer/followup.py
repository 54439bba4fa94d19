"""Resolve a follow-up ('那差旅费呢？', 'and in yuan?', '为什么增长？', '两者合计多少') against earlier turns."""

from __future__ import annotations

import re

from ..textnorm import fold
from .terms import TermIndex

_YUAN = re.compile(r"in\s+yuan|in\s+rmb|in\s+cny|换算成元|折合.{0,3}元|用元|多少元|以元", re.I)
_FOLLOW = re.compile(r"^(那|那么|那个|还有|再|以及|另外|and\b|what\s+about|how\s+about|and\s+what|then\b|also\b)|呢[？?]?$|"
                     r"^(why|为什么|为何|原因)", re.I)
_PRONOUN = re.compile(r"它|它们|其中|该项|这项|这个|这笔|这些|那笔|两者|二者|\b(it|its|that|this|they|them|these|those|both)\b", re.I)
# questions about a relation between figures: carry the earlier item(s) along instead of swapping
_RELATION = re.compile(r"占|比例|比重|合计|总共|一共|加起来|相差|差额|两者|二者|\b(share|percent|proportion|together|combined|"
                       r"total|sum|difference|both)\b", re.I)
_MEASURE = re.compile(r"^(比上年|比去年|占比|主要原因|原因|增长|下降|减少|增加|上年|去年|预算数|金额|数额)")
_ASKS = re.compile(r"多少|几|哪|什么|为什么|为何|怎么|如何|吗|呢|是否|[？?]|\b(how|what|which|why|who|when|where|is|are|"
                   r"does|do|did|was|were)\b", re.I)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_BOTH = re.compile(r"两者|二者|两项|一共|加起来|合计|\b(both|together|combined|the\s+two)\b", re.I)


def resolve(question: str, history: list, terms: TermIndex, lang: str,
            mask=lambda text: text) -> tuple[str, bool]:
    """Returns (the question to answer, whether amounts should also be given in yuan). ``mask`` blanks
    what is not an item (a department's own name: '湖南水利厅' is not the row 水利)."""
    if not history:
        return question, bool(_YUAN.search(question))
    prev = history[-1]
    found = terms.find(mask(question), lang)
    items = [i for i in found if i.kind in ("row", "column")]  # measure words are not items
    # a short question that names something of its own ('2024年三公经费是多少？') stands alone
    names_something = [i for i in found if not _MEASURE.match(i.text)]
    short = len(question) <= 16 if lang == "zh" else len(question.split()) <= 8
    if _YUAN.search(question) and not items:
        return prev.resolved, True
    marked = bool(_FOLLOW.search(question.strip()) or _PRONOUN.search(question))
    # a short question naming nothing continues the conversation only when it asks something
    # ('分别是哪几笔？', 'How many were made last year?'); one naming a year of its own, or text that
    # asks nothing (gibberish), stands alone
    elliptic = short and not names_something and bool(_ASKS.search(question)) and not _YEAR.search(question)
    if not (marked or elliptic):
        return question, False
    # the earlier question's items, glossary terms included ('三公经费' names 表10's total)
    prev_items = terms.find(mask(prev.resolved), prev.language)
    if _RELATION.search(question) and (prev_items or len(history) > 1):
        carried = list(prev_items)
        if _BOTH.search(question) and len(history) > 1 and len(items) < 2:
            older = [i for i in terms.find(mask(history[-2].resolved), history[-2].language)
                     if i.kind in ("row", "column")]
            carried = older[:1] + carried
        names = [i.text for i in carried if fold(i.text) not in {fold(x.text) for x in items}]
        return " ".join([*names, question]), False
    if items and prev_items:
        # swap the item: '2024年三公经费是多少？' + '那公务接待费呢？' → '2024年公务接待费是多少？'
        old = prev_items[0]
        text = prev.resolved
        for phrase in (old.via, old.text):
            idx = text.lower().find(phrase.lower()) if phrase else -1
            if idx >= 0:
                return text[:idx] + items[0].text + text[idx + len(phrase):], False
        return f"{items[0].text} {_strip_follow(question)}", False
    if not items and prev_items:
        # '为什么增长？' → '一般公共预算 为什么增长？'
        return " ".join(i.text for i in prev_items) + " " + _strip_follow(question), False
    return question, False


def _strip_follow(q: str) -> str:
    return re.sub(r"^(那么?|还有|and|what about|how about)\s*", "", q.strip(), flags=re.I)
