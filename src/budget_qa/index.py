"""Build the index directory atomically: parse every file, write facts and documents, swap in.

Layout of an index directory (default ``.budget_qa/``):
  manifest.json    what was ingested, when, with which settings
  documents.json   the parsed documents (parts, sections, tables)
  facts.sqlite     the fact store
  lexical/         BM25 index over chunks            (retrieval)
  chroma/          dense vectors, embedded Chroma     (retrieval, when a model is available)
Everything is written to a sibling temporary directory first and renamed into place, so a
failed or interrupted ingest leaves the previous index untouched.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BudgetQAError, IngestError, NothingIngestedError
from .facts import write_store
from .ingest.parser import parse_files
from .model import Document
from .readers import SUFFIXES, group_files

Progress = Callable[[str], None]


@dataclass
class IngestReport:
    index_dir: str
    documents: list[str] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    facts: int = 0
    chunks: int = 0
    dense: str = ""
    seconds: float = 0.0
    details: list[dict] = field(default_factory=list)  # per document: files, format, department, year, kind
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "index_dir": self.index_dir, "documents": self.documents, "facts": self.facts, "chunks": self.chunks,
            "details": self.details, "warnings": self.warnings,
            "dense": self.dense, "seconds": round(self.seconds, 3),
            "errors": [{"file": e.path, "line": e.line, "message": str(e)} for e in self.errors],
        }


def discover(paths: list[str | Path]) -> list[Path]:
    """Disclosure files under the given files and folders, in every format a reader exists for."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(x for x in p.rglob("*") if x.is_file() and x.suffix.lower() in SUFFIXES
                            and not x.name.startswith((".", "~$")))
        elif p.is_file():
            files.append(p)
        else:
            raise BudgetQAError(f"{p}: no such file or folder — give disclosure files (PDF, .xlsx/.xls, .docx, "
                                "text) or a folder of them")
    if not files:
        raise BudgetQAError(f"No disclosures (PDF, .xlsx/.xls, .docx, .txt) found in {', '.join(map(str, paths))} "
                            "— add files or give another folder")
    return files


def parse_all(files: list[Path], progress: Progress | None = None,
              roots: list[str | Path] | None = None) -> tuple[list[Document], list[IngestError]]:
    """Parse every disclosure; files of one disclosure (same stem, or a folder of their own) are joined."""
    docs, errors = [], []
    seen: dict[str, str] = {}
    groups = group_files(files, [Path(r) for r in roots or [] if Path(r).is_dir()])
    for k, group in enumerate(groups, 1):
        try:
            doc = parse_files(group)
            if doc.id in seen:
                doc.id = f"{doc.id}-{len(seen)}"
            seen[doc.id] = str(group[0])
            docs.append(doc)
            if progress and len(group) > 1:
                progress(f"joined {len(group)} files into one disclosure ({doc.id}): "
                         + ", ".join(p.name for p in group))
            for w in doc.warnings:
                if progress:
                    progress(f"warning: {w}")
        except IngestError as err:
            errors.append(err)
        if progress and (k == len(groups) or k % max(1, len(groups) // 20) == 0):
            progress(f"parsed {k}/{len(groups)} disclosures")
    return docs, errors


def build_index(
    paths: list[str | Path],
    index_dir: str | Path,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    with_retrieval: bool = True,
    settings: dict | None = None,
) -> IngestReport:
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    report = IngestReport(index_dir=str(index_dir))
    docs, report.errors = parse_all(discover(paths), progress, roots=list(paths))
    if strict and report.errors:
        raise report.errors[0]
    if not docs:
        msgs = "; ".join(str(e) for e in report.errors)
        raise NothingIngestedError(f"Nothing ingested, the previous index (if any) is unchanged: {msgs}")
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        (tmp / "documents.json").write_text(
            json.dumps([d.to_dict() for d in docs], ensure_ascii=False), encoding="utf-8"
        )
        report.facts = write_store(tmp / "facts.sqlite", docs)
        if progress:
            progress(f"fact store: {report.facts} facts from {len(docs)} documents")
        info: dict = {}
        if with_retrieval:
            from .retrieval.build import build_retrieval

            info = build_retrieval(docs, tmp, settings or {}, progress)
            report.chunks, report.dense = info.get("chunks", 0), info.get("dense", "")
        report.documents = [d.id for d in docs]
        report.details = [{"id": d.id, "department": d.department, "year": d.year, "kind": d.kind, "format": d.format,
                           "files": d.files, "tables": len(d.tables)} for d in docs]
        report.warnings = [f"{d.id}: {w}" for d in docs for w in d.warnings]
        manifest = {
            "format": 1, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "documents": report.documents,
            "facts": report.facts, "chunks": report.chunks, "dense": report.dense,
            "skipped": [str(e) for e in report.errors], "settings": settings or {}, "retrieval": info,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        old_info = _retrieval_info(index_dir)
        _swap_in(tmp, index_dir)
        if old_info:
            from .retrieval.build import drop_dense_collection

            try:  # a server collection of the replaced index is no longer referenced by anything
                drop_dense_collection(old_info, settings or {})
            except Exception as err:  # the new index is in place; a stale collection is only clutter
                if progress:
                    progress(f"could not drop the previous Chroma collection: {err}")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.seconds = time.perf_counter() - t0
    return report


def _retrieval_info(index_dir: Path) -> dict | None:
    f = index_dir / "retrieval.json"
    try:
        return json.loads(f.read_text(encoding="utf-8")) if f.exists() else None
    except (OSError, ValueError):
        return None


def _swap_in(tmp: Path, index_dir: Path) -> None:
    old = None
    if index_dir.exists():
        old = index_dir.with_name(f".{index_dir.name}.old-{int(time.time() * 1000)}")
        index_dir.rename(old)
    try:
        tmp.rename(index_dir)
    except OSError:
        if old is not None:
            old.rename(index_dir)  # put the previous index back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def load_documents(index_dir: Path) -> list[Document]:
    data = json.loads((index_dir / "documents.json").read_text(encoding="utf-8"))
    return [Document.from_dict(d) for d in data]


def stderr_progress(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr, flush=True)
