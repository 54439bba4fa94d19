"""Text at the boundaries: one policy for every way text enters or leaves the system.

What is done with text that is not clean, per boundary:

===========================  ===============================================================
boundary                     policy
===========================  ===============================================================
CLI arguments                Python hands invalid UTF-8 in ``argv`` over as lone surrogates
(``ask QUESTION``,           (``surrogateescape``). They are decoded back to bytes and each
``lookup --row …``)          invalid sequence becomes U+FFFD, the replacement character
                             (:func:`from_argv`); the answer carries a note saying so, a
                             lookup prints the note on stderr. Nothing is rejected for it.
stdin (``ask -``)            Read as bytes, one question a line, each line decoded as UTF-8
                             with U+FFFD for invalid sequences (:func:`from_bytes`), with the
                             same note. Every non-blank input line gives exactly one output
                             line (an answer, or an error line).
stdout / stderr              UTF-8 with ``errors="replace"`` (:func:`utf8_stdio`): output can
                             never fail to encode, whatever the locale.
Python API                   ``BudgetQA.ask`` takes ``str``; UTF-8 ``bytes`` are accepted, but
(``BudgetQA.ask``)           *invalid* UTF-8 bytes, ``None`` and other types are rejected with
                             a :class:`~budget_qa.errors.QuestionError` that says what was
                             given (a program can fix its input; a guess would hide the bug).
web (chat, desk)             ``str`` from the browser: lone surrogates (JSON ``"\\udcff"``)
                             become U+FFFD, control characters are removed, as for every
                             question (:func:`clean`).
questions (every route)      :func:`clean`, then at most :data:`QUESTION_CHARS` characters —
                             longer ones are rejected before any work with the limit and the
                             given length, never with the question echoed back.
lookup labels                :func:`label`: cleaned to one line, at most :data:`LABEL_CHARS`
(table, row, column,         characters (rejected with :class:`LabelError`, a
document)                    :class:`~budget_qa.errors.LookupNotFound`); matched literally —
                             ``%`` and ``_`` are escaped in SQL ``LIKE`` (:func:`like_contains`).
exchange log, reply drafts   Sanitised at the write (:func:`clean`, newlines kept): what can be
(.md, .docx)                 kept is kept, a lone surrogate becomes U+FFFD, characters that
                             SQLite's UTF-8 or XML (python-docx) cannot hold are removed. Markup
                             stays text: Markdown drafts escape it, .docx runs are plain text.
disclosure files (ingest)    Rejected with ``file:line`` and the offending byte when not UTF-8
                             or GB18030 text, or when binary (``readers/text.py``).
===========================  ===============================================================

Control characters, everywhere: ``\\n`` and ``\\t`` are kept (multi-line text only); the
whitespace-like controls (``\\r``, ``\\x0b``, ``\\x0c``, ``\\x1c``–``\\x1f``, ``\\x85``, U+2028,
U+2029) become a space (a newline in multi-line text) so that words stay apart; terminal escape
sequences (``ESC [ 31 m``) are removed whole; NUL and every other C0/C1 control, the invisible
format characters that hide or reorder text (zero-width spaces and joiners, bidirectional
overrides, the BOM, the soft hyphen) and the non-characters U+FFFE/U+FFFF are removed.
"""

from __future__ import annotations

import io
import re
import sys
from typing import BinaryIO

from .errors import LookupNotFound

QUESTION_CHARS = 500  # a question is one thing asked; the longest in the QA set has 110 characters
LABEL_CHARS = 200  # the longest printed row or table title is well under 100
REPLACEMENT = "\ufffd"
REPLACED_NOTE = "invalid UTF-8 in the input was replaced with U+FFFD"

_SURROGATES = re.compile("[\ud800-\udfff]+")
_ESCAPE_SEQUENCE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_SPACE_LIKE = "\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"
_FORMAT = "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e" \
          "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\ufffe\uffff"
_REMOVED = [c for c in range(0x20) if chr(c) not in "\n\t" + _SPACE_LIKE] + [0x7F] + \
           [c for c in range(0x80, 0xA0) if chr(c) not in _SPACE_LIKE] + [ord(c) for c in _FORMAT]
_MULTI_LINE = {c: None for c in _REMOVED} | {ord(c): " " for c in _SPACE_LIKE} | {ord(c): "\n" for c in "\r\u2028\u2029"}
_ONE_LINE = {c: None for c in _REMOVED} | {ord(c): " " for c in _SPACE_LIKE + "\n\t"}


