"""Load eval/qa.jsonl with the rules of eval/qa_schema.json checked in code; errors name file, line and field."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BudgetQAError

KINDS = ("figure", "narrative", "descriptive", "compute", "followup", "ambiguous", "abstain")
ROUTES = ("lookup", "compute", "retrieval", "abstain")
LANGUAGES = ("zh", "en")
ABBR = {"figure": "fig", "narrative": "nar", "descriptive": "desc", "compute": "cmp",
        "followup": "fu", "ambiguous": "amb", "abstain": "abs"}
REQUIRED = ("id", "question", "language", "kind", "route", "answerable", "gold_values", "gold_locators")
OPTIONAL = ("history", "gold_answer_contains", "notes", "document", "layout")
LAYOUTS = ("urumqi", "provincial", "central")
ID_RE = re.compile(r"^(zh|en)-(fig|nar|desc|cmp|fu|amb|abs)-[0-9]{3}$")
# a table as the document numbers it: 表1 … 表11, 表一 … 表十一, 预算01表 … 预算12表, or a performance table
TABLE_RE = re.compile(r"^(表([1-9]|1[01])|表(十一|[一二三四五六七八九十])|预算(0[1-9]|1[0-2])表|部门整体绩效目标表"
                      r"|项目支出绩效目标表:.+)$")
DOCUMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SECTION_RE = re.compile(r"^[一二三四五六七八九十]+$")
SUBSECTION_RE = re.compile(r"^\([一二三四五六七八九十]+\)$")
# kind → (required route(s), minimum number of gold values, maximum or None)
KIND_RULES: dict[str, tuple[tuple[str, ...], int, int | None]] = {
    "figure": (("lookup",), 1, None),
    "narrative": (("retrieval",), 1, None),
    "descriptive": (("retrieval",), 0, 0),
    "compute": (("compute",), 1, None),
    "followup": (ROUTES, 0, None),
    "ambiguous": (("lookup", "retrieval", "compute"), 2, None),
    "abstain": (("abstain",), 0, None),
}
MAX_LISTED = 25  # problems listed in one error message


@dataclass
class QAItem:
    """One evaluation question with its gold answer (see eval/README.md for the fields)."""

    id: str
    question: str
    language: str
    kind: str
    route: str
    answerable: bool
    gold_values: list[str]
    gold_locators: list[dict[str, Any]]
    gold_answer_contains: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    notes: str = ""
    document: str = ""  # the disclosure asked about (its file stem = document id in the index); "" = the only one
    layout: str = ""  # that disclosure's layout (urumqi, provincial, central)
    line: int = 0


@dataclass
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", field '{self.field}'" if self.field else "")
        return f"{where}: {self.message}"


class QASetError(BudgetQAError):
    """The QA file has invalid lines; the message lists each with its line number and field."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path, self.problems = path, problems
        shown = "\n".join(f"  {path}, {p}" for p in problems[:MAX_LISTED])
        more = f"\n  … and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        lines = len({p.line for p in problems})
        super().__init__(f"{path}: {len(problems)} problem{'s' if len(problems) > 1 else ''} on {lines} "
                         f"line{'s' if lines > 1 else ''} of the QA set — fix them (the fields are described in "
                         f"eval/README.md):\n{shown}{more}")


def load_qa(path: str | Path, documents: set[str] | None = None) -> list[QAItem]:
    """All items of a QA file, or QASetError listing every problem (file, line, field, what is wrong).

    Either every item names its ``document`` or none does (a set over one disclosure). With ``documents``
    (the document ids of the corpus the set is asked against), every item must name one of them.
    """
    path = Path(path)
    if not path.is_file():
        raise BudgetQAError(f"No QA file at {path} — give the path of a .jsonl QA set (default eval/qa.jsonl)")
    problems: list[Problem] = []
    items: list[QAItem] = []
    first_line: dict[str, int] = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as err:
            problems.append(Problem(n, "", f"not valid JSON ({err.msg} at column {err.colno})"))
            continue
        found = check_item(obj, n)
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            if obj["id"] in first_line:
                found.append(Problem(n, "id", f"duplicate id '{obj['id']}' (first used on line {first_line[obj['id']]})"))
            else:
                first_line[obj["id"]] = n
        problems += found
        if not found:
            items.append(_item(obj, n))
    problems += _documents_named(items, documents)
    if problems:
        raise QASetError(path, problems)
    if not items:
        raise BudgetQAError(f"{path}: the QA set is empty — add one JSON object per line")
    return items


