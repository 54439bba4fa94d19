"""The systems the harness scores side by side: BudgetQA (full and ablations) and two retrieval baselines."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..answer.citations import parse_section_locator
from ..answer.question import language
from ..model import Answer, Chunk, Citation, Document
from ..retrieval.chunking import heading_chain, part_label
from .qaset import QAItem

Progress = Callable[[str], None]
DEPTH = 10  # sources kept per question for recall@5 / MRR
NAIVE_CHUNK, NAIVE_OVERLAP = 500, 50


@dataclass
class Run:
    """One system's answer to one question, with its ranked evidence and the time the question took."""

    answer: Answer
    sources: list[Citation]
    latency_ms: float
    route: str | None = None  # BudgetQA's route; None for baselines (they have no router)


@dataclass
class System:
    """A named way of answering: ``ask(item) -> Run``; ``close()`` releases stores before the work dir goes."""

    name: str
    description: str
    ask: Callable[[QAItem], Run]
    close: Callable[[], None] = lambda: None
    notes: list[str] = field(default_factory=list)


def chunk_citation(chunk: Chunk) -> Citation:
    """A retrieved chunk as a citation (the same shape BudgetQA gives a quoted passage)."""
    meta = chunk.metadata
    locator = str(meta.get("locator", ""))
    _, section, _ = parse_section_locator(locator)
    return Citation(id=0, document=str(meta.get("document") or chunk.doc_id), locator=locator,
                    quote=str(meta.get("quote") or chunk.text), table=str(meta.get("table", "")),
                    part=int(meta.get("part") or 0), section=section, line=int(meta.get("line") or 0))


def _dedup(cites: list[Citation]) -> list[Citation]:
    seen, out = set(), []
    for c in cites:
        key = (c.table, c.row, c.column, c.locator, c.quote[:80])
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


# ------------------------------------------------------------------ BudgetQA


class _RecordingRetriever:
    """Stands in for BudgetQA's retriever and remembers every hit it returned, in order."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.hits: list[Any] = []

    def search(self, *args: Any, **kw: Any) -> list[Any]:
        hits = self.inner.search(*args, **kw)
        self.hits += hits
        return hits

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def budget_qa_system(name: str, description: str, index_dir: Path, settings: dict[str, Any]) -> System:
    """BudgetQA with the given settings. Ranked sources = the answer's citations in order, then every
    retriever hit the question produced (deduplicated)."""
    from ..core import BudgetQA

    qa = BudgetQA.open(index_dir, settings)
    retriever = qa.retriever
    recorder = _RecordingRetriever(retriever) if retriever is not None else None
    if recorder is not None:
        qa._retriever = recorder  # the harness watches the hits; answering is unchanged
    notes = [retriever.dense_note if retriever is not None else (qa._retriever_error or "retrieval unavailable")]

    def ask(item: QAItem) -> Run:
        history: list = []
        for turn in item.history:  # earlier user turns, in the same conversation
            history.append(qa.turn(qa.ask(turn, history=history)))
        if recorder is not None:
            recorder.hits = []
        t0 = time.perf_counter()
        try:
            ans = qa.ask(item.question, history=history)
        except Exception as err:  # a crash is scored as a (wrong) non-answer, and shown in the failures
            ans = Answer(item.question, language(item.question), f"error: {err}", False, "error")
        ms = (time.perf_counter() - t0) * 1000
        hits = [chunk_citation(h.chunk) for h in (recorder.hits if recorder else [])]
        return Run(ans, _dedup(list(ans.citations) + hits)[:DEPTH], ms, ans.route)

    def close() -> None:
        if retriever is not None:
            retriever.close()
        qa.store.close()

    return System(name, description, ask, close, notes)


# ------------------------------------------------------------------ BM25 baseline


def bm25_system(index_dir: Path) -> System:
    """BM25 over BudgetQA's own chunks; the top chunk's text is the answer, its locator the citation."""
    from ..index import live_path
    from ..retrieval.build import LEXICAL_DIR
    from ..retrieval.lexical import LexicalIndex

    lex = LexicalIndex.load(live_path(index_dir) / LEXICAL_DIR)
    by_id = {c.id: c for c in lex.chunks}

    def ask(item: QAItem) -> Run:
        t0 = time.perf_counter()
        hits = [by_id[cid] for cid, _ in lex.search(item.question, DEPTH)]
        ans = _top_chunk_answer(item, hits[0].text if hits else "", [chunk_citation(c) for c in hits[:1]])
        ms = (time.perf_counter() - t0) * 1000
        return Run(ans, [chunk_citation(c) for c in hits], ms)

    desc = ("BM25 only: the same chunks and Chinese-aware tokenizer as BudgetQA's lexical index; the top chunk's "
            "text is the answer and its locator the citation; never abstains; no conversation memory.")
    return System("bm25", desc, ask, notes=[f"{len(lex.chunks)} chunks"])


def _top_chunk_answer(item: QAItem, text: str, cites: list[Citation]) -> Answer:
    for k, c in enumerate(cites, 1):
        c.id = k
    return Answer(item.question, language(item.question), text, True, "retrieval", citations=cites)


# ------------------------------------------------------------------ naive RAG baseline


class _LangChainEmbeddings:
    """Our embedder behind LangChain's Embeddings interface (lists of floats)."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


