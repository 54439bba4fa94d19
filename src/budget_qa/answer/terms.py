"""Find the budget items a question names: table row labels, column names, glossary terms (zh/en)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..facts import FactStore
from ..glossary import Glossary
from ..textnorm import fold, strip_brackets, strip_numbering

# labels too generic to be what a question is about
GENERIC = {"合计", "总计", "小计", "其他", "项目", "单位", "其中", "预算数", "数额", "类", "款", "项", "支出", "收入",
           "项目名称", "金额", "人数", "预算", "部门预算", "部门预算公开", "万元", "元", "亿元", "年度", "本年", "部门",
           "预算单位", "部门名称", "编制部门"}


@dataclass
class Item:
    text: str  # canonical label to look up (zh)
    kind: str  # "row" | "column" | "term"
    start: int  # position in the question (for ordering A vs B)
    via: str = ""  # the phrase that matched


class TermIndex:
    """Keys of every row label and column leaf in the store, plus the glossary; matched longest-first."""

    def __init__(self, store: FactStore, glossary: Glossary) -> None:
        self.glossary = glossary
        self.keys: dict[str, tuple[str, str]] = {}
        # the department itself is the subject of every question, never an item
        self.ignore = {fold(d) for (d,) in store.scalar("SELECT DISTINCT department FROM facts")} | GENERIC
        self.ignore |= {fold(t.zh) for t in glossary.terms if t.kind == "unit"}
        for (label,) in store.scalar("SELECT DISTINCT row_label FROM facts"):
            for k in _keys(label):
                if k not in GENERIC and len(k) >= 2:
                    self.keys.setdefault(k, (label, "row"))
        self.columns = set()
        for (col,) in store.scalar("SELECT DISTINCT col FROM facts WHERE kind != 'narrative'"):
            leaf = col.rsplit("/", 1)[-1]
            self.columns.add(fold(leaf))
            for k in _keys(leaf):
                if k not in GENERIC and len(k) >= 2:
                    self.keys.setdefault(k, (leaf, "column"))
        for t in glossary.terms:
            for p in (t.zh, *t.zh_synonyms):
                for k in _keys(p):
                    if k not in GENERIC and len(k) >= 2:
                        self.keys.setdefault(k, (t.zh, "term"))
        self._sorted = sorted(self.keys, key=len, reverse=True)

    def find(self, question: str, lang: str) -> list[Item]:
        items: list[Item] = []
        text = fold(question)
        if lang == "en" or re.search(r"[a-z]{3,}", text):
            for phrase, term in self.glossary.find_en(question):
                pos = question.lower().find(phrase.split(" ")[0])
                items.append(Item(term.zh, self._kind(term.zh), pos if pos >= 0 else 0, phrase))
        for k in self._sorted:
            pos = text.find(k)
            if pos >= 0:
                label, kind = self.keys[k]
                items.append(Item(label, kind, pos, k))
                text = text[:pos] + "#" * len(k) + text[pos + len(k):]
        items.sort(key=lambda i: i.start)
        out, seen = [], set()
        for it in items:
            key = fold(strip_brackets(it.text))
            if fold(it.text) in self.ignore or key in self.ignore:
                continue
            if key not in seen:
                seen.add(key)
                out.append(it)
        return out

    def _kind(self, zh: str) -> str:
        for k in _keys(zh):
            if k in self.keys:
                return self.keys[k][1]
        return "term"

    def is_column(self, label: str) -> bool:
        return fold(label) in self.columns


def _keys(label: str) -> set[str]:
    base = fold(strip_numbering(label))
    keys = {base, strip_brackets(base), base.replace('"', ""), strip_brackets(base).replace('"', "")}
    return {k for k in keys if k}
