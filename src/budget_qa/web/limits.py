"""Limits every request meets before Gradio sees it: ASGI middleware on the parent FastAPI app.

- ``BodyLimit``: a body larger than ``max_body_bytes`` gets 413. A declared Content-Length is checked
  before anything is read; a body without one (chunked) is counted while it arrives and never held beyond
  the limit.
- ``ClientAddress``: the client address is the socket peer; only when the peer is one of the trusted
  proxies (``trusted_proxies``) is it taken from ``X-Forwarded-For`` — the nearest address in it that is
  not itself a trusted proxy. Forwarding headers sent by anyone else are dropped, so nothing after this
  middleware (Gradio, the rate limiter, the exchange log) can see a forged address.
- ``QuestionGate``: on the public app's event routes, the per-client question limit (and a looser one for
  every other event) applied before the event is queued, and the queue-full answer in the UI's language.
- ``LoginGuard``: staff desk logins throttled per account and per address (``ratelimit.LoginThrottle``).

The middleware order (outermost first) is the order above; ``server.create_app`` installs them.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from .i18n import BODY_TOO_LARGE, LANGS, accept_lang, message_lang, t
from .ratelimit import LoginThrottle, RateLimiter, scope_client_key

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ADMITTED = "budget_qa.admitted"  # in scope["state"]: the gate counted this question and let it through
REFUSED = "budget_qa.refused"  # in scope["state"]: seconds to wait; the handler says so without any work
FORWARDING_HEADERS = {
    b"x-forwarded-for",
    b"x-forwarded-host",
    b"x-forwarded-proto",
    b"x-forwarded-port",
    b"x-forwarded-prefix",
    b"x-real-ip",
    b"forwarded",
}
# the routes through which a client can start an event (relative to the app's root)
EVENT_ROUTE = re.compile(
    r"^/gradio_api/(?:queue/join|call/(?:v2/)?(?P<call>[^/]+)|run/(?P<run>[^/]+)|api/(?P<api>[^/]+))/?$"
)


# ---------------------------------------------------------------- small ASGI helpers


def header(scope: Scope, name: bytes) -> str | None:
    values = [v for k, v in scope.get("headers", []) if k.lower() == name]
    return b",".join(values).decode("latin-1") if values else None


async def send_json(
    send: Send, status: int, detail: str, headers: Iterable[tuple[bytes, bytes]] = (), close: bool = False
) -> None:
    body = json.dumps({"detail": detail, "error": detail}, ensure_ascii=False).encode("utf-8")
    hdrs = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    hdrs += list(headers)
    if close:
        hdrs.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when it grows beyond ``limit`` bytes or the client went away
    (what was read so far is dropped)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit > 0 and size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields ``body`` once, then whatever the client sends (a disconnect)."""
    sent = False

    async def again() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


# ---------------------------------------------------------------- body size


class BodyLimit:
    """``larger(scope)``, when given, may allow a request a larger limit (a logged-in staff member's
    upload of a disclosure at the desk); every other request keeps ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int = 65536, larger: Any = None) -> None:
        self.app, self.max_bytes, self.larger = app, int(max_bytes), larger

    async def too_large(self, send: Send, limit: int) -> None:
        kb = max(1, round(limit / 1024))
        await send_json(send, 413, BODY_TOO_LARGE.format(kb=kb), close=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        limit = (self.larger(scope) if self.larger is not None else None) or self.max_bytes
        length = header(scope, b"content-length")
        if length is not None:
            try:
                declared = int(length.split(",")[0].strip())
            except ValueError:
                await send_json(send, 400, "Invalid Content-Length.", close=True)
                return
            if declared > limit:
                await self.too_large(send, limit)
                return
            await self.app(scope, self.counted(receive, limit), send)
            return
        if header(scope, b"transfer-encoding") is not None:  # chunked: count while it arrives
            body = await read_body(receive, limit)
            if body is None:
                await self.too_large(send, limit)
                return
            await self.app(scope, replay(body, receive), send)
            return
        await self.app(scope, self.counted(receive, limit), send)

    def counted(self, receive: Receive, limit: int) -> Receive:
        """The server frames a Content-Length body itself; should more arrive anyway, the app sees the
        client go away instead of the excess."""
        size = 0

        async def counting() -> dict:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    return {"type": "http.disconnect"}
            return message

        return counting


# ---------------------------------------------------------------- client address


def parse_proxies(spec: str | Iterable[str] | None) -> tuple[Network, ...]:
    """'10.0.0.1, 192.168.0.0/24, ::1' → networks; raises ValueError naming the bad entry."""
    items = spec.split(",") if isinstance(spec, str) else list(spec or [])
    out = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError as err:
            raise ValueError(
                f"BUDGET_QA_TRUSTED_PROXIES: {item!r} is not an IP address or network ({err})"
            ) from None
    return tuple(out)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6]:port
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


def resolve_client(peer: str, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy; then the nearest hop of
    X-Forwarded-For (read from the right) that is not a trusted proxy. A hop that is not an IP address
    ends the search at the last trusted one (garbage never becomes a client address)."""
    peer_ip = _ip(peer) if peer else None
    if peer_ip is None or not any(peer_ip in net for net in proxies):
        return peer
    nearest = str(peer_ip)
    for hop in reversed([h for h in (forwarded_for or "").split(",") if h.strip()]):
        ip = _ip(hop)
        if ip is None:
            return nearest
        if not any(ip in net for net in proxies):
            return str(ip)
        nearest = str(ip)
    return nearest


