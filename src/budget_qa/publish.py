"""Publishing disclosures: stage uploaded files (parse, audit, compare with what is live), then publish,
replace, unpublish or roll back — each a new index version built over the live corpus folder, switched in
atomically (``index.build_index``), and recorded in a small SQLite log (who, when, which file, sha256).

The corpus folder is what is published: publishing copies the staged files into it and rebuilds;
unpublishing moves a document's files out. Every file that enters or leaves the folder is kept by its
sha256 in ``<data_dir>/published/``, and each publication records the folder's content before it, so a
rollback restores both the index pointer (the previous version, kept by ``build_index``) and the folder.
A staged file that does not parse changes nothing: its ``IngestError`` message is returned.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BudgetQAError, IngestError

SCHEMA = """
CREATE TABLE IF NOT EXISTS publications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,          -- publish | replace | unpublish | rollback
    file TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    document TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',       -- the index version made current
    previous TEXT NOT NULL DEFAULT '',      -- the version it replaced
    corpus_before TEXT NOT NULL DEFAULT '{}' -- {file name: sha256} of the corpus folder before
);
"""


class PublishError(BudgetQAError):
    pass


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _doc_key(department: str, year: str, kind: str) -> tuple[str, str, str]:
    return (department or "", str(year or ""), kind or "预算")


def _facts(store_path: Path) -> dict[tuple, dict[tuple, str | None]]:
    """{(department, year, kind): {(table kind or number, row, column): value}} of a fact store."""
    con = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        out: dict[tuple, dict[tuple, str | None]] = {}
        for dep, year, kind, tkind, tno, code, row, col, value in con.execute(
                "SELECT department, year, doc_kind, table_kind, table_no, row_code, row_label, col, value "
                "FROM facts WHERE table_id != ''"):
            key = (tkind or tno, f"{code} {row}".strip(), col)
            out.setdefault(_doc_key(dep, year, kind), {})[key] = value
        return out
    finally:
        con.close()


@dataclass
class Change:
    document: str
    table: str
    row: str
    column: str
    before: str | None  # None: blank (or absent, see ``what``)
    after: str | None
    what: str = "changed"  # new | changed | removed


@dataclass
class Staged:
    """What an upload holds once parsed: the documents, their audit, the differences from what is live."""
    folder: Path
    files: list[Path]
    documents: list[dict] = field(default_factory=list)  # id, department, year, kind, format, files, tables
    tables: list[dict] = field(default_factory=list)  # document, number, title, kind, rows, unit
    errors: list[str] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    replaces: dict[str, str] = field(default_factory=dict)  # staged doc id -> live doc id it replaces

    @property
    def ok(self) -> bool:
        return bool(self.documents) and not self.errors

    def counts(self) -> dict[str, int]:
        c = {"new": 0, "changed": 0, "removed": 0}
        for ch in self.changes:
            c[ch.what] += 1
        return c


class Publisher:
    def __init__(self, corpus_dir: str | Path, index_dir: str | Path, data_dir: str | Path,
                 settings: dict[str, Any] | None = None) -> None:
        self.corpus, self.index_dir = Path(corpus_dir), Path(index_dir)
        self.data_dir = Path(data_dir)
        self.store = self.data_dir / "published"
        self.log_path = self.data_dir / "publications.sqlite"
        self.settings = dict(settings or {})
        self._lock = threading.Lock()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._conn() as c:
            c.executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.log_path, timeout=30)
        con.row_factory = sqlite3.Row
        return con

    # ---------------------------------------------------------------- what is live
    def _live_store(self) -> Path | None:
        from .index import live_path

        p = live_path(self.index_dir) / "facts.sqlite"
        return p if p.exists() else None

    def live_documents(self) -> list[dict]:
        p = self._live_store()
        if p is None:
            return []
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in con.execute("SELECT * FROM documents ORDER BY doc_id")]
        finally:
            con.close()

    def corpus_files(self) -> dict[str, str]:
        if not self.corpus.is_dir():
            return {}
        return {p.name: sha256(p) for p in sorted(self.corpus.iterdir()) if p.is_file()}

    # ---------------------------------------------------------------- staging
    def stage(self, uploads: list[str | Path]) -> Staged:
        """Parse uploaded files (copied into a staging folder), audit them and compare them with the live
        version. Nothing live changes."""
        from .audit import audit
        from .facts import write_store
        from .index import parse_all

        folder = Path(tempfile.mkdtemp(prefix="stage-", dir=self._staging_root()))
        files = []
        for u in uploads:
            src = Path(u)
            dst = folder / src.name
            shutil.copyfile(src, dst)
            files.append(dst)
        staged = Staged(folder, files)
        if not files:
            staged.errors.append("No file was uploaded.")
            return staged
        docs, errors = parse_all(files, roots=[folder])
        staged.errors = [str(e).replace(str(folder) + "/", "") for e in errors]
        store = folder / ".facts.sqlite"
        write_store(store, docs)
        new = _facts(store)
        old = _facts(self._live_store()) if self._live_store() else {}
        live = {_doc_key(d["department"], d["year"], d.get("kind")): d["doc_id"] for d in self.live_documents()}
        for d in docs:
            key = _doc_key(d.department, d.year, d.kind)
            staged.documents.append({"id": d.id, "department": d.department, "year": str(d.year), "kind": d.kind,
                                     "format": d.format, "files": [Path(f).name for f in d.files],
                                     "tables": len(d.tables), "warnings": list(d.warnings)})
            for t in d.tables:
                staged.tables.append({"document": d.id, "number": t.number, "title": t.title, "kind": t.kind,
                                      "rows": len(t.rows), "unit": t.unit})
            if key in live:
                staged.replaces[d.id] = live[key]
            for f in audit(d):
                staged.findings.append(f.to_dict() | {"document": d.id})
            before, after = old.get(key, {}), new.get(key, {})
            label = f"{d.department} {d.year} {d.kind}"
            for k in sorted(set(before) | set(after), key=str):
                b, a = before.get(k), after.get(k)
                if k in before and k in after and a == b:
                    continue
                what = "new" if k not in before else "removed" if k not in after else "changed"
                staged.changes.append(Change(label, k[0], k[1], k[2], b, a, what))
        return staged

    def _staging_root(self) -> Path:
        root = self.data_dir / "staging"
        root.mkdir(parents=True, exist_ok=True)
        return root

    # ---------------------------------------------------------------- changing what is live
    def _keep(self, path: Path) -> str:
        digest = sha256(path)
        self.store.mkdir(parents=True, exist_ok=True)
        target = self.store / f"{digest}{path.suffix}"
        if not target.exists():
            shutil.copyfile(path, target)
        return digest

    def _rebuild(self, force: bool = False) -> tuple[str, str]:
        from .index import build_index, current_version

        previous = current_version(self.index_dir) or ""
        keys = ("embedder", "embedding_model", "chroma_host", "chroma_port", "chroma_collection")
        retrieval = {k: self.settings[k] for k in keys if k in self.settings}
        report = build_index([self.corpus], self.index_dir, settings=retrieval, force=force, strict=False)
        return report.version, previous

    def _record(self, con: sqlite3.Connection, user: str, action: str, file: str, digest: str, document: str,
                version: str, previous: str, before: dict) -> None:
        con.execute("INSERT INTO publications (ts, user, action, file, sha256, document, version, previous, "
                    "corpus_before) VALUES (?,?,?,?,?,?,?,?,?)",
                    (time.strftime("%Y-%m-%dT%H:%M:%S"), user, action, file, digest, document, version, previous,
                     json.dumps(before, ensure_ascii=False)))

    def publish(self, staged: Staged, user: str = "staff") -> str:
        """Make the staged documents live (replacing a live document of the same department, year and kind);
        returns the new index version. A staged upload with errors is refused and changes nothing."""
        if not staged.ok:
            raise PublishError("Nothing published: " + ("; ".join(staged.errors) or "no disclosure in the upload"))
        with self._lock:
            before = self.corpus_files()
            self.corpus.mkdir(parents=True, exist_ok=True)
            live = {d["doc_id"]: d for d in self.live_documents()}
            moved: list[tuple[Path, Path]] = []
            for old_id in staged.replaces.values():
                for f in str(live.get(old_id, {}).get("files") or "").splitlines():
                    p = self.corpus / Path(f).name
                    if p.exists():
                        self._keep(p)
                        moved.append((p, p.with_name(p.name + ".replaced")))
                        p.rename(moved[-1][1])
            added = []
            for f in staged.files:
                self._keep(f)
                target = self.corpus / f.name
                shutil.copyfile(f, target)
                added.append(target)
            try:
                version, previous = self._rebuild(force=bool(staged.replaces))
            except Exception:
                for p in added:
                    p.unlink(missing_ok=True)
                for orig, tmp in moved:
                    tmp.rename(orig)
                self._restore(before)
                raise
            for _orig, tmp in moved:
                tmp.unlink(missing_ok=True)
            with self._conn() as con:
                for f in staged.files:
                    doc = next((d["id"] for d in staged.documents if f.name in d["files"]), "")
                    action = "replace" if doc in staged.replaces else "publish"
                    self._record(con, user, action, f.name, sha256(f), doc, version, previous, before)
            shutil.rmtree(staged.folder, ignore_errors=True)
            return version

    def unpublish(self, doc_id: str, user: str = "staff") -> str:
        """Take a live document out: its files leave the corpus folder (kept by sha256) and the index is
        rebuilt without it."""
        with self._lock:
            live = {d["doc_id"]: d for d in self.live_documents()}
            if doc_id not in live:
                raise PublishError(f"No live document {doc_id!r}; live: {', '.join(sorted(live)) or 'none'}")
            if len(live) == 1:
                raise PublishError("The last live document cannot be unpublished (publish another one first).")
            before = self.corpus_files()
            files = [self.corpus / Path(f).name for f in str(live[doc_id].get("files") or "").splitlines()]
            files = [p for p in files if p.exists()]
            digests = [(p.name, self._keep(p)) for p in files]
            for p in files:
                p.unlink()
            try:
                version, previous = self._rebuild(force=True)
            except Exception:
                self._restore(before)
                raise
            with self._conn() as con:
                for name, digest in digests:
                    self._record(con, user, "unpublish", name, digest, doc_id, version, previous, before)
            return version

    def rollback(self, user: str = "staff") -> str:
        """Back to the version before the last publication: the pointer and the corpus folder."""
        from .index import POINTER, _write_atomic, current_version

        with self._lock:
            with self._conn() as con:
                last = con.execute("SELECT * FROM publications WHERE action != 'rollback' AND version = ? "
                                   "ORDER BY id DESC LIMIT 1", (current_version(self.index_dir),)).fetchone()
            if last is None or not last["previous"]:
                raise PublishError("Nothing to roll back: the live version was not made by a publication here.")
            previous = last["previous"]
            if not (self.index_dir / previous).is_dir():
                raise PublishError(f"The previous version {previous} is no longer kept; publish again instead.")
            current = current_version(self.index_dir)
            before_now = self.corpus_files()
            self._restore(json.loads(last["corpus_before"]))
            _write_atomic(self.index_dir / POINTER, previous + "\n")
            with self._conn() as con:
                self._record(con, user, "rollback", last["file"], last["sha256"], last["document"], previous,
                             current, before_now)
            return previous

    def _restore(self, files: dict[str, str]) -> None:
        """Make the corpus folder hold exactly ``files`` ({name: sha256}) again."""
        now = self.corpus_files()
        for name, digest in now.items():
            if files.get(name) != digest:
                self._keep(self.corpus / name)
                (self.corpus / name).unlink()
        for name, digest in files.items():
            if now.get(name) != digest or not (self.corpus / name).exists():
                src = next(iter(self.store.glob(f"{digest}*")), None)
                if src is None:
                    raise PublishError(f"cannot restore {name}: its copy (sha256 {digest[:12]}…) is missing")
                shutil.copyfile(src, self.corpus / name)

    def history(self, limit: int = 100) -> list[dict]:
        with self._conn() as con:
            return [dict(r) for r in con.execute(
                "SELECT id, ts, user, action, file, sha256, document, version, previous FROM publications "
                "ORDER BY id DESC LIMIT ?", (limit,))]


__all__ = ["Change", "IngestError", "PublishError", "Publisher", "Staged"]
