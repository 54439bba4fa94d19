"""Escaped rendering of questions, answers, citations and cited table rows for the chat.

Nothing that comes from a user or a document is ever rendered as HTML: text is HTML-escaped and
Markdown-escaped (links, emphasis, block markers) before it goes into the Chatbot's Markdown.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..model import Answer, Citation, Document, Row, Table

_MD_INLINE = re.compile(r"([\\`*_\[\]~|])")
_CITE_MARK = re.compile(r"\\\[(\d{1,3})\\\](?![(:\[])")  # keep [1] readable unless it could start a link
_LINE_BLOCK = re.compile(r"(?m)^(\s*)(>|[#+\-=](?=[\s#+\-=]|$))")  # quote, heading, list, rule markers
_LINE_NUMBERED = re.compile(r"(?m)^(\s*\d+)([.)])(?=\s|$)")  # '1. ' starts a list; '17.81' does not


def esc(text: object) -> str:
    """HTML-escape (quotes too); for text placed inside HTML elements."""
    return html.escape("" if text is None else str(text), quote=True)


def md_text(text: object) -> str:
    """Text that shows literally in Markdown: HTML-escaped, link/emphasis/block markers backslash-escaped."""
    s = html.escape("" if text is None else str(text), quote=False)
    s = _MD_INLINE.sub(r"\\\1", s)
    s = _CITE_MARK.sub(r"[\1]", s)
    s = _LINE_BLOCK.sub(r"\1\\\2", s)
    s = _LINE_NUMBERED.sub(r"\1\\\2", s)
    return s


def one_line(text: str) -> str:
    """No blank lines inside an HTML block (a blank line would end it and re-enable Markdown)."""
    return re.sub(r"\s*\n\s*", " ", text or "").strip()


def md_cell(text: object) -> str:
    return md_text(one_line("" if text is None else str(text))).replace("|", "\\|") or " "


# ---------- citations ----------
def find_document(documents: list[Document], name: str) -> Document | None:
    stem = Path(name).stem
    return next((d for d in documents if d.id == stem or Path(d.path).name == name or d.id == name), None)


def cited_row(documents: list[Document], c: Citation) -> tuple[Table, Row] | None:
    """The table row a citation points at (by table number and source line)."""
    if not c.table:
        return None
    doc = find_document(documents, c.document)
    if doc is None:
        return None
    for t in doc.tables:
        if t.number != c.table and t.label != c.table:
            continue
        row = next((r for r in t.rows if c.line and r.line == c.line), None)
        if row is None:
            row = next((r for r in t.rows if r.label == c.row), None)
        if row is not None:
            return t, row
    return None


def short_columns(columns: list[str]) -> list[str]:
    """Drop a prefix shared by every column ('一般公共预算基本支出/合计' → '合计')."""
    if len(columns) > 1:
        heads = {c.split("/")[0] for c in columns}
        if len(heads) == 1 and all("/" in c for c in columns):
            return ["/".join(c.split("/")[1:]) for c in columns]
    return list(columns)


def cited_rows_md(documents: list[Document], citations: list[Citation], lang: str = "zh") -> str:
    """A small Markdown table per cited table: the cited rows with every column, blank cells empty."""
    groups: dict[tuple[str, str], tuple[Table, list[Row], list[int]]] = {}
    for c in citations:
        hit = cited_row(documents, c)
        if hit is None:
            continue
        t, row = hit
        key = (c.document, t.id)
        g = groups.setdefault(key, (t, [], []))
        if all(r is not row for r in g[1]):
            g[1].append(row)
            g[2].append(c.id)
    blocks = []
    for t, rows, ids in groups.values():
        cols = [c for c in t.columns if any(r.cell(c) for r in rows)]
        if any(r.side for r in rows):  # two-sided tables: only the cited side's columns
            sides = {r.side for r in rows}
            cols = [c for c in cols if any(c.startswith(s) for s in sides)] or cols
        head = ["", "科目" if lang == "zh" else "Row", *short_columns(cols)]
        lines = ["| " + " | ".join(md_cell(h) for h in head) + " |", "|" + "---|" * 2 + "---:|" * len(cols)]
        for row, n in zip(rows, ids, strict=True):
            label = f"{row.code} {row.label}".strip() if row.code else row.label
            vals = [(row.cell(c).value if row.cell(c) else None) for c in cols]
            lines.append(
                "| " + " | ".join([f"[{n}]", md_cell(label), *(md_cell(v or "") for v in vals)]) + " |"
            )
        unit = f"（{t.unit}）" if t.unit and lang == "zh" else (f" ({t.unit})" if t.unit else "")
        blocks.append(f"**{md_text(t.label)}**{md_text(unit)}\n\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def citations_html(citations: list[Citation], lang: str = "zh") -> str:
    """One collapsible <details> per citation: locator in the summary, document and quote inside."""
    items = []
    for c in citations:
        quote = one_line(c.quote)
        doc = esc(c.document) + (f" · {'行' if lang == 'zh' else 'line'} {int(c.line)}" if c.line else "")
        items.append(
            f'<details class="bqa-cite"><summary>[{int(c.id)}] {esc(one_line(c.locator))}</summary>'
            f'<div class="bqa-doc">{doc}</div><blockquote>{esc(quote)}</blockquote></details>'
        )
    return "\n".join(items)


def answer_md(ans: Answer, documents: list[Document]) -> str:
    """The answer bubble: the answer text (escaped) and, for a figure answer, the cited table rows."""
    parts = [md_text(ans.answer)]
    if ans.figures:
        table = cited_rows_md(documents, ans.citations, ans.language)
        if table:
            parts.append(table)
    if ans.resolved_question:
        label = "按上下文理解为" if ans.language == "zh" else "Understood as"
        parts.append(f"*{label}: {md_text(ans.resolved_question)}*")
    return "\n\n".join(parts)


def sources_title(ans: Answer) -> str:
    n = len(ans.citations)
    return f"来源（{n}）" if ans.language == "zh" else f"Sources ({n})"
