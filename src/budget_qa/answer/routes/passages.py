"""Retrieval route: the passage that contains what was asked, quoted and cited; none → a refusal."""

from __future__ import annotations

import re

from ...glossary import Term
from ...textnorm import fold
from .. import english
from ..premise import correction
from ..router import LIST_CUE, Plan, cue, has, topics
from ..types import Intent, Route
from .context import Ask

DEFINE_CUE = cue("define")
STOP = re.compile(r"是多少|多少|是什么|什么|请问|请|一下|的|吗|呢|了|吧|哪些|哪个|怎么|如何|为什么|有|是|和|与|及|？|\?|。|，|,|、|\s")


def search(ask: Ask, query: str, k: int, filters: dict | None) -> list:
    """Hybrid search in the question's scope; passages of final accounts only when asked for."""
    retriever = ask.qa.retriever
    assert retriever is not None
    doc_kind = ask.query.scope.doc_kind
    hits = retriever.search(query, k=k * 2 if doc_kind else k, filters=filters)
    if doc_kind:
        hits = [h for h in hits if ask.qa.doc_kinds.get(h.chunk.doc_id, "预算") == doc_kind][:k]
    return hits


def answer(ask: Ask, p: Plan) -> None:
    from . import refusal

    qa, ans, q, lang = ask.qa, ask.answer, ask.q, ask.lang
    r = qa.retriever
    if r is None:
        ans.notes.append(qa.retriever_error or "retrieval unavailable")
        return refusal.answer(ask, Plan(Route.ABSTAIN, reason="none", items=p.items))
    k = int(qa.settings.get("top_k", 5))
    scope = ask.query.scope.retrieval_filters()
    about = [i.text for i in p.items] + p.terms
    entries = _glossary_entries(ask, about)
    variants = {t: (e.zh, *e.zh_synonyms) for t, e in entries.items() if e.zh_synonyms}
    # a section term searched by all its names: the section may be titled 部门职能 where the question says 职责
    sections = {t for t in p.terms if t in entries and entries[t].kind == "section"}
    expansions = [v for t in p.terms if t in sections for v in variants.get(t, ()) if v != t and len(v) >= 3]
    query = " ".join([q, *[i.text for i in p.items], *p.terms, *expansions])

    def covers(h) -> bool:
        return coverage(q, about, h.chunk.text, str(h.chunk.metadata.get("locator", "")), variants) >= 0.5

    best: list = []
    hits: list = []
    if has(DEFINE_CUE, q):
        # definitions live in the glossary part (名词解释): look there first
        hits = search(ask, query, k, {**scope, "part": 4})
        best = [h for h in hits if covers(h)]
    if not best:
        cue = passage_cue(q, p)
        hits = search(ask, query, k * 2 if cue else k, scope or None)
        best = [h for h in hits if covers(h)]
        if cue:
            best.sort(key=lambda h: cue not in h.chunk.text)  # e.g. a reason is stated as '主要原因是…'
    if not best:
        return refusal.answer(ask, Plan(Route.ABSTAIN, reason="none", items=p.items), hits=hits)
    heading = str(best[0].chunk.metadata.get("locator", ""))
    if p.intent == Intent.DESCRIBE and any(v in heading for t in sections for v in variants.get(t, (t,))):
        best = _in_reading_order(best)  # the section asked about, from its start
    ans.route = Route.RETRIEVAL
    named = dict(topics(q))
    # a topic asked about as such ('下属单位有哪些'), not one unit or office named in the question
    topic_words = {w for ws in named.values() for w in ws}
    general = all(t in topic_words for t in [i.text for i in p.items] + p.terms)
    if "subordinate" in named and general and _answer_units(ask, best):
        return
    if (has(LIST_CUE, q) or "divisions" in named and general) and _answer_list(ask, best[0]):
        return
    chosen = []
    for h in best[:2]:
        sent = best_sentences(h.chunk.metadata.get("quote") or h.chunk.text, q, p)
        if not sent:
            continue
        chosen.append((sent, h))
        if p.intent != Intent.DESCRIBE or len(sent) > 120 or has(DEFINE_CUE, q):
            break
    if len(chosen) == 2 and (chosen[0][1].chunk.metadata.get("locator") != chosen[1][1].chunk.metadata.get("locator")
                             or chosen[0][1].chunk.doc_id != chosen[1][1].chunk.doc_id):
        chosen = chosen[:1]  # a second passage only when it continues the same section of the same document
    quotes = []
    for sent, h in chosen:
        meta = h.chunk.metadata
        n = ask.cites.passage(qa.file_names.get(h.chunk.doc_id, h.chunk.doc_id), meta.get("locator", ""),
                              meta.get("quote") or h.chunk.text, int(meta.get("line", 0)),
                              table=str(meta.get("table", "")))
        loc = meta.get("locator", "")
        if len(qa.doc_meta) > 1:  # say whose disclosure this is
            loc = f"{meta.get('department', '')} {meta.get('year', '')} / {loc}"
        quotes.append((sent, n, loc))
    if lang == "zh":
        ans.answer = "\n".join(f"根据{loc}：“{s}” [{n}]" for s, n, loc in quotes)
    else:
        # English sentences for what the passage states in a fixed form; the Chinese quote as the source
        ans.answer = "\n".join(english.render(ask, str(p.intent), p.items, s, n, en_locator(loc)) for s, n, loc in quotes)
    if p.intent == Intent.REASON:
        fix = correction(ask, p.items)  # '为什么 X 增加了' when X went down: say so first
        if fix:
            ans.answer = fix + "\n" + ans.answer


