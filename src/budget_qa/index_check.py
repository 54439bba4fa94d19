"""Integrity check of an index on open: is every file there and what ingest wrote?

Cheap enough for every command (a few stats, headers and small reads, no full parse of large files):
  CURRENT          names a version folder that exists
  manifest.json    valid JSON with the required keys and types
  every file       the size (and, for small files, the sha256) the manifest recorded
  facts.sqlite     a SQLite header whose page count fits the file; PRAGMA quick_check (up to
                   QUICK_CHECK_MAX bytes, always with deep=True) and the store's tables
  documents.json   a JSON array from its first to its last byte (parsed whole when small or deep)
  lexical/         the chunks, the user dictionary and the bm25 arrays (.npy headers against file sizes)
  retrieval.json   valid JSON
``verify`` raises NoIndexError or IndexDamagedError (naming the file and the command that rebuilds it);
``problems`` lists what is wrong, for ``budget-qa doctor``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shlex
import sqlite3
from pathlib import Path
from typing import Any

from .errors import IndexDamagedError, NoIndexError
from .index import POINTER, live_path, read_error

QUICK_CHECK_MAX = 64 << 20  # bytes; above this the SQLite check is header + schema only unless deep
PARSE_MAX = 8 << 20  # JSON files up to this size are parsed whole
REQUIRED: dict[str, type | tuple[type, ...]] = {"format": int, "built_at": str, "documents": list, "facts": int,
                                                "chunks": int}
OPTIONAL: dict[str, type | tuple[type, ...]] = {"dense": str, "skipped": list, "settings": dict,
                                                "retrieval": dict, "inputs": list, "files": dict}
STORE_TABLES = ("facts", "documents")
LEXICAL_FILES = ("lexical/chunks.json", "lexical/userdict.txt", "lexical/bm25/params.index.json",
                 "lexical/bm25/vocab.index.json")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_NPY_MAGIC = b"\x93NUMPY"


def has_index(index_dir: str | Path) -> bool:
    """Whether anything claims to be an index here (complete or damaged): a pointer, or index files
    directly in the folder (an index written before versions existed)."""
    root = Path(index_dir)
    return (root / POINTER).exists() or any((root / n).exists() for n in ("manifest.json", "facts.sqlite"))


def verify(index_dir: str | Path, *, deep: bool = False) -> Path:
    """The folder of the current version, after checking it; NoIndexError when there is no index,
    IndexDamagedError (naming the file) when a file is missing or not what ingest wrote."""
    root = Path(index_dir)
    if not has_index(root):
        raise NoIndexError(str(root))
    found = problems(root, deep=deep)
    if found:
        raise IndexDamagedError(str(root), "; ".join(found[:3]) + (f"; {len(found) - 3} more" if len(found) > 3 else ""),
                                rebuild_command(root))
    return live_path(root)


def problems(index_dir: str | Path, *, deep: bool = False) -> list[str]:
    """What is wrong with the index's current version, one 'file: what' per problem ([] = healthy)."""
    root = Path(index_dir)
    try:
        live = live_path(root)
    except IndexDamagedError as err:
        return [err.what]
    if live != root and not live.is_dir():
        return [f"{POINTER}: names {live.name}, which is not there"]
    out: list[str] = []
    manifest = _manifest(live, out)
    record = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    for rel, entry in record.items():
        _recorded(live, rel, entry, out)
    _facts(live, manifest, deep, out)
    _json_file(live, "documents.json", list, deep, out)
    if (live / "lexical").exists() or manifest.get("chunks") or manifest.get("retrieval"):
        _lexical(live, deep, out)
    first: dict[str, str] = {}
    for p in out:  # the first problem found in each file
        first.setdefault(p.split(":", 1)[0], p)
    return list(first.values())


def rebuild_command(index_dir: str | Path) -> str:
    """The ingest that rebuilds this index: its own inputs when the manifest still says them."""
    root = Path(index_dir)
    inputs: list[str] = []
    try:
        m = json.loads((live_path(root) / "manifest.json").read_text(encoding="utf-8"))
        inputs = [str(x) for x in m.get("inputs", []) if isinstance(x, str)]
    except Exception:  # noqa: BLE001 — a damaged manifest: the default corpus folder
        pass
    args = " ".join(shlex.quote(x) for x in inputs) if inputs else "corpus/"
    return f"budget-qa ingest {args} --index {shlex.quote(str(root))}"


