"""Publishing while the web app runs: how long from "publish" until the public /api/ask answers from the
new version, and a bounded load test (20 sessions) with a publication in the middle of it.

    python benchmarks/publish_web.py                     # 3 timed publications, then 20 sessions × 10
    python benchmarks/publish_web.py --runs 5 --sessions 10 --questions 100 --embedder none

It starts `python app.py` on loopback (a free port) with a staff password, over a copy of corpus/ and a
fresh index in a temporary folder, and publishes with ``budget_qa.publish.Publisher`` on the same corpus,
index and data folders — what the desk's Publish button calls. Each timed run publishes a new year of a
small test disclosure (tests/fixtures.py) and asks /api/ask about that year until the answer carries the
new figure: "publish" is the Publisher's call (parse + index build + atomic pointer), "visible" the time
from its return until the public answer, "total" both. The load test reuses benchmarks/load_web.py's
sessions (gradio_client, the public /ask endpoint) and publishes once when about half the questions are
answered; it reports errors and exchanges logged vs answered (both must be 0 lost). Bounded: at most 64
sessions, 10 runs, and every wait has a deadline; it stops the app by itself.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests")]

from app_process import launch_app, stop_app  # noqa: E402
from load_web import MAX_SESSIONS, QUESTIONS, percentile, session  # noqa: E402

DEPARTMENT = "乌鲁木齐市示范测试局"
PASSWORD = "publish-benchmark-password"
FIGURE = "6.50"  # 差旅费 in the test disclosure


def start_app(corpus: Path, data_dir: Path, index_dir: Path, embedder: str) -> tuple[subprocess.Popen, str]:
    return launch_app({
        "BUDGET_QA_DATA_DIR": str(data_dir),
        "BUDGET_QA_INDEX_DIR": str(index_dir),
        "BUDGET_QA_CORPUS": str(corpus),
        "BUDGET_QA_EMBEDDER": embedder,
        "BUDGET_QA_RATE_LIMIT": "100000",
        "BUDGET_QA_EVENT_RATE_LIMIT": "100000",
        "BUDGET_QA_STAFF_PASSWORD": PASSWORD,
    }, timeout=300)


def upload(folder: Path, year: str) -> Path:
    from fixtures import small_disclosure

    p = folder / f"demo-{year}-budget.txt"
    p.write_text(small_disclosure(DEPARTMENT, year), encoding="utf-8")
    return p


def answered_from(url: str, year: str, deadline: float) -> float | None:
    """Poll the public API until it answers the year's question with the figure; the time it did."""
    import httpx

    ask = {"question": "差旅费预算是多少？", "department": DEPARTMENT, "year": year}
    with httpx.Client(timeout=30) as c:
        while time.perf_counter() < deadline:
            r = c.post(url.rstrip("/") + "/api/ask", json=ask)
            if r.status_code == 200 and FIGURE in r.json().get("answer", ""):
                return time.perf_counter()
            time.sleep(0.1)
    return None


