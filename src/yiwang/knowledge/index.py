"""The shared search index: one BM25 matrix (bm25s) over every knowledge source — items of both
catalogues, one things, FAQs and policies — and the documents' metadata (title, citation, the
passages by section), serialised without pickle into the `SearchIndex` row.

- Built by `build()` from the stored knowledge points and their pre-segmented tokens (segmenting
  happens once, when a point is written, so a rebuild after one item changed only re-reads
  tokens): the `knowledge.index_sync` task after items, one things, FAQs or policies change.
- Each process loads the row lazily on its first question and keeps it while the row's `version`
  is unchanged (checked at most once a second); a process never builds the index at start-up.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import bm25s
import numpy as np
from django.db import transaction
from django.utils import timezone

from . import text
from .models import Point, PointKind, SearchIndex

RECHECK_SECONDS = 1.0
K1, B = 1.2, 0.75


@dataclass
class Loaded:
    version: int
    retriever: bm25s.BM25
    docs: list[dict]
    lexicon: dict[str, list[str]]  # full pinyin / initials -> words
    deletes: dict[str, str] = field(default_factory=dict)  # one-letter deletions -> lexicon key
    syllables: frozenset[str] = frozenset()


_lock = threading.Lock()
_memo: dict[str, object] = {"loaded": None, "checked": 0.0}


def _lexicon(docs: list[dict]) -> dict[str, list[str]]:
    """Full pinyin and initials of the dictionary's terms and colloquial words, and full pinyin of
    the words of every title: "shebaoka" → 社保卡, "sbk" → 社保卡."""
    lex: dict[str, set[str]] = defaultdict(set)
    d = text.dictionary()
    for word in d.terms | set(d.synonyms):
        if text.has_cjk(word):
            lex[text.full_pinyin(word)].add(word)
            if len(word) >= 3:
                lex[text.initials(word)].add(word)
    for doc in docs:
        for w in text.words(doc["title"]):
            if len(w) >= 2 and text.has_cjk(w):
                lex[text.full_pinyin(w)].add(w)
    return {k: sorted(v) for k, v in lex.items() if len(k) >= 2}


def _deletes(keys) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in keys:
        if len(key) < 5:
            continue
        for i in range(len(key)):
            out.setdefault(key[:i] + key[i + 1 :], key)
    return out


def documents() -> tuple[list[dict], list[list[str]]]:
    """One document per source (kind, code), from its points."""
    groups: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for p in Point.objects.select_related("department").order_by("kind", "code", "position", "id"):
        groups[(p.kind, p.code)].append(p)
    docs, corpus = [], []
    for (kind, code), points in groups.items():
        first = points[0]
        tokens: list[str] = []
        for p in points:
            tokens.extend(p.tokens.split())
        if not tokens:
            continue
        docs.append(
            {
                "kind": kind,
                "code": code,
                "title": first.title,
                "version": first.version,
                "subject": first.subject,
                "external": first.external,
                "department": first.department.name if first.department_id else "",
                "valid_until": first.valid_until.isoformat() if first.valid_until else None,
                "sections": {p.section: p.text for p in points},
                "notes": {p.section: p.internal_note for p in points if p.internal_note},
            }
        )
        corpus.append(tokens)
    return docs, corpus


def _serialise(retriever: bm25s.BM25, docs: list[dict], lexicon: dict, sylls: set[str]) -> bytes:
    buf = io.BytesIO()
    meta = {
        "docs": docs,
        "vocab": retriever.vocab_dict,
        "lexicon": lexicon,
        "syllables": sorted(sylls),
        "num_docs": retriever.scores["num_docs"],
    }
    np.savez_compressed(
        buf,
        data=retriever.scores["data"],
        indices=retriever.scores["indices"],
        indptr=retriever.scores["indptr"],
        meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
    )
    return buf.getvalue()


def _deserialise(version: int, blob: bytes) -> Loaded:
    arrays = np.load(io.BytesIO(bytes(blob)), allow_pickle=False)
    meta = json.loads(arrays["meta"].tobytes().decode())
    retriever = bm25s.BM25(k1=K1, b=B)
    retriever.scores = {
        "data": arrays["data"],
        "indices": arrays["indices"],
        "indptr": arrays["indptr"],
        "num_docs": meta["num_docs"],
    }
    retriever.vocab_dict = meta["vocab"]
    retriever.nonoccurrence_array = None  # method "lucene" has none
    lexicon = meta["lexicon"]
    return Loaded(
        version=version,
        retriever=retriever,
        docs=meta["docs"],
        lexicon=lexicon,
        deletes=_deletes(lexicon),
        syllables=frozenset(meta["syllables"]),
    )


def build_retriever(corpus: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25(k1=K1, b=B)
    retriever.index(corpus, show_progress=False)
    return retriever


@transaction.atomic
def build() -> int:
    """Rebuild the shared index from the stored points; returns the new version."""
    docs, corpus = documents()
    if not corpus:  # bm25s needs one document at least
        corpus, placeholder = [["\u0000"]], True
    else:
        placeholder = False
    retriever = build_retriever(corpus)
    sylls = {s for d in docs for s in text.syllables(d["title"])}
    blob = _serialise(retriever, docs if not placeholder else [], _lexicon(docs), sylls)
    row = SearchIndex.objects.select_for_update().filter(pk=1).first()
    if row is None:
        row = SearchIndex(pk=1, version=0)
    row.version += 1
    row.documents = len(docs)
    row.data = blob
    row.built_at = timezone.now()
    row.save()
    forget()  # this process reloads on its next question (others within RECHECK_SECONDS)
    return row.version


def forget() -> None:
    """Drop this process's copy (the next question reloads)."""
    with _lock:
        _memo["loaded"] = None
        _memo["checked"] = 0.0


def current() -> Loaded | None:
    """This process's copy of the index, reloaded when the shared row's version grew."""
    now = time.monotonic()
    loaded: Loaded | None = _memo["loaded"]  # type: ignore[assignment]
    if loaded is not None and now - float(_memo["checked"]) < RECHECK_SECONDS:  # type: ignore[arg-type]
        return loaded
    version = SearchIndex.objects.filter(pk=1).values_list("version", flat=True).first()
    if version is None:
        return None
    with _lock:
        loaded = _memo["loaded"]  # type: ignore[assignment]
        if loaded is None or loaded.version != version:
            blob = SearchIndex.objects.filter(pk=1).values_list("data", flat=True).first()
            loaded = _deserialise(version, blob)
            _memo["loaded"] = loaded
        _memo["checked"] = now
    return loaded


KINDS = tuple(PointKind.values)