def _in_reading_order(best: list) -> list:
    """The best section's passages as the document reads (its (一) before its (五)), then the rest.

    Only for a question about a section as such ('主要职能是什么'): one about a part of it ('二科负责什么')
    keeps the passage that names that part first.
    """
    top = best[0].chunk
    key = (top.doc_id, top.metadata.get("locator"))
    same = [h for h in best if (h.chunk.doc_id, h.chunk.metadata.get("locator")) == key]
    same.sort(key=lambda h: int(h.chunk.metadata.get("line", 0) or 0))
    return same + [h for h in best if h not in same]


def _answer_units(ask: Ask, hits: list) -> bool:
    """'下属单位有哪些': the units a sentence lists after '下属（预算）单位…分别是：', not the internal offices."""
    pattern = re.compile(r"下属(?:预算)?单位[^。；]*?(?:分别是|包括|为)[：:]?([^。；]+)")
    for h in hits:
        doc = ask.qa.document(h.chunk.doc_id)
        if doc is None:
            continue
        for sec in doc.sections:
            for para in sec.paragraphs:
                m = pattern.search(para.text)
                if not m:
                    continue
                units = [u.strip(" ，,") for u in re.split(r"[、，,和及]", m.group(1)) if u.strip(" ，,")]
                n = ask.cites.passage(ask.qa.file_names.get(doc.id, doc.id), h.chunk.metadata.get("locator", ""),
                                      m.group(0), para.line)
                sep = "、" if ask.lang == "zh" else "; "
                ask.answer.answer = (f"下属单位共 {len(units)} 个：{sep.join(units)} [{n}]" if ask.lang == "zh" else
                                     f"The disclosure lists {len(units)} subordinate unit(s): {sep.join(units)} [{n}]")
                return True
    return False


def _answer_list(ask: Ask, hit) -> bool:
    """'下设哪几个科室？': the head of each paragraph of the section ('（一）党政办公室。' …), each cited."""
    doc = ask.qa.document(hit.chunk.doc_id)
    sec = doc.section(str(hit.chunk.metadata.get("section_id", ""))) if doc else None
    if sec is None:
        return False
    heads = [m.group(1) for para in sec.paragraphs
             for m in re.finditer(r"[（(][一二三四五六七八九十]+[)）]([^。；;（(]{2,30})", para.text)]
    if len(heads) < 2:
        return False
    n = ask.cites.passage(ask.qa.file_names.get(doc.id, doc.id), hit.chunk.metadata.get("locator", ""),
                          " ".join(p.text for p in sec.paragraphs)[:600], sec.line)
    sep = "、" if ask.lang == "zh" else ", "
    listing = sep.join(h.strip() for h in heads)
    ask.answer.answer = (f"共 {len(heads)} 项：{listing} [{n}]" if ask.lang == "zh"
                         else f"The disclosure lists {len(heads)}: {listing} [{n}]")
    return True


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[^\u3400-\u9fff]", "", text)
    return {t[i: i + 2] for i in range(len(t) - 1)}


