"""BudgetQA: the one core object used by the CLI, the web app and the evaluation — a façade that opens
the index and runs the answer pipeline (``answer/pipeline.py``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import settings as settings_mod
from .answer import departments
from .answer.composer import Composer
from .answer.finder import english_total_aliases, total_aliases
from .answer.terms import TermIndex
from .audit import Finding, audit
from .errors import IndexDamagedError
from .facts import FactStore
from .glossary import load_glossary, with_document_terms
from .index import load_documents
from .lookup import LookupResult, lookup
from .model import Answer, Document, Table


@dataclass
class Turn:
    """What a conversation remembers of an earlier exchange (for follow-ups)."""

    question: str
    resolved: str
    items: list[str] = field(default_factory=list)
    language: str = "zh"
    tables: list[str] = field(default_factory=list)  # kinds of the tables the answer cited, e.g. ["three_public"]


class BudgetQA:
    def __init__(self, index_dir: Path, settings: dict[str, Any], store: FactStore,
                 documents: list[Document] | None = None) -> None:
        self.index_dir = index_dir
        self.settings = settings
        self.store = store
        self._documents = documents  # parsed documents are loaded on first use (large at 1,000 documents)
        # who and when, from the store's small documents table
        self.doc_meta = store.documents()
        self.years = {d["year"] for d in self.doc_meta}
        self.file_names = {d["doc_id"]: Path(d["path"]).name for d in self.doc_meta}
        self.departments = [d["department"] for d in self.doc_meta]
        # each department with the shorter names people use for it ('湖南省水利厅' → '水利厅'), for scoping
        self.dept_names = departments.short_names(self.departments)
        self.doc_kinds = {d["doc_id"]: d.get("kind") or "预算" for d in self.doc_meta}
        self.glossary = with_document_terms(load_glossary(), store.glossary_terms())
        from .glossary import Glossary

        use_glossary = str(settings.get("use_glossary", 1)) not in ("0", "false", "False")
        self.terms = TermIndex(store, self.glossary if use_glossary else Glossary([]))
        self.terms.add_aliases({k: k for k in total_aliases()}, english_total_aliases() if use_glossary else {})
        self.use_facts = str(settings.get("use_facts", 1)) not in ("0", "false", "False")
        self.composer = Composer(self.glossary)
        # the words of the departments' English names ('Water Resources Department'): an English question
        # naming them is about this index, not another organisation
        self.known_en = frozenset(w.lower() for d in set(self.departments)
                                  for w in re.findall(r"[A-Za-z]+", self.glossary.english(d) or "")) | frozenset(
            w for d in set(self.departments) for part in departments.english_words(d) for w in part)
        self.known_text = _DocumentText(self)  # read only when a question names an organisation
        self.manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        self._retriever = None
        self._retriever_error = ""
        self._llm = None

    # ---------- opening ----------
    @classmethod
    def open(cls, index_dir: str | Path = ".budget_qa", settings: dict[str, Any] | None = None) -> BudgetQA:
        """Open the index's current version after a cheap integrity check (NoIndexError, IndexDamagedError).

        ``index_dir`` of the object is the version folder read (a snapshot: a later ingest does not change
        what it answers from); ``index_root`` is the folder given, ``version`` the version's name.
        """
        import sqlite3

        from .index_check import rebuild_command, verify

        root = Path(index_dir)
        live = verify(root)
        s = settings_mod.defaults() | (settings or {})
        try:
            qa = cls(live, s, FactStore(live / "facts.sqlite"))
        except (sqlite3.DatabaseError, json.JSONDecodeError, UnicodeDecodeError) as err:  # what the check missed
            raise IndexDamagedError(str(root), f"{type(err).__name__}: {err}", rebuild_command(root)) from err
        qa.index_root, qa.version = root, (live.name if live != root else "")
        return qa

    @property
    def documents(self) -> list[Document]:
        if self._documents is None:
            self._documents = load_documents(self.index_dir)
        return self._documents

    @property
    def retriever(self):
        if self._retriever is None and not self._retriever_error:
            try:
                from .retrieval.retriever import HybridRetriever

                self._retriever = HybridRetriever.open(self.index_dir, self.settings)
            except Exception as err:  # no lexical index (facts-only ingest) or a broken one
                self._retriever_error = f"retrieval unavailable: {err}"
        return self._retriever

    @property
    def retriever_error(self) -> str:
        return self._retriever_error

    def close(self) -> None:
        """Release the fact store and the vector store (before re-ingesting into the same folder)."""
        if self._retriever is not None:
            self._retriever.close()
            self._retriever = None
        self.store.close()

    # ---------- simple views ----------
    def lookup(self, **kw) -> LookupResult:
        return lookup(self.store, **kw)

    def tables(self) -> list[dict]:
        out = []
        for d in self.documents:
            for t in d.tables:
                out.append({"document": d.id, "id": t.id, "number": t.number, "title": t.title, "label": t.label,
                            "kind": t.kind, "rows": len(t.rows), "columns": t.columns, "note": t.note, "line": t.line,
                            "page": t.page, "unit": t.unit})
        return out

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    def table(self, doc_id: str, table_id: str) -> Table | None:
        d = self.document(doc_id)
        return d.table(table_id) if d else None

    def check(self) -> list[Finding]:
        return [f for d in self.documents for f in audit(d)]

    # ---------- asking ----------
    def ask(self, question: str, history: list | None = None, *, department: str | None = None,
            year: str | None = None) -> Answer:
        """Answer one question (with the earlier turns of its conversation, if any): see answer/pipeline.py.
        ``department`` / ``year`` (a picker's choice) scope it when the question does not name its own."""
        from .answer.pipeline import run

        return run(self, question, history, department=department, year=year)

    def as_runnable(self):
        """This object as a LangChain Runnable: a question (or {"question", "history"}) → the answer JSON dict;
        ``.stream()`` yields the answer's text. See integrations/langchain.py."""
        from .integrations.langchain import BudgetQARunnable

        return BudgetQARunnable(self)

    def turn(self, ans: Answer) -> Turn:
        tables = [c.table for c in ans.citations if c.table]
        return Turn(ans.question, ans.resolved_question or ans.question, list(getattr(ans, "items", [])), ans.language,
                    tables)

    # ---------- rendering ----------
    def render_text(self, ans: Answer) -> str:
        lines = [ans.answer]
        if ans.citations:
            lines.append("")
            lines.append("来源：" if ans.language == "zh" else "Sources:")
            for c in ans.citations:
                quote = c.quote if len(c.quote) <= 160 else c.quote[:157] + "…"
                lines.append(f"[{c.id}] {c.document} · {c.locator}\n    “{quote}”")
        for n in ans.notes:
            lines.append(f"({n})")
        return "\n".join(lines)


class _DocumentText:
    """All narrative text of the corpus, built on first use (`org in known_text`)."""

    def __init__(self, qa: BudgetQA) -> None:
        self._qa, self._text = qa, None

    def __contains__(self, needle: str) -> bool:
        if self._text is None:
            self._text = "".join(p.text for d in self._qa.documents for s in d.sections for p in s.paragraphs)
        return needle in self._text
