"""Rank a paper's embedded candidates: relevance to the paper, a title boost, then MMR."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from generator.keyphrases.cache import CachedDoc
from generator.keyphrases.candidates import Candidate
from generator.model import Keyphrase


def mmr(relevance: np.ndarray, vectors: np.ndarray, top_n: int, diversity: float) -> list[int]:
    """Pick top_n rows by maximal marginal relevance, as KeyBERT does, on given relevances.

    KeyBERT's own keybert._mmr.mmr recomputes relevance as bare cosine; ours adds the title
    boost. Values are rounded to 6 decimals so that float noise from batching cannot reorder
    near-ties; exact ties go to the earlier candidate (np.argmax takes the first).
    """
    relevance = np.round(relevance.astype(np.float64), 6)
    similarity = np.round(vectors.astype(np.float64) @ vectors.T.astype(np.float64), 6)
    selected = [int(np.argmax(relevance))]
    remaining = [i for i in range(len(relevance)) if i != selected[0]]
    while remaining and len(selected) < top_n:
        redundancy = similarity[np.ix_(remaining, selected)].max(axis=1)
        gain = np.round((1 - diversity) * relevance[remaining] - diversity * redundancy, 6)
        best = remaining[int(np.argmax(gain))]
        selected.append(best)
        remaining.remove(best)
    return selected


def choose(
    candidates: Sequence[Candidate],
    vectors: np.ndarray,
    doc_vector: np.ndarray,
    top_n: int,
    diversity: float,
    title_boost: float,
) -> CachedDoc:
    """Choose a paper's keyphrases from its embedded candidates: best first, scores rounded."""
    if not candidates:
        return CachedDoc((), np.zeros((0, doc_vector.shape[0]), np.float32), doc_vector)
    boost = np.array([title_boost if c.in_title else 0.0 for c in candidates])
    relevance = vectors.astype(np.float64) @ doc_vector.astype(np.float64) + boost
    picked = mmr(relevance, vectors, top_n, diversity)
    scored = sorted(
        ((round(float(relevance[i]), 4), candidates[i].key, i) for i in picked),
        key=lambda item: (-item[0], item[1]),
    )
    keyphrases = tuple(Keyphrase(candidates[i].text, score) for score, _, i in scored)
    rows = vectors[[i for _, _, i in scored]]
    return CachedDoc(keyphrases, np.ascontiguousarray(rows, np.float32), doc_vector)