# ---------------------------------------------------------------- the files


def _manifest(live: Path, out: list[str]) -> dict[str, Any]:
    f = live / "manifest.json"
    try:
        raw = f.read_bytes()
    except FileNotFoundError:
        out.append("manifest.json: missing")
        return {}
    except OSError as err:
        out.append(f"manifest.json: {_why(err)}")
        return {}
    data, problem = _parse_json(raw, b"}")
    if problem:
        out.append(f"manifest.json: {problem}")
        return {}
    if not isinstance(data, dict):
        out.append(f"manifest.json: a JSON {type(data).__name__}, not an object")
        return {}
    for key, typ in REQUIRED.items():
        if key not in data:
            out.append(f"manifest.json: no '{key}'")
        elif not _is(data[key], typ):
            out.append(f"manifest.json: '{key}' is {type(data[key]).__name__}, not {_tname(typ)}")
    for key, typ in OPTIONAL.items():
        if key in data and not _is(data[key], typ):
            out.append(f"manifest.json: '{key}' is {type(data[key]).__name__}, not {_tname(typ)}")
    if isinstance(data.get("documents"), list) and not all(isinstance(d, str) for d in data["documents"]):
        out.append("manifest.json: 'documents' is not a list of document ids")
    return data


def _recorded(live: Path, rel: str, entry: Any, out: list[str]) -> None:
    f = live / rel
    if not isinstance(entry, dict) or not isinstance(entry.get("size"), int):
        out.append(f"manifest.json: the record of {rel} is not a size")
        return
    try:
        size = f.stat().st_size
    except FileNotFoundError:
        out.append(f"{rel}: missing")
        return
    except OSError as err:
        out.append(f"{rel}: {_why(err)}")
        return
    if size != entry["size"]:
        what = "cut short or overwritten" if size < entry["size"] else "overwritten"
        out.append(f"{rel}: {size} bytes, ingest wrote {entry['size']} ({what})")
        return
    digest = entry.get("sha256")
    if isinstance(digest, str):
        try:
            if hashlib.sha256(f.read_bytes()).hexdigest() != digest:
                out.append(f"{rel}: changed since ingest (its checksum differs)")
        except OSError as err:
            out.append(f"{rel}: cannot be read ({err.strerror})")


def _facts(live: Path, manifest: dict[str, Any], deep: bool, out: list[str]) -> None:
    f = live / "facts.sqlite"
    try:
        size = f.stat().st_size
        with open(f, "rb") as fh:
            head = fh.read(100)
    except FileNotFoundError:
        out.append("facts.sqlite: missing")
        return
    except OSError as err:
        out.append(f"facts.sqlite: cannot be read ({err.strerror})")
        return
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        out.append("facts.sqlite: not a SQLite database" + (" (empty file)" if not size else ""))
        return
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(head[28:32], "big")
    if head[24:28] == head[92:96] and pages and size < page * pages:
        out.append(f"facts.sqlite: truncated ({size} bytes, the database says {page * pages})")
        return
    try:
        con = sqlite3.connect(f"file:{f}?mode=ro", uri=True)
    except sqlite3.Error as err:
        out.append(f"facts.sqlite: {err}")
        return
    try:
        if deep or size <= QUICK_CHECK_MAX:
            rows = [r[0] for r in con.execute("PRAGMA quick_check").fetchmany(3)]
            if rows != ["ok"]:
                out.append(f"facts.sqlite: fails SQLite's quick_check ({'; '.join(map(str, rows))[:160]})")
                return
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in STORE_TABLES if t not in tables]
        if missing:
            out.append(f"facts.sqlite: has no {' or '.join(missing)} table")
            return
        if deep or size <= QUICK_CHECK_MAX:
            n = con.execute("SELECT count(*) FROM facts").fetchone()[0]
            want = manifest.get("facts")
            if isinstance(want, int) and n != want:
                out.append(f"facts.sqlite: {n} facts, the manifest says {want}")
    except sqlite3.Error as err:
        out.append(f"facts.sqlite: {err}")
    finally:
        con.close()


