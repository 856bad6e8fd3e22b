"""Papers into clusters by meaning: seeds from keyphrase concepts, each paper to the nearest.

Each concept (a keyphrase and its variants, see `concepts`) that enough papers hold, and that is
not the field itself (held by more than `max_share` of the papers), is a candidate seed; its
centroid is the mean vector of its papers. Candidates are taken by paper count (ties A-Z), and
one whose centroid is too close to a seed already taken is skipped. Seeds do not move (k-means
rounds were tried and cost slug stability): each paper joins the nearest seed by cosine.

Nothing here is random and nothing depends on input order (papers come sorted by id): the seeds
are read off the data, so a day of new papers moves them little and most clusters stay put.
Clusters too small are dissolved into their neighbours; clusters too big are split in two
around their two most distant seeds. The number of clusters follows the data: how many
concepts clear the bar, which grows with the archive in steps (`seed_papers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from generator.topics.concepts import Concept, TopicSettings

# Similarities are rounded to this many decimals before any argmax or threshold, so float
# noise (another CPU's BLAS) cannot flip a choice; ties go to the lower index.
DECIMALS = 5
# Below this many papers, no topic is capped by max_share: a dozen papers make no field.
SMALL_CAP = 12


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (a zero row stays zero), in float64."""
    matrix = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = matrix / np.maximum(norms, 1e-12)
    return unit


def seed_papers(papers: int, settings: TopicSettings) -> int:
    """Return how many papers a concept needs to seed a cluster: one more per doubling.

    In steps (one per doubling of `papers_per_step` papers), so a day added rarely changes it:
    min_papers up to 999 papers (by default), then 4, 5, ... 7 at 8,000 to 15,999 papers.
    """
    steps = (max(papers, settings.population, 0) // settings.papers_per_step).bit_length()
    return settings.min_papers + max(steps - 1, 0)


def size_cap(papers: int, settings: TopicSettings) -> float:
    """Return the most papers a topic may hold: max_share of them (or of the archive they join,
    `settings.population`), never below SMALL_CAP."""
    return max(settings.max_share * max(papers, settings.population), SMALL_CAP)


def broad_cap(papers: int, settings: TopicSettings) -> float:
    """Return how many of these papers a concept may hold and still name a topic (not the field):
    max_share of them, never below SMALL_CAP, whatever archive they join."""
    return max(settings.max_share * papers, SMALL_CAP)


def choose_seeds(
    concepts: Sequence[Concept],
    index: Mapping[str, int],
    vectors: np.ndarray,
    settings: TopicSettings,
    allowed: Mapping[str, bool],
) -> tuple[list[str], np.ndarray]:
    """Pick the seed concepts and their centroids: most papers first, none too alike."""
    total = len(index)
    least = seed_papers(total, settings)
    most = broad_cap(total, settings)
    candidates = sorted(
        (c for c in concepts if least <= len(c.papers) <= most and allowed.get(c.key, False)),
        key=lambda c: (-len(c.papers), c.key),
    )
    keys: list[str] = []
    rows: list[np.ndarray] = []
    for concept in candidates:
        members = sorted(index[pid] for pid in concept.papers)
        centroid = unit_rows(vectors[members].mean(axis=0, keepdims=True))[0]
        if rows:
            nearest = float(np.round(np.max(np.stack(rows) @ centroid), DECIMALS))
            if nearest >= settings.seed_separation:
                continue
        keys.append(concept.key)
        rows.append(centroid)
    matrix = np.stack(rows) if rows else np.zeros((0, vectors.shape[1]))
    return keys, matrix


def similarities(vectors: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Return every paper's cosine to every centroid (papers by clusters), rounded."""
    rounded: np.ndarray = np.round(vectors @ centroids.T, DECIMALS)
    return rounded


def nearest(vectors: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Return each paper's nearest centroid (the lower index on a tie)."""
    labels: np.ndarray = np.argmax(similarities(vectors, centroids), axis=1)
    return labels


def dissolve_small(
    vectors: np.ndarray, centroids: np.ndarray, keys: list[str], least: int
) -> tuple[list[str], np.ndarray]:
    """Drop clusters with fewer than `least` papers, until every cluster left has enough."""
    while len(keys) > 1:
        sizes = np.bincount(nearest(vectors, centroids), minlength=len(keys))
        keep = sizes >= least
        if keep.all():
            break
        if not keep.any():
            keep[int(np.argmax(sizes))] = True
        centroids = centroids[keep]
        keys = [key for key, kept in zip(keys, keep, strict=True) if kept]
    return keys, centroids


def split_large(
    vectors: np.ndarray, centroids: np.ndarray, keys: list[str], most: float
) -> tuple[list[str], np.ndarray]:
    """Split each cluster over `most` papers in two, around its two papers farthest apart.

    The first is the paper farthest from the centroid, the second the paper farthest from the
    first (ties to the lower paper id). Repeats until none is too big.
    """
    for _ in range(len(vectors)):
        labels = nearest(vectors, centroids)
        sizes = np.bincount(labels, minlength=len(keys))
        big = int(np.argmax(sizes))
        if sizes[big] <= most or sizes[big] < 4:
            break
        members = np.flatnonzero(labels == big)
        own = vectors[members]
        first = int(np.argmin(np.round(own @ centroids[big], DECIMALS)))
        second = int(np.argmin(np.round(own @ own[first], DECIMALS)))
        pair = own[[first, second]]
        centroids = np.vstack([centroids[:big], pair, centroids[big + 1 :]])
        keys = [*keys[:big], keys[big], keys[big] + " (2)", *keys[big + 1 :]]
    return keys, centroids
