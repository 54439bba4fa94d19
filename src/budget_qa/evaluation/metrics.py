"""Scoring one answer against its gold item, and averaging scores overall, by kind and by language."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..answer.citations import parse_section_locator
from ..answer.grounding import numbers, ungrounded
from ..model import Answer, Citation
from ..textnorm import fold, strip_numbering
from .qaset import QAItem

RANK_DEPTH = 5  # recall@5 and MRR@5 look at the first 5 ranked sources
_MARKER = re.compile(r"\[\d+\]")  # citation markers '[1]' are not figures
_OP_SPACE = re.compile(r"([<>])\s*=")
_TOKEN = re.compile(r"(?<![\d.,])(>=|<=|=|>|<)?\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])(?!\.\d)(\s*%)?")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_QUOTED = re.compile(r"“.*”|“.*$|「.*」|《[^》]*》")  # greedy: quotes nest (“…“三公”经费…”) or run past the line
_BRACKETED = re.compile(r"\([^()]*\)|（[^（）]*）")
# an amount with the unit it is stated in: '14.70 万元', '147,000.00 元', 'CNY 147,000', '¥147000'
_AMOUNT = re.compile(r"(?:(?P<cur>CNY|RMB|¥|￥)\s*)?(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d.])"
                     r"\s*(?P<unit>亿元|万元|千元|元|yuan)?")
_YUAN = {"亿元": Decimal(100000000), "万元": Decimal(10000), "千元": Decimal(1000), "元": Decimal(1), "yuan": Decimal(1)}


# ------------------------------------------------------------------ values


@dataclass(frozen=True)
class Number:
    """A figure as written: operator ('' '>=' '<=' '>' '<'), decimal value, percent or not."""

    op: str
    value: Decimal
    percent: bool


def normalise_text(text: str) -> str:
    """NFKC (full-width → half-width), '≥'/'> =' → '>=', '≤' → '<=', citation markers dropped."""
    t = unicodedata.normalize("NFKC", text).replace("≥", ">=").replace("≤", "<=")
    t = _OP_SPACE.sub(r"\1=", t)
    return _MARKER.sub(" ", t)


def parse_numbers(text: str) -> list[Number]:
    """Every number in a text with its operator and percent sign: '> =450 项' → [Number('>=', 450, False)]."""
    out = []
    for m in _TOKEN.finditer(normalise_text(text)):
        op, digits, pct = m.group(1) or "", m.group(2).replace(",", ""), bool(m.group(3))
        try:
            out.append(Number(op, Decimal(digits), pct))
        except InvalidOperation:
            continue
    return out


def gold_number(value: str) -> Number | None:
    """The number a gold value stands for ('=1579 亿元' → Number('=', 1579, False)); units are dropped."""
    found = parse_numbers(value)
    return found[0] if found else None


def number_matches(gold: Number, got: Number) -> bool:
    """Same value (1.6 = 1.60), same percent flag; an operator in the gold (>=, <=, >, <) must be there too.

    A gold '=' (performance indicators print '=1579 亿元') is the plain value: '1579' matches it.
    """
    if gold.value != got.value or gold.percent != got.percent:
        return False
    want = "" if gold.op == "=" else gold.op
    return not want or got.op == want


def value_in(gold: str, found: Sequence[Number], amounts: Sequence[Decimal] = ()) -> bool:
    """The gold value among the numbers found, or (for an amount) among ``amounts``: the answer's amounts that
    state their unit, in yuan — a gold amount printed in 元 or 万元 is matched by the same amount in the other
    unit (147000.00 元 = 14.70 万元), exactly."""
    g = gold_number(gold)
    if g is None:  # a gold value without digits: compare as text
        return False
    if any(number_matches(g, n) for n in found):
        return True
    if g.op or g.percent or "." not in gold:  # counts, indicators and shares are not converted
        return False
    return any(a in (g.value, g.value * _YUAN["万元"]) for a in amounts)


def stated_amounts(text: str) -> list[Decimal]:
    """Amounts in a text that state their unit (万元, 元, CNY …), converted to yuan."""
    out = []
    for m in _AMOUNT.finditer(normalise_text(text)):
        unit = m.group("unit") or ("元" if m.group("cur") else "")
        if unit:
            out.append(Decimal(m.group("num").replace(",", "")) * _YUAN[unit])
    return out


def answer_amounts(ans: Answer, with_figures: bool = True) -> list[Decimal]:
    found = stated_amounts(ans.answer)
    if with_figures:
        for f in ans.figures:
            try:
                if f.unit in _YUAN:
                    found.append(Decimal(f.value.replace(",", "")) * _YUAN[f.unit])
            except InvalidOperation:
                continue
    return found


def answer_numbers(ans: Answer, with_figures: bool = True) -> list[Number]:
    found = parse_numbers(ans.answer)
    if with_figures:
        for f in ans.figures:
            try:
                found.append(Number("", Decimal(f.value.replace(",", "")), f.unit == "%"))
            except InvalidOperation:
                continue
    return found


def phrase_in(phrase: str, text: str) -> bool:
    """Key phrase present after folding width, whitespace and quotes."""
    return fold(phrase) in fold(text)


# ------------------------------------------------------------------ locators


def _label(s: str) -> str:
    return fold(strip_numbering(s)).replace('"', "")


def _table_of(c: Citation) -> tuple[str, str]:
    return fold(c.table), fold(c.locator.split(" / ")[0]) if c.locator else ""


def table_matches(gold_table: str, c: Citation) -> bool:
    """'表6' = citation table; '项目支出绩效目标表:招商引资专项' = citation table + the project in its locator."""
    g = fold(gold_table)
    table, head = _table_of(c)
    if not table and not head:
        return False
    if ":" in g:
        return head.startswith(g) or head.replace("：", ":").startswith(g)
    return table == g or head.split(" ")[0] == g or head == g


def column_matches(gold_column: str, column: str) -> bool:
    """Leaf or suffix of the citation's column path: '预算数' ~ '收入/预算数', '项目支出合计' ~ '项目支出/合计'."""
    g = fold(gold_column)
    parts = [fold(p) for p in column.split("/") if p]
    if not parts:
        return False
    return parts[-1] == g or "".join(parts).endswith(g)


