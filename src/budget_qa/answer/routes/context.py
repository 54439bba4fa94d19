"""What every route works with for one question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...model import Answer
from ..citations import CitationList
from ..finder import FactFinder
from ..types import Query


@dataclass
class Ask:
    qa: Any  # the BudgetQA façade: terms, composer, retriever, document metadata
    query: Query
    finder: FactFinder
    cites: CitationList
    answer: Answer

    @property
    def lang(self) -> str:
        return self.query.question.language

    @property
    def q(self) -> str:
        """The question to answer (follow-ups resolved)."""
        return self.query.question.resolved

    @property
    def want_yuan(self) -> bool:
        return self.query.question.want_yuan
