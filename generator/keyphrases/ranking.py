"""Rank papers' embedded candidates with KeyBERT: MMR against the paper, pulled toward its title.

KeyBERT does the ranking through its public API (`KeyBERT.extract_keywords`), fed with the
project's own parts: a `keybert.backend.BaseEmbedder` that serves the vectors the project's
embedder (the fast MiniLM forward pass) computed, a scikit-learn `CountVectorizer` whose
analyzer yields each paper's noun-phrase candidates, the paper and candidate vectors
precomputed (`doc_embeddings=`, `word_embeddings=` in the vectorizer's vocabulary order),
`use_mmr=True` and the title as the paper's `seed_keywords` (KeyBERT averages 3 parts paper to
1 part title).

Around it, one rule of our own, for the chips a reader sees (the first `distinct` keyphrases):
none nests in or overlaps another of the same paper (`conflicts`); a pick that does yields to
the better-scored one and KeyBERT ranks again without it. The rest of a longer list is
KeyBERT's own ranking after the chips, nesting allowed, as in the gold lists of the keyphrase
benchmarks (378 of Inspec's first 500 nest). KeyBERT is imported only when something is
ranked: a rebuild with a full cache never does.
"""

from __future__ import annotations

import functools
import importlib.abc
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.keyphrases.cache import CachedDoc
from generator.keyphrases.candidates import Candidate
from generator.model import Keyphrase

# Optional parts of KeyBERT's package (KeyLLM, its LLM and sentence-transformers backends) that
# its own imports skip when absent; they cost 4-5 s and torch, and nothing here uses them.
_UNUSED_BY_KEYBERT = frozenset({"sentence_transformers", "transformers"})


class _SkipOptional(importlib.abc.MetaPathFinder):
    """Make KeyBERT's optional imports find nothing, for the length of importing KeyBERT."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in _UNUSED_BY_KEYBERT:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


@functools.cache
def _keybert() -> tuple[Any, Any, Any]:
    """Import KeyBERT, its BaseEmbedder and scikit-learn's CountVectorizer once (1-1.5 s)."""
    skip = None if "keybert" in sys.modules else _SkipOptional()
    if skip is not None:
        sys.meta_path.insert(0, skip)
    try:
        from keybert import KeyBERT
        from keybert.backend import BaseEmbedder
    finally:
        if skip is not None:
            sys.meta_path.remove(skip)
    from sklearn.feature_extraction.text import CountVectorizer

    return KeyBERT, BaseEmbedder, CountVectorizer


@functools.cache
def _backend_class() -> Any:
    """Return the KeyBERT backend class that serves the project's vectors (made on first use).

    Every text KeyBERT asks for is already embedded: each candidate and title by the
    extractor before ranking, and an untitled paper's seed is the paper's own vector.
    """
    base = _keybert()[1]

    class ProjectBackend(base):  # type: ignore[misc, valid-type]
        """A keybert BaseEmbedder that looks up vectors the project computed (and cached)."""

        def __init__(self, known: dict[str, np.ndarray], own: dict[str, np.ndarray]) -> None:
            super().__init__()
            self.known = known  # text -> vector, kept by the cache
            self.own = own  # paper key -> the paper's vector: the seed of an untitled paper

        def embed(self, documents: Sequence[str], verbose: bool = False) -> np.ndarray:
            rows = [self.own[t] if t in self.own else self.known[t] for t in documents]
            matrix: np.ndarray = np.stack(rows).astype(np.float64)
            return matrix

    return ProjectBackend


@dataclass(frozen=True)
class Paper:
    """What ranking needs of one paper: its candidates, its vector and its seed text."""

    key: str
    candidates: tuple[Candidate, ...]
    vector: np.ndarray
    seed: str  # the title, or the key itself when there is none (the paper's own vector)


def phrase_words(key: str) -> frozenset[str]:
    """Return the words of a normalized phrase key."""
    return frozenset(key.split())


def conflicts(a: str, b: str) -> bool:
    """Tell whether two phrase keys nest ("video model", "video model training", also out of
    order: "training video models") or overlap in two or more words ("deep video models")."""
    wa, wb = phrase_words(a), phrase_words(b)
    return wa <= wb or wb <= wa or len(wa & wb) >= 2


