"""The answer pipeline: intake → follow-up → understanding and plan → gather and compose (per route)
→ check (grounding, optional LLM). Each stage is its own module; this one only runs them in order."""

from __future__ import annotations

import time
from typing import Any

from ..model import Answer
from . import departments, followup
from .citations import CitationList
from .grounding import ungrounded
from .intake import take
from .routes import ROUTES
from .routes.context import Ask
from .understand import understand


def run(qa: Any, question: str, history: list | None = None, *, department: str | None = None,
        year: str | None = None) -> Answer:
    from ..core import Turn

    t0 = time.perf_counter()
    q = take(question)
    turns = [h for h in (history or []) if isinstance(h, Turn)]
    q.resolved, q.want_yuan = followup.resolve(q.text, turns, qa.terms, q.language,
                                               mask=lambda text: departments.mask(text, qa.dept_names))
    query, plan, finder = understand(qa, q, turns, department=department, year=year)
    ans = Answer(question=q.original, language=q.language, answer="", answerable=True, route=str(plan.route),
                 resolved_question=q.resolved if q.resolved != q.text else "")
    if q.injected:
        ans.notes.append("instructions inside the question were ignored")
    ask = Ask(qa, query, finder, CitationList(), ans)
    ROUTES[plan.route](ask, plan)
    ans.route = str(ans.route)
    ans.citations = ask.cites.items
    years = qa.years | {str(int(y) - 1) for y in qa.years if y.isdigit()} | {"100"}
    bad = ungrounded(ans.answer, ans, extra=years)
    if bad and ans.answerable:
        ans.notes.append(f"grounding: numbers without a cited source {sorted(bad)}")
    if ans.answerable and qa.settings.get("llm", "none") not in ("none", "", None):
        from .agent import answer_with_llm

        answer_with_llm(qa, ans, q.resolved, query.scope)
    ans.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 2)
    ans.items = [i.text for i in query.items]  # type: ignore[attr-defined]
    return ans
