"""Bilingual glossary: zh↔en terms with synonyms (data in data/glossary.json)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .textnorm import fold


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    kind: str = "term"
    zh_synonyms: tuple[str, ...] = ()
    en_synonyms: tuple[str, ...] = ()
    note: str = ""


@dataclass
class Glossary:
    terms: list[Term] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_zh: dict[str, Term] = {}
        self.en_phrases: dict[str, Term] = {}
        self.zh_phrases: dict[str, Term] = {}
        for t in self.terms:
            self.by_zh.setdefault(fold(t.zh), t)
            for p in (t.en, *t.en_synonyms):
                p = _en_key(p)
                if p and p not in self.en_phrases:
                    self.en_phrases[p] = t
            for p in (t.zh, *t.zh_synonyms):
                k = fold(p)
                if k and k not in self.zh_phrases:
                    self.zh_phrases[k] = t
        # longest phrases first, so 'official vehicle operation' wins over 'official vehicle'
        self._en_sorted = sorted(self.en_phrases, key=len, reverse=True)
        self._zh_sorted = sorted(self.zh_phrases, key=len, reverse=True)

    def english(self, zh: str) -> str | None:
        t = self.by_zh.get(fold(zh))
        if t is None:
            from .textnorm import strip_brackets

            t = next((v for k, v in self.by_zh.items() if strip_brackets(k) == strip_brackets(fold(zh))), None)
        return t.en if t else None

    def find_en(self, text: str) -> list[tuple[str, Term]]:
        """English phrases in the text, longest first, without overlaps: [(phrase, term)]."""
        s = " " + _en_key(text) + " "
        found = []
        for p in self._en_sorted:
            idx = s.find(" " + p + " ")
            if idx >= 0:
                found.append((p, t := self.en_phrases[p]))
                s = s[:idx] + " " + "#" * len(p) + " " + s[idx + len(p) + 2 :]
                del t
        return found

    def find_zh(self, text: str) -> list[tuple[str, Term]]:
        s = fold(text)
        found = []
        for p in self._zh_sorted:
            if len(p) >= 2 and p in s:
                found.append((p, self.zh_phrases[p]))
                s = s.replace(p, "#")
        return found

    def normalise_english(self, text: str) -> str:
        """Append the Chinese terms of every English phrase found, for lookup and lexical retrieval."""
        terms = self.find_en(text)
        return text + (" " + " ".join(t.zh for _, t in terms) if terms else "")


def _en_key(text: str) -> str:
    t = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    t = re.sub(r"[^a-z0-9%' ]+", " ", t)
    t = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", t)  # quotes around a phrase ('three public'), not "bureau's"
    t = re.sub(r"\b(the|a|an)\b", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def terms_from(data: list[dict]) -> list[Term]:
    return [
        Term(zh=t["zh"], en=t["en"], kind=t.get("kind", "term"), zh_synonyms=tuple(t.get("zh_synonyms", [])),
             en_synonyms=tuple(t.get("en_synonyms", [])), note=t.get("note", ""))
        for t in data if isinstance(t, dict) and t.get("zh") and t.get("en")
    ]


@lru_cache(maxsize=1)
def load_glossary() -> Glossary:
    """The national format's terms (shipped with the package)."""
    try:
        raw = resources.files("budget_qa").joinpath("data/glossary.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return Glossary([])
    return Glossary(terms_from(json.loads(raw)["terms"]))


def with_document_terms(base: Glossary, extra: list[dict]) -> Glossary:
    """The shipped glossary plus the English names a disclosure gives for its own projects and offices
    (a `<stem>.glossary.json` beside it, read at ingest); the shipped terms win on a clash."""
    if not extra:
        return base
    return Glossary(base.terms + terms_from(extra))


def sidecar_terms(paths: list) -> list[dict]:
    """Terms of the `<stem>.glossary.json` files beside a disclosure's files."""
    from pathlib import Path

    out: list[dict] = []
    for p in paths:
        side = Path(p).with_name(Path(p).stem + ".glossary.json")
        try:
            if side.is_file():
                out += json.loads(side.read_text(encoding="utf-8")).get("terms", [])
        except (OSError, ValueError, AttributeError):
            continue  # a broken sidecar is only missing names, never a failed ingest
    return out
