"""Chinese text for search: segmentation with the government-service dictionary
(`data/dictionary.tsv`), colloquial synonyms, pinyin and initials (pypinyin), and tokens that
tolerate typos (character bigrams, pinyin bigrams of homophones).

Everything here is pure and deterministic: the dictionary and the segmenter are read once per
process from files shipped in the package (immutable data, like key material), never from the
database. The same functions segment documents when the index is built and questions when it is
searched, so both sides always agree."""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import jieba
from pypinyin import Style, lazy_pinyin

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z]+")
_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffa-z0-9]+")
PINYIN = "p:"  # pinyin bigram tokens ("p:she|bao")
INITIALS = "i:"  # initials of a dictionary term or title word ("i:sbk")


def _lines(name: str) -> list[str]:
    text = resources.files("yiwang.knowledge").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Dictionary:
    terms: frozenset[str]
    synonyms: dict[str, tuple[str, ...]]  # colloquial word -> catalogue terms
    stopwords: frozenset[str]
    life_events: tuple[str, ...]
    phrases: tuple[str, ...] = field(default=())  # colloquial words, longest first


@cache
def dictionary() -> Dictionary:
    terms: set[str] = set()
    synonyms: dict[str, list[str]] = {}
    for line in _lines("dictionary.tsv"):
        term, _, said = line.partition("\t")
        term = normalize(term)
        terms.add(term)
        for word in said.split("|"):
            word = normalize(word)
            if word and word != term:
                synonyms.setdefault(word, []).append(term)
    return Dictionary(
        terms=frozenset(terms),
        synonyms={k: tuple(v) for k, v in synonyms.items()},
        stopwords=frozenset(_lines("stopwords.txt")),
        life_events=tuple(_lines("life_events.txt")),
        phrases=tuple(sorted(synonyms, key=len, reverse=True)),
    )


@cache
def segmenter() -> jieba.Tokenizer:
    """A segmenter of our own (jieba's global one is left alone) knowing the dictionary's terms
    and colloquial words."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    d = dictionary()
    for word in sorted(d.terms | set(d.synonyms)):
        if _CJK.fullmatch(word):
            tok.add_word(word, freq=2000)
    return tok


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits), lower case, book-title marks and spaces dropped."""
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def words(text: str) -> list[str]:
    """Segmented words of `text` (search mode: long words and their parts), stopwords and
    punctuation dropped."""
    text = normalize(text)
    stop = dictionary().stopwords
    out = []
    for chunk in _WORD.findall(text):
        if _CJK.fullmatch(chunk):
            out.extend(w for w in segmenter().cut_for_search(chunk, HMM=False) if w not in stop)
        elif chunk not in stop:
            out.append(chunk)
    return out


def bigrams(text: str) -> list[str]:
    """Character bigrams of the CJK runs (single characters of one-character runs)."""
    out = []
    for run in _CJK.findall(normalize(text)):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def syllables(text: str) -> list[str]:
    """Pinyin syllables (no tones) of the CJK characters of `text`, in order."""
    return [s for run in _CJK.findall(normalize(text)) for s in lazy_pinyin(run, errors="ignore")]


def pinyin_bigrams(sylls: list[str]) -> list[str]:
    return [f"{PINYIN}{a}|{b}" for a, b in itertools.pairwise(sylls)]


def initials(word: str) -> str:
    return "".join(s[0] for s in lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore") if s)


def full_pinyin(word: str) -> str:
    return "".join(lazy_pinyin(word, errors="ignore"))


def expand(text: str) -> str:
    """The question with the catalogue term of each colloquial word it uses appended."""
    text = normalize(text)
    d = dictionary()
    extra = []
    for phrase in d.phrases:
        if phrase in text:
            extra.extend(d.synonyms[phrase])
    return text + (" " + " ".join(extra) if extra else "")


def doc_tokens(title: str, body: str, *, title_weight: int = 3) -> list[str]:
    """The tokens a document is indexed by: words, character bigrams and pinyin bigrams of the
    title (weighted), words and bigrams of the body."""
    t_words = words(title)
    t = t_words + bigrams(title) + pinyin_bigrams(syllables(title))
    t += [f"{INITIALS}{initials(w)}" for w in t_words if len(w) >= 2 and _CJK.fullmatch(w)]
    body_tokens = words(body) + bigrams(body) if body else []
    return t * title_weight + body_tokens


def is_life_event(text: str) -> bool:
    text = normalize(text)
    return any(w in text for w in dictionary().life_events)


def latin_runs(text: str) -> list[str]:
    return _LATIN.findall(normalize(text))


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))
