"""Scoring one answer against its gold item, and averaging scores overall, by kind and by language."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
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


def value_in(gold: str, found: Sequence[Number]) -> bool:
    g = gold_number(gold)
    if g is None:  # a gold value without digits: compare as text
        return False
    return any(number_matches(g, n) for n in found)


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


def locator_matches(gold: dict[str, Any], c: Citation) -> bool:
    """Does one citation point at a gold locator? (rules in the report's metric section)."""
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
    if part != gold.get("part") or section != gold.get("section"):
        return False
    want_sub = gold.get("subsection")
    return not want_sub or fold(sub) == fold(want_sub)


def matches_any(golds: Iterable[dict[str, Any]], c: Citation) -> bool:
    return any(locator_matches(g, c) for g in golds)


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
          route: str | None = None, allowed: Iterable[str] = ()) -> Score:
    """Score one answer. ``sources`` is the system's ranked evidence; ``allowed`` are numbers that need
    no source (the document years, '100' of a percentage formula), as in BudgetQA's own grounding check."""
    s = Score(item.id, item.kind, item.language, latency_ms=latency_ms)
    s.abstained = not ans.answerable
    s.should_abstain = not item.answerable
    if item.gold_values:
        found = answer_numbers(ans)
        s.figure_exact = all(value_in(v, found) for v in item.gold_values)
    if item.gold_values or item.gold_answer_contains:
        text_nums = answer_numbers(ans, with_figures=False)
        s.contains_gold = (all(value_in(v, text_nums) for v in item.gold_values)
                           and all(phrase_in(p, ans.answer) for p in item.gold_answer_contains))
    if item.gold_answer_contains:
        s.phrases_ok = all(phrase_in(p, ans.answer) for p in item.gold_answer_contains)
    if item.answerable and item.gold_locators:
        cited = [c for c in ans.citations] if ans.answerable else []
        if cited:
            s.citation_precision = sum(matches_any(item.gold_locators, c) for c in cited) / len(cited)
        s.citation_recall = _share_found(item.gold_locators, cited)
        ranked = list(sources)[:RANK_DEPTH]
        s.recall_at_5 = _share_found(item.gold_locators, ranked)
        s.reciprocal_rank = next((1 / k for k, c in enumerate(ranked, 1) if matches_any(item.gold_locators, c)), 0.0)
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


def _share_found(golds: list[dict[str, Any]], cited: Sequence[Citation]) -> float:
    return sum(any(locator_matches(g, c) for c in cited) for g in golds) / len(golds)


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
