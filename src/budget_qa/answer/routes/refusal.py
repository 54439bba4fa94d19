"""Refusal route: say plainly what the disclosures do not contain, and list the nearest sources as related."""

from __future__ import annotations

from ..router import Plan
from ..types import Route
from .context import Ask


def answer(ask: Ask, p: Plan, hits: list | None = None) -> None:
    from .passages import search

    qa, ans, lang = ask.qa, ask.answer, ask.lang
    ans.route, ans.answerable = Route.ABSTAIN, False
    related = []
    if hits is None and qa.retriever is not None:
        hits = search(ask, " ".join([ask.q, *[i.text for i in p.items]]), 3, None)
    for h in (hits or [])[:3]:
        related.append(h.chunk.metadata.get("locator", h.chunk.id))
    deps = list(dict.fromkeys(qa.departments))
    if len(deps) > 3:
        deps_text = (f"{len(deps)} 个部门（如{'、'.join(deps[:3])}等）" if lang == "zh"
                     else f"{len(deps)} departments (e.g. {', '.join(deps[:3])})")
    else:
        deps_text = "、".join(deps) if lang == "zh" else ", ".join(deps)
    years = "、".join(sorted(qa.years)[:3]) + ("…" if len(qa.years) > 3 else "")
    ans.answer = qa.composer.abstain(p.reason or "none", lang, years, deps_text, related)