class Attributor:
    """Finds the table or section a span of source lines belongs to (naive chunks carry no structure)."""

    def __init__(self, documents: list[Document]) -> None:
        self.anchors: dict[str, tuple[list[int], list[Citation]]] = {}
        for doc in documents:
            sections = {s.id: s for s in doc.sections}
            marks: list[tuple[int, Citation]] = []
            for sec in doc.sections:
                loc = " / ".join(x for x in [part_label(doc, sec.part, full=False), *heading_chain(sec, sections)] if x)
                part, section, _ = parse_section_locator(loc)
                marks.append((sec.line, Citation(0, doc.path, loc, "", part=part, section=section)))
            for t in doc.tables:
                marks.append((t.line, Citation(0, doc.path, t.label, "", table=t.number, part=t.part)))
            marks.sort(key=lambda m: m[0])
            self.anchors[str(Path(doc.path).resolve())] = ([m[0] for m in marks], [m[1] for m in marks])

    def cite(self, path: str, first: int, last: int, text: str) -> Citation:
        """The anchor covering most of lines first..last (1-based), quoting the chunk text."""
        lines, marks = self.anchors.get(str(Path(path).resolve()), ([], []))
        votes = Counter(bisect.bisect_right(lines, n) - 1 for n in range(first, last + 1))
        best = max(votes, key=lambda k: (votes[k], k)) if votes else -1
        base = marks[best] if best >= 0 else Citation(0, path, "", "")
        return Citation(0, Path(path).name, base.locator, text, table=base.table, part=base.part,
                        section=base.section, line=first)


def raw_text(doc: Document) -> str:
    """The disclosure's text as a reader gives it: a text file as it is; a PDF, workbook or Word file (or a
    disclosure in several files) as its lines and table rows (cells joined by tabs), each on its source line."""
    files = [Path(f) for f in (doc.files or [doc.path])]
    if len(files) == 1 and files[0].suffix.lower() in (".txt", ".text"):
        return files[0].read_text(encoding="utf-8")
    from ..readers import Grid, read_files

    lines: dict[int, list[str]] = {}
    for block in read_files(files).blocks:
        if isinstance(block, Grid):
            for k, row in enumerate(block.rows):
                n = block.row_lines[k] if k < len(block.row_lines) else block.line + k
                lines.setdefault(n, []).append("\t".join(row))
        else:
            lines.setdefault(block.line, []).append(block.text)
    return "\n".join(" ".join(lines.get(n, [])) for n in range(1, max(lines, default=0) + 1))


