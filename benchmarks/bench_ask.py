"""Benchmark `ask`: warm in-process latency (p50/p95) and cold `budget-qa ask` wall time.

    python benchmarks/bench_ask.py [--index DIR] [--rounds 20] [--cold 5]
Builds a facts + lexical index of corpus/ in a temp dir unless --index is given.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

QUESTIONS = [
    "2024年三公经费是多少？", "差旅费预算是多少？", "公务接待费是多少", "How much is budgeted for official receptions?",
    "人员经费占基本支出的比例是多少？", "商品和服务支出中哪项最大？", "What is the travel budget?",
    "一般公共预算比上年增长多少？", "招商一科负责什么？", "What are the main functions of the bureau?",
    "为什么基本支出增长？", "What does 基本支出 mean?", "2022年的三公经费是多少？", "How many vehicles does the bureau have?",
    "走访和联系商（协）会及会员企业的目标是多少", "办公楼面积有多大？",
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--cold", type=int, default=5)
    a = ap.parse_args()
    from budget_qa.core import BudgetQA
    from budget_qa.index import build_index

    tmp = tempfile.TemporaryDirectory()
    index = Path(a.index) if a.index else Path(tmp.name) / "index"
    if not a.index:
        t = time.perf_counter()
        build_index([ROOT / "corpus"], index, settings={"embedder": "none"})
        print(f"index build (facts + lexical)   {time.perf_counter() - t:8.2f} s")
    t = time.perf_counter()
    qa = BudgetQA.open(index, {"embedder": "none"})
    qa.ask(QUESTIONS[0])
    print(f"open + first ask (in process)   {time.perf_counter() - t:8.2f} s")
    for q in QUESTIONS:
        qa.ask(q)  # warm every path once
    lat = []
    for _ in range(a.rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            qa.ask(q)
            lat.append((time.perf_counter() - t) * 1000)
    print(f"warm ask latency  p50 {statistics.median(lat):7.2f} ms   p95 {pct(lat, 0.95):7.2f} ms   "
          f"max {max(lat):7.2f} ms  (n={len(lat)}; targets p50 ≤ 5 ms, p95 ≤ 20 ms)")
    cold: dict[str, list[float]] = {"figure (lookup)": [], "text (retrieval)": []}
    for _ in range(a.cold):
        for kind, q in zip(cold, [QUESTIONS[1], QUESTIONS[9]], strict=True):
            t = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "budget_qa.cli", "ask", q, "--index", str(index)],
                                 capture_output=True, text=True, cwd=ROOT)
            cold[kind].append(time.perf_counter() - t)
            if out.returncode != 0:
                print(out.stderr)
    probe = subprocess.run([sys.executable, "-X", "importtime", "-m", "budget_qa.cli", "ask", QUESTIONS[0], "--index",
                            str(index)], capture_output=True, text=True, cwd=ROOT)
    torch_loaded = any(line.rstrip().endswith("| torch") for line in probe.stderr.splitlines())
    for kind, xs in cold.items():
        print(f"cold `budget-qa ask` wall time, {kind:<30} median {statistics.median(xs):6.2f} s  max {max(xs):5.2f} s "
              f"(n={len(xs)}; targets ≤ 0.6 s for text, ≤ 3 s)")
    print(f"torch imported on the default path: {torch_loaded}")


if __name__ == "__main__":
    main()
