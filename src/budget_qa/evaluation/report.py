"""Turn scored runs into results.json, report.md, the accuracy-by-kind chart and the CLI summary."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import metrics
from .qaset import QAItem

CHART = "accuracy_by_kind.png"
RESULTS = "results.json"
REPORT = "report.md"


def output_names(qa_file: Path | str) -> dict[str, str]:
    """File names of a QA set's report, results and chart: qa.jsonl → report.md, results.json,
    accuracy_by_kind.png; qa_other.jsonl (or other.jsonl) → report_other.md, results_other.json, …"""
    stem = Path(qa_file).stem
    suffix = stem[2:] if stem.startswith("qa") else f"_{stem}"
    suffix = suffix if not suffix or suffix[0] in "_-" else f"_{suffix}"

    def named(name: str) -> str:
        p = Path(name)
        return f"{p.stem}{suffix}{p.suffix}"

    return {"report": named(REPORT), "results": named(RESULTS), "chart": named(CHART)}
PERCENT_METRICS = {k for k, _ in metrics.METRICS if not k.startswith("latency")}
PER_QUESTION = ("abstained", "figure_exact", "contains_gold", "citation_precision", "citation_recall",
                "recall_at_5", "reciprocal_rank", "language_match", "numbers", "grounded_numbers")
MAIN = ("accuracy", "figure_accuracy", "citation_precision", "citation_recall", "recall_at_5",
        "abstention_recall", "language_match", "latency_p50_ms")

DEFINITIONS = {
    "accuracy": "Share of all questions answered correctly: an unanswerable question is abstained on; an "
                "answerable one is answered (not abstained) with every gold value and every key phrase.",
    "figure_accuracy": "Questions with gold values only. Every gold value appears as an exact number in the "
                       "answer text or its figures. Numbers are compared as decimals (1.6 = 1.60, 16,000 = 16000.00); "
                       "whitespace, full-width forms, '≥' and '> =' are normalised to '>=' (and '≤' to '<='); a gold "
                       "operator (>=, <=, >, <) must be printed with the number, a gold '=' may be omitted; a "
                       "percentage must carry '%'; units (万元, 次, 亿元) are ignored, and an amount the answer states "
                       "with its unit also matches the same amount in the other unit (147000.00 元 = 14.70 万元 = CNY "
                       "147,000, exactly; not for counts, shares or indicator values). Citation markers [1] are not "
                       "numbers.",
    "contains_gold": "Questions with gold values or key phrases. The answer text itself (not the structured "
                     "figures) contains every gold value (as above) and every gold_answer_contains phrase "
                     "(compared after folding width, whitespace and quotes).",
    "citation_precision": "Answerable questions the system answered with at least one citation: the share of its "
                          "citations that match some gold locator (averaged over questions).",
    "citation_recall": "Answerable questions: the share of gold locators matched by at least one citation (an "
                       "abstention cites nothing and scores 0).",
    "recall_at_5": "Answerable questions: the share of gold locators matched by one of the system's first 5 ranked "
                   "sources. Ranked sources: for BudgetQA systems the answer's citations in order (looked-up facts or "
                   "quoted passages), then every retriever hit the question produced (including the 'nearest "
                   "sources' shown with an abstention), deduplicated; for the baselines their top-ranked chunks.",
    "mrr": "Answerable questions: 1/rank of the first ranked source (of the first 5) that matches a gold locator; 0 "
           "if none does.",
    "abstention_precision": "Of the questions the system abstained on, the share that are unanswerable "
                            "(answerable=false is the positive class). n/a when the system never abstains.",
    "abstention_recall": "Of the unanswerable questions, the share the system abstained on.",
    "language_match": "The answer is in the question's language: the first line of the answer, without quoted or "
                      "bracketed source text, has more Chinese characters than Latin letters (zh) or not (en).",
    "number_grounding": "Of all numbers in non-abstaining answers (citation markers excluded), the share that "
                        "appear in a cited source's quote or locator, or are a cited figure, its yuan conversion "
                        "or a computed figure with its cited inputs (budget_qa.answer.grounding); document years "
                        "and '100' need no source. A quoted chunk is grounded by construction.",
    "route_accuracy": "BudgetQA systems only: the route taken (lookup, compute, retrieval, abstain) equals the gold "
                      "route. The route after fallbacks is counted (a lookup that found nothing and quoted a "
                      "passage counts as retrieval).",
    "pass_rate": "Answer accuracy and, for an answered answerable question, at least one citation at a gold locator.",
    "latency_p50_ms": "Median wall-clock time of the scored question (earlier follow-up turns not counted).",
    "latency_p95_ms": "95th percentile (nearest rank) of the same.",
}
LOCATOR_RULES = (
    "A citation matches a gold **table locator** when the table is the same (a performance table also by the "
    "project name at the start of the citation's locator) and the row label is equal after folding full/half width, "
    "whitespace, quotes and numbering prefixes (`一、本年收入` = `本年收入`), and the gold column is the leaf or a "
    "suffix of the citation's column path (`预算数` ~ `收入/预算数`, `项目支出合计` ~ `项目支出/合计`). A citation of "
    "a passage (a chunk of table rows, no single cell) matches when the gold row label is printed in its quoted text. "
    "A whole-table locator (`{\"table\": \"表8\"}`) matches any citation of that table. A **section locator** matches "
    "when part and section (and subsection, if the gold gives one) equal the citation's part/section or those "
    "parsed from its locator text (`第三部分 / 十二、… / （二）…`)."
)


def assemble(items: list[QAItem], runs: dict[str, dict[str, Any]], *, qa_file: Path, index_dir: Path | str,
             out_dir: Path, kinds: Sequence[str], languages: Sequence[str], seconds: float,
             corpus: Path | None = None) -> dict[str, Any]:
    """The results document (written as results.json, printed by --json)."""
    counts = {k: {lang: sum(1 for i in items if i.kind == k and i.language == lang) for lang in languages}
              for k in kinds}
    documents = {}  # document → its layout and question count, in the order the set first names them
    for i in items:
        if i.document:
            documents.setdefault(i.document, {"layout": i.layout, "questions": 0})["questions"] += 1
    layouts = {}
    for d in documents.values():
        layouts[d["layout"]] = layouts.get(d["layout"], 0) + d["questions"]
    systems = {}
    for name, r in runs.items():
        sys_ = r["system"]
        systems[name] = {
            "description": sys_.description, "notes": [n for n in sys_.notes if n],
            "build_seconds": r.get("build_seconds", 0.0),
            "metrics": metrics.aggregate(r["scores"]),
            "by_kind": metrics.breakdown(r["scores"], "kind", kinds),
            "by_language": metrics.breakdown(r["scores"], "language", languages),
        }
        if documents:
            systems[name]["by_document"] = metrics.breakdown(r["scores"], "document", list(documents))
            systems[name]["by_layout"] = metrics.breakdown(r["scores"], "layout", list(layouts))
    by_id = {i.id: i for i in items}
    first = "full" if "full" in runs else next(iter(runs), "")
    per_question = {"ids": [i.id for i in items],
                    "scores": {name: _columns(r["records"]) for name, r in runs.items()}}
    answers = {first: [_answer(rec) for rec in runs[first]["records"]]} if first else {}
    failures = [_failure(rec, by_id[rec["score"].id]) for rec in runs.get(first, {}).get("records", [])
                if rec["score"].failed]
    result: dict[str, Any] = {
        "qa_file": str(qa_file), "index_dir": str(index_dir), "generated_at": time.strftime("%Y-%m-%d %H:%M"),
        "questions": len(items), "counts": counts, "seconds": round(seconds, 1),
        **({"corpus": str(corpus)} if corpus else {}),
        **({"documents": documents, "layouts": layouts} if documents else {}),
        "files": output_names(qa_file),
        "metric_definitions": DEFINITIONS, "systems": systems, "failures_of": first, "failures": failures,
        "per_question": per_question, "answers": answers,
    }
    result["summary_text"] = summary_text(result, out_dir)
    return result


def _cut(text: str, n: int) -> str:
    text = " ⏎ ".join(ln.strip() for ln in text.splitlines() if ln.strip())
    return text if len(text) <= n else text[: n - 1] + "…"


def _expected(item: QAItem) -> str:
    if not item.answerable:
        return "abstain (not in the disclosure)"
    parts = [*item.gold_values, *(f"“{p}”" for p in item.gold_answer_contains)]
    locs = ["/".join(str(v) for v in loc.values()) for loc in item.gold_locators]
    return f"{', '.join(parts) or '—'} @ {'; '.join(locs)}"


def _columns(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """One system's per-question scores as columns (question order = ``per_question.ids``)."""
    cols: dict[str, list[Any]] = {"correct": [], "failed": [], "route": [], "latency_ms": []}
    cols |= {k: [] for k in PER_QUESTION}
    for rec in records:
        s, d = rec["score"], rec["score"].to_dict()
        cols["correct"].append(s.correct)
        cols["failed"].append(s.failed)
        cols["route"].append(rec["run"].route)
        cols["latency_ms"].append(round(s.latency_ms, 2))
        for k in PER_QUESTION:
            cols[k].append(d[k])
    if all(r is None for r in cols["route"]):
        del cols["route"]
    return cols


