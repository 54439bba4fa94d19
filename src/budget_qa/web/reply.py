"""Formal reply drafts for written inquiries: Markdown and .docx, with numbered citations."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Pt

from ..textsafe import clean


@dataclass
class ReplyDraft:
    lang: str
    title: str
    greeting: str
    opening: str
    body: str  # the answer, with its [n] markers
    figures: list[str] = field(default_factory=list)  # "8.90 万元 — 表10 / 公务接待费 / 合计 [2]"
    citations: list[str] = field(default_factory=list)  # "[1] 《…》 表10 / … ：“quote”"
    closing: str = ""
    signature: str = ""
    date: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    author: str = ""  # the desk user who drafted it ('budget-qa' when none)


def _quote(q: str, limit: int = 240) -> str:
    q = re.sub(r"\s+", " ", clean(q or "")).strip()
    return q if len(q) <= limit else q[: limit - 1] + "…"


# Markdown that would render (HTML tags, links and images, code, emphasis) is backslash-escaped, so a
# question such as '<script>…</script>' or '[x](javascript:…)' shows literally; [n] citation marks stay.
_MD_ACTIVE = re.compile(r"([\\`*_\[\]<>~])")
_CITE_MARK = re.compile(r"\\\[(\d{1,3})\\\](?![(:\[])")


def _md(text: str) -> str:
    return _CITE_MARK.sub(r"[\1]", _MD_ACTIVE.sub(r"\\\1", clean(text)))


def draft_reply(
    question: str,
    answer: dict[str, Any],
    *,
    lang: str = "zh",
    department: str = "",
    document_title: str = "",
    date: str | None = None,
) -> ReplyDraft:
    """A reply letter built from an answer (``Answer.to_dict()`` or a logged exchange). The answer text
    and its figures are kept exactly; the letter around them is in ``lang`` (zh by default)."""
    lang = "en" if lang == "en" else "zh"
    zh = lang == "zh"
    question = re.sub(r"\s+", " ", clean(question or "")).strip()  # no control characters (python-docx rejects them)
    cites = answer.get("citations", []) or []
    by_id = {int(c.get("id", k + 1)): c for k, c in enumerate(cites)}
    answered_in = answer.get("language") or lang
    body = clean(answer.get("answer") or "").strip()
    if not answer.get("answerable", True):
        body = (body + "\n\n" if body else "") + (
            "经查，上述公开文件未载明相关内容。"
            if zh
            else "The disclosure does not contain this information."
        )
    if answered_in != lang and body:
        lead = (
            "（以下为系统按提问语言给出的答复原文）"
            if zh
            else "(The answer below is quoted as given, in Chinese.)"
        )
        body = f"{lead}\n{body}"
    figures = []
    for f in answer.get("figures", []) or []:
        c = by_id.get(int(f.get("citation", 0)))
        where = c.get("locator", "") if c else ""
        unit = f" {f.get('unit')}" if f.get("unit") and f.get("unit") != "%" else (f.get("unit") or "")
        figures.append(f"{f.get('value')}{unit} — {where} [{f.get('citation')}]")
    doc_title = document_title or ""
    citations = []
    for n, c in sorted(by_id.items()):
        src = f"《{doc_title}》" if doc_title and zh else (doc_title or c.get("document", ""))
        sep = "：" if zh else ": "
        citations.append(f"[{n}] {src} {c.get('locator', '')}{sep}“{_quote(c.get('quote', ''))}”")
    today = date or time.strftime("%Y-%m-%d")
    if zh:
        y, m, d = (int(x) for x in today.split("-"))
        return ReplyDraft(
            lang,
            f"关于“{question}”的答复",
            "您好！",
            f"您咨询的“{question}”一事，经查阅{('《' + doc_title + '》') if doc_title else '本单位公开的部门预算'}，现答复如下：",
            body,
            figures,
            citations,
            "感谢您对预算公开工作的关注。",
            department,
            f"{y}年{m}月{d}日",
            {"figures": "主要数据", "sources": "数据来源"},
        )
    return ReplyDraft(
        lang,
        f"Reply to your inquiry: “{question}”",
        "Dear inquirer,",
        f"Thank you for your question “{question}”. Based on "
        f"{doc_title or 'our published departmental budget'}, our reply is as follows:",
        body,
        figures,
        citations,
        "Thank you for your interest in budget transparency.",
        department,
        today,
        {"figures": "Key figures", "sources": "Sources"},
    )


def to_markdown(r: ReplyDraft) -> str:
    """The draft as Markdown; the text in it (question, answer, quotes) is escaped so it never renders as markup."""
    out = [f"# {_md(r.title)}", "", _md(r.greeting), "", _md(r.opening), "", _md(r.body), ""]
    if r.figures:
        out += [f"**{_md(r.labels.get('figures', ''))}**", ""] + [f"- {_md(f)}" for f in r.figures] + [""]
    if r.citations:
        out += [f"**{_md(r.labels.get('sources', ''))}**", ""] + [f"{_md(c)}  " for c in r.citations] + [""]
    out += [_md(r.closing), ""]
    if r.signature:
        out += [_md(r.signature) + "  "]
    out += [_md(r.date), ""]
    return "\n".join(out)


def _font(run, east_asian: str = "SimSun") -> None:
    run.font.name = "Times New Roman"
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _add_run(paragraph, text: str):
    """A run of plain text; characters XML cannot hold (\\x0b, NUL, lone surrogates…) are removed first."""
    run = paragraph.add_run(clean(text))
    _font(run)
    return run


_BULLET = re.compile(r"^\s*[-*•]\s+")
_NUMBERED = re.compile(r"^\s*\d{1,2}(?:[.)]\s+|、)(?=\S)")  # '1. item', '2、item'; not '17.81 万元'


def write_docx(r: ReplyDraft, path: str | Path, author: str | None = None) -> Path:
    """The draft as .docx; its author is ``author`` (the desk user), else the draft's, else 'budget-qa'."""
    path = Path(path)
    doc = DocxDocument()
    style = doc.styles["Normal"]
    style.font.size = Pt(12)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    h = doc.add_heading(clean(r.title), level=1)
    for run in h.runs:
        _font(run, "SimHei")
    for text in (r.greeting, r.opening):
        if text.strip():
            _add_run(doc.add_paragraph(), text)
    for text in clean(r.body).split("\n"):
        if not text.strip():
            continue
        bullet = _BULLET.match(text)
        numbered = _NUMBERED.match(text)
        if bullet:  # Markdown '- item' / '* item' → a real list paragraph
            _add_run(doc.add_paragraph(style="List Bullet"), text[bullet.end():])
        elif numbered:
            _add_run(doc.add_paragraph(style="List Number"), text[numbered.end():])
        else:
            _add_run(doc.add_paragraph(), text)
    if r.figures:
        _add_run(doc.add_paragraph(), r.labels.get("figures", ""))
        for f in r.figures:
            _add_run(doc.add_paragraph(style="List Bullet"), f)
    if r.citations:
        _add_run(doc.add_paragraph(), r.labels.get("sources", ""))
        for c in r.citations:
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Pt(12)
            _add_run(p, c)
    _add_run(doc.add_paragraph(), r.closing)
    for text in (r.signature, r.date):
        if text:
            p = doc.add_paragraph()
            p.alignment = 2  # right
            _add_run(p, text)
    props = doc.core_properties
    props.author = clean(author or r.author or "budget-qa")
    props.last_modified_by = props.author
    props.title = clean(r.title)
    props.comments = ""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def write_files(r: ReplyDraft, out_dir: str | Path, stem: str, author: str | None = None) -> tuple[Path, Path]:
    """Write ``stem.md`` and ``stem.docx`` into out_dir; returns both paths (``author``: the desk user)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "reply"
    md = out / f"{safe}.md"
    md.write_text(to_markdown(r), encoding="utf-8")
    return md, write_docx(r, out / f"{safe}.docx", author)