def _fix_surrogates(m: re.Match) -> str:
    """Escaped bytes (U+DC80–U+DCFF, from surrogateescape) are decoded again, an invalid sequence
    becoming one U+FFFD as in a bytes decode; a high+low pair is joined; any other is U+FFFD."""
    run, out, raw, i = m.group(0), [], bytearray(), 0
    while i < len(run):
        o = ord(run[i])
        if 0xDC80 <= o <= 0xDCFF:
            raw.append(o - 0xDC00)
            i += 1
            continue
        if raw:
            out.append(raw.decode("utf-8", errors="replace"))
            raw.clear()
        if 0xD800 <= o <= 0xDBFF and i + 1 < len(run) and 0xDC00 <= ord(run[i + 1]) <= 0xDFFF:
            out.append(chr(0x10000 + ((o - 0xD800) << 10) + (ord(run[i + 1]) - 0xDC00)))
            i += 2
            continue
        out.append(REPLACEMENT)
        i += 1
    if raw:
        out.append(raw.decode("utf-8", errors="replace"))
    return "".join(out)


def repair(text: str) -> str:
    """Lone surrogates → U+FFFD (escaped invalid bytes are decoded again); everything else as is."""
    return _SURROGATES.sub(_fix_surrogates, text) if _SURROGATES.search(text) else text


def clean(text: str, *, multi_line: bool = True) -> str:
    """Text safe for SQLite, JSON, XML and a terminal: surrogates repaired, control and invisible
    format characters removed, whitespace-like controls turned into spaces (see the module doc).
    With ``multi_line=False`` newlines and tabs become spaces too."""
    if text.isascii() and text.isprintable():
        return text
    text = repair(text)
    if "\x1b" in text or "\x9b" in text:  # a terminal escape sequence goes whole, not just its ESC
        text = _ESCAPE_SEQUENCE.sub("", text)
    return text.replace("\r\n", "\n").translate(_MULTI_LINE) if multi_line else text.translate(_ONE_LINE)


def from_bytes(data: bytes) -> tuple[str, bool]:
    """UTF-8 bytes → (text, whether invalid sequences were replaced with U+FFFD); a BOM is dropped."""
    try:
        return bytes(data).decode("utf-8").removeprefix("\ufeff"), False
    except UnicodeDecodeError:
        return bytes(data).decode("utf-8", errors="replace").removeprefix("\ufeff"), True


def from_argv(text: str) -> tuple[str, bool]:
    """A command-line argument → (text, whether invalid UTF-8 in it was replaced with U+FFFD)."""
    fixed = repair(text)
    return fixed, fixed != text


def like_contains(text: str) -> str:
    """A SQL ``LIKE … ESCAPE '\\'`` pattern matching ``text`` literally anywhere in a value."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def excerpt(text: str, limit: int = 80) -> str:
    """The start of a long text, for messages that must not echo it whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_LABEL_EXAMPLE = {"row": "差旅费 or 30211", "table": "表6 or three_public", "column": "合计 or 公用经费",
                  "document": "a department or a year"}


class LabelError(LookupNotFound):
    """A lookup label that cannot be looked up as given (too long, empty, not text)."""

    def __init__(self, what: str, given: object, problem: str) -> None:
        self.what, self.given, self.suggestions = what, excerpt(str(given), 40), []
        example = _LABEL_EXAMPLE.get(what, "")
        Exception.__init__(self, f"{what.capitalize()} label {problem} — give the {what} as printed in the "
                                 f"disclosure{', e.g. ' + example if example else ''} (see 'budget-qa tables')")


def label(value: object, what: str = "row", limit: int = LABEL_CHARS) -> str | None:
    """A lookup label made safe: ``None`` stays ``None``; numbers (a code such as 30211) become text;
    bytes are decoded with U+FFFD; one line, no control characters, at most ``limit`` characters."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = from_bytes(bytes(value))[0]
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    elif not isinstance(value, str):
        raise LabelError(what, type(value).__name__, f"must be text, not {type(value).__name__}")
    if len(value) > limit * 4:  # rejected before any work on it
        raise LabelError(what, value, f"too long ({len(value):,} characters; the limit is {limit})")
    s = clean(value, multi_line=False).strip()
    if len(s) > limit:
        raise LabelError(what, s, f"too long ({len(s):,} characters; the limit is {limit})")
    if value and not s and value.strip():
        raise LabelError(what, "", "is empty once control characters are removed")
    return s


def binary_stdin() -> BinaryIO:
    """stdin as bytes (lines are decoded one by one with :func:`from_bytes`)."""
    stream = sys.stdin
    if stream is None:
        return io.BytesIO()
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return buffer
    return io.BytesIO(stream.read().encode("utf-8", errors="surrogateescape"))


def utf8_stdio() -> None:
    """stdout and stderr write UTF-8 and replace what cannot be encoded, whatever the locale says."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(encoding="utf-8", errors="replace")
        except (ValueError, OSError, io.UnsupportedOperation):
            pass