def document_of(c: Citation, aliases: dict[str, str] | None = None) -> str:
    """The document id a citation comes from: its file name or path resolved through ``aliases``
    (every file name, stem and id of the indexed documents → document id), else the file stem."""
    name = Path(str(c.document)).name
    aliases = aliases or {}
    return aliases.get(name) or aliases.get(Path(name).stem) or Path(name).stem


def locator_matches(gold: dict[str, Any], c: Citation, document: str = "",
                    aliases: dict[str, str] | None = None) -> bool:
    """Does one citation point at a gold locator? (rules in the report's metric section).

    ``document`` is the item's document; a locator may name another (``gold["document"]``). When one is
    known, the citation must come from it."""
    want_doc = gold.get("document") or document
    if want_doc and c.document and document_of(c, aliases) != want_doc:
        return False
    if "table" in gold:
        if not table_matches(gold["table"], c):
            return False
        if "row" not in gold:
            return True  # a whole table (the empty 表8 / 表9)
        if c.row:
            return _label(c.row) == _label(gold["row"]) and column_matches(gold["column"], c.column)
        # a passage (a chunk of table rows): the row must be printed in the quoted text
        return _label(gold["row"]) in fold(c.quote).replace('"', "")
    part, section, sub = c.part, c.section, ""
    loc_part, loc_section, loc_sub = parse_section_locator(c.locator or "")
    if not part or not section:
        part, section = loc_part, loc_section
    sub = loc_sub
    if c.table and not section:
        return False
    if (part or 0) != gold.get("part", 0) or section != gold.get("section"):  # no part: a layout without parts
        return False
    want_sub = gold.get("subsection")
    return not want_sub or fold(sub) == fold(want_sub)


