"""The HTTP JSON API, mounted at /api on the web server beside the Gradio apps.

- ``POST /api/ask`` — ``{"question": …, "history": [earlier questions…], "department": …, "year": …}``
  (all but the question optional) → the answer JSON of the design's contract (``Answer.to_dict()``).
- ``GET /api/documents`` — what is served: id, department, year, kind (预算/决算), format, files, tables.
- ``GET /api/docs`` — the OpenAPI page (FastAPI's), ``/api/openapi.json`` the schema.

Questions share the chat's per-client question limit (``ctx.limiter``, keyed like the chat by the client
address that ``limits.ClientAddress`` resolved), so asking through the API does not get around it; the body
limit is the server's (``limits.BodyLimit``, outside every app). Every error is JSON:
``{"detail": "…", "error": "…"}`` with a 4xx status. Answers are logged like the chat's (channel ``api``).
"""

from __future__ import annotations

import math
import sys
import threading
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import QuestionError
from .context import WebContext
from .ratelimit import scope_client_key

MAX_HISTORY = 10  # earlier questions taken into account (the chat remembers as many turns)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., description="The question, in Chinese or English.",
                          examples=["2024年三公经费是多少？"])
    history: list[str] = Field(default_factory=list, max_length=50,
                               description="Earlier questions of the conversation, oldest first (for "
                                           "follow-ups such as '那培训费呢？'). Only the last 10 are used.")
    department: str | None = Field(None, description="Scope: a served department (as in /api/documents); "
                                                     "the question's own department wins.")
    year: str | None = Field(None, description="Scope: a served year, e.g. '2024'.")


class Citation(BaseModel):
    id: int
    document: str
    locator: str
    table: str = ""
    row: str = ""
    column: str = ""
    quote: str = ""
    part: str = ""
    section: str = ""
    line: int | None = None


class Figure(BaseModel):
    value: str
    unit: str = ""
    citation: int | None = None


class AnswerOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    question: str
    language: str = Field(description="zh | en")
    answer: str
    answerable: bool
    route: str = Field(description="lookup | compute | retrieval | abstain")
    citations: list[Citation] = []
    figures: list[Figure] = []
    timings_ms: dict[str, float] = {}


class DocumentOut(BaseModel):
    id: str
    department: str
    year: str
    kind: str = Field(description="预算 (budget) or 决算 (final accounts)")
    format: str
    title: str = ""
    files: list[str]
    tables: int


class DocumentsOut(BaseModel):
    version: str = Field(description="The index version answered from")
    documents: list[DocumentOut]


class ErrorOut(BaseModel):
    detail: str
    error: str


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "error": detail}, status_code=status, headers=headers)


ERRORS = {
    400: {"model": ErrorOut, "description": "Empty or too long question"},
    413: {"model": ErrorOut, "description": "Request body too large"},
    422: {"model": ErrorOut, "description": "Malformed request, or a department/year not served"},
    429: {"model": ErrorOut, "description": "Over the per-client question limit (see Retry-After)"},
}


def served_documents(qa: Any) -> list[dict[str, Any]]:
    """What the index answers from, one dict per disclosure (the /api/documents rows)."""
    counts: dict[str, int] = {}
    for doc_id, *_ in qa.store.tables():
        counts[doc_id] = counts.get(doc_id, 0) + 1
    out = []
    for d in qa.doc_meta:
        files = [f for f in str(d.get("files") or d.get("path") or "").splitlines() if f]
        out.append({
            "id": d["doc_id"],
            "department": d.get("department") or "",
            "year": str(d.get("year") or ""),
            "kind": d.get("kind") or "预算",
            "format": d.get("format") or "",
            "title": d.get("title") or "",
            "files": [f.rsplit("/", 1)[-1] for f in files],
            "tables": counts.get(d["doc_id"], 0),
        })
    return out


def resolve_department(qa: Any, department: str) -> str | None:
    """The served department's full name for a full name, one of its short names or a unique part of its
    name; None when it names no served department (or more than one)."""
    full = list(dict.fromkeys(qa.departments))
    if department in full:
        return department
    for name, shorts in getattr(qa, "dept_names", None) or []:
        if department in shorts:
            return name
    hits = [n for n in full if department in n]
    return hits[0] if len(hits) == 1 else None


def build_api(ctx: WebContext, concurrency: int = 4) -> FastAPI:
    api = FastAPI(
        title="budget-qa API",
        version="1",
        description="Exact, cited answers about the budget disclosures this server holds. "
                    "Figures are the decimal strings printed in the source; every claim has a citation.",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    slots = threading.BoundedSemaphore(max(1, concurrency))  # as many answers at once as the chat's handlers

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        parts = []
        for e in err.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        return _error(422, "Invalid request — " + "; ".join(parts) +
                      ' (expected JSON like {"question": "…", "history": [], "department": null, "year": null})')

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, err: StarletteHTTPException) -> JSONResponse:
        return _error(err.status_code, str(err.detail), getattr(err, "headers", None))

    @api.post("/ask", response_model=AnswerOut, responses=ERRORS, summary="Answer one question")
    def ask(body: AskRequest, request: Request) -> Any:
        question = body.question.strip()
        if not question:
            return _error(400, "The question is empty.")
        limit = int(ctx.settings.get("max_question_chars", 500) or 0)
        if limit > 0 and len(question) > limit:
            return _error(400, f"The question is too long ({len(question)} characters; at most {limit}).")
        qa = ctx.qa  # one index for the whole answer
        department = (body.department or "").strip() or None
        year = (body.year or "").strip() or None
        if department in ("全部", "All", "all"):
            department = None
        if department:
            full = resolve_department(qa, department)
            if full is None:
                return _error(422, f"Department {department!r} is not served (or names more than one); served: "
                                   f"{', '.join(sorted(set(qa.departments)))} (GET /api/documents).")
            department = full
        if year in ("全部", "All", "all"):
            year = None
        if year and year not in qa.years:
            return _error(422, f"Year {year!r} is not served; served: {', '.join(sorted(qa.years))}.")
        key = scope_client_key(request.scope)
        allowed, wait = ctx.limiter.check(key)
        if not allowed:
            s = max(1, math.ceil(wait))
            return _error(429, f"Too many questions — try again in about {s} seconds "
                               f"(at most {ctx.limiter.limit} a minute).", {"Retry-After": str(s)})
        with slots:
            try:
                turns: list = []
                for earlier in [h for h in body.history if isinstance(h, str) and h.strip()][-MAX_HISTORY:]:
                    turns.append(qa.turn(qa.ask(earlier[: limit or None], history=turns,
                                                department=department, year=year)))
                ans = qa.ask(question, history=turns, department=department, year=year)
            except QuestionError as err:
                return _error(400, str(err))
            except Exception as err:  # noqa: BLE001 — details to the server log, a short JSON answer out
                traceback.print_exc(file=sys.stderr)
                return _error(500, f"The question could not be answered ({type(err).__name__}).")
        out = ans.to_dict()
        client = str((request.scope.get("client") or ("",))[0] or "")
        ctx.log.add(question=question, answer=out, session="", client=client, channel="api")
        return JSONResponse(out)

    @api.get("/documents", response_model=DocumentsOut, summary="The disclosures served")
    def documents() -> Any:
        qa = ctx.qa
        return {"version": getattr(qa, "version", "") or "", "documents": served_documents(qa)}

    return api
