"""Start-up time of the web app: from launching `python app.py` to the page answering a question.

    python benchmarks/startup_web.py            # 3 runs with the index present, 1 first run (index built)

Phases timed per run: the URL printed (server listening), the page served (GET / = 200), the first
question answered through the public /ask endpoint (gradio_client), then the process is stopped.
Loopback only; each run uses its own port and a temporary data directory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from app_process import ROOT, launch_app, stop_app  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def one_run(index_dir: Path, question: str) -> dict:
    from gradio_client import Client

    tmp = Path(tempfile.mkdtemp(prefix="bqa-start-"))
    t0 = time.perf_counter()
    proc, url = launch_app({
        "BUDGET_QA_DATA_DIR": str(tmp / "data"),
        "BUDGET_QA_INDEX_DIR": str(index_dir),
        "BUDGET_QA_CORPUS": str(ROOT / "corpus"),
        "BUDGET_QA_STAFF_PASSWORD": "",
    })
    t_url = time.perf_counter() - t0
    try:
        assert httpx.get(url, timeout=30).status_code == 200
        t_page = time.perf_counter() - t0
        messages, _ = Client(url, verbose=False).predict(question, api_name="/ask")
        t_answer = time.perf_counter() - t0
        assert "17.81" in json.dumps(messages, ensure_ascii=False)
    finally:
        stop_app(proc)
    return {"url_s": round(t_url, 2), "page_s": round(t_page, 2), "answer_s": round(t_answer, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--question", default="2024年三公经费是多少？")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    warm_index = Path(tempfile.mkdtemp(prefix="bqa-start-index-")) / "index"
    first = one_run(warm_index, a.question)  # no index yet: built from corpus/ on start
    warm = [one_run(warm_index, a.question) for _ in range(a.runs)]
    report = {
        "first_run_with_index_build": first,
        "with_index_median": {k: round(statistics.median(r[k] for r in warm), 2) for k in warm[0]},
        "with_index_runs": warm,
    }
    if a.json:
        print(json.dumps(report))
    else:
        print(
            f"first run (builds the index): URL {first['url_s']} s, page {first['page_s']} s, "
            f"first answer {first['answer_s']} s"
        )
        m = report["with_index_median"]
        print(
            f"index present (median of {a.runs}): URL {m['url_s']} s, page {m['page_s']} s, "
            f"first answer {m['answer_s']} s"
        )


if __name__ == "__main__":
    main()