def _lexical(live: Path, deep: bool, out: list[str]) -> None:
    _json_file(live, "retrieval.json", dict, True, out)
    _json_file(live, "lexical/chunks.json", dict, deep, out)
    for rel in LEXICAL_FILES[2:]:
        _json_file(live, rel, dict, True, out)
    try:
        (live / "lexical/userdict.txt").read_bytes().decode("utf-8")
    except FileNotFoundError:
        out.append("lexical/userdict.txt: missing")
    except (OSError, UnicodeDecodeError) as err:
        out.append(f"lexical/userdict.txt: {_why(err)}")
    arrays = sorted((live / "lexical/bm25").glob("*.npy")) if (live / "lexical/bm25").is_dir() else []
    if not arrays:
        out.append("lexical/bm25: no index arrays (.npy)")
    for a in arrays:
        why = _npy_problem(a)
        if why:
            out.append(f"lexical/bm25/{a.name}: {why}")
    if deep and not any(p.startswith(("lexical", "retrieval.json")) for p in out):
        try:
            from .retrieval.lexical import LexicalIndex

            LexicalIndex.load(live / "lexical")
        except Exception as err:  # noqa: BLE001 — whatever the loader trips on is damage
            out.append(f"lexical: cannot be loaded ({type(err).__name__}: {str(err)[:120]})")


def _json_file(live: Path, rel: str, typ: type, parse: bool, out: list[str]) -> None:
    f = live / rel
    opening, closing = (b"[", b"]") if typ is list else (b"{", b"}")
    try:
        size = f.stat().st_size
        if parse or size <= PARSE_MAX:
            data, problem = _parse_json(f.read_bytes(), closing)
            if problem:
                out.append(f"{rel}: {problem}")
            elif not isinstance(data, typ):
                out.append(f"{rel}: a JSON {type(data).__name__}, not {'an array' if typ is list else 'an object'}")
            return
        with open(f, "rb") as fh:
            head = fh.read(64).lstrip()
            fh.seek(max(0, size - 64))
            tail = fh.read().rstrip()
    except FileNotFoundError:
        out.append(f"{rel}: missing")
        return
    except OSError as err:
        out.append(f"{rel}: {_why(err)}")
        return
    if not head.startswith(opening):
        out.append(f"{rel}: not JSON (it does not start with {opening.decode()})")
    elif not tail.endswith(closing):
        out.append(f"{rel}: truncated (it does not end with {closing.decode()})")


def _npy_problem(f: Path) -> str:
    """A .npy array file whose header is not readable or whose data is shorter than the header says."""
    try:
        size = f.stat().st_size
        with open(f, "rb") as fh:
            head = fh.read(12)
            if len(head) < 10 or not head.startswith(_NPY_MAGIC):
                return "not a NumPy array file"
            major = head[6]
            if major == 1:
                n, start = int.from_bytes(head[8:10], "little"), 10
            else:
                n, start = int.from_bytes(head[8:12], "little"), 12
            fh.seek(start)
            header = ast.literal_eval(fh.read(n).decode("latin1"))
        shape, descr = header["shape"], header["descr"]
        itemsize = int("".join(c for c in descr if c.isdigit()) or 0)
        count = 1
        for d in shape:
            count *= int(d)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError, MemoryError, RecursionError):
        return "not a readable NumPy array file"
    want = start + n + count * itemsize
    return f"truncated ({size} bytes, its header says {want})" if itemsize and size < want else ""


def _parse_json(raw: bytes, closing: bytes) -> tuple[Any, str]:
    """The parsed value, or what is wrong: empty, cut short (it does not end as it began), not UTF-8, not JSON."""
    if not raw.strip():
        return None, "empty file"
    try:
        return json.loads(raw.decode("utf-8")), ""
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        if raw.lstrip()[:1] in (b"{", b"[") and not raw.rstrip().endswith(closing):
            return None, f"truncated (it does not end with {closing.decode()})"
        return None, _why(err)


def _why(err: BaseException) -> str:
    return read_error(err) or str(err)[:160]


def _is(value: Any, typ: type | tuple[type, ...]) -> bool:
    return isinstance(value, typ) and not (isinstance(value, bool) and typ is int)


def _tname(typ: type | tuple[type, ...]) -> str:
    return {int: "a number", str: "text", list: "a list", dict: "an object"}.get(typ, str(typ))  # type: ignore[call-overload]