class ClientAddress:
    def __init__(self, app: ASGIApp, trusted_proxies: str | Iterable[str] | None = "") -> None:
        self.app, self.proxies = app, parse_proxies(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("", 0)
        peer = str(client[0] or "")
        ip = _ip(peer) if peer else None
        scope = dict(scope)
        if ip is not None and any(ip in net for net in self.proxies):
            host = resolve_client(peer, header(scope, b"x-forwarded-for"), self.proxies)
            if host != peer:
                scope["client"] = (host, 0)
        else:  # nobody downstream may act on forwarding headers a client made up
            scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in FORWARDING_HEADERS]
        await self.app(scope, receive, send)


# ---------------------------------------------------------------- questions and events


def _question_and_ui(data: Any) -> tuple[str, str | None]:
    """The question (the first input) and the interface language label among the inputs, if any."""
    if not isinstance(data, list) or not data:
        return "", None
    question = data[0] if isinstance(data[0], str) else ""
    ui = next((d for d in data[1:] if isinstance(d, str) and d in LANGS), None)
    return question, ui


def gate_verdict(request: object | None) -> tuple[bool, float | None]:
    """(whether the gate has already counted this question, seconds to wait when it refused it) — both
    False/None when the request did not come through the gate (a gr.Request wraps the Starlette request)."""
    scope = getattr(getattr(request, "request", None), "scope", None)
    state = scope.get("state") if isinstance(scope, dict) else None
    if not isinstance(state, dict):
        return False, None
    refused = state.get(REFUSED)
    return bool(state.get(ADMITTED)), (float(refused) if refused is not None else None)