def _glossary_entries(ask: Ask, terms: list[str]) -> dict[str, Term]:
    """The glossary entry of each term that has one (its synonyms: 部门职能 and 主要职责 for 主要职能)."""
    by_zh = ask.qa.terms.glossary.by_zh
    return {t: e for t in terms if (e := by_zh.get(fold(t))) is not None}


def coverage(q: str, terms: list[str], text: str, heading: str = "",
             variants: dict[str, tuple[str, ...]] | None = None) -> float:
    """How much of what the question is about a passage contains (share of Chinese bigrams found).

    When the question names items or glossary terms, those carry its meaning ('分别是哪几笔' does not);
    otherwise the question's own content words are used. A term counts whole when the passage's heading
    names it by any of its glossary synonyms, or its text does by a synonym of three characters or more
    (a two-character one such as 职能 is too common in running text to stand for the section).
    """
    grams = {g for t in terms for g in _bigrams(t)}
    if not grams:
        grams = _bigrams(STOP.sub(" ", q))
    if not grams:
        words = set(re.findall(r"[a-z]{4,}", q.lower()))
        return 1.0 if words and sum(w in text.lower() for w in words) / len(words) >= 0.5 else 0.0
    named = {g for t, vs in (variants or {}).items() if t in terms
             and any(v in heading or (len(v) >= 3 and v in text) for v in vs) for g in _bigrams(t)}
    return sum(g in text or g in named for g in grams) / len(grams)


def passage_cue(q: str, p: Plan) -> str:
    """The word a passage must contain to answer this kind of question."""
    if p.intent == Intent.REASON:
        return "原因"
    if has(r"依据|根据什么|为什么设立|\bbasis\b|\bjustif", q):
        return "政策依据"
    if has(r"用于|用来|用途|\bused\s+for|\bspent\s+on", q):
        return "用于"
    return ""


def best_sentences(text: str, q: str, p: Plan) -> str:
    sents = [s for s in re.split(r"(?<=[。；！？])", text) if s.strip()]
    if not sents:
        return text.strip()
    item_grams = {g for i in p.items for g in _bigrams(i.text)}
    grams = _bigrams(STOP.sub(" ", q)) | item_grams

    def score(s: str) -> float:
        base = sum(g in s for g in grams) + 2 * sum(g in s for g in item_grams)
        if p.intent == Intent.REASON and "原因" in s:
            base += 8
        return base

    if p.intent == Intent.REASON and item_grams:
        # the sentence about the item, then the first '原因' sentence from there on (often the next one)
        anchor = max(range(len(sents)), key=lambda k: (sum(g in sents[k] for g in item_grams), "原因" in sents[k]))
        why = next((k for k in range(anchor, len(sents)) if "原因" in sents[k]), None)
        if why is not None:
            # a reason often runs over several sentences: keep going to the end of its paragraph (bounded)
            reason = sents[why]
            for nxt in sents[why + 1:]:
                if "\n" in reason or len(reason) + len(nxt) > 320:
                    break
                reason += nxt
            return (sents[anchor] + (reason if why != anchor else reason[len(sents[anchor]):])).strip()
    if p.intent == Intent.DESCRIBE and len("".join(sents)) <= 400:
        return "".join(sents).strip()
    return max(sents, key=score).strip()


def en_locator(loc: str) -> str:
    from ...ingest.narrative_builder import numeral_value
    from ..citations import parse_section_locator

    prefix = ""
    if loc and not loc.startswith("第") and " / 第" in loc:
        prefix, loc = loc.split(" / ", 1)
        prefix += ", "
    part, section, sub = parse_section_locator(loc)
    if part:
        sec = f", section {numeral_value(section)}" if section else ""
        return prefix + f"Part {part}{sec}" + (f"({numeral_value(sub.strip('()'))})" if sub else "")
    return prefix + loc
