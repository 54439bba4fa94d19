"""The cost of the LangChain Runnable: `qa.as_runnable().invoke(q)` against `qa.ask(q)` (and `ask(q).to_dict()`,
which is what invoke returns), warm, in process; medians over the same questions, interleaved.

    python benchmarks/bench_runnable.py [--index DIR] [--rounds 30]
Builds a facts + lexical index of corpus/ in a temp dir unless --index is given.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_ask import QUESTIONS  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index")
    ap.add_argument("--rounds", type=int, default=30)
    a = ap.parse_args()
    from langchain_core.callbacks import BaseCallbackHandler

    from budget_qa.core import BudgetQA
    from budget_qa.index import build_index

    tmp = tempfile.TemporaryDirectory()
    index = Path(a.index) if a.index else Path(tmp.name) / "index"
    if not a.index:
        build_index([ROOT / "corpus"], index, settings={"embedder": "none"})
    qa = BudgetQA.open(index, {"embedder": "none"})
    runnable = qa.as_runnable()

    class Listener(BaseCallbackHandler):
        pass

    listened = {"callbacks": [Listener()]}
    ways = {
        "ask(q)": lambda q: qa.ask(q),
        "ask(q).to_dict()": lambda q: qa.ask(q).to_dict(),
        "as_runnable().invoke(q)": lambda q: runnable.invoke(q),
        "invoke(q, callbacks=[handler])": lambda q: runnable.invoke(q, config=listened),
    }
    for q in QUESTIONS:  # warm every path once
        for fn in ways.values():
            fn(q)
    per_q: dict[str, dict[str, list[float]]] = {name: {q: [] for q in QUESTIONS} for name in ways}
    for r in range(a.rounds):
        order = list(ways.items()) if r % 2 == 0 else list(ways.items())[::-1]
        for q in QUESTIONS:
            for name, fn in order:
                t = time.perf_counter()
                fn(q)
                per_q[name][q].append((time.perf_counter() - t) * 1000)
    base = {q: statistics.median(v) for q, v in per_q["ask(q)"].items()}
    print(f"{len(QUESTIONS)} questions × {a.rounds} rounds, warm, in process (median ms per call)")
    print(f"{'':34}{'median':>9}{'p95':>9}{'vs ask (median of per-question ratios)':>42}")
    for name, by_q in per_q.items():
        flat = sorted(x for v in by_q.values() for x in v)
        p95 = flat[min(len(flat) - 1, int(round(0.95 * (len(flat) - 1))))]
        ratio = statistics.median(statistics.median(v) / base[q] for q, v in by_q.items())
        print(f"{name:34}{statistics.median(flat):9.3f}{p95:9.3f}{(ratio - 1) * 100:+41.1f}%")
    qa.close()


if __name__ == "__main__":
    main()
