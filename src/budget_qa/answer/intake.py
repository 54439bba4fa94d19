"""Intake: check and clean the question, detect its language, remove instructions hidden in it."""

from __future__ import annotations

from .question import clean, intake, language, strip_instructions
from .types import Question

_T2S = None


def simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC), loaded on the first question that has any."""
    global _T2S
    if text.isascii():
        return text
    if _T2S is None:
        try:
            import opencc

            _T2S = opencc.OpenCC("t2s")
        except Exception:  # no converter installed: the question is taken as written
            _T2S = False
    return _T2S.convert(text) if _T2S else text


def take(question: object) -> Question:
    """The question checked (type, length, characters) before any work, then cleaned."""
    checked = intake(question)
    q = simplified(clean(checked))  # '三公經費' is asked as '三公经费'; the document is in simplified characters
    text, injected = strip_instructions(q)
    return Question(original=checked, text=text, language=language(q), resolved=text, injected=injected)