def _item(obj: dict[str, Any], line: int) -> QAItem:
    return QAItem(
        id=obj["id"], question=obj["question"], language=obj["language"], kind=obj["kind"], route=obj["route"],
        answerable=obj["answerable"], gold_values=list(obj["gold_values"]), gold_locators=list(obj["gold_locators"]),
        gold_answer_contains=list(obj.get("gold_answer_contains") or []), history=list(obj.get("history") or []),
        notes=obj.get("notes", ""), document=obj.get("document", ""), layout=obj.get("layout", ""), line=line,
    )


def _documents_named(items: list[QAItem], documents: set[str] | None) -> list[Problem]:
    """File-level rules on ``document``: all items or none; with a corpus, a document of that corpus."""
    named = [i for i in items if i.document]
    out: list[Problem] = []
    if (named and len(named) < len(items)) or (documents is not None and not named):
        why = ("every item must name its document when some do" if named else
               "every item must name its document (the file stem of a disclosure in the corpus)")
        out += [Problem(i.line, "document", f"required field is missing: {why}") for i in items if not i.document]
    if documents is not None:
        known = ", ".join(sorted(documents))
        for i in named:
            docs = [i.document, *(str(loc["document"]) for loc in i.gold_locators if "document" in loc)]
            out += [Problem(i.line, "document", f"no document '{d}' in the corpus (it has: {known})")
                    for d in dict.fromkeys(docs) if d not in documents]
    return sorted(out, key=lambda p: p.line)


def check_item(obj: Any, line: int) -> list[Problem]:
    """Every rule of eval/qa_schema.json for one parsed line (plus id ↔ language/kind agreement)."""
    if not isinstance(obj, dict):
        return [Problem(line, "", f"expected a JSON object, got {type(obj).__name__}")]
    out: list[Problem] = []

    def bad(fld: str, msg: str) -> None:
        out.append(Problem(line, fld, msg))

    for k in REQUIRED:
        if k not in obj:
            bad(k, "required field is missing")
    for k in obj:
        if k not in REQUIRED and k not in OPTIONAL:
            bad(k, f"unknown field (allowed: {', '.join(REQUIRED + OPTIONAL)})")
    _enum(obj, "language", LANGUAGES, bad)
    _enum(obj, "kind", KINDS, bad)
    _enum(obj, "route", ROUTES, bad)
    if "id" in obj:
        if not isinstance(obj["id"], str) or not ID_RE.match(obj["id"]):
            bad("id", f"must look like <zh|en>-<kind abbreviation>-<nnn>, e.g. zh-fig-001 (got {obj['id']!r})")
        elif obj.get("language") in LANGUAGES and obj.get("kind") in KINDS:
            want = f"{obj['language']}-{ABBR[obj['kind']]}-"
            if not obj["id"].startswith(want):
                bad("id", f"prefix must be '{want}' for language {obj['language']} and kind {obj['kind']}")
    if "question" in obj and (not isinstance(obj["question"], str) or not obj["question"].strip()):
        bad("question", "must be a non-empty string")
    if "answerable" in obj and not isinstance(obj["answerable"], bool):
        bad("answerable", f"must be true or false (got {obj['answerable']!r})")
    for k in ("gold_values", "gold_answer_contains", "history"):
        if k in obj:
            _strings(obj[k], k, bad)
    if "history" in obj and isinstance(obj["history"], list) and not obj["history"]:
        bad("history", "must hold at least one earlier turn")
    if "notes" in obj and not isinstance(obj["notes"], str):
        bad("notes", "must be a string")
    if "document" in obj and (not isinstance(obj["document"], str) or not DOCUMENT_RE.match(obj["document"])):
        bad("document", f"must be a file stem such as hunan-water-resources-2024 (got {obj['document']!r})")
    _enum(obj, "layout", LAYOUTS, bad)
    if ("document" in obj) != ("layout" in obj):
        bad("layout" if "document" in obj else "document", "document and layout go together (give both, or neither)")
    if "gold_locators" in obj:
        if not isinstance(obj["gold_locators"], list):
            bad("gold_locators", "must be a list of locators")
        else:
            for i, loc in enumerate(obj["gold_locators"]):
                _locator(loc, f"gold_locators[{i}]", bad)
    _consistency(obj, bad)
    return out


