"""Figures stated in the narrative ('比上年增加 127.41 万元，增长 18.53%'), with their sentence.

Each figure gets a subject (the item the sentence is about) and a measure (amount, share,
change, rate), read from the words just before it. The sentence is kept as the source quote,
so an answer can cite the figure as printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Document, Section

UNITS = r"万元|亿元|千元|元|%|人|名|辆|个|台|平方米|家|次|项|本|条"
FIGURE_RE = re.compile(rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>{UNITS})")
HEADCOUNT_RE = re.compile(r"编制数\s*(?P<num>\d+)")
_MEASURES = [
    ("增加", "比上年增加"), ("减少", "比上年减少"), ("增长", "增长率"), ("下降", "下降率"),
    ("占", "占比"), ("价值", "价值"),
]
_DROP = re.compile(r"^(?:主要原因是|原因是|主要用于|其中[：:]|包括[：:]|截至\s*\d{4}\s*年底，?|\d{4}\s*年[，,]?|[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*)+")
_GENERIC = ("预算数为", "预算数", "预算安排规模", "为", "规模")


@dataclass
class NarrativeFigure:
    section_id: str
    section: str  # human locator: '第三部分 / 十、…'
    subject: str
    measure: str
    value: str
    unit: str
    sentence: str
    line: int
    pos: int = 0  # where the number starts in the sentence
    page: int = 0


def section_locator(doc: Document, sec: Section) -> str:
    chain = [sec]
    while chain[-1].parent:
        parent = doc.section(chain[-1].parent)
        if parent is None:
            break
        chain.append(parent)
    names = []
    for s in reversed(chain):
        num = f"（{s.numeral}）" if s.level == 2 else (f"{s.numeral}、" if s.numeral else "")
        names.append(f"{num}{s.title}")
    if not sec.part:  # a layout without 第X部分 parts
        return " / ".join(names)
    return " / ".join([f"第{'一二三四五六七八九十'[sec.part - 1]}部分", *names])


def sentences(text: str) -> Iterator[str]:
    for s in re.split(r"(?<=[。；;])", text):
        if s.strip():
            yield s.strip()


def _subject(clause: str, doc: Document, heading: str) -> str:
    s = clause.replace(doc.department, "").strip(" ，,：:")
    s = re.sub(rf"{doc.year}\s*年(?:的)?", "", s).strip(" ，,：:")
    s = _DROP.sub("", s).strip(" ，,：:")
    for g in _GENERIC:
        if s.endswith(g) and len(s) > len(g):
            s = s[: -len(g)].strip()
            break
    s = re.sub(r"(预算数|预算)?为$", "", s).strip()
    if not s or s in _GENERIC:
        return heading
    return s


def _heading_subject(sec: Section) -> str:
    # '…商贸事务（款）行政运行（项）' → '行政运行'; '项目名称：招商引资专项' → '招商引资专项'
    names = re.findall(r"([^（）]+)（[类款项]）", sec.title)
    if names:
        return names[-1].strip()
    return re.sub(r"^项目名称[：:]", "", sec.title).strip()


def extract(doc: Document) -> list[NarrativeFigure]:
    out: list[NarrativeFigure] = []
    for sec in doc.sections:
        heading = _heading_subject(sec)
        loc = section_locator(doc, sec)
        for para in sec.paragraphs:
            for sent in sentences(para.text):
                figs = _figures_in(doc, sec.id, loc, heading, sent, para.line)
                for f in figs:
                    f.page = para.page
                out.extend(figs)
    return out


def _figures_in(doc, sec_id, loc, heading, sent, line) -> list[NarrativeFigure]:
    found: list[NarrativeFigure] = []
    subject = heading
    matches = [(m.start(), m.group("num"), "人", m) for m in HEADCOUNT_RE.finditer(sent)]
    matches += [(m.start(), m.group("num"), m.group("unit"), m) for m in FIGURE_RE.finditer(sent)]
    matches.sort(key=lambda t: t[0])
    for start, num, unit, m in matches:
        if sent[m.end():].lstrip().startswith(("以上", "以下")):
            continue  # a threshold ('单位价值 50 万元以上'), not a figure
        if re.match(r"\s*(?:年|月|日)", sent[m.end("num"):]) or re.search(r"\d{4}\s*$", sent[max(0, start - 1):start]):
            continue
        # the clause that holds the figure: back to the previous separator
        cut = max(sent.rfind(ch, 0, start) for ch in "，,；;。：:")
        clause = sent[cut + 1 : start].strip()
        if "编制数" in m.group(0):
            clause = "编制数"
        measure = next((name for word, name in _MEASURES if word in clause and clause.find(word) >= len(clause) - 6), "")
        if measure:
            head = clause[: clause.rfind(next(w for w, n in _MEASURES if n == measure))]
            head = re.sub(r"(?:比上年(?:预算)?|比上年度)$", "", head.strip())
            head = _subject(head, doc, "") if head.strip() else ""
            if head and not head.startswith(("比上年", "主要原因")):
                subject = head
        else:
            subject = _subject(clause, doc, heading)
            measure = "数额"
        found.append(NarrativeFigure(sec_id, loc, subject, measure, num.replace(",", ""), unit, sent, line, start))
    return found
