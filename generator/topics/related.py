"""Related papers: each paper's nearest others in meaning, from any issue.

Exact cosine neighbours over the papers' unit vectors, a block of rows at a time, so memory
stays at one block by all papers however big the archive (no papers-by-papers matrix). Scores
are rounded before ranking and ties go to the smaller id, so vectors that differ by a CPU's
rounding give the same lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from generator.model import Catalog
from generator.topics.concepts import Normalize
from generator.topics.grouping import paper_vectors

RELATED_PAPERS = 5
# Below this cosine a paper is not shown as related, however near it is among the rest.
MIN_SIMILARITY = 0.35
# Rows compared at a time: a block of 512 rows by 75,000 papers is 150 MB of float32.
BLOCK = 512
DECIMALS = 4
# Candidates kept per row beyond `limit`, so rounding ties at the edge are broken by id.
SPARE = 3


def add_related(
    catalog: Catalog,
    doc_vectors: Mapping[str, np.ndarray],
    phrase_vectors: Mapping[str, np.ndarray],
    normalize: Normalize,
    limit: int = RELATED_PAPERS,
    matrix: np.ndarray | None = None,
) -> Catalog:
    """Return the catalog with each paper's related papers, nearest first.

    `matrix` is `paper_vectors` of the papers sorted by id, when the caller has it already.
    """
    papers = sorted(catalog.papers, key=lambda p: p.id)
    if len(papers) < 2:
        return catalog
    if matrix is None:
        matrix = paper_vectors(papers, doc_vectors, phrase_vectors, normalize)
    matrix = matrix.astype(np.float32)
    rows = nearest_neighbours(matrix, limit, MIN_SIMILARITY)
    related = {papers[r].id: tuple(papers[j].id for j in found) for r, found in enumerate(rows)}
    return replace(
        catalog, papers=tuple(replace(p, related=related.get(p.id, ())) for p in catalog.papers)
    )


def nearest_neighbours(
    matrix: np.ndarray, limit: int, floor: float, block: int = BLOCK
) -> list[list[int]]:
    """Return, per row of unit vectors, the rows nearest it (not itself), at most `limit`.

    Rows are compared a block at a time with every row; the best few of each are taken by
    repeated argmax (cheaper than a partition of every row), then ranked by rounded score and
    row number, which is the order of the ids when rows are sorted by id.
    """
    count = len(matrix)
    take = min(limit + SPARE, count - 1)
    found: list[list[int]] = []
    for start in range(0, count, block):
        sims = matrix[start : start + block] @ matrix.T
        rows = np.arange(len(sims))
        sims[rows, start + rows] = -np.inf
        picks: list[tuple[np.ndarray, np.ndarray]] = []
        for _ in range(take):
            best = sims.argmax(axis=1)
            picks.append((best, np.round(sims[rows, best].astype(np.float64), DECIMALS)))
            sims[rows, best] = -np.inf
        for row in rows:
            ranked = sorted(
                (-float(scores[row]), int(index[row]))
                for index, scores in picks
                if scores[row] >= floor
            )
            found.append([index for _, index in ranked[:limit]])
    return found