class QuestionGate:
    """The public app's events: each is counted against the client's limit *before* Gradio queues it —
    questions against ``questions`` (the per-minute question limit), every other event against the
    looser ``events`` — and a full queue is answered in the UI's language (status 429 with Retry-After,
    which the Gradio page shows as it is; it shows only a fixed English text for 503).

    A question over the limit is let through, marked refused, as many times again as the limit allows
    (a person asking again gets the friendly message in the chat, and the handler does no work for it);
    beyond that — a script, not a person — it is refused at the door with 429 and never queued."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        blocks: Any,
        questions: RateLimiter,
        events: RateLimiter,
        skip_prefixes: tuple[str, ...] = ("/desk",),
        max_body: int = 1 << 20,
    ) -> None:
        self.app, self.blocks, self.questions, self.events = app, blocks, questions, events
        self.skip, self.max_body = skip_prefixes, int(max_body)
        self.told = RateLimiter(max(1, questions.limit), questions.window)  # refusals said in the chat

    def _fn_id(self, payload: dict, match: re.Match) -> int | None:
        api_name = match.group("call") or match.group("run") or match.group("api")
        if api_name is None:
            fn = payload.get("fn_index")
            return fn if isinstance(fn, int) else None
        for fn_id, fn in getattr(self.blocks, "fns", {}).items():
            if getattr(fn, "api_name", None) == api_name:
                return fn_id
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        match = EVENT_ROUTE.match(path) if scope.get("type") == "http" and scope.get("method") == "POST" else None
        if match is None or any(path == p or path.startswith(p + "/") for p in self.skip):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, self.max_body)
        if body is None:
            await send_json(send, 413, BODY_TOO_LARGE.format(kb=self.max_body // 1024), close=True)
            return
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):  # Gradio answers a malformed body itself (422)
            await self.app(scope, replay(body, receive), send)
            return
        fn_id = self._fn_id(payload, match)
        if not match.group("call") and not match.group("run") and not match.group("api"):
            if fn_id not in getattr(self.blocks, "fns", {}):  # Gradio would answer 500 with a traceback
                await send_json(send, 422, "Unknown event (fn_index).")
                return
        question, ui = _question_and_ui(payload.get("data"))
        is_question = fn_id in getattr(self.blocks, "question_fns", ())
        lang = message_lang(ui, question) if is_question else message_lang(ui)
        session = payload.get("session_hash")
        key = scope_client_key(scope, session if isinstance(session, str) else None)
        limiter = self.questions if is_question else self.events
        allowed, wait = limiter.check(key)
        state = scope.setdefault("state", {})
        if allowed and is_question:
            state[ADMITTED] = True
        elif not allowed and is_question and self.questions.limit > 0 and self.told.check(key)[0]:
            state[REFUSED] = wait
        elif not allowed:
            s = max(1, math.ceil(wait))
            text = t("rate_limited", lang, s=s, n=limiter.limit) if is_question else t("too_many_events", lang, s=s)
            await send_json(send, 429, text, [(b"retry-after", str(s).encode())])
            return
        await self.app(scope, replay(body, receive), self._busy_in(lang, send))

    @staticmethod
    def _busy_in(lang: str, send: Send) -> Send:
        rewriting = False

        async def rewrite(message: dict) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message.get("status") == 503:
                rewriting = True
                return
            if not rewriting:
                await send(message)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                await send_json(send, 429, t("queue_full", lang), [(b"retry-after", b"5")])

        return rewrite


# ---------------------------------------------------------------- staff login


async def _username(scope: Scope, body: bytes) -> str:
    ctype = (header(scope, b"content-type") or "").lower()
    if ctype.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("utf-8", "replace")).get("username", [""])
        return values[0]
    if ctype.startswith("multipart/form-data"):
        from starlette.requests import Request

        async def no_more() -> dict:
            return {"type": "http.disconnect"}

        request = Request(dict(scope), replay(body, no_more))
        try:
            form = await request.form(max_files=0, max_fields=16)
            value = form.get("username")
            await form.close()
        except Exception:  # noqa: BLE001 — a malformed form is Gradio's to refuse; it is still counted
            return ""
        return value if isinstance(value, str) else ""
    return ""


class LoginGuard:
    """Throttles ``POST <desk>/login``: a locked account or address gets 429 (with Retry-After) without
    its password being tried — the correct one included; a wrong password gets Gradio's 400 with the
    message in the client's language (from Accept-Language; the login page itself shows Gradio's own
    localised text for a 400)."""

    def __init__(self, app: ASGIApp, *, throttle: LoginThrottle, paths: tuple[str, ...] = ("/desk/login",)) -> None:
        self.app, self.throttle = app, throttle
        self.paths = {p.rstrip("/") for p in paths}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "")).rstrip("/")
        if scope.get("type") != "http" or scope.get("method") != "POST" or path not in self.paths:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, 1 << 16)
        if body is None:
            await send_json(send, 413, BODY_TOO_LARGE.format(kb=64), close=True)
            return
        account = (await _username(scope, body)).strip()
        address = str((scope.get("client") or ("",))[0] or "")
        lang = accept_lang(header(scope, b"accept-language"))
        wait = self.throttle.begin(account, address)
        if wait > 0:
            s = max(1, math.ceil(wait))
            await send_json(send, 429, t("login_locked", lang, s=s), [(b"retry-after", str(s).encode())])
            return
        status: list[int] = []

        async def watch(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message.get("status", 0)))
                if status[0] == 400:
                    return
            elif status and status[0] == 400:
                if not message.get("more_body", False):
                    await send_json(send, 400, t("login_failed", lang, n=self.throttle.max_failures))
                return
            await send(message)

        await self.app(scope, replay(body, receive), watch)
        if status and status[0] == 200:
            self.throttle.succeeded(account, address)