def _answer(rec: dict[str, Any]) -> dict[str, Any]:
    run = rec["run"]
    return {"id": rec["score"].id, "route": run.route, "answer": _cut(run.answer.answer, 200),
            "citations": [c.locator for c in run.answer.citations[:3]]}


def _failure(rec: dict[str, Any], item: QAItem) -> dict[str, Any]:
    run, s = rec["run"], rec["score"]
    return {
        "id": item.id, "kind": item.kind, "language": item.language, **({"document": item.document} if item.document
                                                                        else {}), "history": item.history,
        "question": item.question, "expected": _expected(item), "gold_route": item.route, "route": run.route,
        "why": s.failed, "got": _cut(run.answer.answer, 300),
        "cited": [c.locator for c in run.answer.citations[:3]],
    }


# ------------------------------------------------------------------ formatting


def fmt(metric: str, value: Any, n: int | None = None) -> str:
    if value is None:
        return "n/a"
    if metric in PERCENT_METRICS:
        return f"{100 * value:.1f}%"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _md_table(header: list[str], rows: list[list[str]], numeric: bool = True) -> str:
    esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    align = ["---"] + [("---:" if numeric else "---")] * (len(header) - 1)
    lines = ["| " + " | ".join(map(esc, header)) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(map(esc, r)) + " |" for r in rows]
    return "\n".join(lines)


