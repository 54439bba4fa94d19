"""Command line: write generated disclosures and their golden files.

    python -m tests.disclosure_gen OUT_DIR [--layouts urumqi provincial central]
        [--formats txt pdf xlsx] [--seed N] [--count K] [--department 湖南省水利厅] [--year 2024]
        [--final] [--plant-errors] [--several-per-sheet]

Also runs as a script (``python tests/disclosure_gen OUT_DIR``) or, from tests/, as
``python -m disclosure_gen OUT_DIR``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the package from the tests folder
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "disclosure_gen"

from . import DEFAULT_FORMATS, FORMATS, LAYOUTS, generate, golden_path  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.disclosure_gen", description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=list(LAYOUTS))
    ap.add_argument("--formats", nargs="+", default=list(DEFAULT_FORMATS), choices=list(FORMATS))
    ap.add_argument("--seed", type=int, default=0, help="first seed")
    ap.add_argument("--count", type=int, default=1, help="number of seeds (seed, seed+1, …)")
    ap.add_argument("--department")
    ap.add_argument("--year")
    ap.add_argument("--final", action="store_true", help="final accounts (决算) instead of a budget")
    ap.add_argument("--plant-errors", action="store_true", help="break four consistency rules on purpose")
    ap.add_argument("--several-per-sheet", action="store_true", help="all tables on one sheet (xlsx)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    n = 0
    for seed in range(args.seed, args.seed + args.count):
        for layout in args.layouts:
            for fmt in args.formats:
                path = generate(args.out_dir, layout, fmt, seed=seed, department=args.department, year=args.year,
                                plant_errors=args.plant_errors, final=args.final,
                                several_per_sheet=args.several_per_sheet)
                print(f"{path}  (+ {golden_path(path).name})")
                n += 1
    print(f"wrote {n} disclosures to {args.out_dir} in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