def rank(
    papers: Sequence[Paper],
    known: dict[str, np.ndarray],
    top_n: int,
    diversity: float,
    distinct: int = 5,
) -> list[CachedDoc]:
    """Choose every paper's keyphrases, best first: the first `distinct` neither nest in nor
    overlap one another (the chips a reader sees), the rest are KeyBERT's picks as they are."""
    backend = _backend_class()(known, {p.key: p.vector for p in papers if p.seed == p.key})
    pending = [p for p in papers if p.candidates]
    shown_n = min(distinct, top_n)
    free = _distinct_picks(pending, backend, shown_n, diversity)
    ranked = pending if top_n > shown_n else []  # no room after the chips: no second ranking
    plain = _keybert_pass(ranked, _allowed(ranked), backend, top_n, diversity) if ranked else []
    chosen = {p.key: picks for p, picks in zip(ranked, plain, strict=True)}
    for paper in pending:
        head = free.get(paper.key, [])
        shown = {c.text for _, c in head}
        tail = [(score, c) for score, c in chosen.get(paper.key, []) if c.text not in shown]
        # A paper with fewer distinct phrases than chips shows fewer chips, never a nested one.
        chosen[paper.key] = head + tail[: top_n - max(len(head), shown_n)]
    return [_cached(chosen.get(p.key, []), known, p.vector) for p in papers]


def _allowed(papers: Sequence[Paper]) -> dict[str, tuple[Candidate, ...]]:
    """Return every paper's candidates by key."""
    return {p.key: p.candidates for p in papers}


def _distinct_picks(
    papers: Sequence[Paper], backend: Any, top_n: int, diversity: float
) -> dict[str, list[tuple[float, Candidate]]]:
    """Return KeyBERT's top_n picks of each paper, again without a loser until none conflict."""
    allowed = _allowed(papers)
    chosen: dict[str, list[tuple[float, Candidate]]] = {}
    pending = list(papers) if top_n > 0 else []
    while pending:
        picks = _keybert_pass(pending, allowed, backend, top_n, diversity)
        still: list[Paper] = []
        for paper, picked in zip(pending, picks, strict=True):
            losers = _losers(picked)
            if losers:
                allowed[paper.key] = tuple(c for c in allowed[paper.key] if c.text not in losers)
                still.append(paper)
            else:
                chosen[paper.key] = picked
        pending = still
    return chosen


def _losers(picked: list[tuple[float, Candidate]]) -> set[str]:
    """Return the picks that conflict with a better one (picked is best first)."""
    losers: set[str] = set()
    for index, (_, candidate) in enumerate(picked):
        if any(conflicts(better.key, candidate.key) for _, better in picked[:index]):
            losers.add(candidate.text)
    return losers


def _keybert_pass(
    papers: Sequence[Paper],
    allowed: dict[str, tuple[Candidate, ...]],
    backend: Any,
    top_n: int,
    diversity: float,
) -> list[list[tuple[float, Candidate]]]:
    """Run KeyBERT once over papers; return each one's picks, best first, ties by key."""
    keybert, _, count_vectorizer = _keybert()
    by_text = {p.key: {c.text: c for c in allowed[p.key]} for p in papers}
    # KeyBERT reads the documents only through the vectorizer: the cache keys stand for them.
    docs = [p.key for p in papers]
    vectorizer = count_vectorizer(analyzer=lambda key: sorted(by_text[key]))
    vocabulary = vectorizer.fit(docs).get_feature_names_out()
    found = keybert(backend).extract_keywords(
        docs,
        vectorizer=vectorizer,
        top_n=top_n,
        use_mmr=True,
        diversity=diversity,
        doc_embeddings=np.stack([p.vector for p in papers]).astype(np.float64),
        word_embeddings=backend.embed(list(vocabulary)),
        seed_keywords=[[p.seed] for p in papers],
    )
    if len(papers) == 1:
        found = [found]  # KeyBERT unwraps the list of a single document
    picks = []
    for paper, keywords in zip(papers, found, strict=True):
        scored = [(float(score), by_text[paper.key][text]) for text, score in keywords]
        picks.append(sorted(scored, key=lambda item: (-item[0], item[1].key)))
    return picks


def _cached(
    picked: list[tuple[float, Candidate]], known: dict[str, np.ndarray], vector: np.ndarray
) -> CachedDoc:
    """Package a paper's picks with their vectors."""
    keyphrases = tuple(Keyphrase(c.text, round(score, 4)) for score, c in picked)
    rows = [known[c.text] for _, c in picked]
    matrix = np.stack(rows) if rows else np.zeros((0, vector.shape[0]))
    return CachedDoc(keyphrases, np.ascontiguousarray(matrix, np.float32), vector)
