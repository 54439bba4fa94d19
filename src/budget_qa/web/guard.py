"""Keep the public app from serving files that the staff desk produced.

Gradio 6.31 serves, from every mounted app's ``/gradio_api/file=`` route, any file inside its
process-wide cache folder (``route_utils.file_fetch``: ``created_paths=[upload_dir, cache]``). The
desk's reply downloads are moved into that cache, so without this guard they would be reachable
through the public app at ``/gradio_api/file=<cache path>`` without logging in. The guard lets the
public app serve only files that the public Blocks itself created or received.

Gradio also keeps an upload route (``/gradio_api/upload``, and ``/gradio_api/process_recording``) open on
every mounted app, whether or not it has an upload component. The chat has none, so the guard refuses
those routes on it (403) before a byte of the upload is read. The desk's publish tab uploads files: its
``<prefix>/gradio_api/upload`` is let through only for a request carrying a login cookie that the desk's
own Gradio app knows (its ``tokens``), so an anonymous upload is refused before its body is read too;
``process_recording`` stays closed everywhere.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from .i18n import UPLOAD_CLOSED

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]

FILE_ROUTE = re.compile(r"^/gradio_api/file(?:=|/)(?P<path>.+)$")
CLOSED_ROUTE = re.compile(r"/gradio_api/(?:upload|process_recording)/?$")
UPLOAD_ROUTE = re.compile(r"^(?P<prefix>/.+)/gradio_api/upload/?$")


class PublicFileGuard:
    """ASGI middleware for the parent app; requests under any of ``protected_prefixes`` (the desk,
    which has its own login) pass through untouched."""

    def __init__(self, app: ASGIApp, blocks: Any, protected_prefixes: tuple[str, ...] = ("/desk",)) -> None:
        self.app, self.blocks, self.protected = app, blocks, protected_prefixes

    def created(self, path: str) -> bool:
        target = os.path.abspath(path)
        for files in getattr(self.blocks, "temp_file_sets", []):
            if target in files or any(os.path.abspath(str(f)) == target for f in files):
                return True
        return False

    def staff_upload(self, scope: Scope, path: str) -> bool:
        """An upload to a protected (logged-in) app by a request whose login cookie that app issued."""
        return is_staff_upload(scope, path, self.protected)


    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope.get("type") == "http":
            path = scope.get("path", "")
            if CLOSED_ROUTE.search(path) and not self.staff_upload(scope, path):
                await _refuse(send, UPLOAD_CLOSED, close=True)
                return
            if not any(path == p or path.startswith(p + "/") for p in self.protected):
                m = FILE_ROUTE.match(path)
                if m and not self.created(unquote(m.group("path"))):
                    await _refuse(send, "File not allowed.")
                    return
        await self.app(scope, receive, send)


def _mounted(parent: Any, prefix: str) -> Any:
    """The app mounted at ``prefix`` on the parent (FastAPI/Starlette) app, if any."""
    from starlette.routing import Mount

    for route in getattr(parent, "routes", None) or []:
        if isinstance(route, Mount) and route.path == prefix:
            return route.app
    return None


def _cookies(scope: Scope) -> dict[str, str]:
    from starlette.requests import cookie_parser

    out: dict[str, str] = {}
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            out |= cookie_parser(value.decode("latin-1"))
    return out


async def _refuse(send: Callable, detail: str, close: bool = False) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    if close:  # the request body (an upload) is not read: the connection cannot be reused
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def is_staff_upload(scope: Scope, path: str, protected: tuple[str, ...] = ("/desk",)) -> bool:
    """An upload to a protected (logged-in) app by a request whose login cookie that app issued
    (also used by the body limit: a staff member's disclosure may be larger than a question)."""
    m = UPLOAD_ROUTE.match(path)
    if not m or m.group("prefix") not in protected:
        return False
    app = _mounted(scope.get("app"), m.group("prefix"))
    if app is None or not getattr(app, "auth", None):
        return False
    tokens, cookie_id = getattr(app, "tokens", None) or {}, getattr(app, "cookie_id", None)
    if not cookie_id:
        return False
    cookies = _cookies(scope)
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        token = cookies.get(name)
        if token and tokens.get(token):
            return True
    return False
