"""The index never loses data and is never read half-broken.

* ingest writes only into an empty or new folder, an index (its marker) or an index written before
  versions existed; everything else is refused and left byte-identical;
* the swap never leaves the path without a complete index, even when the ingest is killed at any
  point, and the next ingest removes what a killed one left;
* a disclosure that lacks what its own table of contents or narrative announces is skipped with what
  is missing; an ingest that would drop most of the facts needs force; the same disclosure twice is
  indexed once;
* a damaged index file is named, from the API and from every command, instead of a traceback.

Assertion messages start with what went wrong: "data lost", "crash" or "unclear".
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import budget_qa
import budget_qa.errors as errors
import budget_qa.index as index_mod
from budget_qa.cli import main
from budget_qa.core import BudgetQA
from budget_qa.errors import BudgetQAError, IngestError, NothingIngestedError
from budget_qa.index import build_index
from conftest import CORPUS_FILE
from fixtures import small_disclosure, write_disclosure

SMALL_FACTS = 398  # facts of fixtures.small_disclosure()
CORPUS_FACTS = 939
SRC = str(Path(budget_qa.__file__).resolve().parents[1])


# ---------------------------------------------------------------- helpers


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder`` with its bytes (None for a folder)."""
    out: dict[str, bytes | None] = {}
    for p in sorted(folder.rglob("*")):
        out[p.relative_to(folder).as_posix()] = None if p.is_dir() else p.read_bytes()
    return out


def _files_of(index: Path) -> Path:
    """The folder holding manifest.json, facts.sqlite, … of the version CURRENT names (the index folder itself
    for an index without versions)."""
    pointer = index / "CURRENT"
    return index / pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else index


def _raised(call) -> BaseException | None:
    try:
        call()
    except Exception as err:  # noqa: BLE001 — which exception is what the caller checks
        return err
    return None


def _crashed(res) -> bool:
    return res.exception is not None and not isinstance(res.exception, SystemExit)


def _small(folder: Path, name: str = "demo.txt", **kw) -> Path:
    return write_disclosure(folder, name, small_disclosure(**kw))


def _corpus_copy(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS_FILE, folder / CORPUS_FILE.name)
    return folder / CORPUS_FILE.name


def _facts(index: Path) -> int:
    qa = BudgetQA.open(index)
    try:
        return qa.store.scalar("SELECT count(*) FROM facts")[0][0]
    finally:
        qa.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A working folder with a corpus of one disclosure and a file of the user's own."""
    proj = tmp_path / "proj"
    _small(proj / "corpus")
    (proj / "notes.txt").write_text("my own notes\n", encoding="utf-8")
    (proj / "sub").mkdir()
    (proj / "sub" / "keep.bin").write_bytes(b"\x00\x01 user data")
    monkeypatch.chdir(proj)
    return proj


# ---------------------------------------------------------------- 1. ingest never deletes what it did not create

