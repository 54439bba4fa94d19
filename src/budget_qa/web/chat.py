"""Public chat handlers: streamed answers with citations, follow-ups, feedback, clearing.

Handlers take plain values (and a duck-typed request with ``client.host`` / ``session_hash``) so
they are tested without a browser; app.py wires them to Gradio components.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Iterator
from typing import Any

from ..answer.question import language as detect_language
from ..core import Turn
from ..errors import QuestionError
from .context import WebContext
from .i18n import message_lang, t
from .limits import gate_verdict
from .ratelimit import client_key
from .render import answer_md, citations_html, md_text, sources_title

try:  # one policy for text at every boundary: lone surrogates → U+FFFD, control characters removed
    from ..textsafe import clean as clean_text
except ImportError:  # pragma: no cover — the minimum: text that can be encoded, logged and streamed back

    def clean_text(text: str, *, multi_line: bool = True) -> str:
        return text.encode("utf-8", "replace").decode("utf-8")


MAX_TURNS = 10  # how many earlier exchanges a conversation remembers for follow-ups
MAX_QUESTION_CHARS = 500  # the default of the max_question_chars setting
PREVIEW_CHARS = 60  # how much of a refused long question is shown back
STREAM_STEPS = 6


def new_state() -> dict[str, Any]:
    """Per-session state (held in gr.State): chat messages, Turns for follow-ups, logged exchange ids."""
    return {"messages": [], "turns": [], "exchanges": [], "msg_exchange": {}, "session": ""}


def _session(request: object | None) -> tuple[str, str]:
    session = str(getattr(request, "session_hash", "") or "")
    client = getattr(getattr(request, "client", None), "host", "") or ""
    return session, str(client)


def _preview(question: str, n: int = PREVIEW_CHARS) -> str:
    return question if len(question) <= n else question[:n] + "…"


def respond(
    ctx: WebContext,
    question: str,
    state: dict[str, Any] | None,
    request: object | None = None,
    ui_lang: str | None = None,
    department: str | None = None,
    year: str | None = None,
) -> Iterator[tuple[list[dict], dict[str, Any], str]]:
    """Answer one question, yielding (messages, state, textbox value) as the answer streams in.

    Before any work: a question longer than ``max_question_chars`` gets a message (in the UI's language,
    see i18n.message_lang) that does not repeat it; then the client's rate limit — decided by the
    QuestionGate middleware before the request was queued, or here when it did not come through the gate.
    Nothing is logged for either. ``department`` / ``year`` are the picker's scope (None: all)."""
    state = state if state is not None else new_state()
    msgs: list[dict] = state["messages"]
    question = clean_text(question).strip() if isinstance(question, str) else ""
    if not question:
        yield list(msgs), state, ""
        return
    limit = int(ctx.settings.get("max_question_chars", MAX_QUESTION_CHARS) or 0)
    if limit > 0 and len(question) > limit:
        lang = message_lang(ui_lang, question)
        msgs.append({"role": "user", "content": md_text(_preview(question))})
        msgs.append({"role": "assistant", "content": md_text(t("too_long", lang, n=len(question), limit=limit))})
        yield list(msgs), state, question[:limit]
        return
    lang = message_lang(ui_lang, question) if ui_lang else detect_language(question)
    counted, refused = gate_verdict(request)
    if refused is not None or not counted:
        allowed, wait = (False, refused) if refused is not None else ctx.limiter.check(client_key(request))
        if not allowed:
            msgs.append({"role": "user", "content": md_text(question)})
            msgs.append(
                {
                    "role": "assistant",
                    "content": md_text(t("rate_limited", lang, s=max(1, round(wait)), n=ctx.limiter.limit)),
                }
            )
            yield list(msgs), state, question  # keep the question in the box so it can be sent again
            return
    session, client = _session(request)
    state["session"] = state["session"] or session
    qa = ctx.qa  # one index for the whole answer, even if a re-ingested one is swapped in meanwhile
    msgs.append({"role": "user", "content": md_text(question)})
    msgs.append({"role": "assistant", "content": "…"})
    yield list(msgs), state, ""
    try:
        ans = qa.ask(question, history=list(state["turns"]), department=department, year=year)
    except QuestionError as err:
        msgs[-1] = {"role": "assistant", "content": md_text(t("error", lang, e=err))}
        yield list(msgs), state, ""
        return
    except Exception as err:  # never leave the user with a spinner; details go to the server log
        traceback.print_exc(file=sys.stderr)
        msgs[-1] = {"role": "assistant", "content": md_text(t("error", lang, e=type(err).__name__))}
        yield list(msgs), state, ""
        return
    # log first, so an exchange is recorded even if the client goes away while it streams
    exchange_id = ctx.log.add(question=question, answer=ans.to_dict(), session=session, client=client)
    state["exchanges"].append(exchange_id)
    state["turns"] = (state["turns"] + [qa.turn(ans)])[-MAX_TURNS:]

    text = ans.answer
    for k in range(1, STREAM_STEPS):
        cut = len(text) * k // STREAM_STEPS
        msgs[-1] = {"role": "assistant", "content": md_text(text[:cut]) + " ▌"}
        yield list(msgs), state, ""
        if ctx.stream_delay:
            time.sleep(ctx.stream_delay)
    answer_index = len(msgs) - 1
    msgs[-1] = {"role": "assistant", "content": answer_md(ans, qa.documents)}
    state["msg_exchange"][answer_index] = exchange_id
    if ans.citations:
        msgs.append(
            {
                "role": "assistant",
                "content": citations_html(ans.citations, ans.language),
                "metadata": {"title": sources_title(ans), "status": "done"},
            }
        )
        state["msg_exchange"][len(msgs) - 1] = exchange_id
    yield list(msgs), state, ""