def _enum(obj: dict, key: str, allowed: tuple[str, ...], bad) -> None:
    if key in obj and obj[key] not in allowed:
        bad(key, f"must be one of {', '.join(allowed)} (got {obj[key]!r})")


def _strings(value: Any, key: str, bad) -> None:
    if not isinstance(value, list):
        bad(key, "must be a list of strings")
        return
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v:
            bad(f"{key}[{i}]", f"must be a non-empty string (got {v!r})")


def _locator(loc: Any, key: str, bad) -> None:
    if not isinstance(loc, dict):
        bad(key, "must be an object: {table, row, column} or {[part,] section[, subsection]}")
        return
    if "document" in loc and (not isinstance(loc["document"], str) or not DOCUMENT_RE.match(loc["document"])):
        bad(f"{key}.document", f"must be a file stem such as hunan-water-resources-2023 (got {loc['document']!r})")
    if "table" in loc:
        extra = set(loc) - {"table", "row", "column", "document"}
        if extra:
            bad(key, f"a table locator has only table, row, column, document (unexpected: {', '.join(sorted(extra))})")
        if not isinstance(loc["table"], str) or not TABLE_RE.match(loc["table"]):
            bad(f"{key}.table", "must be 表1…表11, 表一…表十一, 预算01表…预算12表, 部门整体绩效目标表 or "
                                f"项目支出绩效目标表:<项目名称> (got {loc['table']!r})")
        for k in ("row", "column"):
            if k in loc and (not isinstance(loc[k], str) or not loc[k]):
                bad(f"{key}.{k}", "must be a non-empty string")
        if ("row" in loc) != ("column" in loc):
            bad(key, "row and column go together (give both, or neither for a whole table)")
        return
    if "part" not in loc and "section" not in loc:
        bad(key, "must be {table, row, column} or {[part,] section[, subsection]}")
        return
    extra = set(loc) - {"part", "section", "subsection", "document"}
    if extra:
        bad(key, f"a text locator has only part, section, subsection, document (unexpected: {', '.join(sorted(extra))})")
    part = loc.get("part")
    if "part" in loc and (isinstance(part, bool) or not isinstance(part, int) or not 1 <= part <= 4):
        bad(f"{key}.part", f"must be an integer 1–4 (got {part!r}), or left out in a layout without parts")
    sec = loc.get("section")
    if not isinstance(sec, str) or not SECTION_RE.match(sec):
        bad(f"{key}.section", f"must be a Chinese numeral such as 十二 (got {sec!r})")
    if "subsection" in loc and (not isinstance(loc["subsection"], str) or not SUBSECTION_RE.match(loc["subsection"])):
        bad(f"{key}.subsection", f"must be a numeral in ASCII parentheses such as (二) (got {loc['subsection']!r})")


def _consistency(obj: dict, bad) -> None:
    kind, route = obj.get("kind"), obj.get("route")
    values = obj.get("gold_values") if isinstance(obj.get("gold_values"), list) else None
    locators = obj.get("gold_locators") if isinstance(obj.get("gold_locators"), list) else None
    if kind == "followup" and "history" not in obj:
        bad("history", "required for a followup item (the earlier user turns)")
    if kind in KINDS and kind != "followup" and "history" in obj:
        bad("history", "only followup items have a history")
    if route == "abstain":
        if obj.get("answerable") is not False:
            bad("answerable", "must be false when route is abstain")
        if values:
            bad("gold_values", "must be empty when route is abstain")
        if locators:
            bad("gold_locators", "must be empty when route is abstain")
    elif route in ROUTES:
        if obj.get("answerable") is not True:
            bad("answerable", f"must be true when route is {route} (false only with route abstain)")
        if locators is not None and not locators:
            bad("gold_locators", "needs at least one locator for an answerable item")
    if kind not in KIND_RULES:
        return
    routes, lo, hi = KIND_RULES[kind]
    if route in ROUTES and route not in routes:
        bad("route", f"must be {' or '.join(routes)} for kind {kind} (got {route})")
    if values is not None:
        if len(values) < lo:
            bad("gold_values", f"kind {kind} needs at least {lo} value{'s' if lo > 1 else ''}")
        if hi is not None and len(values) > hi:
            bad("gold_values", f"must be empty for kind {kind}")
    if kind == "descriptive":
        phrases = obj.get("gold_answer_contains")
        if not isinstance(phrases, list) or not phrases:
            bad("gold_answer_contains", "a descriptive item needs at least one key phrase")
