"""Question intake: validation, cleaning, language detection and cue words."""

from __future__ import annotations

import re

from .. import textsafe
from ..errors import QuestionError

MAX_CHARS = textsafe.QUESTION_CHARS
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_EMPTY = "Empty question — type a question such as '2024年三公经费是多少？' or 'What is the travel budget?'"


def _too_long(n: int) -> QuestionError:
    # the question is never echoed back: a long one would bury the message
    return QuestionError(f"问题过长（{n:,} 个字符，上限 {MAX_CHARS} 个字符），请一次只问一件事。"
                         f"Question too long ({n:,} characters; the limit is {MAX_CHARS}) — ask one thing at a time.")


def intake(question: object) -> str:
    """The question as text, checked before any work: ``str`` (UTF-8 ``bytes`` accepted), at most a few
    times the length limit, surrogates and control characters dealt with by the policy in textsafe."""
    if question is None:
        raise QuestionError(_EMPTY)
    if isinstance(question, (bytes, bytearray, memoryview)):
        raw = bytes(question)
        if len(raw) > MAX_CHARS * 16:
            raise _too_long(len(raw))
        try:
            question = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise QuestionError(
                f"问题不是有效的 UTF-8 文本（第 {err.start} 个字节 0x{raw[err.start]:02x}）。"
                f"The question is not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start}) — "
                "pass text (str) or UTF-8 bytes.") from None
    if not isinstance(question, str):
        name = type(question).__name__
        raise QuestionError(f"问题必须是文本，而不是 {name}。The question must be text (str), not {name}.")
    if len(question) > MAX_CHARS * 4:
        raise _too_long(len(question))
    return textsafe.clean(question)


def clean(question: object) -> str:
    """One line of text to answer: see :func:`intake`; whitespace collapsed; empty or too long → QuestionError."""
    q = re.sub(r"\s+", " ", intake(question)).strip()
    if not q:
        raise QuestionError(_EMPTY)
    if len(q) > MAX_CHARS:
        raise _too_long(len(q))
    return q


def language(question: str) -> str:
    """'zh' when Chinese characters carry the question, else 'en' (mixed scripts: the majority).
    Markup and SQL-like fragments do not count: '差旅费是多少？<script>…</script>' is still Chinese."""
    question = _CODE.sub(" ", question)
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


# Markup and SQL-like fragments are not words of a question either: removed before routing, so that
# '差旅费是多少？<script>…</script>' or "… ' OR 1=1 --" or "…; DROP TABLE x; --" get the same figures.
_NAME = r"[\w.$`\"\[\]]+"  # an SQL identifier, ASCII only (re.A): '… FROM facts差旅费' stops at 差
_CODE = re.compile(
    r"<(script|style|iframe|object|embed)\b.*?(?:</\1\s*>|$)"  # an element that runs code, with its content
    r"|<!--.*?(?:-->|$)|<!\[CDATA\[|\]\]>|/\*.*?(?:\*/|$)"  # comments and CDATA markers
    r"|</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>"  # any other tag (its text is kept)
    r"|['\"`]+\s*(?:or|and)\s+['\"`]*\w*['\"`]*\s*=\s*['\"`]*\w*['\"`]*"  # ' OR 1=1, " OR ""="
    r"|\b(?:or|and)\s+(\w+)\s*=\s*\2\b"  # OR 1=1
    rf"|;?\s*\b(?:(?:drop|truncate|alter|create)\s+(?:table|database)|delete\s+from|insert\s+into)\s+{_NAME}"
    r"(?:\s+values\s*\([^)]*\)?)?\s*;?"  # ; DROP TABLE facts;
    rf"|\b(?:union\s+(?:all\s+)?)?select\s+(?:\*|{_NAME}(?:\s*,\s*{_NAME})*)\s+from\s+{_NAME}"  # UNION SELECT * FROM x
    r"|\bunion\s+(?:all\s+)?select\b(?:\s+\w+(?:\s*,\s*\w+)*)?"
    r"|(?:^|(?<=\s)|(?<=['\";]))--+(?=\s|$|[^\x00-\x7f])",  # an SQL comment mark: ' OR 1=1 --
    re.I | re.S | re.A,
)


def strip_code(question: str) -> tuple[str, bool]:
    """The question without markup and SQL-like fragments, and whether any were found."""
    if not _CODE.search(question):
        return question, False
    return re.sub(r"\s+", " ", _CODE.sub(" ", question)).strip(), True


def strip_instructions(question: str) -> tuple[str, bool]:
    question, coded = strip_code(question)
    parts = re.split(r"(?<=[.!?。！？；;])\s*", question)
    kept = [p for p in parts if p and not _INJECTION.search(p)]
    instructed = len(kept) != len([p for p in parts if p])
    injected = coded or instructed
    cleaned = " ".join(kept).strip()
    if instructed:
        # also drop trailing 'and say …' / '并说…' demands that followed the instruction
        cleaned = re.sub(r"(and\s+)?(say|reply|answer)\s+(that|with).*$", "", cleaned, flags=re.I).strip()
    return cleaned or question, injected
