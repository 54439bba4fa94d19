"""LangChain pieces over BudgetQA: a retriever of cited passages, the lookup / calculate / search tools an
agent can call, and the whole answer pipeline as a Runnable (see docs/langchain.md).

    qa = BudgetQA.open(".budget_qa")
    BudgetQARetriever(qa=qa, k=3).invoke("三公经费为什么下降？")   # Documents with locators in metadata
    budget_qa_tools(qa)                                            # [lookup, calculate, search]
    qa.as_runnable().invoke("差旅费是多少？")                      # the answer JSON as a dict
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.messages import BaseMessage
from langchain_core.prompt_values import PromptValue
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import run_in_executor
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from ..answer.calculator import Calc, difference, share, total
from ..answer.citations import CitationList, parse_section_locator
from ..answer.money import pct
from ..errors import BudgetQAError
from ..lookup import lookup
from ..model import Citation, Fact, Figure

MAX_FIGURES = 12  # figures per lookup result (the rest are counted, not listed)
MAX_QUOTE = 800


# ---------------------------------------------------------------- passages as Documents


def hit_document(qa: Any, hit: Any) -> Document:
    """One retrieved chunk as a LangChain Document: the quoted text, and where it is in metadata."""
    chunk, meta = hit.chunk, hit.chunk.metadata
    locator = str(meta.get("locator", ""))
    md: dict[str, Any] = {
        "id": chunk.id, "doc_id": chunk.doc_id, "document": qa.file_names.get(chunk.doc_id, chunk.doc_id),
        "department": str(meta.get("department", "")), "year": str(meta.get("year", "")),
        "kind": str(meta.get("kind", "")), "locator": locator, "part": int(meta.get("part") or 0),
        "line": int(meta.get("line") or 0), "page": _page(qa, chunk), "score": round(float(hit.score), 6),
        "rank_lexical": int(hit.ranks.get("lexical", 0)), "rank_dense": int(hit.ranks.get("dense", 0)),
    }
    if meta.get("kind") == "table":
        rows = [r for r in str(meta.get("rows", "")).split("\n") if r]
        md.update(table=str(meta.get("table", "")), table_label=str(meta.get("table_label", "")),
                  table_id=str(meta.get("table_id", "")), rows="\n".join(rows), row=rows[0] if len(rows) == 1 else "",
                  column="")
    else:
        _, section, sub = parse_section_locator(locator)
        md.update(section=section, subsection=sub, section_id=str(meta.get("section_id", "")),
                  heading=str(meta.get("heading", "")))
    return Document(page_content=str(meta.get("quote") or chunk.text), metadata=md, id=chunk.id)


def _page(qa: Any, chunk: Any) -> int:
    """PDF page of a chunk (0 for formats without pages): its first row's or first paragraph's page."""
    fmt = next((str(d.get("format") or "") for d in qa.doc_meta if d["doc_id"] == chunk.doc_id), "")
    if "pdf" not in fmt:
        return 0
    doc = qa.document(chunk.doc_id)
    if doc is None:
        return 0
    meta = chunk.metadata
    if meta.get("kind") == "table":
        table = doc.table(str(meta.get("table_id", "")))
        if table is None:
            return 0
        line = int(meta.get("line") or 0)
        return next((r.page for r in table.rows if r.line == line and r.page), table.page)
    sec = doc.section(str(meta.get("section_id", "")))
    first = str(meta.get("paragraphs", "")).split(",")[0]
    if sec is None:
        return 0
    return next((p.page for p in sec.paragraphs if p.id == first), sec.paragraphs[0].page if sec.paragraphs else 0)


class BudgetQARetriever(BaseRetriever):
    """The hybrid (BM25 + dense, fused) retriever of a BudgetQA index as a LangChain retriever.

    ``filters`` narrow the search by chunk metadata: doc_id, department, year, part, table_id, kind.
    """

    qa: Any
    k: int = 5
    filters: dict[str, Any] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        retriever = self.qa.retriever
        if retriever is None:
            raise BudgetQAError(self.qa.retriever_error or "retrieval unavailable — run 'budget-qa ingest' without "
                                "--facts-only")
        return [hit_document(self.qa, h) for h in retriever.search(query, k=self.k, filters=self.filters)]


# ---------------------------------------------------------------- tools


@dataclass
class ToolSession:
    """What one conversation's tool calls returned: numbered sources to cite as [n], the figures derived
    from them, and how often each tool was called. ``scope`` (an answer Scope) narrows every call."""

    scope: Any = None
    cites: CitationList = field(default_factory=CitationList)
    facts: dict[int, Fact] = field(default_factory=dict)  # source number → the fact it quotes
    derived: list[tuple[Figure, list[int]]] = field(default_factory=list)  # a figure and its sources
    calls: Counter = field(default_factory=Counter)

    def fact(self, f: Fact) -> int:
        n = self.cites.fact(f)
        self.facts[n] = f
        return n

    def passage(self, doc: Document) -> int:
        md = doc.metadata
        n = self.cites.passage(md["document"], md["locator"], doc.page_content, md["line"], table=md.get("table", ""))
        self.cites.items[n - 1].page = md.get("page", 0)
        return n

    def seed(self, citations: list[Citation], figures: list[Figure]) -> None:
        """Start from sources already found (the extractive answer's), numbered as they were."""
        for c in citations:
            self.cites._add(("seed", c.id), replace(c, id=len(self.cites.items) + 1))
        self.derived += [(f, [f.citation]) for f in figures]


class LookupArgs(BaseModel):
    table: str | None = Field(default=None, description=(
        "table: a canonical kind (summary, income, expenditure, fiscal_summary, general_budget, basic, project, "
        "gov_fund, state_capital, three_public, carryover), a printed number (表6, 表六) or a title (三公)"))
    row: str | None = Field(default=None, description="row label or code, e.g. 差旅费, 公务接待费, 30211")
    column: str | None = Field(default=None, description="column, e.g. 合计, 公用经费, 财政拨款结转")
    document: str | None = Field(default=None, description="document id, department or year (when the index holds several)")
    narrative: bool = Field(default=False, description="also figures stated in sentences (比上年增长…, 占…%)")


class CalculateArgs(BaseModel):
    operation: Literal["share", "sum", "difference", "change"] = Field(description=(
        "share: the smaller figure as a percentage of the larger; sum: all figures added; difference: larger "
        "minus smaller; change: from the first figure to the second (amount and rate)"))
    fact_ids: list[int] = Field(min_length=2, max_length=12, description="fact_id values from lookup results")


class SearchArgs(BaseModel):
    query: str = Field(description="what to look for, in Chinese or English")
    k: int = Field(default=4, ge=1, le=10, description="number of passages")


LOOKUP_HELP = (
    "Exact figures from the disclosure's tables (部门预算公开), with the table / row / column each was read from. "
    "Give a row (label or code) and optionally a table, column or document. Values are exact strings as printed "
    "(万元 unless another unit is given); a blank cell has value null, which is not 0. Several matches are all "
    "returned. Unknown labels return the nearest labels.")
CALCULATE_HELP = (
    "Arithmetic over figures returned by lookup, given by their fact_id: share, sum, difference or change. "
    "Returns the value and the formula; use it instead of calculating yourself.")
SEARCH_HELP = (
    "Passages of the disclosure (narrative sections and table rows) for a question, best first, each with its "
    "document and locator (part / section, or table / rows).")


class _Tools:
    def __init__(self, qa: Any, session: ToolSession | None) -> None:
        self.qa, self.session = qa, session

    def _count(self, name: str) -> None:
        if self.session is not None:
            self.session.calls[name] += 1

    def _fact(self, f: Fact, full: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"fact_id": f.id, "value": f.value, "unit": f.unit, "locator": f.locator}
        if f.op:
            out["op"] = f.op
        if full:
            out.update(document=f.document, table=f.table_no, table_kind=f.table_kind, row=f.row_label,
                       code=f.row_code, column=f.column, quote=f.quote[:300])
            if f.page:
                out["page"] = f.page
        if self.session is not None:
            out["source"] = self.session.fact(f)
        return out

    def lookup(self, table: str | None = None, row: str | None = None, column: str | None = None,
               document: str | None = None, narrative: bool = False) -> str:
        self._count("lookup")
        if not (table or row):
            return "Give at least a table or a row (e.g. row='差旅费')."
        scope = self.session.scope if self.session is not None else None
        if document is None and scope is not None:
            document = scope.document_filter()
        try:
            res = lookup(self.qa.store, table=table, row=row, column=column, document=document, narrative=narrative)
        except BudgetQAError as err:  # unknown label (with the nearest ones), unusable text
            return str(err)
        facts = res.candidates
        if scope is not None and scope.doc_kind:
            facts = [f for f in facts if f.doc_kind == scope.doc_kind]
        if not facts:
            return _dump({"figures": [], "note": "no figure matches"})
        return _dump({"matched_by": res.matched_by, "ambiguous": res.ambiguous,
                      "figures": [self._fact(f) for f in facts[:MAX_FIGURES]],
                      "more": max(0, len(facts) - MAX_FIGURES)})

    def calculate(self, operation: str, fact_ids: list[int]) -> str:
        self._count("calculate")
        facts = []
        for n in fact_ids:
            got = self.qa.store.query("id = ?", (int(n),))
            if not got:
                return f"No fact with id {n} — use fact_id values from lookup results."
            f = got[0]
            try:
                Decimal(f.value or "")
            except InvalidOperation:
                what = "is blank (no amount is printed)" if f.value is None else f"is not a number ({f.value!r})"
                return f"Fact {n} ({f.locator}) {what}: nothing to calculate."
            facts.append(f)
        units = sorted({f.unit for f in facts})
        if len(units) > 1:
            return f"The figures are in different units ({', '.join(units)}) — calculate over figures of one unit."
        if operation != "sum" and len(facts) != 2:
            return f"'{operation}' takes exactly two fact ids."
        rate = ""
        if operation == "share":
            calc = share(facts[0], facts[1])
        elif operation == "difference":
            calc = difference(facts[0], facts[1])
        elif operation == "change":
            calc, rate = change(facts[0], facts[1])
        else:
            calc = total(facts)
        out: dict[str, Any] = {"operation": operation, "value": calc.value, "unit": calc.unit,
                               "formula": calc.formula, "inputs": [self._fact(f, full=False) for f in calc.inputs]}
        if rate:
            out["rate"] = f"{rate}%"
        if self.session is not None:
            sources = [i["source"] for i in out["inputs"]]
            self.session.derived.append((Figure(calc.value, calc.unit, sources[0], operation), sources))
            if rate:
                self.session.derived.append((Figure(rate, "%", sources[0], "change rate"), sources))
        return _dump(out)

    def search(self, query: str, k: int = 4) -> str:
        self._count("search")
        retriever = self.qa.retriever
        if retriever is None:
            return self.qa.retriever_error or "retrieval unavailable"
        scope = self.session.scope if self.session is not None else None
        filters = (scope.retrieval_filters() if scope is not None else {}) or None
        doc_kind = scope.doc_kind if scope is not None else ""
        hits = retriever.search(query, k=k * 2 if doc_kind else k, filters=filters)
        if doc_kind:
            hits = [h for h in hits if self.qa.doc_kinds.get(h.chunk.doc_id, "预算") == doc_kind][:k]
        passages = []
        for h in hits:
            doc = hit_document(self.qa, h)
            md = doc.metadata
            item: dict[str, Any] = {"document": md["document"], "locator": md["locator"],
                                    "quote": doc.page_content[:MAX_QUOTE], "line": md["line"], "score": md["score"]}
            if md["page"]:
                item["page"] = md["page"]
            if self.session is not None:
                item["source"] = self.session.passage(doc)
            passages.append(item)
        return _dump({"passages": passages})


def change(before: Fact, after: Fact) -> tuple[Calc, str]:
    """From ``before`` to ``after``: the amount (after − before, signed) and the rate in percent ('' when
    ``before`` is zero)."""
    b, a = Decimal(before.value or "0"), Decimal(after.value or "0")
    places = max(len((f.value or "0").partition(".")[2]) for f in (before, after))
    delta = str((a - b).quantize(Decimal(1).scaleb(-places)))
    rate = pct(a - b, b) if b else ""
    formula = f"{after.value} − {before.value} = {delta}" + (f"; {delta} ÷ {before.value} × 100% = {rate}%" if rate else "")
    return Calc("change", delta, after.unit, formula, [before, after]), rate


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def budget_qa_tools(qa: Any, session: ToolSession | None = None) -> list[BaseTool]:
    """The tools ``lookup``, ``calculate`` and ``search`` over ``qa``, returning JSON text. With a session,
    every figure and passage also gets a ``source`` number the model cites as [n]."""
    t = _Tools(qa, session)
    return [
        StructuredTool.from_function(func=t.lookup, name="lookup", description=LOOKUP_HELP, args_schema=LookupArgs),
        StructuredTool.from_function(func=t.calculate, name="calculate", description=CALCULATE_HELP,
                                     args_schema=CalculateArgs),
        StructuredTool.from_function(func=t.search, name="search", description=SEARCH_HELP, args_schema=SearchArgs),
    ]


# ---------------------------------------------------------------- the answer pipeline as a Runnable

_PIECE = re.compile(r".+?(?:[。！？；\n]|[.!?;](?=\s)|$)", re.S)


def text_pieces(text: str) -> list[str]:
    """The answer in sentence-sized pieces; joined, they are the text exactly."""
    return _PIECE.findall(text) if text else []


def _listened(config: RunnableConfig | None) -> bool:
    """Whether any callback or tracer would see this call (if not, the callback machinery is skipped)."""
    if config and config.get("callbacks"):
        return True
    try:
        from langchain_core.tracers.context import _configure_hooks, _tracing_v2_is_enabled
    except ImportError:  # another langchain-core: take the full path
        return True
    if _tracing_v2_is_enabled():
        return True
    return any(var.get() is not None for var, *_ in _configure_hooks)


class BudgetQARunnable(Runnable[Any, dict[str, Any]]):
    """Input: a question, ``{"question": …, "history": […]}``, a message or a prompt value. Output of
    ``invoke``: the answer JSON of the design's contract as a dict; ``stream`` yields the answer's text.

    ``history`` holds earlier turns: the dicts this runnable returned (cheapest), ``Turn`` objects, or
    earlier questions as strings or human messages (answered again, without the LLM, to resolve them).
    """

    def __init__(self, qa: Any) -> None:
        self.qa = qa
        self.name = "BudgetQA"

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> dict[str, Any]:
        if not _listened(config):
            return self._answer(input)
        return self._call_with_config(self._answer, input, config, run_type="chain")

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> dict[str, Any]:
        return await run_in_executor(config, self.invoke, input, config)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[str]:  # type: ignore[override]
        yield from text_pieces(self.invoke(input, config)["answer"])

    async def astream(self, input: Any, config: RunnableConfig | None = None,  # type: ignore[override]
                      **kwargs: Any) -> AsyncIterator[str]:
        out = await self.ainvoke(input, config)
        for piece in text_pieces(out["answer"]):
            yield piece

    def transform(self, input: Iterator[Any], config: RunnableConfig | None = None,
                  **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Inside a chain the answer dict flows on (as from ``invoke``), after the input stream is complete."""
        yield self.invoke(_collect(input), config)

    async def atransform(self, input: AsyncIterator[Any], config: RunnableConfig | None = None,
                         **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
        chunks = [c async for c in input]
        yield await self.ainvoke(_collect(iter(chunks)), config)

    # ---------- input
    def _answer(self, value: Any) -> dict[str, Any]:
        question, history = self._parse(value)
        return self.qa.ask(question, history=self._turns(history)).to_dict()

    @staticmethod
    def _parse(value: Any) -> tuple[Any, list]:
        if isinstance(value, PromptValue):
            value = value.to_messages()
        if isinstance(value, BaseMessage):
            return _content(value), []
        if isinstance(value, dict):
            question = value.get("question", value.get("input"))
            return question, list(value.get("history") or value.get("chat_history") or [])
        if isinstance(value, list) and value and all(isinstance(m, BaseMessage) for m in value):
            human = [m for m in value if m.type == "human"]
            if human:
                return _content(human[-1]), human[:-1]
        if isinstance(value, str):
            return value, []
        raise BudgetQAError("BudgetQA's runnable takes a question (a string) or {'question': …, 'history': [...]} — "
                            f"got {type(value).__name__}")

    def _turns(self, history: list) -> list:
        from ..answer.agent import extractive_only
        from ..core import Turn

        turns: list = []
        for h in history:
            if isinstance(h, Turn):
                turns.append(h)
            elif isinstance(h, dict) and "answer" in h and "question" in h:  # an answer this runnable returned
                tables = [c.get("table") for c in h.get("citations") or [] if c.get("table")]
                turns.append(Turn(h["question"], h.get("resolved_question") or h["question"], [],
                                  h.get("language") or "zh", tables))
            else:  # an earlier question; the model's replies (AI messages, assistant turns) are skipped
                text = _user_text(h)
                if text:
                    with extractive_only():
                        turns.append(self.qa.turn(self.qa.ask(text, history=turns)))
        return turns


def _collect(chunks: Iterator[Any]) -> Any:
    final: Any = None
    for c in chunks:
        final = c if final is None or not isinstance(final, str) or not isinstance(c, str) else final + c
    return final


def _user_text(h: Any) -> str:
    if isinstance(h, str):
        return h
    if isinstance(h, BaseMessage):
        return _content(h) if h.type == "human" else ""
    if isinstance(h, dict) and h.get("role") in ("user", "human"):
        return str(h.get("content") or "")
    return ""


def _content(msg: BaseMessage) -> str:
    c = msg.content
    if isinstance(c, str):
        return c
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in c)
