"""Deterministic router: figure → lookup, calculation → compute, text → retrieval, else abstain."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .terms import Item
from .types import Intent, Measure, Route


@lru_cache(maxsize=1)
def _cue_data() -> dict:
    return json.loads(resources.files("budget_qa.answer.data").joinpath("cues.json").read_text(encoding="utf-8"))


def cue(name: str) -> str:
    """A cue of ``data/cues.json`` as one regular expression: its Chinese and English alternatives."""
    entry = _cue_data()[name]
    return "|".join([*entry["zh"], *entry["en"]])


def topics(q: str) -> list[tuple[str, list[str]]]:
    """The descriptive topics a question asks about ('下属单位', 'what does X do'), with their section words."""
    out = []
    for name, entry in _cue_data().get("topics", {}).items():
        if isinstance(entry, dict) and re.search("|".join([*entry["zh"], *entry["en"]]), q, re.I):
            out.append((name, list(entry["terms"])))
    return out


COMPUTE_CUES = {k: cue(f"compute_{k}") for k in ("average", "exclude", "share", "sum", "difference", "rank", "previous")}
CHANGE_CUE = cue("change")
SHARE_STATED_CUE = cue("share_stated")
REASON_CUE = cue("reason")
DESCRIBE_CUE = cue("describe")
LIST_CUE = cue("list")
FIGURE_CUE = cue("figure")
ACTUAL_CUE = cue("actual")
PERSONAL_CUE = cue("personal")
FORECAST_CUE = cue("forecast")
OPINION_CUE = cue("opinion")
WHOLE_SCOPE = cue("whole_scope")
NOT_DISCLOSED = cue("not_disclosed")
# Another organisation named with its place ('北京市教育局', 'Beijing Education Bureau', 'Ministry of Finance').
OTHER_ORG_ZH = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:省|市|自治区|自治州|区|县|州|盟|旗)[\u4e00-\u9fff]{0,10}?"
                          r"(?:局|委员会|委|厅|办公室|人民政府|政府|中心|医院|学校|大学|公司)|"
                          r"(?:财政部|教育部|商务部|国家[\u4e00-\u9fff]{1,8}?(?:局|部|委员会))")
OTHER_ORG_EN = re.compile(r"\b((?:[A-Z][a-z]+\s+){1,4})(Bureau|Ministry|Commission|Department|Government|Hospital|University|Police)\b|"
                          r"\b(Ministry|Bureau|Department|Commission)\s+of\s+((?:[A-Z][a-z]+\s*){1,4})")
# words that say nothing about which organisation is meant
GENERIC_EN = {"service", "services", "party", "the", "this", "what", "which", "how", "municipal", "city", "its", "our",
              "your", "does", "is", "are", "general", "public"}
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def other_organisation(q: str, departments: list[str], known_text: str, known_en: set[str] = frozenset()) -> bool:
    for m in OTHER_ORG_ZH.finditer(q):
        org = m.group(0)
        if any(org in d or d in org for d in departments) or org in known_text:
            continue
        return True
    for m in OTHER_ORG_EN.finditer(q):
        name = (m.group(1) or m.group(4) or "").strip()
        words = {w.lower() for w in name.split()}
        # the index's own departments, by the words of their English names (known_en, from the glossary)
        if not words or words <= GENERIC_EN | known_en or words & (known_en - GENERIC_EN):
            continue
        return True
    return False


@dataclass
class Plan:
    route: Route | str  # lookup | compute | retrieval | abstain
    intent: Intent | str = ""  # figure | share | sum | difference | rank | previous | change | describe | reason
    items: list[Item] = field(default_factory=list)
    reason: str = ""  # for abstentions
    table_hint: str = ""
    measure: Measure | str = ""  # narrative measure wanted: change | share | ''
    terms: list[str] = field(default_factory=list)  # other glossary terms (zh), for retrieval

    def __post_init__(self) -> None:
        # routes, intents and measures are enums; plans may be written with their string values
        self.route, self.intent, self.measure = Route(self.route), Intent(self.intent), Measure(self.measure)


def has(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.I) is not None


def plan(question: str, items: list[Item], *, years: set[str], known_text: str, departments: list[str],
         known_en: frozenset[str] | set[str] = frozenset()) -> Plan:
    q = question
    # 1. out of scope: another year, another department, personal or actual-spending facts
    if has(ACTUAL_CUE, q):
        return Plan("abstain", reason="actual", items=items)
    asked_years = set(YEAR_RE.findall(q))
    other_years = asked_years - years
    if other_years:
        prev = {str(int(y) - 1) for y in years}
        if not (other_years <= prev and not has(ACTUAL_CUE + r"|\bactual(ly)?\b|实际|实现|完成", q) and items):
            return Plan("abstain", reason="year", items=items)
        # the year before: derived from this year's figure and its stated change, else refused as a year
        return Plan("compute", "previous", items)
    if has(PERSONAL_CUE, q):
        return Plan("abstain", reason="personal", items=items)
    if has(FORECAST_CUE, q):
        return Plan("abstain", reason="forecast", items=items)
    if has(OPINION_CUE, q):
        return Plan("abstain", reason="opinion", items=items)
    if has(WHOLE_SCOPE, q):
        return Plan("abstain", reason="scope", items=items)
    if has(NOT_DISCLOSED, q):
        return Plan("abstain", reason="none", items=items)
    if other_organisation(q, departments, known_text, set(known_en)):
        return Plan("abstain", reason="department", items=items)
    table_hint = ""
    m = re.search(r"(?:附表|表)\s*([0-9一二三四五六七八九十]{1,3})|table\s*(\d{1,2})", q, re.I)
    if m:
        table_hint = f"表{m.group(1) or m.group(2)}"
    elif has(r"三公|three\s+public|three\s+official", q):
        table_hint = "three_public"
    # 2. calculations
    if has(COMPUTE_CUES["rank"], q) and items:
        return Plan("compute", "rank", items, table_hint=table_hint)
    if has(COMPUTE_CUES["previous"], q) and items and not has(CHANGE_CUE, q):
        return Plan("compute", "previous", items, table_hint=table_hint)
    if has(COMPUTE_CUES["average"], q) and items:
        return Plan("compute", "average", items, table_hint=table_hint)
    if has(COMPUTE_CUES["exclude"], q) and len(items) >= 2:
        return Plan("compute", "exclude", items, table_hint=table_hint)
    if has(COMPUTE_CUES["share"], q) and len(items) >= 2:
        return Plan("compute", "share", items, table_hint=table_hint, measure="share")
    if has(COMPUTE_CUES["difference"], q) and len(items) >= 2 and not has(CHANGE_CUE, q):
        return Plan("compute", "difference", items, table_hint=table_hint)
    if has(COMPUTE_CUES["sum"], q) and len(items) >= 2:
        return Plan("compute", "sum", items, table_hint=table_hint)
    # 3. reasons, definitions, lists and descriptions go to the text
    if has(REASON_CUE, q):
        return Plan("retrieval", "reason", items, table_hint=table_hint)
    if has(cue("define"), q) and not has(r"多少|几|\bhow\s+(much|many)\b", q):
        return Plan("retrieval", "describe", items, table_hint=table_hint)
    if has(LIST_CUE, q):
        return Plan("retrieval", "describe", items, table_hint=table_hint)
    if items and has(CHANGE_CUE, q):
        return Plan("lookup", "change", items, table_hint=table_hint, measure="change")
    if items and has(COMPUTE_CUES["share"], q):
        return Plan("lookup", "share", items, table_hint=table_hint, measure="share")
    if has(DESCRIBE_CUE, q) and not has(FIGURE_CUE, q):
        return Plan("retrieval", "describe", items, table_hint=table_hint)
    if items:
        return Plan("lookup", "figure", items, table_hint=table_hint)
    return Plan("retrieval", "describe", items, table_hint=table_hint)