def metric_table(columns: dict[str, dict[str, Any]], keys: Sequence[str] | None = None, with_n: bool = False) -> str:
    """Rows = metrics, columns = systems (or kinds/languages)."""
    keys = keys or [k for k, _ in metrics.METRICS]
    labels = dict(metrics.METRICS)
    rows = []
    for k in keys:
        if all(col.get(k) is None for col in columns.values()) and k == "route_accuracy":
            continue
        cells = []
        for col in columns.values():
            cell = fmt(k, col.get(k))
            if with_n and col.get(f"n_{k}") is not None and col.get(k) is not None and k in PERCENT_METRICS:
                cell += f" ({col[f'n_{k}']})"
            cells.append(cell)
        rows.append([labels[k], *cells])
    return _md_table(["metric", *columns], rows)


def summary_text(result: dict[str, Any], out_dir: Path) -> str:
    systems = result["systems"]
    names = list(systems)
    widths = [max(8, len(n)) + 2 for n in names]
    labels = dict(metrics.METRICS)
    lines = [f"{result['questions']} questions from {result['qa_file']}, {len(names)} system(s), "
             f"{result['seconds']} s", ""]
    lines.append(f"{'':<26}" + "".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True)))
    for k in MAIN:
        lines.append(f"{labels[k]:<26}" + "".join(f"{fmt(k, systems[n]['metrics'].get(k)):>{w}}"
                                                  for n, w in zip(names, widths, strict=True)))
    first = result.get("failures_of")
    if result.get("documents") and first in systems:
        lines += ["", f"Answer accuracy of {first} by document and layout:"]
        for doc, d in result["documents"].items():
            acc = systems[first]["by_document"].get(doc, {}).get("accuracy")
            lines.append(f"  {doc:<40} {d['layout']:<11} {d['questions']:>4}  {fmt('accuracy', acc):>6}")
        for lay, n in result["layouts"].items():
            acc = systems[first]["by_layout"].get(lay, {}).get("accuracy")
            lines.append(f"  {'(layout) ' + lay:<52} {n:>4}  {fmt('accuracy', acc):>6}")
    names = result.get("files") or output_names("qa.jsonl")
    lines += ["", f"{len(result['failures'])} question(s) failed for {first} (listed in the report).",
              f"Wrote {out_dir / names['report']}, {out_dir / names['results']} and {out_dir / names['chart']}."]
    return "\n".join(lines)