def naive_rag_system(name: str, documents: list[Document], work_dir: Path, embedder: Any, embedder_note: str,
                     progress: Progress | None = None) -> System:
    """LangChain-docs RAG: RecursiveCharacterTextSplitter chunks of the raw text in embedded Chroma; top chunk = answer."""
    import chromadb
    from chromadb.config import Settings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    say = progress or (lambda _m: None)
    splitter = RecursiveCharacterTextSplitter(chunk_size=NAIVE_CHUNK, chunk_overlap=NAIVE_OVERLAP, add_start_index=True)
    texts, metas = [], []
    for doc in documents:
        raw = raw_text(doc)
        for d in splitter.create_documents([raw], metadatas=[{"source": doc.path}]):
            start = int(d.metadata["start_index"])
            first = raw.count("\n", 0, max(start, 0)) + 1
            last = first + d.page_content.count("\n")
            texts.append(d.page_content)
            metas.append({"source": doc.path, "first_line": first, "last_line": last})
    emb = _LangChainEmbeddings(embedder)
    client = chromadb.PersistentClient(path=str(work_dir), settings=Settings(anonymized_telemetry=False))
    search, how = _chroma_store(client, name.replace("+", "_"), emb, texts, metas, say)
    attributor = Attributor(documents)

    def ask(item: QAItem) -> Run:
        t0 = time.perf_counter()
        found = search(item.question, DEPTH)
        cites = [attributor.cite(m["source"], int(m["first_line"]), int(m["last_line"]), t) for t, m in found]
        ans = _top_chunk_answer(item, found[0][0] if found else "", cites[:1])
        ms = (time.perf_counter() - t0) * 1000
        return Run(ans, cites, ms)

    def close() -> None:
        if callable(getattr(client, "close", None)):
            client.close()

    desc = (f"Naive RAG as built from the LangChain docs: RecursiveCharacterTextSplitter ({NAIVE_CHUNK} characters, "
            f"overlap {NAIVE_OVERLAP}) over the raw disclosure text, {how}, embedder {embedder.name}; the top chunk "
            "is the answer; never abstains; no conversation memory.")
    return System(name, desc, ask, close, [f"{len(texts)} chunks", embedder_note])


def _chroma_store(client: Any, collection: str, emb: _LangChainEmbeddings, texts: list[str], metas: list[dict],
                  say: Progress, batch: int = 32) -> tuple[Callable[[str, int], list[tuple[str, dict]]], str]:
    """Store the chunks with langchain-chroma when installed (as the docs do), else with chromadb directly."""
    try:
        from langchain_chroma import Chroma
    except ImportError:
        Chroma = None
    if Chroma is not None:
        store = Chroma(collection_name=collection, embedding_function=emb, client=client)  # type: ignore[arg-type]
        for start in range(0, len(texts), batch):
            store.add_texts(texts[start:start + batch], metadatas=metas[start:start + batch])
            say(f"embedded {min(start + batch, len(texts))}/{len(texts)} chunks")

        def search(q: str, k: int) -> list[tuple[str, dict]]:
            return [(d.page_content, dict(d.metadata)) for d in store.similarity_search(q, k=k)]

        return search, "stored with langchain_chroma.Chroma in embedded Chroma"
    coll = client.create_collection(collection, embedding_function=None)
    for start in range(0, len(texts), batch):
        part = texts[start:start + batch]
        coll.add(ids=[str(start + i) for i in range(len(part))], embeddings=emb.embed_documents(part),
                 documents=part, metadatas=metas[start:start + batch])
        say(f"embedded {min(start + batch, len(texts))}/{len(texts)} chunks")

    def search_raw(q: str, k: int) -> list[tuple[str, dict]]:
        res = coll.query(query_embeddings=[emb.embed_query(q)], n_results=min(k, len(texts)))
        return list(zip(res["documents"][0], res["metadatas"][0], strict=False))

    return search_raw, "stored in embedded Chroma (chromadb client; langchain-chroma is not installed)"
