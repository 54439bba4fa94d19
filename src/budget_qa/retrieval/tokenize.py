"""Chinese-aware tokenizer for BM25: jieba words from a domain dictionary, character bigrams, ASCII words."""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..model import Document
from ..textnorm import strip_numbering

GLOSSARY = Path(__file__).resolve().parent.parent / "data" / "glossary.json"
MAX_WORD = 12  # longer label fragments are sentences, not words; bigrams cover them
MAX_GLOSSARY_WORD = 16
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
# Chinese runs, ASCII words, numbers (decimals kept whole: '842.79')
_TOKEN_RUN = re.compile(f"[{_CJK}]+|[a-z]+|\\d+(?:\\.\\d+)?")
# quotes split '“三公”经费' into two runs; dropping them lets it match '三公经费'
_QUOTES = str.maketrans("", "", "“”‘’\"'「」『』《》〈〉")
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 等 为 其 之 对 将 把 被 从 由 以 于 也 都 而 并 且 吗 呢 吧 啊 么 "
    "什么 多少 哪些 怎么 如何 请问 请 有 个 这 那 该".split()
)


_LOCK = threading.Lock()
_SEGMENTERS: dict[tuple[str, ...], Any] = {}  # a segmenter per word list, shared by index and query side
_MAX_SEGMENTERS = 4
_BASE: Any = None  # jieba's main dictionary, loaded once (~0.4 s); new segmenters copy it (~30 ms)


def _fresh_jieba() -> Any:
    global _BASE
    import jieba

    # jieba logs 'Building prefix dict…' at DEBUG on its own stderr handler
    logging.getLogger("jieba").setLevel(logging.WARNING)
    if _BASE is None:
        _BASE = jieba.Tokenizer()
        _BASE.initialize()
    tk = jieba.Tokenizer()
    tk.FREQ, tk.total, tk.initialized = dict(_BASE.FREQ), _BASE.total, True
    return tk


def _segmenter_for(words: tuple[str, ...]) -> Any:
    """A private jieba.Tokenizer (never the global one, which other code may change) with these words."""
    tk = _SEGMENTERS.get(words)
    if tk is None:
        tk = _fresh_jieba()
        for w in words:  # in the saved order: add_word's frequency depends on the words added before
            tk.add_word(w)
        if len(_SEGMENTERS) >= _MAX_SEGMENTERS:
            _SEGMENTERS.pop(next(iter(_SEGMENTERS)))
        _SEGMENTERS[words] = tk
    return tk


class ZhTokenizer:
    """Tokenizes Chinese text the same way at index and at query time.

    The jieba segmenter is created on first use, loaded with the domain words in the saved order,
    so the query side, reading the same userdict.txt, segments exactly as the index did.
    """

    def __init__(self, words: Sequence[str] = ()) -> None:
        self.words = list(dict.fromkeys(w for w in words if w))
        self._jieba: Any = None

    def _segmenter(self) -> Any:
        if self._jieba is None:
            with _LOCK:
                if self._jieba is None:
                    self._jieba = _segmenter_for(tuple(self.words))
        return self._jieba

    def warm(self) -> None:
        self._segmenter()

    def tokenize(self, text: str) -> list[str]:
        """Lower-cased ASCII words and numbers, jieba words (no stop words), and bigrams of longer words."""
        norm = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
        out: list[str] = []
        for m in _TOKEN_RUN.finditer(norm):
            run = m.group()
            if not _CJK_RUN.fullmatch(run):
                out.append(run)
                continue
            for word in self._segmenter().lcut(run, HMM=False):  # no HMM: unknown strings split the same way everywhere
                if word in STOPWORDS:
                    continue
                out.append(word)
                if len(word) > 2:  # recall when query and passage segment a compound differently
                    out.extend(word[i : i + 2] for i in range(len(word) - 1))
        return out

    def tokenize_query(self, text: str, vocab: dict[str, int] | set[str]) -> list[str]:
        """Query tokens without loading jieba (its dictionary costs ~1 s at start-up): every word of the
        index's own vocabulary found in the query, plus its bigrams — the only tokens that can score,
        since BM25 ignores query tokens the index never saw."""
        norm = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
        out: list[str] = []
        for m in _TOKEN_RUN.finditer(norm):
            run = m.group()
            if not _CJK_RUN.fullmatch(run):
                if run in vocab:
                    out.append(run)
                continue
            covered = [False] * len(run)
            for i in range(len(run)):
                for j in range(min(len(run), i + MAX_GLOSSARY_WORD), i + 1, -1):
                    word = run[i:j]
                    if word in vocab and word not in STOPWORDS:
                        out.append(word)
                        covered[i:j] = [True] * (j - i)
            # a character no longer word covers stands alone, as the segmenter leaves it ('年' in '年三公')
            out += [ch for k, ch in enumerate(run) if not covered[k] and ch in vocab and ch not in STOPWORDS]
        return list(dict.fromkeys(out))

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.tokenize(t) for t in texts]

    def save(self, path: Path) -> None:
        path.write_text("".join(f"{w}\n" for w in self.words), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> ZhTokenizer:
        words = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return cls(words)


def cjk_words(text: str, max_len: int = MAX_WORD) -> list[str]:
    """Chinese fragments of a label, 2..max_len characters: '其中：公务用车购置费' → ['公务用车购置费']."""
    text = strip_numbering(unicodedata.normalize("NFKC", text).translate(_QUOTES))
    return [w for w in _CJK_RUN.findall(text) if 2 <= len(w) <= max_len]


def glossary_terms(path: Path = GLOSSARY) -> list[str]:
    """Chinese terms and synonyms of the glossary; none if the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    terms = data.get("terms", []) if isinstance(data, dict) else []
    out: list[str] = []
    for t in terms:
        if isinstance(t, dict):
            for phrase in [t.get("zh", ""), *(t.get("zh_synonyms") or [])]:
                if isinstance(phrase, str):
                    out += cjk_words(phrase, MAX_GLOSSARY_WORD)
    return out


def dictionary_words(docs: Iterable[Document], glossary: Path | None = GLOSSARY) -> list[str]:
    """The user dictionary: table row labels, column names, section titles and glossary terms (sorted)."""
    words: set[str] = set()
    for doc in docs:
        for sec in doc.sections:
            words.update(cjk_words(sec.title))
        for table in doc.tables:
            for col in table.columns:
                for part in col.split("/"):
                    words.update(cjk_words(part))
            for row in table.rows:
                words.update(cjk_words(row.label))
        for t in doc.glossary:  # the disclosure's own names (its sidecar glossary)
            for phrase in [t.get("zh", ""), *(t.get("zh_synonyms") or [])]:
                if isinstance(phrase, str):
                    words.update(cjk_words(phrase, MAX_GLOSSARY_WORD))
    if glossary is not None:
        words.update(glossary_terms(glossary))
    return sorted(words)