def publish_once(pub, folder: Path, year: str) -> tuple[float, float]:
    staged = pub.stage([upload(folder, year)])
    if not staged.ok:
        raise SystemExit(f"the test disclosure did not stage: {staged.errors}")
    t0 = time.perf_counter()
    pub.publish(staged, user="benchmark")
    return t0, time.perf_counter()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="timed publications (median reported)")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--questions", type=int, default=200, help="questions in all in the load test")
    ap.add_argument("--embedder", default=None, help="the app's embedder (default: its setting)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per question / per publication")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not 1 <= a.sessions <= MAX_SESSIONS or not 1 <= a.runs <= 10 or not 1 <= a.questions <= 2000:
        raise SystemExit(f"bounded: 1–{MAX_SESSIONS} sessions, 1–10 runs, at most 2000 questions")

    from budget_qa import settings as settings_mod
    from budget_qa.publish import Publisher
    from budget_qa.web.exchange_log import ExchangeLog

    embedder = a.embedder or str(settings_mod.defaults().get("embedder") or "auto")
    tmp = Path(tempfile.mkdtemp(prefix="bqa-publish-"))
    corpus, data_dir, index_dir, uploads = tmp / "corpus", tmp / "data", tmp / "index", tmp / "uploads"
    shutil.copytree(ROOT / "corpus", corpus)
    uploads.mkdir()
    t_start = time.perf_counter()
    proc, url = start_app(corpus, data_dir, index_dir, embedder)
    started = time.perf_counter() - t_start
    pub = Publisher(corpus, index_dir, data_dir, settings_mod.defaults() | {"embedder": embedder})
    runs: list[dict] = []
    try:
        for k in range(a.runs):
            year = str(2025 + k)
            t0, t1 = publish_once(pub, uploads, year)
            seen = answered_from(url, year, t1 + a.timeout)
            runs.append({"year": year, "publish_s": round(t1 - t0, 2),
                         "visible_s": round(seen - t1, 2) if seen else None,
                         "total_s": round(seen - t0, 2) if seen else None})
        # the load test, with one publication once about half the questions are answered
        log = ExchangeLog.in_dir(data_dir)
        before = log.count("public")
        per = [a.questions // a.sessions + (1 if k < a.questions % a.sessions else 0) for k in range(a.sessions)]
        plans = [[QUESTIONS[(k + j) % len(QUESTIONS)] for j in range(n)] for k, n in enumerate(per)]
        mid: dict = {}

        def publish_in_the_middle() -> None:
            deadline = time.perf_counter() + a.timeout * 5
            while log.count("public") - before < a.questions // 2 and time.perf_counter() < deadline:
                time.sleep(0.05)
            year = str(2025 + a.runs)
            mid["at_answered"] = log.count("public") - before
            t0, t1 = publish_once(pub, uploads, year)
            seen = answered_from(url, year, t1 + a.timeout)
            mid.update({"year": year, "publish_s": round(t1 - t0, 2),
                        "visible_s": round(seen - t1, 2) if seen else None})

        w0 = time.perf_counter()
        publisher_thread = threading.Thread(target=publish_in_the_middle, daemon=True)
        publisher_thread.start()
        with ThreadPoolExecutor(max_workers=a.sessions) as pool:
            results = [r for rs in pool.map(lambda p: session(url, p, a.timeout), plans) for r in rs]
        wall = time.perf_counter() - w0
        publisher_thread.join(a.timeout * 6)
        time.sleep(1.0)
        logged = log.count("public") - before  # the chat's exchanges (the /api/ask probes are "api")
    finally:
        stop_app(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    lat = [t for t, e in results if e is None]
    errors = [e for _, e in results if e is not None]
    visible = [r["visible_s"] for r in runs if r["visible_s"] is not None]
    total = [r["total_s"] for r in runs if r["total_s"] is not None]
    report = {
        "embedder": embedder,
        "app_start_s": round(started, 1),
        "runs": runs,
        "publish_median_s": round(statistics.median(r["publish_s"] for r in runs), 2),
        "visible_after_publish_median_s": round(statistics.median(visible), 2) if visible else None,
        "publish_to_answer_median_s": round(statistics.median(total), 2) if total else None,
        "load_sessions": a.sessions,
        "load_sent": len(results),
        "load_answered": len(lat),
        "load_errors": len(errors),
        "load_error_samples": sorted(set(errors))[:5],
        "publication_mid_load": mid,
        "logged": logged,
        "lost_from_log": len(lat) - logged,
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p95_ms": round(percentile(lat, 95) * 1000, 1) if lat else None,
        "wall_s": round(wall, 2),
    }
    if a.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for k, v in report.items():
            print(f"{k:<32} {v}")
    bad = errors or report["lost_from_log"] != 0 or len(visible) < len(runs) or mid.get("visible_s") is None
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
