"""One gather-and-compose module per route: figures (lookup), calculation, passages, refusal."""

from __future__ import annotations

from ..types import Route
from . import compute, figures, passages, refusal

ROUTES = {Route.LOOKUP: figures.answer, Route.COMPUTE: compute.answer, Route.RETRIEVAL: passages.answer,
          Route.ABSTAIN: refusal.answer}

__all__ = ["ROUTES"]
