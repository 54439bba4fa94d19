"""The web app (Gradio): public bilingual chat at /, staff inquiry desk at /desk behind a login.

Gradio is imported only inside this package; ``launch(settings)`` is what ``python app.py`` and
``budget-qa serve`` call.
"""

from __future__ import annotations

from typing import Any


def launch(settings: dict[str, Any] | None = None) -> None:
    """Serve the chat (and the desk when a staff password is set) until interrupted."""
    from .server import launch as _launch

    _launch(settings)


def create_app(settings: dict[str, Any] | None = None, ctx: Any = None):
    """The FastAPI app with the chat mounted (and the desk, with a staff password); see server.WebApp."""
    from .server import create_app as _create

    return _create(settings, ctx)


__all__ = ["create_app", "launch"]
