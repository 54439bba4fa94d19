"""Intake: check and clean the question, detect its language, remove instructions hidden in it."""

from __future__ import annotations

from .question import clean, intake, language, strip_instructions
from .types import Question


def take(question: object) -> Question:
    """The question checked (type, length, characters) before any work, then cleaned."""
    checked = intake(question)
    q = clean(checked)
    text, injected = strip_instructions(q)
    return Question(original=checked, text=text, language=language(q), resolved=text, injected=injected)
