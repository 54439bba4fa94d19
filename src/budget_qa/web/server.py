"""Serve the web app: FastAPI with the public chat at / and the staff desk at /desk (behind Gradio auth)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, RedirectResponse

from .. import settings as settings_mod
from .api import build_api
from .app import build_desk, build_public
from .context import WebContext, open_context
from .desk import replies_dir
from .guard import PublicFileGuard, is_staff_upload
from .limits import BodyLimit, ClientAddress, LoginGuard, QuestionGate, parse_proxies
from .ratelimit import LoginThrottle, RateLimiter
from .style import CSS, HEAD, THEME

DESK_DISABLED = (
    "Staff inquiry desk: not started — no staff password is set. To enable it, set "
    "BUDGET_QA_STAFF_PASSWORD (and optionally BUDGET_QA_STAFF_USER, default 'staff') and restart; "
    "it is then served at /desk behind a login."
)
CONCURRENCY = 4  # handlers running at once per app; the rest wait in the bounded queue
AUTH_MESSAGE = (
    "咨询答复工作台：请登录 · Inquiry desk: staff login<br>"
    "（连续输错 {n} 次密码后，须等待一段时间才能再登录 · after {n} wrong passwords, login pauses for a while）"
)


class DeskDisabledError(RuntimeError):
    """Raised when the staff desk is requested without a staff password."""


@dataclass
class WebApp:
    app: FastAPI
    ctx: WebContext
    public: gr.Blocks
    desk: gr.Blocks | None
    message: str = ""


def desk_auth(settings: dict[str, Any]) -> tuple[str, str]:
    """The desk's credentials; refuses (DeskDisabledError, saying how to enable it) without a password."""
    password = str(settings.get("staff_password") or "")
    if not password:
        raise DeskDisabledError(DESK_DISABLED)
    return str(settings.get("staff_user") or "staff"), password


def create_app(settings: dict[str, Any] | None = None, ctx: WebContext | None = None) -> WebApp:
    """The FastAPI app. Every request first meets, in this order: the body limit, the client address
    (X-Forwarded-For only from trusted proxies), the closed upload routes and the public file guard, the
    desk's login throttle, and the public question gate (rate limits before Gradio's queue)."""
    s = settings_mod.defaults() | (settings or {})
    proxies = str(s.get("trusted_proxies") or "")
    parse_proxies(proxies)  # a malformed setting is refused (ValueError naming it) before anything starts
    ctx = ctx or open_context(s)
    queue = {"max_size": int(s["queue_size"]), "default_concurrency_limit": CONCURRENCY}
    look = {
        "css": CSS,
        "head": HEAD,
        "theme": THEME,
        "footer_links": ["api", "gradio"],
        "run_history": False,
        "ssr_mode": False,
        "show_error": False,
    }
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    public = build_public(ctx).queue(**queue)
    desk = None
    throttle = None
    try:
        auth = desk_auth(s)
    except DeskDisabledError as err:
        message = str(err)

        @app.get("/desk", include_in_schema=False)
        @app.get("/desk/{rest:path}", include_in_schema=False)
        def desk_disabled(rest: str = "") -> PlainTextResponse:
            return PlainTextResponse(message, status_code=404)
    else:
        message = f"Staff inquiry desk: /desk (login as '{auth[0]}')"
        desk = build_desk(ctx).queue(**queue)
        throttle = LoginThrottle(
            accounts=(auth[0],),
            max_failures=int(s["login_max_failures"]),
            lockout=float(s["login_lockout"]),
        )

        @app.get("/desk", include_in_schema=False)
        def desk_slash() -> RedirectResponse:
            return RedirectResponse("/desk/", status_code=307)

        # mounted before "/" so that /desk is not swallowed by the public app
        gr.mount_gradio_app(
            app,
            desk,
            path="/desk",
            auth=auth,
            auth_message=AUTH_MESSAGE.format(n=throttle.max_failures),
            allowed_paths=[str(replies_dir(ctx))],
            **look,
        )
    app.mount("/api", build_api(ctx, CONCURRENCY))  # before "/": the JSON API and its OpenAPI docs
    # the public app has no upload components: its (always open) upload route is refused by the guard
    gr.mount_gradio_app(app, public, path="", max_file_size="1mb", **look)
    # add_middleware puts each one outside the ones added before: innermost first
    app.add_middleware(
        QuestionGate,
        blocks=public,
        questions=ctx.limiter,
        events=RateLimiter(int(s["event_rate_limit"])),
        skip_prefixes=("/desk",),
    )
    if throttle is not None:
        app.add_middleware(LoginGuard, throttle=throttle, paths=("/desk/login",))
    app.add_middleware(PublicFileGuard, blocks=public, protected_prefixes=("/desk",))
    app.add_middleware(ClientAddress, trusted_proxies=proxies)
    upload_limit = int(s["max_upload_bytes"])
    app.add_middleware(BodyLimit, max_bytes=int(s["max_body_bytes"]),
                       larger=lambda scope: upload_limit if is_staff_upload(scope, scope.get("path", "")) else None)
    return WebApp(app, ctx, public, desk, message)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as uvicorn does: TIME_WAIT is not "in use"
        try:
            sock.bind((host, port))
            return True
        except OSError:
            return False


def launch(settings: dict[str, Any] | None = None, *, ctx: WebContext | None = None) -> None:
    """Build the index if missing, then serve until interrupted; prints the URL once it answers."""
    import uvicorn

    s = settings_mod.defaults() | (settings or {})
    host, port = str(s["host"]), int(s["port"])
    if not _port_free(host, port):
        sys.exit(
            f"Port {port} on {host} is in use — stop the other server or choose another port "
            f"(BUDGET_QA_PORT=… or 'budget-qa serve --port …')."
        )
    web = create_app(s, ctx)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    server = uvicorn.Server(server_config(web.app, host, port))

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            print(f"Budget Q&A chat running at {url}", flush=True)
            print(web.message.replace("/desk", f"{url}desk", 1) if web.desk else web.message, flush=True)
            if host != shown:
                print(f"(bound to {host}: reachable from other machines too)", flush=True)

    def warm_up() -> None:  # load the lexical retriever (and jieba) now rather than on the first question
        try:
            web.ctx.qa.ask("主要职能是什么？")
        except Exception:  # noqa: BLE001 — only a warm-up; a real question will report the problem
            pass

    threading.Thread(target=announce, daemon=True).start()
    threading.Thread(target=warm_up, daemon=True).start()
    web.ctx.index.watch()  # pick up a re-ingested index by itself
    server.run()


def server_config(app: Any, host: str, port: int):
    """uvicorn's settings for the app. Its own proxy-header handling is off: uvicorn would believe
    X-Forwarded-For from 127.0.0.1 by default; limits.ClientAddress decides by ``trusted_proxies``."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=5,
        proxy_headers=False,
        server_header=False,
    )
