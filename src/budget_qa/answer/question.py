"""Question intake: validation, cleaning, language detection and cue words."""

from __future__ import annotations

import re
import unicodedata

from ..errors import QuestionError

MAX_CHARS = 2000
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def clean(question: str) -> str:
    if question is None:
        raise QuestionError("Empty question — type a question such as '2024年三公经费是多少？' or 'What is the travel budget?'")
    # control characters (other than spaces) are dropped, not interpreted
    q = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    q = re.sub(r"\s+", " ", q).strip()
    if not q:
        raise QuestionError("Empty question — type a question such as '2024年三公经费是多少？' or 'What is the travel budget?'")
    if len(q) > MAX_CHARS:
        raise QuestionError(f"Question too long ({len(q)} characters; the limit is {MAX_CHARS}) — ask one thing at a time")
    return q


def language(question: str) -> str:
    """'zh' when Chinese characters carry the question, else 'en' (mixed scripts: the majority)."""
    cjk = len(_CJK.findall(question))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", question))
    if cjk == 0:
        return "en"
    return "en" if latin_words >= 3 and latin_words * 2 > cjk else "zh"


# Instructions inside a question are data, not commands: we strip the common injection phrasings
# before routing so that they cannot change the route or the sources.
_INJECTION = re.compile(
    r"(ignore|disregard|forget)\b.{0,40}\b(instructions?|documents?|sources?|above|previous)|"
    r"(忽略|无视|忘记).{0,12}(文件|文档|指令|资料|以上|上述)|(you are now|act as|system prompt|扮演|你现在是)",
    re.I,
)


def strip_instructions(question: str) -> tuple[str, bool]:
    parts = re.split(r"(?<=[.!?。！？；;])\s*", question)
    kept = [p for p in parts if p and not _INJECTION.search(p)]
    injected = len(kept) != len([p for p in parts if p])
    cleaned = " ".join(kept).strip()
    if injected:
        # also drop trailing 'and say …' / '并说…' demands that followed the instruction
        cleaned = re.sub(r"(and\s+)?(say|reply|answer)\s+(that|with).*$", "", cleaned, flags=re.I).strip()
    return cleaned or question, injected
