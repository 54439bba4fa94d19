"""Benchmark: corpus ingest time (fact store) and warm lookup latency. Prints medians.

    python benchmarks/bench_facts.py [--repeat 10] [--lookups 2000]
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

from budget_qa.facts import FactStore  # noqa: E402
from budget_qa.index import build_index, live_path  # noqa: E402
from budget_qa.ingest.parser import parse_file  # noqa: E402
from budget_qa.lookup import lookup  # noqa: E402

QUERIES = [
    {"row": "差旅费"}, {"row": "公务接待费"}, {"table": "表6", "row": "30211"}, {"row": "维修费"},
    {"table": "表2", "row": "2080505", "column": "财政拨款结转"}, {"row": "基本工资", "column": "人员经费"},
    {"table": "表10", "row": "公务用车运行费"}, {"row": "走访和联系商（协）会及会员企业"},
    {"row": "行政运行"}, {"table": "三公", "row": "合计"},
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--lookups", type=int, default=2000)
    a = ap.parse_args()
    corpus = ROOT / "corpus"
    parse = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        parse_file(corpus / "urumqi-investment-promotion-bureau-2024-budget.txt")
        parse.append(time.perf_counter() - t)
    ingest = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.repeat):
            t = time.perf_counter()
            build_index([corpus], Path(tmp) / f"idx{k}", with_retrieval=False)
            ingest.append(time.perf_counter() - t)
        store = FactStore(live_path(Path(tmp) / "idx0") / "facts.sqlite")
        for q in QUERIES:  # warm-up
            lookup(store, **q)
        lat = []
        for i in range(a.lookups):
            q = QUERIES[i % len(QUERIES)]
            t = time.perf_counter()
            lookup(store, **q)
            lat.append(time.perf_counter() - t)
        store.close()
    lat_ms = sorted(x * 1000 for x in lat)
    print(f"parse corpus file        median {statistics.median(parse) * 1000:8.2f} ms  (n={a.repeat})")
    print(f"ingest (facts only)      median {statistics.median(ingest) * 1000:8.2f} ms  (n={a.repeat}; target < 1000 ms)")
    print(f"lookup, warm             median {statistics.median(lat_ms):8.3f} ms  p95 {lat_ms[int(len(lat_ms) * 0.95)]:.3f} ms "
          f"(n={a.lookups}; target < 5 ms)")


if __name__ == "__main__":
    main()
