"""Grounding check: every number in an answer must appear in a cited source (or be derived from one)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ..model import Answer
from .money import to_wan, yuan

NUM_RE = re.compile(r"(?<![0-9A-Za-z.])\d[\d,]*(?:\.\d+)?")


def numbers(text: str) -> set[str]:
    out = set()
    for m in NUM_RE.findall(text):
        out.add(_canon(m))
    return out


def _canon(s: str) -> str:
    try:
        d = Decimal(s.replace(",", ""))
    except InvalidOperation:
        return s
    return format(d.normalize(), "f") if d == d.to_integral() else format(d.normalize(), "f")


def allowed_numbers(ans: Answer, extra: set[str] = frozenset()) -> set[str]:
    ok: set[str] = set(extra)
    for c in ans.citations:
        ok |= numbers(c.quote) | numbers(c.locator) | {str(c.id), str(c.part)}
    for f in ans.figures:
        ok |= numbers(f.value)
        try:
            ok.add(_canon(yuan(f.value)))
        except (InvalidOperation, ValueError):
            pass
    # unit conversions of any cited amount (万元 → 元, 元 → 万元 …) are derived, not invented
    for n in list(ok):
        for unit in ("万元", "千元", "亿元"):
            try:
                ok.add(_canon(yuan(n, unit)))
                ok.add(_canon(to_wan(n, "元")))
                ok.add(_canon(to_wan(n, unit)))
            except (InvalidOperation, ValueError, KeyError):
                pass
    return ok


_MARKER = re.compile(r"\[(\d{1,3})\]")


def ungrounded(text: str, ans: Answer, extra: set[str] = frozenset()) -> set[str]:
    """Numbers of the text that no cited source gives. Citation markers '[n]' are not numbers of the
    answer (they must name a real citation), so a small invented number cannot pass as a citation id."""
    ids = {str(c.id) for c in ans.citations}
    bad_markers = {m for m in _MARKER.findall(text) if m not in ids}
    allowed = allowed_numbers(ans, extra) - (ids - numbers(" ".join(c.quote + " " + c.locator for c in ans.citations)))
    # counts the answer makes of what it lists ('有 2 个不同数字', '共 5 项') are derived, up to what it cites
    allowed |= {str(n) for n in range(max(len(ans.citations), len(ans.figures)) + 1)}
    return (numbers(_MARKER.sub(" ", text)) - allowed) | bad_markers