REFUSALS = {
    # name: (cwd relative to the project, input, --index, expected words in the message)
    "folder-without-marker": (".", "corpus", "sub", "is not a budget-qa index (no marker .budget-qa-index)"),
    "the-input-folder": (".", "corpus", "corpus", "is the input corpus itself"),
    "inside-the-input": (".", "corpus", "corpus/index", "is inside the input folder corpus"),
    "current-folder": (".", "corpus", ".", "is the current folder or one of its parents"),
    "parent-folder": ("sub", "../corpus", "..", "is the current folder or one of its parents"),
    "a-file": (".", "corpus", "notes.txt", "is a file, not a folder"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_unsafe_index_folder_is_refused_from_the_cli(project, runner, monkeypatch, case):
    cwd, src, target, words = REFUSALS[case]
    monkeypatch.chdir(project / cwd)
    before = _tree(project)
    res = runner.invoke(main, ["ingest", src, "--index", target, "--facts-only"])
    assert _tree(project) == before, f"data lost: the project folder changed ({case})"
    assert not _crashed(res), f"crash: {res.exception!r}"
    assert res.exit_code == 1, f"unclear: exit {res.exit_code}, {res.output}"
    assert words in res.output and "nothing was changed" in res.output, f"unclear: {res.output}"


@pytest.mark.parametrize("case", list(REFUSALS))
def test_unsafe_index_folder_is_refused_from_the_api(project, monkeypatch, case):
    cwd, src, target, words = REFUSALS[case]
    monkeypatch.chdir(project / cwd)
    before = _tree(project)
    raised = _raised(lambda: build_index([src], target, with_retrieval=False))
    assert _tree(project) == before, f"data lost: the project folder changed ({case})"
    assert isinstance(raised, BudgetQAError), f"crash: {raised!r}"
    assert isinstance(raised, errors.IngestRefusedError) and words in str(raised), f"unclear: {raised!r}"


def test_input_inside_the_index_folder_is_refused(tmp_path):
    index = tmp_path / "index"
    build_index([_small(tmp_path / "first")], index, with_retrieval=False)
    src = _small(index / "drafts", year="2026")  # someone keeps disclosures inside the index folder
    before = _tree(index)
    raised = _raised(lambda: build_index([src.parent], index, with_retrieval=False))
    assert _tree(index) == before, "data lost: the index folder changed"
    assert f"the input {src.parent} is inside the index folder {index}" in str(raised), f"unclear: {raised!r}"


def test_new_empty_and_existing_index_folders_are_accepted(tmp_path):
    src = _small(tmp_path / "c")
    empty = tmp_path / "empty"
    empty.mkdir()
    for target in (tmp_path / "new" / "index", empty, empty):  # new, empty, then the index just written
        report = build_index([src], target, with_retrieval=False)
        assert report.facts == SMALL_FACTS
        assert json.loads((target / ".budget-qa-index").read_text(encoding="utf-8"))["format"] == 2
    assert sorted(p.name for p in empty.iterdir())[:3] == [".budget-qa-index", ".lock", "CURRENT"]


def test_failed_first_ingest_leaves_nothing_behind(tmp_path):
    bad = write_disclosure(tmp_path / "bad", "README.txt", "Notes about this folder.\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    for target in (tmp_path / "new", empty):
        with pytest.raises(NothingIngestedError):
            build_index([bad.parent], target, with_retrieval=False)
    assert not (tmp_path / "new").exists() and list(empty.iterdir()) == []


def test_files_of_an_index_inside_a_corpus_are_not_read_as_disclosures(tmp_path):
    corpus = tmp_path / "corpus"
    _small(corpus)
    build_index([_small(tmp_path / "elsewhere", year="2026")], corpus / "old-index", settings={"embedder": "none"})
    assert (_files_of(corpus / "old-index") / "lexical" / "userdict.txt").is_file()  # a .txt inside it
    report = build_index([corpus], tmp_path / "index", with_retrieval=False)
    assert report.documents == ["demo"] and report.errors == [], f"unclear: index files read as input {report.errors}"


# ---------------------------------------------------------------- 2. versions and the pointer


def test_versions_pointer_and_what_is_kept(tmp_path):
    index = tmp_path / "index"
    names = []
    for year in ("2025", "2026", "2027"):
        report = build_index([_small(tmp_path / year, year=year)], index, with_retrieval=False)
        names.append(report.version)
        assert index_mod.current_version(index) == report.version
        assert index_mod.live_path(index) == index / report.version
        assert (index / "CURRENT").read_text(encoding="utf-8") == report.version + "\n"
    assert [int(n.rsplit("-", 1)[1]) for n in names] == [1, 2, 3]
    # the previous version is kept until the next successful ingest, older ones are removed
    assert sorted(p.name for p in index.iterdir()) == [".budget-qa-index", ".lock", "CURRENT", names[1], names[2]]
    assert report.cleaned == [names[0]]
    assert sorted(p.name for p in (index / names[2]).iterdir()) == ["documents.json", "facts.sqlite", "manifest.json"]
    assert index_mod.live_path(index / names[2]) == index / names[2]  # a version folder is its own live path


def test_an_open_index_keeps_answering_across_one_reingest(tmp_path):
    index = tmp_path / "index"
    build_index([_small(tmp_path / "a", year="2025")], index, settings={"embedder": "none"})
    qa = BudgetQA.open(index, {"embedder": "none"})
    opened = _files_of(index).name  # the version it opened
    build_index([_small(tmp_path / "b", year="2026")], index, settings={"embedder": "none"})
    # documents and the lexical index are loaded lazily: still there, from the version it opened
    years = [d.year for d in qa.documents]
    assert years == ["2025"], f"unclear: an index opened on 2025 read the documents of {years}"
    assert qa.retriever is not None and qa.retriever.search("差旅费", 1)
    assert qa.version == opened and qa.index_root == index and qa.index_dir == index / opened
    assert index_mod.current_version(index) != opened
    qa.close()
    assert BudgetQA.open(index).doc_meta[0]["year"] == "2026"


def test_old_style_index_opens_and_the_next_ingest_converts_it(tmp_path):
    built = tmp_path / "built"
    build_index([_small(tmp_path / "a")], built, settings={"embedder": "none"})
    legacy = tmp_path / "legacy"
    shutil.copytree(_files_of(built), legacy)  # manifest.json, facts.sqlite, … directly in the folder
    qa = BudgetQA.open(legacy)
    assert qa.lookup(row="差旅费").candidates[0].value == "6.50"
    assert index_mod.live_path(legacy) == legacy and index_mod.current_version(legacy) == ""
    qa.close()
    report = build_index([_small(tmp_path / "b", year="2026")], legacy, settings={"embedder": "none"})
    assert sorted(p.name for p in legacy.iterdir()) == [".budget-qa-index", ".lock", "CURRENT", report.version]
    assert sorted(report.cleaned) == sorted(["documents.json", "facts.sqlite", "lexical", "manifest.json",
                                             "retrieval.json"])
    assert BudgetQA.open(legacy).doc_meta[0]["year"] == "2026"


def test_old_style_folder_with_other_files_is_not_taken_for_an_index(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    (folder / "thesis.docx").write_bytes(b"PK user data")
    before = _tree(folder)
    raised = _raised(lambda: build_index([_small(tmp_path / "a")], folder, with_retrieval=False))
    assert _tree(folder) == before, "data lost: the folder changed"
    assert "is not a budget-qa index" in str(raised), f"unclear: {raised!r}"


def test_a_second_ingest_at_the_same_time_is_refused(tmp_path):
    import fcntl

    index = tmp_path / "index"
    build_index([_small(tmp_path / "a")], index, with_retrieval=False)
    before = _tree(index)
    with open(index / ".lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(errors.IngestRefusedError, match="Another ingest is writing the index"):
            build_index([_small(tmp_path / "b", year="2026")], index, with_retrieval=False)
    assert _tree(index) == before


# ---------------------------------------------------------------- fault injection: killed ingests

CHILD = r"""
import os, signal, sys, time
from budget_qa.index import build_index
src, index, mode, arg = sys.argv[1:5]
seen = 0
def hook(msg):
    global seen
    seen += 1
    print(msg, flush=True)
    if mode == "step" and seen == int(arg):
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "sleep":
        time.sleep(float(arg))
print("ready", flush=True)
build_index([src], index, progress=hook, with_retrieval=False)
print("done", flush=True)
"""


def _child(src: Path, index: Path, mode: str, arg: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(src), str(index), mode, arg], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)


def _assert_complete(index: Path, years: set[str], when: str) -> str:
    """The index opens, is not damaged and holds one whole version of one of ``years``."""
    try:
        qa = BudgetQA.open(index)
    except BudgetQAError as err:
        raise AssertionError(f"data lost: the index does not open {when}: {err}") from err
    try:
        year = qa.doc_meta[0]["year"]
        assert year in years, f"unclear: year {year} {when}"
        assert qa.store.scalar("SELECT count(*) FROM facts")[0][0] == SMALL_FACTS, f"data lost: facts missing {when}"
        assert qa.lookup(row="差旅费").candidates[0].value == "6.50"
        assert [d.year for d in qa.documents] == [year]
    finally:
        qa.close()
    return year


def _assert_clean(index: Path, when: str) -> None:
    left = sorted(p.name for p in index.iterdir() if p.name.startswith(".tmp-") or ".tmp-" in p.name)
    assert not left, f"leftovers: {left} {when}"
    versions = [p.name for p in index.iterdir() if p.name.startswith("v-")]
    assert len(versions) <= 2, f"leftovers: {versions} {when}"
    assert sorted(p.name for p in index.parent.iterdir()) == sorted(["index", "src"]), \
        f"leftovers: beside the index {sorted(p.name for p in index.parent.iterdir())} {when}"


class _Faults:
    """What each kill did, asserted at the end worst first (one kill point does not hide the others)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(self, fn, *args):
        try:
            return fn(*args)
        except AssertionError as err:
            self.found.append(str(err).split("\n")[0])
            return None

    def assert_none(self) -> None:
        for what in ("data lost", "unclear", "leftovers"):
            hits = [f for f in self.found if f.startswith(what)]
            assert not hits, f"{what}: after {len(hits)} kill(s): {hits[:3]}"
        assert not self.found, self.found


def _steps(tmp_path: Path) -> list[str]:
    """The progress messages of a facts-only ingest of the small disclosure (into an index with two versions,
    so that an old version is removed too): the points where the tests below kill an ingest."""
    index = tmp_path / "count" / "index"
    for year in ("2023", "2024"):
        build_index([_small(tmp_path / "count-src", year=year)], index, with_retrieval=False)
    said: list[str] = []
    build_index([_small(tmp_path / "count-src", year="2025")], index, with_retrieval=False, progress=said.append)
    assert [m.split(" ")[0] for m in said] == ["parsed", "fact", "new", "CURRENT", "removed"], said
    return said


def test_ingest_killed_at_every_step_leaves_a_complete_index(tmp_path):
    said = _steps(tmp_path)
    index = tmp_path / "w" / "index"
    src = tmp_path / "w" / "src"
    build_index([_small(src, year="2000")], index, with_retrieval=False)
    build_index([_small(src, year="2001")], index, with_retrieval=False)
    previous = "2001"
    for k, msg in enumerate(said, 1):  # killed right after it said msg
        attempt = str(2002 + 2 * k)
        _small(src, year=attempt)
        proc = _child(src, index, "step", str(k))
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == -signal.SIGKILL, out
        year = _assert_complete(index, {previous, attempt}, f"after a kill at step {k}")
        switched = msg.startswith(("CURRENT", "removed"))
        assert (year == attempt) == switched, f"unclear: year {year} after a kill after '{msg}'"
        written = sorted(p.name for p in index.iterdir() if p.name.startswith((".tmp-", "v-")))
        after = str(2003 + 2 * k)
        report = build_index([_small(src, year=after)], index, with_retrieval=False)
        _assert_complete(index, {after}, f"after the ingest that followed a kill at step {k}")
        _assert_clean(index, f"after the ingest that followed a kill at step {k}")
        left = {"fact": ".tmp-", "new": "v-"}.get(msg.split(" ")[0])
        if left:  # a temporary folder, or a version written but never switched to: removed first
            gone = max((n for n in written if n.startswith(left)), key=lambda n: (len(n), n))  # the newest
            assert report.cleaned[0] == gone, (report.cleaned, written)
        previous = after


def test_ingest_killed_at_random_moments_leaves_a_complete_index(tmp_path):
    rng = random.Random(20240517)
    index = tmp_path / "w" / "index"
    src = tmp_path / "w" / "src"
    build_index([_small(src, year="2000")], index, with_retrieval=False)
    proc = _child(src, index, "sleep", "0.05")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    t0 = time.perf_counter()
    proc.communicate(timeout=120)
    duration = time.perf_counter() - t0  # from 'ready' to the end of a whole ingest
    previous = _assert_complete(index, {"2000"}, "after a full run")
    outcomes = []
    faults = _Faults()
    for k in range(10):
        attempt = str(2010 + k)
        _small(src, year=attempt)
        proc = _child(src, index, "sleep", "0.05")
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, duration))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=120)
        year = faults.check(_assert_complete, index, {previous, attempt}, f"after kill {k}")
        outcomes.append("new" if year == attempt else "old" if year else "lost")
        after = str(2030 + k)
        build_index([_small(src, year=after)], index, with_retrieval=False)
        _assert_complete(index, {after}, f"after the ingest that followed kill {k}")
        faults.check(_assert_clean, index, f"after the ingest that followed kill {k}")
        previous = after
    faults.assert_none()
    assert "old" in outcomes, outcomes


FS_CHILD = r"""
import os, shutil, signal, sys
from budget_qa.index import build_index
src, index, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = 0
def wrap(name):
    real = getattr(os, name)
    def op(*a, **kw):
        global seen
        seen += 1
        if seen == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*a, **kw)
    setattr(os, name, op)
for name in ("rename", "replace", "unlink", "remove", "rmdir"):
    wrap(name)
build_index([src], index, with_retrieval=False)
"""


def test_ingest_killed_before_each_file_operation_leaves_a_complete_index(tmp_path):
    """Killed just before its n-th rename, replace or removal, for every n until an ingest completes."""
    index = tmp_path / "w" / "index"
    src = tmp_path / "w" / "src"
    build_index([_small(src, year="2000")], index, with_retrieval=False)
    build_index([_small(src, year="2001")], index, with_retrieval=False)
    previous = "2001"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))}
    faults = _Faults()
    for n in range(1, 48):  # (years stay below 2100)
        attempt = str(2002 + 2 * n)
        _small(src, year=attempt)
        proc = subprocess.run([sys.executable, "-c", FS_CHILD, str(src), str(index), str(n)], env=env,
                              capture_output=True, text=True, timeout=120)
        faults.check(_assert_complete, index, {previous, attempt}, f"after a kill before file operation {n}")
        after = str(2003 + 2 * n)
        build_index([_small(src, year=after)], index, with_retrieval=False)
        _assert_complete(index, {after}, f"after the ingest that followed a kill before file operation {n}")
        faults.check(_assert_clean, index, f"after the ingest that followed a kill before file operation {n}")
        previous = after
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL, proc.stderr
    faults.assert_none()
    assert n > 2


def test_conversion_of_an_old_style_index_killed_at_every_step(tmp_path):
    built = tmp_path / "built"
    build_index([_small(tmp_path / "a", year="2000")], built, with_retrieval=False)
    for k in range(1, 6):
        index = tmp_path / f"k{k}" / "index"
        shutil.copytree(_files_of(built), index)
        src = _small(tmp_path / f"k{k}" / "src", year="2001")
        proc = _child(src.parent, index, "step", str(k))
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode in (0, -signal.SIGKILL), out
        _assert_complete(index, {"2000", "2001"}, f"after a kill at step {k} of a conversion")
        build_index([_small(src.parent, year="2002")], index, with_retrieval=False)
        _assert_complete(index, {"2002"}, f"after the conversion that followed a kill at step {k}")
        assert not (index / "manifest.json").exists() and (index / "CURRENT").is_file()
        _assert_clean(index, f"after the conversion that followed a kill at step {k}")


# ---------------------------------------------------------------- 3. incomplete disclosures, big drops, duplicates


def _cut(folder: Path, fraction: float) -> Path:
    lines = CORPUS_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    return write_disclosure(folder, "cut.txt", "".join(lines[: int(len(lines) * fraction)]))


def test_disclosure_cut_off_mid_table_is_skipped_and_keeps_the_index(tmp_path):
    index = tmp_path / "index"
    build_index([_corpus_copy(tmp_path / "full")], index, with_retrieval=False)
    before = _tree(index)
    cut = _cut(tmp_path / "cut", 0.5)
    raised = _raised(lambda: build_index([cut.parent], index, with_retrieval=False))
    assert _tree(index) == before, "data lost: the complete index was replaced by a cut-off file"
    assert isinstance(raised, NothingIngestedError), f"unclear: {raised!r}"
    msg = str(raised)
    assert f"{cut}:" in msg and "incomplete: its table of contents lists the tables 十、财政拨款“三公”经费支出情况表、" \
        "十一、上年结转结余情况明细表 and the parts 第三部分2024年部门预算情况说明、第四部分名词解释" in msg, f"unclear: {msg}"
    qa = BudgetQA.open(index)
    assert qa.lookup(table="three_public", row="合计").candidates[0].value == "17.81"


@pytest.mark.parametrize("fraction", [0.5, 0.65, 0.8, 0.97])
def test_cut_off_disclosure_is_reported_with_what_is_missing(tmp_path, runner, fraction):
    folder = tmp_path / "c"
    _small(folder, "good.txt")
    cut = _cut(folder, fraction)
    res = runner.invoke(main, ["ingest", str(folder), "--index", str(tmp_path / "index"), "--facts-only"])
    assert res.exit_code == 0 and not _crashed(res), res.output
    assert f"Skipped {cut}:" in res.stderr and "incomplete: its table of contents lists" in res.stderr, \
        f"unclear: {res.stderr}"
    assert "which are not in the file — the file looks cut short or incomplete" in res.stderr
    assert "1 file(s) skipped" in res.stderr
    assert _facts(tmp_path / "index") == SMALL_FACTS


def test_cut_off_small_disclosure_is_skipped_and_strict_fails(tmp_path):
    text = small_disclosure()
    cut = write_disclosure(tmp_path / "c", "cut.txt", text[: text.index("表 6")])
    report_folder = tmp_path / "c"
    _small(report_folder, "good.txt", year="2026")
    report = build_index([report_folder], tmp_path / "index", with_retrieval=False)
    assert report.documents == ["good"], f"unclear: a cut-off file indexed without a word: {report.documents}"
    [err] = report.errors
    assert err.path == str(cut) and err.line and "the parts 第三部分2025年部门预算情况说明、第四部分名词解释" in str(err)
    with pytest.raises(IngestError, match="incomplete"):
        build_index([report_folder], tmp_path / "strict", strict=True, with_retrieval=False)
    assert not (tmp_path / "strict").exists()


def test_narrative_that_explains_tables_the_file_lacks(tmp_path):
    lines = CORPUS_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    # no table of contents, 表1–表3 only, the whole narrative (which explains 表4–表11)
    text = "".join(lines[:6] + lines[51:197] + lines[391:])
    bad = write_disclosure(tmp_path / "c", "tables-missing.txt", text)
    _small(tmp_path / "c", "good.txt")
    report = build_index([tmp_path / "c"], tmp_path / "index", with_retrieval=False)
    assert report.documents == ["good"], f"unclear: indexed without a word: {report.documents}"
    [err] = report.errors
    assert err.path == str(bad)
    assert "incomplete: its narrative explains 8 tables, none of them is in the file (财政拨款收支总表、" in str(err)


def test_complete_disclosures_are_not_flagged(tmp_path):
    folder = tmp_path / "c"
    _corpus_copy(folder)
    _small(folder, "small.txt")
    report = build_index([folder], tmp_path / "index", with_retrieval=False)
    assert report.errors == [] and report.facts == CORPUS_FACTS + SMALL_FACTS
    assert not [w for w in report.warnings if "tables of the national format" in w]


def test_big_drop_needs_force(tmp_path, runner):
    index = tmp_path / "index"
    build_index([_corpus_copy(tmp_path / "full")], index, with_retrieval=False)
    small = _small(tmp_path / "small")
    before = _tree(index)
    raised = _raised(lambda: build_index([small], index, with_retrieval=False))
    assert _tree(index) == before, "data lost: 939 facts replaced by 398 without --force"
    assert isinstance(raised, errors.IngestRefusedError), f"unclear: {raised!r}"
    assert f"The current index at {index} has {CORPUS_FACTS} facts; the new one would have {SMALL_FACTS} (58% " \
        "fewer) — not replaced" in str(raised) and "--force" in str(raised)
    res = runner.invoke(main, ["ingest", str(small), "--index", str(index), "--facts-only"])
    assert res.exit_code == 1 and not _crashed(res) and f"has {CORPUS_FACTS} facts" in res.output
    assert _tree(index) == before
    res = runner.invoke(main, ["ingest", str(small), "--index", str(index), "--facts-only", "--force"])
    assert res.exit_code == 0, res.output
    assert _facts(index) == SMALL_FACTS
    # growing, or a small drop, needs nothing
    build_index([_corpus_copy(tmp_path / "full"), small], index, with_retrieval=False)
    build_index([_corpus_copy(tmp_path / "full")], index, with_retrieval=False)
    assert _facts(index) == CORPUS_FACTS


def test_a_damaged_current_index_does_not_block_a_rebuild(tmp_path):
    index = tmp_path / "index"
    build_index([_corpus_copy(tmp_path / "full")], index, with_retrieval=False)
    (_files_of(index) / "manifest.json").write_bytes(b"garbage")
    build_index([_small(tmp_path / "small")], index, with_retrieval=False)
    assert _facts(index) == SMALL_FACTS


def test_same_disclosure_under_two_names_is_indexed_once(tmp_path, runner):
    folder = tmp_path / "c"
    a = _small(folder, "a.txt")
    b = _small(folder, "b-copy.txt")
    report = build_index([folder], tmp_path / "index", with_retrieval=False)
    assert report.documents == ["a"], f"unclear: the same disclosure indexed as {report.documents}"
    assert report.facts == SMALL_FACTS
    assert report.warnings == [f"a: {b} is the same disclosure as {a} (same sha256): indexed once, as a"]
    res = runner.invoke(main, ["ingest", str(folder), "--index", str(tmp_path / "index2"), "--facts-only"])
    assert f"Warning: a: {b} is the same disclosure as {a}" in res.stderr
    assert BudgetQA.open(tmp_path / "index2").lookup(row="差旅费").candidates[0].value == "6.50"
    assert len(BudgetQA.open(tmp_path / "index2").lookup(row="差旅费").candidates) == 1


# ---------------------------------------------------------------- 4. integrity check on open


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A small index with facts and the lexical index."""
    root = tmp_path_factory.mktemp("pristine")
    build_index([_small(root / "c")], root / "index", settings={"embedder": "none"})
    return root / "index"


def _truncate(f: Path) -> None:
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def _garbage(f: Path) -> None:
    f.write_bytes(b"\x00\xffnot what ingest wrote\x00" * 3)


def _empty(f: Path) -> None:
    f.write_bytes(b"")


def _schema(f: Path) -> None:
    f.write_text(json.dumps({"format": 2, "documents": "demo", "facts": "many"}), encoding="utf-8")


CORRUPTIONS = {
    "manifest.json/truncated": ("manifest.json", _truncate),
    "manifest.json/garbage": ("manifest.json", _garbage),
    "manifest.json/empty": ("manifest.json", _empty),
    "manifest.json/schema": ("manifest.json", _schema),
    "documents.json/truncated": ("documents.json", _truncate),
    "documents.json/garbage": ("documents.json", _garbage),
    "facts.sqlite/truncated": ("facts.sqlite", _truncate),
    "facts.sqlite/garbage": ("facts.sqlite", _garbage),
    "facts.sqlite/empty": ("facts.sqlite", _empty),
    "retrieval.json/garbage": ("retrieval.json", _garbage),
    "lexical/chunks.json/truncated": ("lexical/chunks.json", _truncate),
    "lexical/chunks.json/garbage": ("lexical/chunks.json", _garbage),
    "lexical/userdict.txt/garbage": ("lexical/userdict.txt", _garbage),
    "lexical/bm25/vocab.index.json/garbage": ("lexical/bm25/vocab.index.json", _garbage),
    "lexical/bm25/params.index.json/truncated": ("lexical/bm25/params.index.json", _truncate),
    "lexical/bm25/data.csc.index.npy/truncated": ("lexical/bm25/data.csc.index.npy", _truncate),
    "lexical/bm25/indptr.csc.index.npy/garbage": ("lexical/bm25/indptr.csc.index.npy", _garbage),
}


def _damaged_copy(pristine: Path, tmp_path: Path, rel: str, damage) -> Path:
    index = tmp_path / "index"
    shutil.copytree(pristine, index)
    damage(_files_of(index) / rel)
    return index


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_damaged_file_is_named_by_ask(pristine, tmp_path, runner, case):
    rel, damage = CORRUPTIONS[case]
    index = _damaged_copy(pristine, tmp_path, rel, damage)
    res = runner.invoke(main, ["ask", "差旅费是多少？", "--index", str(index)])
    assert not _crashed(res), f"crash: {type(res.exception).__name__}: {res.exception}"
    assert res.exit_code == 1, f"unclear: exit 0 on a damaged index ({case}): {res.output[:200]}"
    assert f"The index at {index} is damaged ({rel}: " in res.output, f"unclear: {res.output}"
    assert "run 'budget-qa ingest " in res.output and "to rebuild it" in res.output


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_damaged_file_is_named_by_the_api(pristine, tmp_path, case):
    rel, damage = CORRUPTIONS[case]
    index = _damaged_copy(pristine, tmp_path, rel, damage)
    err = _raised(lambda: BudgetQA.open(index).ask("差旅费是多少？"))
    assert err is not None, f"unclear: a damaged index opened and answered ({case})"
    assert isinstance(err, BudgetQAError), f"crash: {type(err).__name__}: {err}"
    assert isinstance(err, errors.IndexDamagedError), f"unclear: {err!r}"
    assert err.what.startswith(f"{rel}: ") and err.index_dir == str(index)
    source = "corpus/" if rel == "manifest.json" else pristine.parent / "c" / "demo.txt"  # the manifest's inputs
    assert err.rebuild == f"budget-qa ingest {source} --index {index}"


def test_what_each_damage_is_called(pristine, tmp_path):
    from budget_qa.index_check import problems

    def said(case: str, damage=None, rel: str = "") -> str:
        rel, damage = (rel, damage) if damage else CORRUPTIONS[case]
        found = problems(_damaged_copy(pristine, tmp_path / case.replace("/", "_"), rel, damage))
        assert len(found) == 1, found
        return found[0]

    size = lambda rel: (_files_of(pristine) / rel).stat().st_size  # noqa: E731
    assert said("manifest.json/truncated") == "manifest.json: truncated (it does not end with })"
    assert said("manifest.json/garbage") == "manifest.json: not UTF-8 text"
    assert said("manifest.json/empty") == "manifest.json: empty file"
    assert said("manifest.json/schema") == "manifest.json: no 'built_at'"
    for case in ("facts.sqlite/truncated", "lexical/chunks.json/truncated", "lexical/bm25/data.csc.index.npy/truncated"):
        rel = case.rsplit("/", 1)[0]
        assert said(case) == f"{rel}: {size(rel) // 2} bytes, ingest wrote {size(rel)} (cut short or overwritten)"
    assert said("documents.json/garbage") == f"documents.json: 72 bytes, ingest wrote {size('documents.json')} " \
        "(cut short or overwritten)"
    same_size = lambda f: f.write_bytes(b"x" * f.stat().st_size)  # noqa: E731
    assert said("userdict-same-size", same_size, "lexical/userdict.txt") == \
        "lexical/userdict.txt: changed since ingest (its checksum differs)"
    assert said("schema-types", lambda f: f.write_text(f.read_text().replace('"chunks": ', '"chunks": "x", "_": '),
                                                      encoding="utf-8"), "manifest.json") == \
        "manifest.json: 'chunks' is str, not a number"


def test_damage_is_found_without_the_manifest_record(pristine, tmp_path):
    """An index written before the manifest recorded file sizes: the structural checks alone."""
    from budget_qa.index_check import problems

    facts = (_files_of(pristine) / "facts.sqlite").stat().st_size
    npy = (_files_of(pristine) / "lexical/bm25/data.csc.index.npy").stat().st_size
    said = {}
    for case, (rel, damage) in CORRUPTIONS.items():
        if rel.startswith("manifest.json") or case.endswith("params.index.json/truncated"):
            continue
        index = tmp_path / case.replace("/", "_")
        shutil.copytree(pristine, index)
        m = _files_of(index) / "manifest.json"
        data = json.loads(m.read_text(encoding="utf-8"))
        del data["files"]
        m.write_text(json.dumps(data), encoding="utf-8")
        damage(_files_of(index) / rel)
        found = problems(index)
        assert found and found[0].startswith(f"{rel}: "), (case, found)
        said[case] = found[0]
    assert said == {
        "documents.json/truncated": "documents.json: truncated (it does not end with ])",
        "documents.json/garbage": "documents.json: not UTF-8 text",
        "facts.sqlite/truncated": f"facts.sqlite: truncated ({facts // 2} bytes, the database says {facts})",
        "facts.sqlite/garbage": "facts.sqlite: not a SQLite database",
        "facts.sqlite/empty": "facts.sqlite: not a SQLite database (empty file)",
        "retrieval.json/garbage": "retrieval.json: not UTF-8 text",
        "lexical/chunks.json/truncated": "lexical/chunks.json: truncated (it does not end with })",
        "lexical/chunks.json/garbage": "lexical/chunks.json: not UTF-8 text",
        "lexical/userdict.txt/garbage": "lexical/userdict.txt: not UTF-8 text",
        "lexical/bm25/vocab.index.json/garbage": "lexical/bm25/vocab.index.json: not UTF-8 text",
        "lexical/bm25/data.csc.index.npy/truncated": f"lexical/bm25/data.csc.index.npy: truncated ({npy // 2} bytes, "
                                                     f"its header says {npy})",
        "lexical/bm25/indptr.csc.index.npy/garbage": "lexical/bm25/indptr.csc.index.npy: not a NumPy array file",
    }


def test_pointer_damage(pristine, tmp_path, runner):
    for name, damage in (("garbage", lambda i: (i / "CURRENT").write_bytes(b"\xff\x00../../etc")),
                         ("missing version", lambda i: shutil.rmtree(_files_of(i)))):
        index = tmp_path / name / "index"
        shutil.copytree(pristine, index)
        damage(index)
        res = runner.invoke(main, ["tables", "--index", str(index)])
        assert res.exit_code == 1 and not _crashed(res), res.output
        assert f"The index at {index} is damaged (CURRENT: " in res.output, res.output


@pytest.mark.parametrize("case", ["facts.sqlite/garbage", "manifest.json/garbage", "documents.json/truncated",
                                  "lexical/chunks.json/garbage"])
def test_every_command_and_doctor_report_the_damage(pristine, tmp_path, runner, case):
    rel, damage = CORRUPTIONS[case]
    index = _damaged_copy(pristine, tmp_path, rel, damage)
    for args in (["ask", "差旅费是多少？"], ["tables"], ["lookup", "--row", "差旅费"], ["check"], ["ask", "-", "--json"]):
        res = runner.invoke(main, [*args, "--index", str(index)], input="差旅费是多少？\n")
        assert not _crashed(res), f"crash: {args[0]}: {res.exception!r}"
        assert res.exit_code == 1 and f"is damaged ({rel}: " in res.output, f"unclear: {args[0]}: {res.output}"
    res = runner.invoke(main, ["doctor", "--index", str(index)])
    assert not _crashed(res), f"crash: doctor: {res.exception!r}"
    assert f"index        DAMAGED: The index at {index} is damaged ({rel}: " in res.output, f"unclear: {res.output}"


def test_doctor_on_a_healthy_index(pristine, runner):
    res = runner.invoke(main, ["doctor", "--index", str(pristine)])
    assert res.exit_code == 0
    first = res.output.splitlines()[0]
    assert first.startswith(f"index        {pristine} (version v-") and first.endswith(
        f"1 document(s), {SMALL_FACTS} facts, {json.loads((_files_of(pristine) / 'manifest.json').read_text())['chunks']}"
        " chunks; all files check out")


def test_serve_reports_the_damage_instead_of_a_traceback(pristine, tmp_path, runner):
    from budget_qa.web.context import open_context

    index = _damaged_copy(pristine, tmp_path, "facts.sqlite", _garbage)
    err = _raised(lambda: open_context({"index_dir": str(index), "corpus": str(tmp_path / "nothing"),
                                        "data_dir": str(tmp_path / "d")}))
    assert isinstance(err, BudgetQAError), f"crash: {err!r}"
    assert isinstance(err, errors.IndexDamagedError), f"unclear: {err!r}"
    res = runner.invoke(main, ["serve", "--index", str(index), "--port", "0"])
    assert not _crashed(res), f"crash: {res.exception!r}"
    assert res.exit_code == 1 and "is damaged (facts.sqlite: " in res.output, f"unclear: {res.output}"


def test_damaged_old_style_index_is_named(pristine, tmp_path):
    legacy = tmp_path / "legacy"
    shutil.copytree(_files_of(pristine), legacy)
    (legacy / "facts.sqlite").write_bytes(b"")
    err = _raised(lambda: BudgetQA.open(legacy))
    assert isinstance(err, BudgetQAError), f"crash: {err!r}"
    assert str(err).startswith(f"The index at {legacy} is damaged (facts.sqlite: 0 bytes, ingest wrote ")
    (legacy / "manifest.json").write_text("{}", encoding="utf-8")  # no record of the sizes: the header check
    with pytest.raises(BudgetQAError) as info:
        BudgetQA.open(legacy)
    assert "is damaged (manifest.json: no 'format'; facts.sqlite: not a SQLite database (empty file)) — run " in str(
        info.value)