# ------------------------------------------------------------------ files


def write(result: dict[str, Any], runs: dict[str, dict[str, Any]], items: list[QAItem], out_dir: Path) -> None:
    names = result.get("files") or output_names("qa.jsonl")
    chart_note = chart(result, out_dir / names["chart"])
    (out_dir / names["results"]).write_text(to_json(result) + "\n", encoding="utf-8")
    (out_dir / names["report"]).write_text(markdown(result, chart_note), encoding="utf-8")


def to_json(obj: Any, indent: int = 0) -> str:
    """Indented JSON that keeps small flat objects and every list of scalars on one line: one line per
    metric set, per answer and per score column, so results.json reads and diffs well."""
    one_line = json.dumps(obj, ensure_ascii=False)
    scalar = lambda v: not isinstance(v, (dict, list))  # noqa: E731
    flat = lambda v: scalar(v) or (isinstance(v, list) and all(  # noqa: E731
        scalar(x) or (isinstance(x, list) and all(map(scalar, x))) for x in v))
    children = list(obj.values()) if isinstance(obj, dict) else obj if isinstance(obj, list) else None
    if children is None or (all(map(flat, children)) and (isinstance(obj, list) or len(one_line) <= 1500)):
        return one_line
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {to_json(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    return "[\n" + ",\n".join(f"{inner}{to_json(v, indent + 1)}" for v in obj) + f"\n{pad}]"


def chart(result: dict[str, Any], path: Path) -> str:
    """Grouped bars: answer accuracy by question kind, one bar per system. Returns '' or why it was skipped."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[eval]'), so the chart was not drawn"
    systems = result["systems"]
    kinds = [k for k, c in result["counts"].items() if sum(c.values())]
    names = list(systems)
    fig, ax = plt.subplots(figsize=(min(14.0, 3 + 1.4 * len(kinds)), 5.2), dpi=110)
    width = 0.8 / max(1, len(names))
    cmap = plt.get_cmap("tab20" if len(names) > 10 else "tab10")
    for j, name in enumerate(names):
        vals = [100 * (systems[name]["by_kind"].get(k, {}).get("accuracy") or 0) for k in kinds]
        xs = [i - 0.4 + width * (j + 0.5) for i in range(len(kinds))]
        ax.bar(xs, vals, width, label=name, color=cmap(j))
    ax.set_xticks(range(len(kinds)))
    ax.set_xticklabels([f"{k}\n(n={sum(result['counts'][k].values())})" for k in kinds])
    ax.set_ylabel("answer accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Answer accuracy by question kind and system")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=min(len(names), 4), loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return ""


def _by_document(result: dict[str, Any], systems: dict[str, Any], documents: dict[str, Any]) -> list[str]:
    """Answer accuracy per document (with its layout and format-independent question count) and per layout."""
    acc = lambda name, key, k: fmt("accuracy", systems[name][key].get(k, {}).get("accuracy"))  # noqa: E731
    rows = [[f"{doc} ({d['questions']})", d["layout"], *(acc(n, "by_document", doc) for n in systems)]
            for doc, d in documents.items()]
    lay_rows = [[f"{lay} ({n})", *(acc(s, "by_layout", lay) for s in systems)] for lay, n in result["layouts"].items()]
    return ["## Answer accuracy by document", "", _md_table(["document (questions)", "layout", *systems], rows), "",
            "## Answer accuracy by layout", "", _md_table(["layout (questions)", *systems], lay_rows), ""]


def markdown(result: dict[str, Any], chart_note: str = "") -> str:
    systems = result["systems"]
    counts = result["counts"]
    langs = sorted({lang for c in counts.values() for lang in c})
    total = {lang: sum(c[lang] for c in counts.values()) for lang in langs}
    names = result.get("files") or output_names("qa.jsonl")
    documents = result.get("documents") or {}
    out = ["# Evaluation report", ""]
    over = (f" over the {len(documents)} disclosures of `{result['corpus']}` (indexed for the evaluation: facts and "
            "lexical retrieval, no dense model)") if result.get("corpus") and documents else ""
    out.append(f"{result['questions']} questions ({', '.join(f'{total[lang]} {lang}' for lang in langs)}) from "
               f"`{result['qa_file']}`{over}, scored on {len(systems)} systems that answer the same questions in the "
               f"same process. Produced by `budget-qa eval` on {result['generated_at']} ({result['seconds']} s); the "
               f"numbers behind every table are in `{names['results']}`.")
    out += ["", "## Headline", "", metric_table({n: s["metrics"] for n, s in systems.items()}), ""]
    out.append("Percentages; `n/a` = the metric does not apply (e.g. abstention precision of a system that never "
               f"abstains). The number of questions behind each figure is in `{names['results']}` (`n_<metric>`).")
    out += ["", "## Systems", ""]
    for name, s in systems.items():
        notes = "; ".join(s["notes"])
        build = f" Set-up {s['build_seconds']} s." if s["build_seconds"] >= 0.5 else ""
        out.append(f"- **{name}** — {s['description']}" + (f" ({notes}.)" if notes else "") + build)
    out += ["", "Follow-up questions: BudgetQA systems are asked the `history` turns first, in the same "
            "conversation, and only the last question is scored. The baselines keep no conversation, so they see "
            "the last question alone.", "", "## Metrics", ""]
    for k, label in metrics.METRICS:
        out.append(f"- **{label}** — {DEFINITIONS[k]}")
    out += ["", LOCATOR_RULES, ""]
    out += ["## Answer accuracy by question kind", ""]
    if chart_note:
        out.append(f"(Chart not drawn: {chart_note}.)")
    else:
        out.append(f"![Answer accuracy by kind and system]({names['chart']})")
    kinds = [k for k, c in counts.items() if sum(c.values())]
    rows = [[f"{k} ({sum(counts[k].values())})",
             *(fmt("accuracy", systems[n]["by_kind"].get(k, {}).get("accuracy")) for n in systems)] for k in kinds]
    out += ["", _md_table(["kind (questions)", *systems], rows), ""]
    first = result.get("failures_of")
    if documents:
        out += _by_document(result, systems, documents)
    if first in systems:
        out += [f"## {first}: by question kind", "", metric_table(systems[first]["by_kind"], with_n=True), "",
                "In parentheses: the number of questions the metric was computed on.", "",
                f"## {first}: by question language", "", metric_table(systems[first]["by_language"], with_n=True), ""]
        if documents:
            out += [f"## {first}: by document", "", metric_table(systems[first]["by_document"], with_n=True), "",
                    f"## {first}: by layout", "", metric_table(systems[first]["by_layout"], with_n=True), ""]
    fails = result["failures"]
    out += [f"## Failures of {first} ({len(fails)} of {result['questions']})", ""]
    if fails:
        out.append("`why` lists every failed check; `route` is taken → expected. Answers are cut at 300 characters.")
        doc_col = ["document"] if documents else []
        rows = [[f["id"], *([f.get("document", "")] if documents else []), ", ".join(f["why"]),
                 f"{f['route']} → {f['gold_route']}", _cut(" → ".join([*f["history"], f["question"]]), 160),
                 _cut(f["expected"], 160), f["got"]] for f in fails]
        out += ["", _md_table(["id", *doc_col, "why", "route", "question", "expected", "got"], rows, numeric=False)]
    else:
        out.append("None.")
    return "\n".join(out) + "\n"
