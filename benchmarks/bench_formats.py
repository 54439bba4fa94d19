"""Ingest speed and figures recovered, per layout and format, on generated disclosures.

    python benchmarks/bench_formats.py [--seeds 3] [--out benchmarks/results/formats.md]

For each of the three layouts (urumqi template, provincial, central) and each format (text,
.xlsx, ruled PDF, Word, narrative + workbook), disclosures are written by the independent
generator in tests/disclosure_gen with their golden figures; each is parsed ``--repeat`` times
(median reported) and its figures compared with the golden file. PDF speed is also given in
pages per second, and for the largest PDF generated, extrapolated to a 34-page disclosure.
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
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from budget_qa.ingest.parser import parse_files  # noqa: E402
from disclosure_gen import generate, golden_path  # noqa: E402
from test_layouts import golden_cells, recovered  # noqa: E402

LAYOUTS = ("urumqi", "provincial", "central")
DEPARTMENTS = ("湖南省水利厅", "长沙市教育局", "某市文化体育局", "国家统计局")
FORMATS = ("txt", "xlsx", "pdf", "docx", "split")


def _pages(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3, help="disclosures per layout and format")
    ap.add_argument("--repeat", type=int, default=3, help="parses per file (the median is reported)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "formats.md"))
    args = ap.parse_args()
    rows, pdf_rates = [], []
    with tempfile.TemporaryDirectory() as tmp:
        total = len(LAYOUTS) * len(FORMATS) * args.seeds
        k = 0
        for layout in LAYOUTS:
            for fmt in FORMATS:
                times, shares, figures, pages = [], [], 0, 0
                for seed in range(args.seeds):
                    k += 1
                    dept = DEPARTMENTS[seed % len(DEPARTMENTS)]
                    # a workbook alone names its department only in its file name, as downloads are named
                    stem = f"{dept}2024年部门预算" if fmt in ("xlsx", "xls") else None
                    path = generate(Path(tmp) / f"{layout}-{fmt}-{seed}", layout, fmt, seed=seed, department=dept,
                                    year=2024, stem=stem)
                    gold = json.loads(golden_path(path).read_text(encoding="utf-8"))
                    files = [path.parent / f for f in gold["files"]]
                    runs = []
                    for _ in range(args.repeat):
                        t0 = time.perf_counter()
                        doc = parse_files(files)
                        runs.append(time.perf_counter() - t0)
                    t = statistics.median(runs)
                    share, _missing = recovered(doc, gold)
                    times.append(t)
                    shares.append(share)
                    figures += len(golden_cells(gold))
                    if fmt == "pdf":
                        n = _pages(path)
                        pages += n
                        pdf_rates.append((n, t))
                    print(f"[{k}/{total}] {layout:<10} {fmt:<5} seed {seed}: {t * 1000:7.1f} ms, "
                          f"{share:.1%} of {len(golden_cells(gold))} figures", file=sys.stderr, flush=True)
                rows.append((layout, fmt, statistics.median(times), min(shares), statistics.mean(shares), figures,
                             pages))
    lines = ["# Ingest by layout and format", "",
             f"`python benchmarks/bench_formats.py --seeds {args.seeds}` — parse time per disclosure (median of "
             f"{args.repeat} runs, then median over {args.seeds} disclosures) and figures recovered against the "
             "generator's golden files.", "",
             "| layout | format | parse (ms) | figures recovered (min / mean) | figures | PDF pages |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for layout, fmt, t, lo, mean, figures, pages in rows:
        lines.append(f"| {layout} | {fmt} | {t * 1000:.1f} | {lo:.1%} / {mean:.1%} | {figures} | {pages or ''} |")
    if pdf_rates:
        rate = statistics.median(n / t for n, t in pdf_rates)
        n, t = max(pdf_rates)
        lines += ["", f"PDF: median {rate:.1f} pages/s; the largest PDF ({n} pages) parsed in {t:.2f} s, "
                      f"so a 34-page disclosure takes about {34 / rate:.1f} s."]
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
