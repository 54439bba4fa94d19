"""The public chat's department/year picker: its choices, and what a choice scopes (documents, tables,
audit findings, the document the charts are drawn from, examples that name what is served)."""

from __future__ import annotations

from typing import Any

ALL = "全部 / All"


def chosen(value: str | None) -> str | None:
    """A picker value as ask()'s scope: None for 'all' (or nothing picked)."""
    value = (value or "").strip()
    return None if not value or value == ALL or value in ("全部", "All", "all") else value


def department_choices(qa: Any) -> list[str]:
    return [ALL, *sorted(set(qa.departments))]


def year_choices(qa: Any, department: str | None = None) -> list[str]:
    years = {str(d.get("year") or "") for d in qa.doc_meta
             if department is None or d.get("department") == department}
    return [ALL, *sorted((y for y in years if y), reverse=True)]


def doc_ids(qa: Any, department: str | None, year: str | None) -> list[str]:
    """The documents in scope, in index order (every document when nothing is picked)."""
    return [d["doc_id"] for d in qa.doc_meta
            if (department is None or d.get("department") == department)
            and (year is None or str(d.get("year") or "") == year)]


def documents_in(qa: Any, department: str | None, year: str | None) -> list:
    ids = set(doc_ids(qa, department, year))
    return [d for d in qa.documents if d.id in ids]


def chart_document(qa: Any, department: str | None, year: str | None):
    """The document the overview charts are drawn from: the newest budget (预算) in scope, else the first."""
    docs = documents_in(qa, department, year)
    if not docs:
        return None
    budgets = [d for d in docs if (d.kind or "预算") == "预算"] or docs
    return max(budgets, key=lambda d: str(d.year or ""))


def tables_in(tables: list[dict], ids: list[str]) -> list[dict]:
    keep = set(ids)
    return [t for t in tables if t["document"] in keep]


def findings_in(findings: list, ids: list[str]) -> list:
    keep = set(ids)
    return [f for f in findings if not getattr(f, "document", "") or f.document in keep]


def served_line(qa: Any, lang: str) -> str:
    """Which departments and years are served, e.g. '乌鲁木齐市招商服务局（2024 预算）'."""
    by_dept: dict[str, list[str]] = {}
    for d in qa.doc_meta:
        kind = d.get("kind") or "预算"
        label = f"{d.get('year') or '?'} {kind}" if lang == "zh" else \
            f"{d.get('year') or '?'} {'budget' if kind == '预算' else 'final accounts'}"
        by_dept.setdefault(d.get("department") or "?", []).append(label)
    if lang == "zh":
        return "；".join(f"{k}（{'、'.join(sorted(v))}）" for k, v in by_dept.items())
    return "; ".join(f"{_english(qa, k)} ({', '.join(sorted(v))})" for k, v in by_dept.items())


def _english(qa: Any, department: str) -> str:
    g = getattr(qa, "glossary", None)
    en = g.english(department) if g is not None else None
    return f"{en} ({department})" if en and en != department else department


def english_name(department: str) -> str:
    """A department's English name from the glossary, with the Chinese after it ('X (中文)'), else as printed."""
    from ..glossary import load_glossary

    en = load_glossary().english(department)
    return f"{en} ({department})" if en and en != department else department


def examples(qa: Any, lang: str = "zh") -> list[tuple[str, str]]:
    """Example questions (question, label) built from what the index holds: a figure of the newest year, a
    share, a text question, a follow-up pair; across departments and across years when served. The
    Chinese interface gets Chinese questions (and one English), the English interface English ones."""
    years = sorted({str(d.get("year") or "") for d in qa.doc_meta if d.get("year")})
    year = years[-1] if years else ""
    depts = sorted(set(qa.departments))
    per_dept: dict[str, set[str]] = {}
    for d in qa.doc_meta:
        per_dept.setdefault(d.get("department") or "", set()).add(str(d.get("year") or ""))
    two = next(((k, sorted(v)) for k, v in per_dept.items() if len(v) > 1), None)
    if lang == "en":
        out = [
            (f"How much are the three public expenses in {year}?" if year else "How much are the three public expenses?",) * 2,
            ("What share of basic expenditure is personnel expenses?",) * 2,
        ]
        if len(depts) > 1:
            out.append(("Which department has the largest three public expenses?",) * 2)
        if two:
            q = f"How did basic expenditure change from {two[1][-2]} to {two[1][-1]}?"
            out.append((q, q))
        out += [
            ("What are the main functions of the bureau?",) * 2 if len(depts) == 1 else
            ("What are the main functions of the department?",) * 2,
            ("How much is budgeted for official receptions?",) * 2,
            ("How much is budgeted for travel?",) * 2,
            ("And for training?", "→ And for training? (follow-up)"),
        ]
        return out
    out = [
        (f"{year}年三公经费是多少？" if year else "三公经费是多少？",) * 2,
        ("人员经费占基本支出的比例是多少？",) * 2,
    ]
    if len(depts) > 1:
        out.append(("哪个部门的三公经费最多？",) * 2)
    if two:
        q = f"{two[0]}{two[1][-2]}年到{two[1][-1]}年基本支出有什么变化？"
        out.append((q, q))
    out += [
        ("部门的主要职能是什么？",) * 2,
        ("How much is budgeted for official receptions?",) * 2,
        ("差旅费预算是多少？",) * 2,
        ("那培训费呢？", "→ 那培训费呢？（追问）"),
    ]
    return out