def clear(_state: dict[str, Any] | None = None) -> tuple[list[dict], dict[str, Any], str]:
    """Clear the chat and forget the conversation (follow-ups start afresh)."""
    return [], new_state(), ""


def _last_exchange(state: dict[str, Any] | None) -> int | None:
    return state["exchanges"][-1] if state and state.get("exchanges") else None


def rate(ctx: WebContext, state: dict[str, Any] | None, helpful: bool, ui_lang: str = "zh") -> str:
    """Helpful / not helpful for the latest answer of this session."""
    ex = _last_exchange(state)
    if ex is None:
        return t("nothing_to_rate", ui_lang)
    ctx.log.set_feedback(ex, "up" if helpful else "down")
    return t("thanks", ui_lang)


def comment(ctx: WebContext, state: dict[str, Any] | None, text: str, ui_lang: str = "zh") -> tuple[str, str]:
    """An optional comment on the latest answer; returns (status, new textbox value)."""
    ex = _last_exchange(state)
    if ex is None:
        return t("nothing_to_rate", ui_lang), text
    if not (text or "").strip():
        return "", ""
    ctx.log.set_feedback(ex, comment=text)
    return t("thanks", ui_lang), ""


def like(ctx: WebContext, state: dict[str, Any] | None, index: Any, liked: Any, ui_lang: str = "zh") -> str:
    """The Chatbot's own thumbs on a message: maps the message to its exchange."""
    if isinstance(index, (list, tuple)):
        index = index[0]
    ex = (state or {}).get("msg_exchange", {}).get(int(index)) if index is not None else None
    if ex is None:
        return ""
    if liked is True or liked == "Like":
        ctx.log.set_feedback(ex, "up")
    elif liked is False or liked == "Dislike":
        ctx.log.set_feedback(ex, "down")
    else:
        return ""
    return t("thanks", ui_lang)


def history_turns(state: dict[str, Any] | None) -> list[Turn]:
    return list((state or {}).get("turns", []))
