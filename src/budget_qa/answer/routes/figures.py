"""Lookup route: the exact figures of the items a question names, every basis shown, each cited."""

from __future__ import annotations

import re

from ...model import Figure
from ...textnorm import strip_numbering
from ..finder import alias, group_by_value
from ..router import Plan
from ..terms import Item
from ..types import Route
from .context import Ask

COLUMN_CUES = (
    (r"(去年|上年).{0,20}(完成|实际)|last\s+year'?s?\s+(result|actual|achiev|outcome|value)|"
     r"(achieved|completed|made|did|attended|held)\b.{0,40}\blast\s+year|previous\s+year'?s?\s+(result|value)", "上年完成值"),
    (r"权重|分值|\bweight|\bscore\b|\bpoints\b", "指标分值权重"),
    (r"财政拨款结转|carried\s+over|carry-?over\s+funds", "财政拨款结转"),
)


def column_cue(q: str) -> str | None:
    """Words that name a column without naming it ('去年完成' → 上年完成值, 'weight' → 指标分值权重)."""
    for pattern, column in COLUMN_CUES:
        if re.search(pattern, q, re.I):
            return column
    return None


def answer(ask: Ask, p: Plan) -> None:
    from . import passages

    ans, terms = ask.answer, ask.qa.terms
    blocks, used = [], False
    items = p.items
    paired = row_column_pairs(terms, items, ask.qa.store) if not p.measure else []
    if any(col for _, col in paired):
        pairs = paired  # 'X 这一项，上年结转结余有多少': the row X in the column, even if the column is also a total
    else:
        if len(items) >= 2 and any(alias(i.text) for i in items):
            items = [i for i in items if not alias(i.text)] or items  # 'how much of the total is X' asks for X
        pairs = row_column_pairs(terms, items, ask.qa.store) if not p.measure else [(i, None) for i in items]
    cue = column_cue(ask.q)
    if cue and not p.measure:
        pairs = [(i, cue) for i, _ in pairs if not terms.is_column(i.text) or i.text == cue] or pairs
    for item, column in pairs[:4]:
        facts = ask.finder.candidates(item, p.measure, p.table_hint, column)
        if not facts and column == cue:
            facts = ask.finder.candidates(item, p.measure, p.table_hint, None)
        if not facts:
            continue
        parts = _part_of(ask, facts)
        if parts:
            # '预算多少，其中服务类多少' asks both; '其中货物多少？' / '服务呢？' only the part
            both = re.search(r"多少|几|how\s+much", ask.q.split("其中")[0]) and "其中" in ask.q
            facts = ([f for f in facts if f.kind == "narrative" and f.value][:1] + parts) if both else parts
        used = True
        if all(f.kind == "narrative" for f in facts):
            groups = [[f] for f in facts]  # whole statements; the composer groups them by sentence
        else:
            groups = group_by_value(facts)
        blocks.append(ask.qa.composer.figures(groups, ask.cites, ask.lang, yuan_too=ask.want_yuan))
        for g in groups:
            f = g[0]
            if f.value is not None:
                ans.figures.append(Figure(f.value, f.unit, ask.cites.fact(f), f.row_label))
        if all(f.kind == "narrative" for g in groups for f in g):
            ans.route = Route.RETRIEVAL  # a figure quoted from a narrative sentence
    if not used:
        ans.route = Route.RETRIEVAL
        return passages.answer(ask, p)
    ans.answer = "\n".join(blocks)


_PART = re.compile(r"其中(?:的)?([\u4e00-\u9fff]{1,4}?)(?:类|部分|方面)?(?:的)?(?:预算|金额)?(?:是|有|为)?(?:多少|几)|"
                   r"(?:^|\s)([\u4e00-\u9fff]{1,4}?)(?:类|部分|方面)?呢[？?]?$")


def _part_of(ask: Ask, facts: list) -> list:
    """'政府采购预算多少，其中服务类多少' / '服务呢？': the part a sentence breaks the total into ('其中：…服务
    9.63 万元'), found in the same sentence as the total."""
    m = _PART.search(ask.q)
    word = (m.group(1) or m.group(2)) if m else ""
    if not word or len(word) < 2 and not m.group(1):
        return []
    quotes = {f.quote for f in facts if f.kind == "narrative"}
    parts = [g for q in quotes for g in ask.finder.sentence_figures({q})
             if word in g.row_label and g.column in ("数额", "价值") and g.value]
    return parts


def row_column_pairs(terms, items: list[Item], store=None) -> list[tuple[Item, str | None]]:
    """A row and a column named together ('招商引资里财政拨款安排了多少' → row 招商引资, column 财政拨款):
    a word of a column's header, at any level, is a column when another item is the row."""
    cols = [i for i in items if i.kind == "column" or terms.is_column(i.text)]
    rows = [i for i in items if i not in cols and i.kind == "row"]
    if not cols and len(rows) == 2 and store is not None:
        for a, b in ((rows[1], rows[0]), (rows[0], rows[1])):
            # as the question says it ('财政拨款'); an English question by the item's Chinese label
            word = a.via if re.search(r"[\u4e00-\u9fff]", a.via or "") else strip_numbering(a.text)
            other = b.via if re.search(r"[\u4e00-\u9fff]", b.via or "") else b.text
            if b.start < a.start and _column_word(store, word) and not _column_word(store, other):
                return [(b, re.sub(r"[（(].*?[)）]", "", strip_numbering(word)))]
    if rows and cols:
        return [(r, cols[0].text) for r in rows]
    return [(i, None) for i in items]


def _column_word(store, text: str) -> bool:
    from ...textnorm import fold

    key = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return bool(store.scalar("SELECT 1 FROM facts WHERE kind = 'cell' AND col_key LIKE ? ESCAPE '\\' LIMIT 1",
                             (f"%{key}%",)))
