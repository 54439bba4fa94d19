"""Staff inquiry-desk handlers: search the exchange log, draft formal replies (Markdown + .docx)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import QuestionError
from .context import WebContext
from .exchange_log import Exchange
from .reply import draft_reply, to_markdown, write_files

LOG_COLUMNS = ["id", "time", "channel", "language", "route", "feedback", "question", "answer", "comment"]
ALL = "all"


def replies_dir(ctx: WebContext) -> Path:
    return Path(ctx.settings["data_dir"]).resolve() / "replies"


def _opt(v: str | None) -> str:
    return "" if v in (None, "", ALL) else str(v)


def search_log(
    ctx: WebContext,
    text: str = "",
    language: str = ALL,
    route: str = ALL,
    feedback: str = ALL,
    date_from: str = "",
    date_to: str = "",
    channel: str = ALL,
    limit: int = 200,
) -> pd.DataFrame:
    rows = ctx.log.search(
        text or "",
        language=_opt(language),
        route=_opt(route),
        feedback=_opt(feedback),
        date_from=(date_from or "").strip(),
        date_to=(date_to or "").strip(),
        channel=_opt(channel),
        limit=limit,
    )
    return pd.DataFrame([_row(e) for e in rows], columns=LOG_COLUMNS)


def _row(e: Exchange) -> list[Any]:
    answer = e.answer if len(e.answer) <= 160 else e.answer[:159] + "…"
    return [
        e.id,
        e.ts.replace("T", " "),
        e.channel,
        e.language,
        e.route,
        e.feedback or "",
        e.question,
        answer,
        e.comment,
    ]


def exchange_detail(ctx: WebContext, exchange_id: Any) -> str:
    """Plain-text view of one logged exchange (shown in a Textbox, never as HTML)."""
    e = ctx.log.get(int(exchange_id)) if str(exchange_id or "").strip().isdigit() else None
    if e is None:
        return ""
    lines = [
        f"#{e.id}  {e.ts}  {e.channel}  session={e.session}  {e.language}/{e.route}",
        f"Q: {e.question}",
        f"A: {e.answer}",
    ]
    lines += [f"[{c.get('id')}] {c.get('locator', '')}: {c.get('quote', '')}" for c in e.citations]
    if e.feedback or e.comment:
        lines.append(f"feedback: {e.feedback or '-'}  comment: {e.comment or '-'}")
    return "\n".join(lines)


def _meta(ctx: WebContext) -> tuple[str, str]:
    d = ctx.document
    return (d.department, d.title) if d else ("", "")


def draft_for_exchange(
    ctx: WebContext, exchange_id: Any, lang: str = "zh"
) -> tuple[str, str | None, str | None]:
    """(Markdown preview, .md path, .docx path) for a logged exchange; an error message if there is none."""
    if not str(exchange_id or "").strip().isdigit():
        return (
            (
                "请先在日志中选择一条记录（或输入编号）。"
                if lang == "zh"
                else "Pick an exchange in the log first (or type its id)."
            ),
            None,
            None,
        )
    e = ctx.log.get(int(exchange_id))
    if e is None:
        return (
            (f"没有编号为 {exchange_id} 的记录。" if lang == "zh" else f"No exchange #{exchange_id}."),
            None,
            None,
        )
    answer = {
        "answer": e.answer,
        "answerable": e.answerable,
        "language": e.language,
        "citations": e.citations,
        "figures": e.figures,
    }
    return _draft(ctx, e.question, answer, lang, f"reply-{e.id}-{lang}")


def draft_for_question(
    ctx: WebContext, question: str, lang: str = "zh", user: str = "staff"
) -> tuple[str, str | None, str | None]:
    """Ask a new question at the desk (logged with channel 'desk') and draft the reply."""
    question = (question or "").strip()
    if not question:
        return ("请输入问题。" if lang == "zh" else "Type a question."), None, None
    try:
        ans = ctx.qa.ask(question)
    except QuestionError as err:
        return str(err), None, None
    ex = ctx.log.add(question=question, answer=ans.to_dict(), session=f"desk:{user}", channel="desk")
    return _draft(ctx, question, ans.to_dict(), lang, f"reply-{ex}-{lang}")


def _draft(ctx: WebContext, question: str, answer: dict, lang: str, stem: str) -> tuple[str, str, str]:
    department, title = _meta(ctx)
    r = draft_reply(question, answer, lang=lang, department=department, document_title=title)
    md, docx = write_files(r, replies_dir(ctx), f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}")
    return to_markdown(r), str(md), str(docx)