def matches_any(golds: Iterable[dict[str, Any]], c: Citation, document: str = "",
                aliases: dict[str, str] | None = None) -> bool:
    return any(locator_matches(g, c, document, aliases) for g in golds)


# ------------------------------------------------------------------ language


def answer_language(text: str) -> str:
    """Language of the answer's own wording: its first line without quoted or bracketed source text."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    body = _BRACKETED.sub(" ", _QUOTED.sub(" ", first))
    return "zh" if len(_CJK.findall(body)) >= len(_LATIN.findall(body)) else "en"


# ------------------------------------------------------------------ one question


@dataclass
class Score:
    """Scores of one system on one question; None = the metric does not apply to this question."""

    id: str
    kind: str
    language: str
    document: str = ""
    layout: str = ""
    figure_exact: bool | None = None
    contains_gold: bool | None = None
    phrases_ok: bool | None = None
    correct: bool = False
    citation_precision: float | None = None
    citation_recall: float | None = None
    recall_at_5: float | None = None
    reciprocal_rank: float | None = None
    abstained: bool = False
    should_abstain: bool = False
    language_match: bool = True
    numbers: int = 0
    grounded_numbers: int = 0
    route_ok: bool | None = None
    latency_ms: float = 0.0
    failed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score(item: QAItem, ans: Answer, sources: Sequence[Citation], latency_ms: float,
          route: str | None = None, allowed: Iterable[str] = (), aliases: dict[str, str] | None = None) -> Score:
    """Score one answer. ``sources`` is the system's ranked evidence; ``allowed`` are numbers that need
    no source (the document years, '100' of a percentage formula), as in BudgetQA's own grounding check;
    ``aliases`` map the file names cited to document ids (see ``document_of``)."""
    s = Score(item.id, item.kind, item.language, item.document, item.layout, latency_ms=latency_ms)
    s.abstained = not ans.answerable
    s.should_abstain = not item.answerable
    if item.gold_values:
        found, amounts = answer_numbers(ans), answer_amounts(ans)
        s.figure_exact = all(value_in(v, found, amounts) for v in item.gold_values)
    if item.gold_values or item.gold_answer_contains:
        text_nums, text_amounts = answer_numbers(ans, with_figures=False), answer_amounts(ans, with_figures=False)
        s.contains_gold = (all(value_in(v, text_nums, text_amounts) for v in item.gold_values)
                           and all(phrase_in(p, ans.answer) for p in item.gold_answer_contains))
    if item.gold_answer_contains:
        s.phrases_ok = all(phrase_in(p, ans.answer) for p in item.gold_answer_contains)
    if item.answerable and item.gold_locators:
        cited = [c for c in ans.citations] if ans.answerable else []
        match = lambda c: matches_any(item.gold_locators, c, item.document, aliases)  # noqa: E731
        if cited:
            s.citation_precision = sum(match(c) for c in cited) / len(cited)
        s.citation_recall = _share_found(item.gold_locators, cited, item.document, aliases)
        ranked = list(sources)[:RANK_DEPTH]
        s.recall_at_5 = _share_found(item.gold_locators, ranked, item.document, aliases)
        s.reciprocal_rank = next((1 / k for k, c in enumerate(ranked, 1) if match(c)), 0.0)
    s.language_match = answer_language(ans.answer) == item.language
    if ans.answerable:
        nums = numbers(_MARKER.sub(" ", ans.answer))
        s.numbers = len(nums)
        s.grounded_numbers = len(nums - ungrounded(_MARKER.sub(" ", ans.answer), ans, extra=set(allowed)))
    if route is not None:
        s.route_ok = route == item.route
    s.failed = failures(s)
    s.correct = not any(f in ANSWER_FAILURES for f in s.failed)
    return s


def _share_found(golds: list[dict[str, Any]], cited: Sequence[Citation], document: str = "",
                 aliases: dict[str, str] | None = None) -> float:
    return sum(any(locator_matches(g, c, document, aliases) for c in cited) for g in golds) / len(golds)


ANSWER_FAILURES = ("answered an unanswerable question", "abstained on an answerable question",
                   "gold value missing", "key phrase missing")
CITATION_FAILURE = "no citation at a gold locator"


def failures(s: Score) -> list[str]:
    """Why a question counts as failed (empty = passed). The first four make the answer wrong."""
    out = []
    if s.should_abstain and not s.abstained:
        out.append(ANSWER_FAILURES[0])
    if not s.should_abstain and s.abstained:
        out.append(ANSWER_FAILURES[1])
    if not s.should_abstain and not s.abstained:
        if s.figure_exact is False:
            out.append(ANSWER_FAILURES[2])
        if s.phrases_ok is False:
            out.append(ANSWER_FAILURES[3])
        if s.citation_recall == 0:
            out.append(CITATION_FAILURE)
    return out


# ------------------------------------------------------------------ averages


METRICS: tuple[tuple[str, str], ...] = (
    ("accuracy", "Answer accuracy"),
    ("figure_accuracy", "Figure exact match"),
    ("contains_gold", "Answer contains gold"),
    ("citation_precision", "Citation precision"),
    ("citation_recall", "Citation recall"),
    ("recall_at_5", "Retrieval recall@5"),
    ("mrr", "MRR@5"),
    ("abstention_precision", "Abstention precision"),
    ("abstention_recall", "Abstention recall"),
    ("language_match", "Answer language match"),
    ("number_grounding", "Number grounding"),
    ("route_accuracy", "Route accuracy"),
    ("pass_rate", "Passed (accuracy + a cited gold locator)"),
    ("latency_p50_ms", "Latency p50 (ms)"),
    ("latency_p95_ms", "Latency p95 (ms)"),
)


def _mean(values: Iterable[float | bool | None]) -> tuple[float | None, int]:
    vals = [float(v) for v in values if v is not None]
    return (sum(vals) / len(vals) if vals else None), len(vals)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[k - 1]


def aggregate(scores: Sequence[Score]) -> dict[str, Any]:
    """Each metric with the number of questions it was computed on (``n_<metric>``); None = not applicable."""
    out: dict[str, Any] = {"questions": len(scores)}
    out["accuracy"] = round(sum(s.correct for s in scores) / len(scores), 4) if scores else None
    out["n_accuracy"] = len(scores)

    def put(name: str, value: float | None, n: int) -> None:
        out[name] = None if value is None else round(value, 4)
        out[f"n_{name}"] = n

    put("figure_accuracy", *_mean(s.figure_exact for s in scores))
    put("contains_gold", *_mean(s.contains_gold for s in scores))
    put("citation_precision", *_mean(s.citation_precision for s in scores))
    put("citation_recall", *_mean(s.citation_recall for s in scores))
    put("recall_at_5", *_mean(s.recall_at_5 for s in scores))
    put("mrr", *_mean(s.reciprocal_rank for s in scores))
    tp = sum(s.abstained and s.should_abstain for s in scores)
    predicted = sum(s.abstained for s in scores)
    actual = sum(s.should_abstain for s in scores)
    put("abstention_precision", tp / predicted if predicted else None, predicted)
    put("abstention_recall", tp / actual if actual else None, actual)
    put("language_match", *_mean(s.language_match for s in scores))
    total = sum(s.numbers for s in scores)
    put("number_grounding", sum(s.grounded_numbers for s in scores) / total if total else None, total)
    put("route_accuracy", *_mean(s.route_ok for s in scores))
    put("pass_rate", *_mean(not s.failed for s in scores))
    lat = [s.latency_ms for s in scores]
    out["latency_p50_ms"] = _round(percentile(lat, 50))
    out["latency_p95_ms"] = _round(percentile(lat, 95))
    return out


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def breakdown(scores: Sequence[Score], key: str, order: Sequence[str]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Score]] = {}
    for s in scores:
        groups.setdefault(getattr(s, key), []).append(s)
    return {k: aggregate(groups[k]) for k in [*order, *sorted(set(groups) - set(order))] if k in groups}
