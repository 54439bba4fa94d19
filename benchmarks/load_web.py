"""Bounded load test of the web chat over loopback: N concurrent sessions, M questions in all or for
D seconds.

    python benchmarks/load_web.py                      # starts `python app.py` itself, 20 sessions × 10
    python benchmarks/load_web.py --sessions 5 --questions 50
    python benchmarks/load_web.py --sessions 50 --duration 60    # 50 sessions asking for 60 s
    python benchmarks/load_web.py --url http://127.0.0.1:7860/ --data-dir .budget_qa_data

Each session is its own gradio_client.Client (its own Gradio session and follow-up state) calling the
public /ask endpoint, one question after another. Reports errors, questions logged vs sent (read from
the exchange log), p50/p95 latency and, when it started the app itself, the server's resident memory
(VmRSS from /proc/<pid>/status) before and after. All sessions come from one loopback address, so when
it starts the app itself it sets a rate limit high enough for the run (the per-client limit is tested in
tests/test_web_hardening.py); sessions are capped at 64 and the run at 10 minutes; it stops by itself.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app_process import ROOT, launch_app, stop_app  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

QUESTIONS = [
    "2024年三公经费是多少？",
    "How much is budgeted for official receptions?",
    "人员经费占基本支出的比例是多少？",
    "差旅费预算是多少？",
    "那培训费呢？",
    "What are the main functions of the bureau?",
    "办公费是多少？",
    "What is the total budget?",
    "项目支出是多少？",
    "2019年三公经费是多少？",
]


MAX_SESSIONS, MAX_SECONDS = 64, 600  # bounded: this is a 2-core machine


def rss_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"VmRSS:\s+(\d+) kB", text)
    return round(int(m.group(1)) / 1024, 1) if m else None


def settled_rss(pid: int, limit: float = 30.0) -> float | None:
    """VmRSS once it stops moving (the app warms up jieba and the lexical index after it starts)."""
    last, deadline = rss_mb(pid), time.time() + limit
    while time.time() < deadline:
        time.sleep(1)
        now = rss_mb(pid)
        if now is None or last is None or abs(now - last) < 0.5:
            return now
        last = now
    return last


def start_app(data_dir: Path, index_dir: Path, queue_size: int) -> tuple[subprocess.Popen, str]:
    return launch_app({
        "BUDGET_QA_DATA_DIR": str(data_dir),
        "BUDGET_QA_INDEX_DIR": str(index_dir),
        "BUDGET_QA_CORPUS": str(ROOT / "corpus"),
        "BUDGET_QA_RATE_LIMIT": "100000",
        "BUDGET_QA_QUEUE_SIZE": str(queue_size),
        "BUDGET_QA_STAFF_PASSWORD": "",
    })


def session(
    url: str, questions: list[str], timeout: float, until: float | None = None
) -> list[tuple[float, str | None]]:
    """Ask ``questions`` in turn (over and over until the monotonic time ``until``, when given)."""
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as e:  # noqa: BLE001 — a session that cannot connect counts as one error
        return [(0.0, f"connect: {type(e).__name__}: {e}"[:200])]
    out = []
    k = 0
    while (k < len(questions)) if until is None else (time.monotonic() < until):
        q = questions[k % len(questions)]
        k += 1
        t0 = time.perf_counter()
        try:
            job = client.submit(q, api_name="/ask")
            messages, _box = job.result(timeout=timeout)
            ok = bool(messages) and messages[-1].get("role") == "assistant"
            err = None if ok else "empty answer"
        except Exception as e:  # noqa: BLE001 — every failure is counted and reported
            err = f"{type(e).__name__}: {e}"[:200]
        out.append((time.perf_counter() - t0, err))
    return out


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="an already running app (loopback only); default: start one")
    ap.add_argument("--data-dir", help="with --url: the app's data dir, to count logged exchanges")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--questions", type=int, default=200, help="questions in all (without --duration)")
    ap.add_argument("--duration", type=float, help="ask for this many seconds instead of a fixed number")
    ap.add_argument("--index", help="index to serve (default: a fresh one built from corpus/ on start)")
    ap.add_argument("--queue-size", type=int, default=64)
    ap.add_argument("--timeout", type=float, default=60, help="seconds per question")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not 1 <= a.sessions <= MAX_SESSIONS or (a.duration is not None and not 0 < a.duration <= MAX_SECONDS):
        raise SystemExit(f"bounded: 1–{MAX_SESSIONS} sessions, at most {MAX_SECONDS} s")

    from budget_qa.web.exchange_log import ExchangeLog

    proc = None
    tmp = Path(tempfile.mkdtemp(prefix="bqa-load-"))
    if a.url:
        if not a.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
            raise SystemExit("loopback only: give a http://127.0.0.1:PORT/ URL")
        url, data_dir = a.url, Path(a.data_dir) if a.data_dir else None
    else:
        data_dir = tmp / "data"
        proc, url = start_app(data_dir, Path(a.index) if a.index else tmp / "index", a.queue_size)
    rss_before = settled_rss(proc.pid) if proc is not None else None
    log = ExchangeLog.in_dir(data_dir) if data_dir else None
    before = log.count() if log else 0
    if a.duration is not None:
        plans = [[QUESTIONS[(k + j) % len(QUESTIONS)] for j in range(len(QUESTIONS))] for k in range(a.sessions)]
    else:
        per = [a.questions // a.sessions + (1 if k < a.questions % a.sessions else 0) for k in range(a.sessions)]
        plans = [[QUESTIONS[(k + j) % len(QUESTIONS)] for j in range(n)] for k, n in enumerate(per)]
    rss_after = None
    t0 = time.perf_counter()
    try:
        until = time.monotonic() + a.duration if a.duration is not None else None
        with ThreadPoolExecutor(max_workers=a.sessions) as pool:
            results = [r for rs in pool.map(lambda p: session(url, p, a.timeout, until), plans) for r in rs]
        wall = time.perf_counter() - t0
        time.sleep(1.0)
        logged = (log.count() - before) if log else None
        rss_after = rss_mb(proc.pid) if proc is not None else None
    finally:
        if proc is not None:
            stop_app(proc)
    lat = [t for t, e in results if e is None]
    errors = [e for _, e in results if e is not None]
    report = {
        "sessions": a.sessions,
        "sent": len(results),
        "answered": len(lat),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "logged": logged,
        "lost_from_log": (len(lat) - logged) if logged is not None else None,
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p95_ms": round(percentile(lat, 95) * 1000, 1) if lat else None,
        "max_ms": round(max(lat) * 1000, 1) if lat else None,
        "wall_s": round(wall, 2),
        "questions_per_s": round(len(results) / wall, 1),
        "server_rss_mb_before": rss_before,
        "server_rss_mb_after": rss_after,
    }
    if a.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for k, v in report.items():
            print(f"{k:<16} {v}")
    sys.exit(1 if errors or (logged is not None and logged != len(lat)) else 0)


if __name__ == "__main__":
    main()
