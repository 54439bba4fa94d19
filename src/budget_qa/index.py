"""Build the index directory safely: parse every file, write a new version beside the current one,
switch a pointer to it.

Layout of an index directory (default ``.budget_qa/``):
  .budget-qa-index   marker: this folder is a budget-qa index (JSON with the layout's format)
  CURRENT            the name of the version readers use; replaced atomically (temp file + os.replace)
  v-<time>-<n>/      one complete version of the index:
    manifest.json      what was ingested, when, with which settings; size (and checksum) of every file
    documents.json     the parsed documents (parts, sections, tables)
    facts.sqlite       the fact store
    lexical/           BM25 index over chunks            (retrieval)
    retrieval.json     what the retrieval part was built with
    chroma/            dense vectors, embedded Chroma     (retrieval, when a model is available)
  .tmp-*/            a version being written (left only by a killed ingest; the next ingest removes it)
  .lock              held by the ingest that is writing

The path always holds a complete index: a new version is written in full, then CURRENT is switched to
it in one rename. The previous version is kept until the next successful ingest (a reader that opened
it before the switch can finish); older versions are removed. Ingest writes only into an empty or new
folder, a folder with the marker, or an index written before versions existed (files directly in the
folder, still readable; the next ingest converts it). Readers find the files of the current version
with ``live_path(index_dir)``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BudgetQAError, IndexDamagedError, IngestError, IngestRefusedError, NothingIngestedError
from .facts import write_store
from .ingest.kinds import KIND_NAMES, KIND_ORDER, TableKind
from .ingest.narrative_builder import NUMERALS, PART_RE
from .ingest.parser import parse_files
from .ingest.titles import title_kind
from .model import Document
from .readers import SUFFIXES, group_files

Progress = Callable[[str], None]

MARKER = ".budget-qa-index"
POINTER = "CURRENT"
LOCK = ".lock"
TMP_PREFIX = ".tmp-"
LAYOUT_FORMAT = 2  # 1: the files directly in the index folder; 2: versions and a pointer
MANIFEST_FORMAT = 2
VERSION_RE = re.compile(r"^v-\d{8}T\d{6}-(\d+)$")
# what an index folder of layout 1 holds (and the files of one version)
INDEX_FILES = ("manifest.json", "documents.json", "facts.sqlite", "facts.sqlite-journal", "facts.sqlite-wal",
               "facts.sqlite-shm", "retrieval.json", "lexical", "chroma")
HASHED_MAX = 1 << 20  # files up to this size get a checksum in the manifest (checked on every open)
DROP_LIMIT = 0.5  # an ingest that keeps less than this share of the current index's facts needs force
NATIONAL = KIND_ORDER[:11]  # 表1–表11 of the national format
_ATOMIC_TMP = re.compile(rf"^(?:{re.escape(POINTER)}|{re.escape(MARKER)})\.tmp-\d+$")  # see _write_atomic


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
    version: str = ""  # the version folder now in use
    cleaned: list[str] = field(default_factory=list)  # leftovers of killed ingests and old versions removed

    def to_dict(self) -> dict:
        return {
            "index_dir": self.index_dir, "documents": self.documents, "facts": self.facts, "chunks": self.chunks,
            "details": self.details, "warnings": self.warnings,
            "dense": self.dense, "seconds": round(self.seconds, 3), "version": self.version, "cleaned": self.cleaned,
            "errors": [{"file": e.path, "line": e.line, "message": str(e)} for e in self.errors],
        }


# ---------------------------------------------------------------- reading the pointer


def live_path(index_dir: str | Path) -> Path:
    """The folder that holds manifest.json, facts.sqlite, … of the index's current version.

    The index folder itself for an index written before versions existed (and for a version folder).
    Raises IndexDamagedError when CURRENT exists but does not name a version.
    """
    root = Path(index_dir)
    try:
        raw = (root / POINTER).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return root
    except OSError as err:
        raise IndexDamagedError(str(root), f"{POINTER}: cannot be read ({err.strerror})", _rebuild(root)) from err
    name = raw.decode("utf-8", "replace").strip()
    if not VERSION_RE.match(name):
        raise IndexDamagedError(str(root), f"{POINTER}: does not name an index version ({name[:40]!r})",
                                _rebuild(root))
    return root / name


def current_version(index_dir: str | Path) -> str:
    """The name of the version in use (the pointer's content, read without any other work); "" when the
    index has no pointer (none yet, or written before versions existed). Changes on every ingest."""
    try:
        return (Path(index_dir) / POINTER).read_bytes().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def load_documents(index_dir: Path) -> list[Document]:
    live = live_path(index_dir)
    try:
        data = json.loads((live / "documents.json").read_text(encoding="utf-8"))
        return [Document.from_dict(d) for d in data]
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        root = _root_of(live)
        raise IndexDamagedError(str(root), f"documents.json: {_reason(err)}", _rebuild(root)) from err


def _root_of(live: Path) -> Path:
    return live.parent if VERSION_RE.match(live.name) else live


def read_error(err: BaseException) -> str | None:
    """Plain words for why an index file could not be read, or None when it was read but is wrong."""
    if isinstance(err, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(err, json.JSONDecodeError):
        return f"not valid JSON ({err.msg} at line {err.lineno} column {err.colno})"
    if isinstance(err, OSError):
        return f"cannot be read ({err.strerror})"
    return None


def _reason(err: BaseException) -> str:
    if isinstance(err, FileNotFoundError):
        return "missing"
    return read_error(err) or f"not what ingest wrote ({type(err).__name__}: {str(err)[:80]})"


def _rebuild(root: Path) -> str:
    from .index_check import rebuild_command

    return rebuild_command(root)


# ---------------------------------------------------------------- where an index may be written


def check_target(index_dir: str | Path, paths: list[str | Path]) -> str:
    """Refuse (IngestRefusedError, nothing touched) an index folder that ingest must not write to;
    else say what it is: 'new', 'empty', 'index' (has the marker) or 'legacy' (files directly in it)."""
    given = str(index_dir)
    root = Path(index_dir)
    keep = "— nothing was changed"
    try:
        where = root.resolve()
        here = Path.cwd().resolve()
    except (OSError, RuntimeError) as err:
        raise IngestRefusedError(f"--index {given}: cannot resolve the path ({err}) {keep}") from err
    if where == here or where in here.parents:
        raise IngestRefusedError(f"--index {given} is the current folder or one of its parents — give a folder "
                                 f"of its own for the index (e.g. --index .budget_qa) {keep}")
    if root.exists() and not root.is_dir():
        raise IngestRefusedError(f"--index {given} is a file, not a folder — give an empty or new folder, or an "
                                 f"existing index {keep}")
    for p in map(Path, paths):
        try:
            src = p.resolve()
        except (OSError, RuntimeError):
            continue
        if src == where:
            raise IngestRefusedError(f"--index {given} is the input {p} itself — put the index in a folder of "
                                     f"its own, outside the disclosures {keep}")
        if p.is_dir() and where.is_relative_to(src):
            raise IngestRefusedError(f"--index {given} is inside the input folder {p}: its files would be read "
                                     f"back as disclosures — put the index outside {p} {keep}")
        if src.is_relative_to(where):
            raise IngestRefusedError(f"the input {p} is inside the index folder {given} — move the disclosures "
                                     f"out of it, or give another --index {keep}")
    if not root.is_dir():
        return "new"
    try:
        entries = [e.name for e in root.iterdir()]
    except OSError as err:
        raise IngestRefusedError(f"--index {given}: cannot list the folder ({err.strerror}) {keep}") from err
    if not entries:
        return "empty"
    if MARKER in entries:
        fmt = _marker_format(root)
        if fmt is not None and fmt > LAYOUT_FORMAT:
            raise IngestRefusedError(f"the index at {given} was written by a newer budget-qa (layout {fmt}) — "
                                     f"upgrade, or give another --index {keep}")
        return "index"
    if _is_legacy(entries):
        return "legacy"
    raise IngestRefusedError(f"{given} is not a budget-qa index (no marker {MARKER}) — give an empty or new "
                             f"folder, or an existing index {keep}")


def _is_legacy(entries: list[str]) -> bool:
    """Files directly in the folder, as ingest wrote them before versions: only index files, the main ones."""
    return bool(set(entries) & {"manifest.json", "facts.sqlite", "documents.json"}) and set(entries) <= set(INDEX_FILES)


def _marker_format(root: Path) -> int | None:
    try:
        fmt = json.loads((root / MARKER).read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError):
        return None
    return fmt if isinstance(fmt, int) else None


# ---------------------------------------------------------------- finding and parsing disclosures


def discover(paths: list[str | Path]) -> list[Path]:
    """Disclosure files under the given files and folders, in every format a reader exists for.

    Folders that hold a budget-qa index are skipped: their files are not disclosures.
    """
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = []
            for folder, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not _looks_like_index(Path(folder) / d))
                found += [Path(folder) / n for n in names if Path(n).suffix.lower() in SUFFIXES
                          and not n.startswith((".", "~$"))]
            files += sorted(x for x in found if x.is_file())
        elif p.is_file():
            files.append(p)
        else:
            raise BudgetQAError(f"{p}: no such file or folder — give disclosure files (PDF, .xlsx/.xls, .docx, "
                                "text) or a folder of them")
    if not files:
        raise BudgetQAError(f"No disclosures (PDF, .xlsx/.xls, .docx, .txt) found in {', '.join(map(str, paths))} "
                            "— add files or give another folder")
    return files


def _looks_like_index(d: Path) -> bool:
    return (d / MARKER).exists() or (d / POINTER).is_file() or VERSION_RE.match(d.name) is not None or (
        (d / "manifest.json").is_file() and (d / "facts.sqlite").is_file())


def parse_all(files: list[Path], progress: Progress | None = None,
              roots: list[str | Path] | None = None) -> tuple[list[Document], list[IngestError]]:
    """Parse every disclosure; files of one disclosure (same stem, or a folder of their own) are joined.

    A disclosure that lacks what its own table of contents (or narrative) announces is a bad file; the
    same disclosure twice (same sha256) is indexed once, with a warning on the one kept.
    """
    docs, errors = [], []
    seen: dict[str, str] = {}
    by_hash: dict[str, Document] = {}
    groups = group_files(files, [Path(r) for r in roots or [] if Path(r).is_dir()])
    for k, group in enumerate(groups, 1):
        try:
            doc = parse_files(group)
            missing = incomplete(doc)
            if missing:
                raise IngestError(str(group[0]), _last_line(doc), missing,
                                  "the file looks cut short or incomplete — give the complete disclosure")
            first = by_hash.get(doc.sha256) if doc.sha256 else None
            if first is not None:
                note = (f"{group[0]} is the same disclosure as {first.path} (same sha256): indexed once, "
                        f"as {first.id}")
                first.warnings.append(note)
                if progress:
                    progress(f"warning: {note}")
                continue
            by_hash[doc.sha256] = doc
            if doc.id in seen:
                doc.id = f"{doc.id}-{len(seen)}"
            seen[doc.id] = str(group[0])
            note = few_tables(doc)
            if note:
                doc.warnings.append(note)
            docs.append(doc)
            if progress and len(group) > 1:
                progress(f"joined {len(group)} files into one disclosure ({doc.id}): "
                         + ", ".join(p.name for p in group))
            for w in doc.warnings:
                if progress:
                    progress(f"warning: {w}")
        except IngestError as err:
            errors.append(err)
        except OSError as err:  # unreadable (permissions, a folder that vanished): this file only
            errors.append(IngestError(str(group[0]), None, f"cannot be read ({err.strerror or err})",
                                      "check that the file exists and is readable"))
        if progress and (k == len(groups) or k % max(1, len(groups) // 20) == 0):
            progress(f"parsed {k}/{len(groups)} disclosures")
    return docs, errors


def incomplete(doc: Document) -> str:
    """What a disclosure announces but does not contain ("" when nothing is missing): tables and parts its
    own table of contents lists, or most of the tables its narrative explains."""
    present = {t.kind for t in doc.tables}
    tables, parts = [], []
    for entry in doc.toc:
        kind = title_kind(entry)
        if kind is not None and kind != TableKind.OTHER and kind.value not in present:
            tables.append(entry)
        m = PART_RE.match(entry)
        if m and NUMERALS.index(m.group(1)) + 1 not in doc.parts:
            parts.append(entry)
    if tables or parts:
        what = " and ".join(x for x in (
            f"the tables {_names(tables)}" if tables else "", f"the parts {_names(parts)}" if parts else "") if x)
        return f"incomplete: its table of contents lists {what}, which are not in the file"
    described = _described(doc)
    absent = [k for k in described if k not in present]
    if len(described) >= 4 and 2 * len(absent) > len(described):
        names = _names([KIND_NAMES[TableKind(k)][0] for k in absent])
        some = "none of them is" if len(absent) == len(described) else f"{len(absent)} of them are not"
        return f"incomplete: its narrative explains {len(described)} tables, {some} in the file ({names})"
    return ""


def few_tables(doc: Document) -> str:
    """A warning when a budget disclosure has fewer than half of the national tables and nothing else says
    more were printed (its own table of contents or narrative would make it a bad file)."""
    present = {t.kind for t in doc.tables} & {k.value for k in NATIONAL}
    if doc.kind != "预算" or 2 * len(present) >= len(NATIONAL):
        return ""
    missing = [KIND_NAMES[k][0] for k in NATIONAL if k.value not in present]
    return (f"only {len(present)} of the {len(NATIONAL)} tables of the national format were found (missing: "
            f"{_names(missing)}) — check that the file is complete")


def _described(doc: Document) -> list[str]:
    """Kinds of the national tables the narrative's explanatory sections are about ('…“三公”经费预算情况说明')."""
    out: list[str] = []
    national = {k.value for k in NATIONAL}
    for s in doc.sections:
        title = re.sub(r"\s+", "", s.title)
        if "说明" not in title:
            continue
        kind = title_kind(re.sub(r"(的)?(总体)?(情况)?说明$", "", title) + "情况表")
        if kind is not None and kind.value in national and kind.value not in out:
            out.append(kind.value)
    return out


def _names(items: list[str], limit: int = 6) -> str:
    return "、".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _last_line(doc: Document) -> int | None:
    lines = [r.line for t in doc.tables for r in t.rows] + [t.line for t in doc.tables]
    lines += [p.line for s in doc.sections for p in s.paragraphs]
    return max((n for n in lines if n), default=None)


# ---------------------------------------------------------------- building


def build_index(
    paths: list[str | Path],
    index_dir: str | Path,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    with_retrieval: bool = True,
    settings: dict | None = None,
    force: bool = False,
) -> IngestReport:
    """Parse ``paths`` and make the result the index's current version (see the module's docstring).

    Refuses (IngestRefusedError) an index folder it must not write to, and — unless ``force`` — an ingest
    that would keep less than half of the current index's facts. Nothing is changed when it fails.
    """
    t0 = time.perf_counter()
    root = Path(index_dir)
    say = progress or (lambda _msg: None)
    state = check_target(root, paths)
    report = IngestReport(index_dir=str(root))
    docs, report.errors = parse_all(discover(paths), progress, roots=list(paths))
    if strict and report.errors:
        raise report.errors[0]
    if not docs:
        msgs = "; ".join(str(e) for e in report.errors)
        raise NothingIngestedError(f"Nothing ingested, the previous index (if any) is unchanged: {msgs}")
    root.mkdir(parents=True, exist_ok=True)
    try:
        with _locked(root):
            if not (root / MARKER).exists():
                _write_atomic(root / MARKER, json.dumps({"format": LAYOUT_FORMAT, "what": "budget-qa index: "
                              "versions in v-*/, CURRENT names the one in use"}) + "\n")
            report.cleaned += _clean_leftovers(root, settings, say)
            _build_version(root, docs, report, settings, with_retrieval, force, say, paths)
    except BaseException:
        if state in ("new", "empty"):  # leave the folder as it was found
            for name in (MARKER, LOCK):
                (root / name).unlink(missing_ok=True)
            if state == "new":
                _remove_if_empty(root)
        raise
    report.seconds = time.perf_counter() - t0
    return report


def _build_version(root: Path, docs: list[Document], report: IngestReport, settings: dict | None,
                   with_retrieval: bool, force: bool, say: Progress, paths: list) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=root))
    try:
        (tmp / "documents.json").write_text(
            json.dumps([d.to_dict() for d in docs], ensure_ascii=False), encoding="utf-8"
        )
        report.facts = write_store(tmp / "facts.sqlite", docs)
        say(f"fact store: {report.facts} facts from {len(docs)} documents")
        before = _current_facts(root)
        if not force and before and report.facts < DROP_LIMIT * before:
            raise IngestRefusedError(
                f"The current index at {root} has {before} facts; the new one would have {report.facts} "
                f"({100 - 100 * report.facts // before}% fewer) — not replaced. Check the input (a file cut "
                "short, a wrong folder?), or run ingest again with --force to replace it anyway")
        info: dict = {}
        if with_retrieval:
            from .retrieval.build import build_retrieval

            info = build_retrieval(docs, tmp, settings or {}, say)
            report.chunks, report.dense = info.get("chunks", 0), info.get("dense", "")
        report.documents = [d.id for d in docs]
        report.details = [{"id": d.id, "department": d.department, "year": d.year, "kind": d.kind, "format": d.format,
                           "files": d.files, "tables": len(d.tables)} for d in docs]
        report.warnings = [f"{d.id}: {w}" for d in docs for w in d.warnings]
        manifest = {
            "format": MANIFEST_FORMAT, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "documents": report.documents,
            "facts": report.facts, "chunks": report.chunks, "dense": report.dense,
            "skipped": [str(e) for e in report.errors], "settings": settings or {}, "retrieval": info,
            "inputs": [str(p) for p in paths], "files": _file_record(tmp),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync_tree(tmp)
        report.version, previous = _swap_in(tmp, root, say)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.cleaned += _remove_old(root, {report.version, previous or ""}, settings, say)


def _swap_in(tmp: Path, root: Path, say: Progress) -> tuple[str, str | None]:
    """Rename the finished version into place and switch CURRENT to it; returns (new, previous version).

    At every instant the path holds a complete index: the previous version (or the files of an index
    written before versions) until the pointer is replaced, the new one after.
    """
    previous = current_version(root) or None
    version = _next_version(root)
    tmp.rename(root / version)
    _fsync_dir(root)
    say(f"new version {version} written")
    _write_atomic(root / POINTER, version + "\n")
    say(f"{POINTER} → {version}")
    return version, previous if previous and VERSION_RE.match(previous) else None


def _current_facts(root: Path) -> int | None:
    try:
        facts = json.loads((live_path(root) / "manifest.json").read_text(encoding="utf-8")).get("facts")
    except (OSError, ValueError, AttributeError, BudgetQAError):
        return None  # no index, or a damaged one: nothing worth protecting by count
    return facts if isinstance(facts, int) and not isinstance(facts, bool) else None


def _versions(root: Path) -> list[tuple[int, str]]:
    out = []
    for e in root.iterdir():
        m = VERSION_RE.match(e.name)
        if m and e.is_dir():
            out.append((int(m.group(1)), e.name))
    return sorted(out)


def _next_version(root: Path) -> str:
    n = max((k for k, _ in _versions(root)), default=0) + 1
    return f"v-{time.strftime('%Y%m%dT%H%M%S')}-{n}"


def _clean_leftovers(root: Path, settings: dict | None, say: Progress) -> list[str]:
    """Before writing: what killed ingests left (temporary folders and pointer files, versions written but
    never switched to) and versions older than the previous one."""
    removed = []
    for e in sorted(root.iterdir()):
        if e.name.startswith(TMP_PREFIX) or _ATOMIC_TMP.match(e.name):
            _remove(e)
            removed.append(e.name)
    if removed:
        say(f"removed {len(removed)} leftover(s) of interrupted ingests: {', '.join(removed)}")
    current = current_version(root)
    if not VERSION_RE.match(current):
        return removed  # no pointer yet: the folder's own files (if any) are the index in use
    versions = _versions(root)
    n_cur = int(VERSION_RE.match(current).group(1))  # type: ignore[union-attr]
    older = [name for n, name in versions if n < n_cur]
    keep = {current, older[-1] if older else ""}
    return removed + _remove_old(root, keep, settings, say)


def _remove_old(root: Path, keep: set[str], settings: dict | None, say: Progress) -> list[str]:
    """Remove every version not in ``keep`` (and, once a pointer exists, the files of the index written
    before versions, now converted), dropping the Chroma server collections they name."""
    gone = [name for _, name in _versions(root) if name not in keep]
    if VERSION_RE.match(current_version(root)):
        legacy = [n for n in INDEX_FILES if (root / n).exists()]
        if legacy:
            _drop_collection(root, settings, say)
            for n in legacy:
                _remove(root / n)
            say(f"converted the index to versions: removed {', '.join(legacy)} from {root}")
            gone_legacy = legacy
        else:
            gone_legacy = []
    else:
        gone_legacy = []
    for name in gone:
        _drop_collection(root / name, settings, say)
        _remove(root / name)
    if gone:
        say(f"removed old version(s) {', '.join(gone)}")
    return gone_legacy + gone


def _drop_collection(folder: Path, settings: dict | None, say: Progress) -> None:
    f = folder / "retrieval.json"
    try:
        info = json.loads(f.read_text(encoding="utf-8")) if f.is_file() else None
    except (OSError, ValueError):
        return
    if not info:
        return
    from .retrieval.build import drop_dense_collection

    try:  # a server collection of a removed version is no longer referenced by anything
        drop_dense_collection(info, settings or {})
    except Exception as err:  # the index is fine; a stale collection is only clutter
        say(f"could not drop the Chroma collection of {folder.name}: {err}")


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One ingest at a time per index folder (released by the system if the process dies)."""
    try:
        import fcntl
    except ImportError:  # not on this platform: no lock
        yield
        return
    with open(root / LOCK, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestRefusedError(f"Another ingest is writing the index at {root} — wait for it to finish, "
                                     "then run again") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _file_record(folder: Path) -> dict[str, dict]:
    """Size of every file of a version (checksum too when small), except the embedded Chroma store,
    which Chroma itself writes to when it opens."""
    out: dict[str, dict] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if not p.is_file() or rel.split("/")[0] == "chroma" or rel == "manifest.json":
            continue
        entry: dict = {"size": p.stat().st_size}
        if entry["size"] <= HASHED_MAX:
            entry["sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
        out[rel] = entry
    return out


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


def _remove_if_empty(d: Path) -> None:
    try:
        d.rmdir()
    except OSError:
        pass


def stderr_progress(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr, flush=True)
