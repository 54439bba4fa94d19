"""Understanding: the items a question names (in the index's own labels), its scope (department,
year, budget or final accounts) and the plan of how to answer it."""

from __future__ import annotations

import re
from typing import Any

from . import departments
from .finder import FactFinder, alias
from .router import ACTUAL_CUE, YEAR_RE, Plan, cue, has, plan, topics
from .types import Intent, Query, Question, Route, Scope

ACROSS_CUE = cue("across")
YEAR_TEXT = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)(?:'s)?")


def _follows(q: str) -> bool:
    """A question that only makes sense after another ('服务呢？', 'And for 2023?', 'Is it buying any?')."""
    return bool(re.search(r"呢[？?]?$|^(那|那么|还有|其中|它|这)|\b(it|its|that|those|they|them|this)\b|^(and|what about|how about)\b",
                          q.strip(), re.I))


def scope_of(qa: Any, q: str) -> Scope:
    """A department or year named in the question narrows every lookup and search to it."""
    scope = Scope(doc_kind=doc_kind_of(qa, q))
    dept, _ = departments.named(q, qa.dept_names)
    if not dept and len(qa.dept_names) > 1 and re.search(r"[A-Za-z]{3}", q):
        dept = departments.named_en(q, qa.dept_names)  # 'the Hunan Water Resources Department'

    if dept and len(qa.dept_names) > 1:
        scope.department = dept
    for y in YEAR_RE.findall(q):
        if y in qa.years and len(qa.years) > 1:
            scope.year = y
    return scope


def doc_kind_of(qa: Any, q: str) -> str:
    """预算 unless the question asks for final accounts and the index holds some: the two are never
    mixed in one answer unasked."""
    kinds = set(qa.doc_kinds.values())
    if len(kinds) < 2 and "决算" not in kinds:
        return ""
    return "决算" if has(ACTUAL_CUE, q) and "决算" in kinds else ("预算" if "预算" in kinds else "")


def _across(qa: Any, query: Query, p: Plan, q: str) -> Plan:
    """'哪个部门的三公经费最多', '全市各部门公务接待费合计', 'compare A and B': one item in many departments."""
    all_departments = list(dict.fromkeys(qa.departments))
    if len(all_departments) < 2 or not query.items:
        return p
    named = departments.named_all(q, qa.dept_names)
    wide = has(ACROSS_CUE, q) or p.reason == "scope"
    if not (wide or len(named) >= 2) or p.route == Route.ABSTAIN and p.reason not in ("scope", ""):
        return p
    query.departments = named if len(named) >= 2 else all_departments
    query.scope.department = ""  # every department asked about, not the first one named
    items = [i for i in query.items if not any(i.text in d for d in all_departments)]
    return Plan(Route.COMPUTE, Intent.ACROSS, items or query.items, table_hint=p.table_hint)


def _years(qa: Any, query: Query, p: Plan, q: str) -> Plan:
    """Years against the disclosures of the department asked about: two years it has → their change
    from the two disclosures; a year it lacks → derived from the next year's stated change, or refused."""
    scope = query.scope
    if p.route == Route.ABSTAIN or not query.items or p.intent == Intent.ACROSS:
        return p
    held = {d["year"] for d in qa.doc_meta if not scope.department or d["department"] == scope.department}
    asked = list(dict.fromkeys(YEAR_RE.findall(q)))
    if len(asked) >= 2 and all(y in held for y in asked[:2]):
        query.years = sorted(asked[:2])
        scope.year = ""
        return Plan(Route.COMPUTE, Intent.YEARS, query.items, table_hint=p.table_hint)
    if scope.year and scope.year not in held:
        if scope.year in {str(int(y) - 1) for y in held if y.isdigit()} and not has(ACTUAL_CUE, q):
            scope.year = ""  # the year before this department's disclosure: from its stated change
            return Plan(Route.COMPUTE, Intent.PREVIOUS, query.items, table_hint=p.table_hint)
        return Plan(Route.ABSTAIN, reason="year", items=query.items)
    return p


def understand(qa: Any, question: Question, turns: list, *, department: str | None = None,
               year: str | None = None) -> tuple[Query, Plan, FactFinder]:
    resolved = question.resolved
    scope = scope_of(qa, resolved)
    # a picker's department or year, unless the question names its own
    if department and not scope.department and department in qa.departments:
        scope.department = department
    if year and not scope.year and str(year) in qa.years:
        scope.year = str(year)
    if turns and len(qa.dept_names) > 1:
        # a follow-up ('服务呢？', 'How much did that change?') stays with the department and year asked about
        before = next((sc for sc in (scope_of(qa, t.resolved) for t in reversed(turns)) if sc.department), Scope())
        if not scope.department and before.department and resolved != question.text or (
                not scope.department and before.department and _follows(question.text)):
            scope.department = scope.department or before.department
            scope.year = scope.year or before.year
    finder = FactFinder(qa.store, qa.terms, scope)
    # a department's own name scopes the question; its words ('文化', '水利') are not budget rows
    _, mention = departments.named(resolved, qa.dept_names)
    text = resolved.replace(mention, " ") if mention else resolved
    if not mention and scope.department:  # named in English: its words are not budget items either
        places, functions = departments.english_words(scope.department)
        words = sorted(places | functions, key=len, reverse=True)
        if words:
            text = re.sub(r"\b(?:" + "|".join(map(re.escape, words)) + r")(?:'s)?\b", " ", text, flags=re.I)
    # years are the scope's, not part of a name: 'the total 2024 budget' names the total budget
    found = qa.terms.find(YEAR_TEXT.sub(" ", text) if question.language == "en" else text, question.language)
    # lookups use items the store knows (rows, columns, table totals); other glossary terms only help retrieval
    items = [i for i in found if i.kind in ("row", "column") or alias(i.text) or finder.is_fact_subject(i.text)]
    query = Query(question, items, [i.text for i in found if i not in items], scope)
    if not items and not query.terms:  # 'what does the department do' (naming nothing else): its 职能 section
        for _name, words in topics(resolved):
            query.terms += [w for w in words if w not in query.terms]
    p = plan(resolved, items, years=qa.years, known_text=qa.known_text, departments=qa.departments,
             known_en=qa.known_en)
    if p.route != Route.ABSTAIN and (departments.unknown_department(resolved, qa.dept_names)
                                     or departments.unknown_department_en(resolved, qa.dept_names)):
        p = Plan(Route.ABSTAIN, reason="department", items=items)
    if p.route == Route.ABSTAIN and p.reason == "actual" and scope.doc_kind == "决算":
        # final accounts are in the index: answer from them
        p = plan(re.sub(ACTUAL_CUE, "", resolved, flags=re.I), items, years=qa.years, known_text=qa.known_text,
                 departments=qa.departments, known_en=qa.known_en)
    if (p.route == Route.LOOKUP and {n for n, _ in topics(resolved)} & {"subordinate", "divisions", "functions"}
            and not has(r"多少|几个|几家|\bhow\s+many\b|\bnumber\s+of\b", resolved)):
        p = Plan(Route.RETRIEVAL, Intent.DESCRIBE, items)  # 'which units are under X': a list, not a count
    p = _across(qa, query, p, resolved)
    p = _years(qa, query, p, resolved)
    p.terms = query.terms
    if not qa.use_facts and p.route in (Route.LOOKUP, Route.COMPUTE):
        p = Plan(Route.RETRIEVAL, "describe", items)
    if turns and resolved != question.text and not p.table_hint and len(set(turns[-1].tables)) == 1:
        # '2024年三公经费是多少？' → '那公务接待费呢？' stays in the earlier table when the item is there
        prev_table = turns[-1].tables[0]
        if any(finder.safe(table=prev_table, row=i.text) for i in items[:1]):
            p.table_hint = prev_table
    return query, p, finder
