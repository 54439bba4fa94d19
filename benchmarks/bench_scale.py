"""Scale benchmark: ingest time and peak memory, warm `ask` latency and scoping correctness, 1 → 1,000 disclosures.

    python benchmarks/bench_scale.py [--sizes 1,10,100,1000] [--modes lexical,embedded,server]
                                     [--seed 0] [--passes 3] [--workdir DIR] [--out benchmarks/results/scale]

The corpora are synthetic (benchmarks/generate_corpus.py: the real disclosure with other departments,
years and consistent amounts); corpus N is the first N generated files. For every size and mode:

* ingest runs in a child process (``budget_qa.index.build_index``); its wall time and peak RSS
  (``ru_maxrss`` of that child, from ``os.wait4``) are reported;
* the questions run in another child: ``BudgetQA.open`` once, one warm-up pass (which is also the
  correctness pass), then ``--passes`` timed passes; p50/p95 over all timed asks;
* correctness: a question that names a department (and a year) must cite only that document, and a
  question that names only a year must cite only documents of that year. Lookups are also checked
  against the figure printed in the named document.

Modes: ``lexical`` (embedder none: facts + BM25), ``embedded`` (the deterministic fake embedder,
vectors in an embedded Chroma PersistentClient under the index) and ``server`` (the same vectors in a
Chroma server started here with ``chroma run`` on loopback, one fresh server per size, stopped after).
The fake embedder hashes character n-grams: it makes both Chroma paths store and query real vectors
at realistic counts, but says nothing about the quality or the cost of a real embedding model.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

MODES = {
    "lexical": {"embedder": "none"},
    "embedded": {"embedder": "fake"},
    "server": {"embedder": "fake"},  # + chroma_host / chroma_port of the server started for the size
}
PASS_BUDGET_S = 90.0  # stop adding timed passes once this much time has gone into them


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- children


def child_ingest(corpus: str, index: str, settings_json: str) -> None:
    from budget_qa.index import build_index

    settings = json.loads(settings_json)
    t0 = time.perf_counter()
    last = [t0]

    def progress(msg: str) -> None:
        now = time.perf_counter()
        if now - last[0] > 10 or "fact store" in msg or "lexical" in msg or "dense index" in msg:
            last[0] = now
            log(f"    ingest: {msg}")

    report = build_index([corpus], index, settings=settings, progress=progress)
    print(json.dumps({"seconds": time.perf_counter() - t0, "documents": len(report.documents),
                      "facts": report.facts, "chunks": report.chunks, "dense": report.dense}))


def child_ask(index: str, settings_json: str, questions_json: str, passes: int) -> None:
    from budget_qa.core import BudgetQA

    settings = json.loads(settings_json)
    questions = json.loads(Path(questions_json).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    qa = BudgetQA.open(index, settings)
    retriever = qa.retriever
    if retriever is not None:
        retriever.warm()
    open_s = time.perf_counter() - t0
    dense = retriever.dense_note if retriever is not None else qa._retriever_error
    results, first = [], []
    for q in questions:  # warm-up pass: correctness, and the first (cold) latency of each question
        t = time.perf_counter()
        ans = qa.ask(q["question"])
        first.append((time.perf_counter() - t) * 1000)
        results.append(_judge(q, ans))
    timed: list[float] = []
    per_kind: dict[str, list[float]] = {}
    spent = 0.0
    done = 0
    while done < passes and (done == 0 or spent < PASS_BUDGET_S):
        t_pass = time.perf_counter()
        for q in questions:
            t = time.perf_counter()
            qa.ask(q["question"])
            ms = (time.perf_counter() - t) * 1000
            timed.append(ms)
            per_kind.setdefault(q["kind"], []).append(ms)
        spent += time.perf_counter() - t_pass
        done += 1
    print(json.dumps({"open_s": open_s, "dense": dense, "passes": done, "first_ms": first, "timed_ms": timed,
                      "per_kind_ms": per_kind, "results": results}, ensure_ascii=False))


def _stem(name: str) -> str:
    return name[:-4] if name.endswith(".txt") else name


def _judge(q: dict, ans) -> dict:
    cited = sorted({_stem(c.document) for c in ans.citations})
    out = {"question": q["question"], "kind": q["kind"], "route": ans.route, "answerable": ans.answerable,
           "cited": cited[:6], "n_cited": len(cited)}
    if q.get("allowed"):
        allowed = set(q["allowed"])
        out["hit"] = bool(cited) and all(c in allowed for c in cited)
    if q.get("value"):
        values = {f.value for f in ans.figures}
        out["value_ok"] = q["value"] in values
    return out


# ---------------------------------------------------------------- questions


def questions_for(docs: list[dict]) -> list[dict]:
    """A fixed set per corpus: for up to 4 target documents spread over the corpus, questions naming the
    department and the year (or the department only); one naming only a year; three naming neither."""
    n = len(docs)
    targets = sorted({0, n // 3, (2 * n) // 3, n - 1})
    qs: list[dict] = []
    for i in targets:
        d = docs[i]
        dep, year, stem = d["department"], d["year"], d["stem"]
        qs += [
            {"kind": "department+year", "question": f"{dep}{year}年差旅费是多少？", "allowed": [stem], "value": d["travel"]},
            {"kind": "department+year", "question": f"{dep}{year}年三公经费是多少？", "allowed": [stem], "value": d["sangong"]},
            {"kind": "department+year", "question": f"{dep}{year}年招商引资专项的设立依据是什么？", "allowed": [stem]},
            {"kind": "department", "question": f"{dep}的基本工资是多少？", "allowed": [stem], "value": d["salary"]},
        ]
    year = docs[targets[-1]]["year"]
    same_year = [d["stem"] for d in docs if d["year"] == year]
    qs.append({"kind": "year", "question": f"{year}年公务接待费是多少？", "allowed": same_year})
    qs += [
        {"kind": "unscoped", "question": "差旅费是多少？"},
        {"kind": "unscoped", "question": "How much is budgeted for official receptions?"},
        {"kind": "unscoped", "question": "什么是三公经费？"},
    ]
    return qs


def describe(path: Path) -> dict:
    from budget_qa.ingest.parser import parse_file

    doc = parse_file(path)

    def cell(table: str, label: str) -> str:
        t = next(t for t in doc.tables if t.number == table)
        r = next(r for r in t.rows if r.label == label)
        return r.cells[0].value or ""

    return {"stem": path.stem, "department": doc.department, "year": doc.year,
            "travel": cell("表6", "差旅费"), "salary": cell("表6", "基本工资"), "sangong": cell("表10", "合计")}


# ---------------------------------------------------------------- processes


def run_child(args: list[str], env: dict | None = None) -> tuple[dict, float, float]:
    """Run this script as a child; returns (its JSON output, wall seconds, peak RSS in MB from wait4)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args], stdout=subprocess.PIPE,
                         env=env or os.environ.copy())
    out = p.stdout.read() if p.stdout else b""
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed with exit code {p.returncode}")
    return json.loads(out.decode().strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024  # KB on Linux


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """`chroma run` on loopback with telemetry off; peak RSS read from /proc before it is stopped."""

    def __init__(self, path: Path) -> None:
        self.path, self.port = path, free_port()
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        self.log = open(path.parent / f"{path.name}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(["chroma", "run", "--path", str(path), "--host", "127.0.0.1", "--port",
                                      str(self.port)], stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("chroma server did not answer within 60 s")

    def peak_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def du_mb(path: Path) -> float:
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total / 2**20


# ---------------------------------------------------------------- the run


def pctl(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
    return xs[k]


def _skip_server(rows: list[dict], n: int, limit: int) -> dict:
    """A row for a server run left out by --server-max-docs, with a linear estimate from the largest measured one."""
    done = [r for r in rows if r["mode"] == "server" and "ingest_s" in r]
    row = {"documents": n, "mode": "server",
           "skipped": f"over --server-max-docs {limit}, to keep the run within its time budget"}
    if done:
        ref = max(done, key=lambda r: r["documents"])
        lex = next((r for r in rows if r["mode"] == "lexical" and r["documents"] == ref["documents"]
                    and "ingest_s" in r), None)
        est = row["estimated_ingest_s"] = ref["ingest_s"] * n / ref["documents"]
        row["skipped"] += (f"; linear estimate from N={ref['documents']}: ingest ≈ "
                           + (f"{est / 60:.0f} min" if est >= 120 else f"{est:.0f} s"))
        if lex and ref.get("chunks"):
            per = (ref["ingest_s"] - lex["ingest_s"]) / ref["chunks"] * 1000
            row["skipped"] += f" (the dense part costs ≈ {per:.1f} ms per chunk vector at N={ref['documents']})"
    return row


def run(sizes: list[int], modes: list[str], seed: int, passes: int, workdir: Path,
        server_max_docs: int | None = None) -> dict:
    from generate_corpus import generate_corpus

    t_all = time.perf_counter()
    log(f"generating {max(sizes)} disclosures (seed {seed})")
    gen = generate_corpus(workdir / "generated", max(sizes), seed=seed)
    rows = []
    for n in sizes:
        corpus = workdir / f"corpus-{n}"
        corpus.mkdir(exist_ok=True)
        for g in gen[:n]:
            link = corpus / g.path.name
            if not link.exists():
                os.link(g.path, link)
        docs = [describe(g.path) for g in gen[:n]]
        qs = questions_for(docs)
        qfile = workdir / f"questions-{n}.json"
        qfile.write_text(json.dumps(qs, ensure_ascii=False), encoding="utf-8")
        for mode in modes:
            if mode == "server" and server_max_docs is not None and n > server_max_docs:
                rows.append(_skip_server(rows, n, server_max_docs))
                log(f"N={n} server: {rows[-1]['skipped']}")
                continue
            settings = dict(MODES[mode])
            server = None
            index = workdir / f"index-{n}-{mode}"
            row: dict = {"documents": n, "mode": mode, "questions": len(qs)}
            try:
                if mode == "server":
                    server = ChromaServer(workdir / f"chroma-server-{n}")
                    settings.update(chroma_host="127.0.0.1", chroma_port=server.port)
                log(f"N={n} {mode}: ingest")
                rep, wall, rss = run_child(["_ingest", str(corpus), str(index), json.dumps(settings)])
                row.update(ingest_s=wall, ingest_build_s=rep["seconds"], ingest_peak_mb=rss, facts=rep["facts"],
                           chunks=rep["chunks"], dense=rep["dense"], index_mb=du_mb(index))
                log(f"N={n} {mode}: ingest {wall:.1f} s, peak {rss:.0f} MB, {rep['chunks']} chunks; asking "
                    f"{len(qs)} questions")
                res, wall_q, rss_q = run_child(["_ask", str(index), json.dumps(settings), str(qfile), str(passes)])
                judged = res["results"]
                named = [r for r in judged if "hit" in r]
                valued = [r for r in judged if "value_ok" in r]
                row.update(
                    open_s=res["open_s"], ask_peak_mb=rss_q, passes=res["passes"], dense_note=res["dense"],
                    p50_ms=pctl(res["timed_ms"], 0.5), p95_ms=pctl(res["timed_ms"], 0.95),
                    max_ms=max(res["timed_ms"]), first_p50_ms=pctl(res["first_ms"], 0.5),
                    per_kind_p50_ms={k: pctl(v, 0.5) for k, v in res["per_kind_ms"].items()},
                    hits=sum(r["hit"] for r in named), named=len(named),
                    values_ok=sum(r["value_ok"] for r in valued), valued=len(valued),
                    misses=[r for r in named if not r["hit"]] + [r for r in valued if not r["value_ok"]],
                )
                if server is not None:
                    row["server_peak_mb"] = server.peak_mb()
                    row["server_data_mb"] = du_mb(server.path)
                log(f"N={n} {mode}: open {res['open_s']:.2f} s, ask p50 {row['p50_ms']:.1f} ms p95 "
                    f"{row['p95_ms']:.1f} ms, named-document hits {row['hits']}/{row['named']}, "
                    f"values {row['values_ok']}/{row['valued']}")
            except Exception as err:  # keep the other sizes and modes
                row["error"] = str(err)
                log(f"N={n} {mode}: FAILED: {err}")
            finally:
                if server is not None:
                    server.stop()
                    shutil.rmtree(server.path, ignore_errors=True)
                shutil.rmtree(index, ignore_errors=True)
            rows.append(row)
    return {"sizes": sizes, "modes": modes, "seed": seed, "passes": passes, "server_max_docs": server_max_docs,
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0], "total_s": time.perf_counter() - t_all, "rows": rows}


# ---------------------------------------------------------------- output


def table(result: dict) -> str:
    head = ("| docs | mode | ingest s | ingest peak MB | index MB | open s | ask p50 ms | ask p95 ms | "
            "named-doc hits | values ok | ask peak MB | server peak MB |")
    lines = [head, "|" + "|".join("---" for _ in range(12)) + "|"]
    for r in result["rows"]:
        if "error" in r or "skipped" in r:
            what = f"failed: {r['error']}" if "error" in r else "skipped"
            lines.append(f"| {r['documents']} | {r['mode']} | {what} |" + " |" * 9)
            continue
        server = f"{r['server_peak_mb']:.0f}" if r.get("server_peak_mb") else "–"
        lines.append(
            f"| {r['documents']} | {r['mode']} | {r['ingest_s']:.1f} | {r['ingest_peak_mb']:.0f} | {r['index_mb']:.0f} | "
            f"{r['open_s']:.2f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['hits']}/{r['named']} | "
            f"{r['values_ok']}/{r['valued']} | {r['ask_peak_mb']:.0f} | {server} |")
    return "\n".join(lines)


def markdown(result: dict) -> str:
    kinds = sorted({k for r in result["rows"] for k in r.get("per_kind_p50_ms", {})})
    per_kind = ["| docs | mode | " + " | ".join(f"{k} p50 ms" for k in kinds) + " |",
                "|" + "|".join("---" for _ in range(len(kinds) + 2)) + "|"]
    for r in result["rows"]:
        if "per_kind_p50_ms" in r:
            per_kind.append(f"| {r['documents']} | {r['mode']} | "
                            + " | ".join(f"{r['per_kind_p50_ms'].get(k, float('nan')):.1f}" for k in kinds) + " |")
    misses = [f"- N={r['documents']} {r['mode']}: {m['question']} → route {m['route']}, cited {m['cited']}"
              + (" (wrong figure)" if m.get("hit", True) and not m.get("value_ok", True) else "")
              for r in result["rows"] for m in r.get("misses", [])]
    return "\n".join([
        "# Scale benchmark",
        "",
        f"`python benchmarks/bench_scale.py --sizes {','.join(map(str, result['sizes']))} "
        f"--modes {','.join(result['modes'])} --seed {result['seed']} --passes {result['passes']} "
        f"--server-max-docs {result['server_max_docs'] or 0}` "
        f"on {result['cpus']} CPUs, Python {result['python']}; total {result['total_s'] / 60:.1f} min.",
        "",
        "Synthetic corpora from `benchmarks/generate_corpus.py` (the real disclosure with other departments, years",
        "and consistent amounts). Ingest and the questions each run in a child process; peak MB is that child's",
        "`ru_maxrss`. Latency: warm `BudgetQA.ask`, after one warm-up pass, over a fixed question set (per target",
        "document: three questions naming department + year, one naming the department; one naming only a year;",
        "three naming neither). *named-doc hits*: questions naming a department or a year whose citations are all",
        "in the named document (or in documents of the named year). *values ok*: lookups that return the figure",
        "printed in the named document.",
        "",
        "Modes: `lexical` = embedder none (facts + BM25); `embedded` and `server` = the deterministic *fake* hashing",
        "embedder (256-d), so that both Chroma paths store and query real vectors — it measures Chroma and the",
        "pipeline, not a real embedding model (which would add its own encoding cost at ingest and per question).",
        "`server` = a `chroma run` server on loopback, one per size; its peak RSS is reported separately.",
        "",
        table(result),
        "",
        "Median latency by question kind:",
        "",
        *per_kind,
        "",
        *(["Skipped:", *[f"- N={r['documents']} {r['mode']}: {r['skipped']}" for r in result["rows"] if "skipped" in r],
           ""] if any("skipped" in r for r in result["rows"]) else []),
        "Misses:" if misses else "No misses.",
        *misses,
        "",
    ])


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_ingest":
        return child_ingest(*argv[1:4])
    if argv and argv[0] == "_ask":
        return child_ask(argv[1], argv[2], argv[3], int(argv[4]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1,10,100,1000", help="corpus sizes, comma-separated (default 1,10,100,1000)")
    ap.add_argument("--modes", default="lexical,embedded,server", help="lexical, embedded, server (comma-separated)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--passes", type=int, default=3, help="timed passes over the questions (capped at ~90 s)")
    ap.add_argument("--server-max-docs", type=int, default=100,
                    help="run the Chroma-server mode only up to this many documents (default 100; 0 = no limit)")
    ap.add_argument("--workdir", type=Path, help="keep corpora here (default: a temporary directory)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale",
                    help="write OUT.md and OUT.json (default benchmarks/results/scale)")
    a = ap.parse_args(argv)
    sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    modes = [m.strip() for m in a.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        ap.error(f"unknown mode(s) {unknown}; use {', '.join(MODES)}")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    tmp = None
    if a.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-scale-")
        workdir = Path(tmp.name)
    else:
        workdir = a.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        result = run(sizes, modes, a.seed, a.passes, workdir, a.server_max_docs or None)
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(table(result))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    a.out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    log(f"wrote {a.out.with_suffix('.md')} and {a.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
