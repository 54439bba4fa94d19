"""The typed data passed between the answer stages: Question → Query → Plan → (route) → Answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .terms import Item


class Route(StrEnum):
    LOOKUP = "lookup"
    COMPUTE = "compute"
    RETRIEVAL = "retrieval"
    ABSTAIN = "abstain"


class Intent(StrEnum):
    FIGURE = "figure"
    SHARE = "share"
    SUM = "sum"
    DIFFERENCE = "difference"
    RANK = "rank"
    PREVIOUS = "previous"
    AVERAGE = "average"
    EXCLUDE = "exclude"
    CHANGE = "change"
    DESCRIBE = "describe"
    REASON = "reason"
    ACROSS = "across"  # the same item in every department in scope: rank, sum or compare
    YEARS = "years"  # the same item in two years' disclosures: the change between them
    NONE = ""


class Measure(StrEnum):
    """What a narrative figure must measure: a change on the previous year, a share, or either."""

    ANY = ""
    CHANGE = "change"
    SHARE = "share"


@dataclass
class Question:
    """After intake and follow-up resolution."""

    original: str  # as asked
    text: str  # cleaned, instructions removed
    language: str  # zh | en
    resolved: str = ""  # the question to answer (a follow-up rewritten with its earlier topic)
    injected: bool = False  # instructions inside the question were removed
    want_yuan: bool = False  # amounts wanted in yuan as well


@dataclass
class Scope:
    """Which documents a question is about; travels with the question, never in shared state."""

    department: str = ""
    year: str = ""
    doc_kind: str = ""  # 预算 | 决算 | '' (the index holds one kind only)

    def document_filter(self) -> str | None:
        """The lookup tool's `document` argument for this scope."""
        return self.department or self.year or None

    def retrieval_filters(self) -> dict[str, str]:
        return {k: v for k, v in (("department", self.department), ("year", self.year)) if v}


@dataclass
class Query:
    """What the question asks, in the index's own terms."""

    question: Question
    items: list[Item] = field(default_factory=list)  # rows, columns and table totals the store knows
    terms: list[str] = field(default_factory=list)  # other glossary terms (zh), for retrieval
    scope: Scope = field(default_factory=Scope)
    departments: list[str] = field(default_factory=list)  # several departments asked about together
    years: list[str] = field(default_factory=list)  # two years asked about together (each its own disclosure)
