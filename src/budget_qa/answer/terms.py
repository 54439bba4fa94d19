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
        self._fuzzy_keys: list[str] | None = None
        # the department itself is the subject of every question, never an item
        self.ignore = {fold(d) for (d,) in store.scalar("SELECT DISTINCT department FROM facts")} | GENERIC
        self.ignore |= {fold(t.zh) for t in glossary.terms if t.kind == "unit"}
        for (label,) in store.scalar("SELECT DISTINCT row_label FROM facts"):
            for k in _keys(label):
                if k not in GENERIC and len(k) >= 2:
                    self._put(k, label, "row")
        self.columns = set()
        for (col,) in store.scalar("SELECT DISTINCT col FROM facts WHERE kind != 'narrative'"):
            leaf = col.rsplit("/", 1)[-1]
            self.columns.add(fold(leaf))
            for k in _keys(leaf):
                if k not in GENERIC and len(k) >= 2:
                    self._put(k, leaf, "column")
        for t in glossary.terms:
            for p in (t.zh, *t.zh_synonyms):
                for k in _keys(p):
                    if k not in GENERIC and len(k) >= 2:
                        self.keys.setdefault(k, (t.zh, "term"))
        self._sorted = sorted(self.keys, key=len, reverse=True)
        self.en_extra: dict[str, str] = {}
        self._fuzzy: list[tuple[frozenset[str], str, str]] | None = None

    def _put(self, key: str, label: str, kind: str) -> None:
        """The first label for a key, unless a later one is the key itself: '资本性支出' names the column
        资本性支出, not 资本性支出（基本建设）, which shares its bracket-free key."""
        old = self.keys.get(key)
        if old is None or (fold(label) == key and fold(old[0]) != key and old[1] == kind):
            self.keys[key] = (label, kind)

    def add_aliases(self, zh: dict[str, str], en: dict[str, str]) -> None:
        """Names of whole-table totals ('总预算', 'total budget') that are neither rows nor glossary terms."""
        for k, label in zh.items():
            self.keys.setdefault(fold(k), (label, "term"))
        self.en_extra.update(en)
        self._sorted = sorted(self.keys, key=len, reverse=True)

    def find(self, question: str, lang: str) -> list[Item]:
        items: list[Item] = []
        text = fold(question)
        if lang == "en" or re.search(r"[a-z]{3,}", text):
            items += self._find_en(question)
        for k in self._sorted:
            pos = text.find(k)
            if pos >= 0:
                label, kind = self.keys[k]
                items.append(Item(label, kind, pos, k))
                text = text[:pos] + "#" * len(k) + text[pos + len(k):]
        if not any(i.kind in ("row", "column") for i in items):
            items += self._find_fuzzy(text)  # a misspelt label ('公务接待废'), only when nothing matched exactly
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

    def _find_fuzzy(self, text: str) -> list[Item]:
        """Windows of the question's Chinese close to a row or column label (rapidfuzz ratio ≥ 80, five
        characters or more: shorter words differ in meaning by one character — 季度预算 is not 年度预算)."""
        from rapidfuzz import fuzz, process

        if self._fuzzy_keys is None:
            self._fuzzy_keys = [k for k, (_, kind) in self.keys.items() if kind in ("row", "column") and len(k) >= 5]
        found: list[Item] = []
        for m in re.finditer(r"[\u3400-\u9fff]{5,}", text):
            run, start = m.group(), m.start()
            best = None
            for n in range(min(len(run), 12), 4, -1):
                for i in range(len(run) - n + 1):
                    hit = process.extractOne(run[i:i + n], self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=80)
                    if hit and (best is None or hit[1] > best[1]):
                        best = (hit[0], hit[1], start + i, run[i:i + n])
                if best and best[1] >= 90:
                    break
            if best:
                label, kind = self.keys[best[0]]
                found.append(Item(label, kind, best[2], best[3]))
        return found

    def _find_en(self, question: str) -> list[Item]:
        """English phrases: exact glossary phrases, then word-overlap matches of row/column terms.

        'the basic pension insurance scheme for its staff' has no exact phrase but shares
        {basic, pension, insurance} with 'basic pension insurance contributions'; such a multi-word
        match is preferred over a lone generic word ('staff').
        """
        low = question.lower()
        qwords = _content(question)
        cands: list[tuple[Item, frozenset[str], float]] = []
        for phrase, zh in self.en_extra.items():
            if phrase in low:
                cands.append((Item(zh, "term", low.find(phrase), phrase), frozenset({"#" + phrase, "#2" + phrase}), 1.0))
        exact: set[int] = set()  # glossary phrases found whole, each at its own place (find_en never overlaps them)
        for phrase, term in self.glossary.find_en(question):
            pos = low.find(phrase.split(" ")[0])
            words = frozenset(_content(phrase) & qwords) or frozenset({"#" + phrase})
            item = Item(term.zh, self._kind(term.zh), pos if pos >= 0 else 0, phrase)
            exact.add(id(item))
            cands.append((item, words, 1.0))
        for words, zh, phrase in self._fuzzy_index():
            hit = words & qwords
            if len(hit) >= 2 and len(hit) / len(words) >= 0.6:
                first = min((low.find(w) for w in hit if low.find(w) >= 0), default=0)
                cands.append((Item(zh, self._kind(zh), first, phrase), frozenset(hit), len(hit) / len(words)))
        # greedy cover: the most specific matches first; a match must bring mostly new words
        cands.sort(key=lambda c: (-len(c[1]), -c[2]))
        covered: set[str] = set()
        chosen: list[tuple[Item, frozenset[str]]] = []
        seen: set[str] = set()
        for item, words, _ in cands:
            new = words - covered
            # 'basic expenditure than project expenditure': two whole phrases sharing a word are both asked
            if item.text in seen or (id(item) not in exact and len(new) < max(1, -(-len(words) * 3 // 5))):
                continue
            chosen.append((item, words))
            covered |= words
            seen.add(item.text)
        if any(len(w) >= 2 for _, w in chosen):
            # a lone vague word ('staff' in '…pension insurance for its staff') is not what is asked about
            chosen = [(i, w) for i, w in chosen if len(w) >= 2 or not (w & _WEAK) or id(i) in exact]
        return [i for i, _ in chosen]

    def _fuzzy_index(self) -> list[tuple[frozenset[str], str, str]]:
        if self._fuzzy is None:
            self._fuzzy = []
            for t in self.glossary.terms:
                if self._kind(t.zh) not in ("row", "column"):
                    continue
                for p in (t.en, *t.en_synonyms):
                    words = _content(p)
                    if len(words) >= 2:
                        self._fuzzy.append((frozenset(words), t.zh, p))
        return self._fuzzy

    def _kind(self, zh: str) -> str:
        for k in _keys(zh):
            if k in self.keys:
                return self.keys[k][1]
        return "term"

    def is_column(self, label: str) -> bool:
        return fold(label) in self.columns


_EN_STOP = set("""a an the of for and or to in on at by with from into onto is are was were be been will would
does do did how much many what which who whose whom when where why this that these those its it their there
bureau bureaus department budget budgets budgeted amount amounts money funds funding spend spent spending cost costs
year years total much get gets got pay pays paid have has had any all also than more less per each
""".split())


_WEAK = {"staff", "employee", "personnel", "workforce", "people", "person", "project", "office", "unit", "service",
         "public", "general", "social", "management", "administration", "support", "operation", "running", "expense",
         "expenditure", "income", "revenue", "fee"}


def _stem(w: str) -> str:
    """Crude English stemming, enough to match 'fees'~'fee', 'services'~'service', 'subsidies'~'subsidy'."""
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)]
    return w


def _content(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z\-]+", text.lower().replace("'s", ""))
    return {_stem(w) for w in words if w not in _EN_STOP and len(w) > 2}


def _keys(label: str) -> set[str]:
    base = fold(strip_numbering(label))
    keys = {base, strip_brackets(base), base.replace('"', ""), strip_brackets(base).replace('"', "")}
    return {k for k in keys if k}
