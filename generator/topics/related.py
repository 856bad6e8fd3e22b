"""Related papers: each paper's nearest others in meaning, from any issue.

Exact cosine neighbours over the papers' unit vectors, a block of rows at a time, so memory
stays at one block by all papers however big the archive (no papers-by-papers matrix). Scores
are rounded before ranking and ties go to the smaller id, so vectors that differ by a CPU's
rounding give the same lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from generator.model import Catalog
from generator.topics.concepts import Normalize
from generator.topics.grouping import paper_vectors
from generator.topics.plan import new_papers_by_issue

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
    """Return the catalog with each paper's related papers, nearest first, issue by issue.

    A paper's list is chosen when its first issue arrives, among the papers known then; a later
    paper enters an earlier paper's list only when the earlier paper is in the later one's own
    list and is nearer than the list's last. So a new issue changes at most `limit` old lists
    per new paper, and never the list of a paper it shares nothing with.

    `matrix` is `paper_vectors` of the papers sorted by id, when the caller has it already.
    """
    papers = sorted(catalog.papers, key=lambda p: p.id)
    if len(papers) < 2:
        return catalog
    if matrix is None:
        matrix = paper_vectors(papers, doc_vectors, phrase_vectors, normalize)
    matrix = matrix.astype(np.float32)
    row = {p.id: i for i, p in enumerate(papers)}
    steps = [[row[pid] for pid in fresh] for fresh in new_papers_by_issue(catalog)]
    if not any(steps):  # papers in no issue: one step of all of them
        steps = [list(range(len(papers)))]
    rows = planned_neighbours(matrix, steps, limit, MIN_SIMILARITY)
    related = {papers[r].id: tuple(papers[j].id for j in found) for r, found in enumerate(rows)}
    return replace(
        catalog, papers=tuple(replace(p, related=related.get(p.id, ())) for p in catalog.papers)
    )


Ranked = list[tuple[float, int]]  # (-score, row), best first


def nearest_neighbours(
    matrix: np.ndarray, limit: int, floor: float, block: int = BLOCK
) -> list[list[int]]:
    """Return, per row of unit vectors, the rows nearest it (not itself), at most `limit`."""
    return planned_neighbours(matrix, [range(len(matrix))], limit, floor, block)


def planned_neighbours(
    matrix: np.ndarray,
    steps: Sequence[Sequence[int]],
    limit: int,
    floor: float,
    block: int = BLOCK,
) -> list[list[int]]:
    """Return each row's nearest rows as the steps (rows new in each issue) add them."""
    found: dict[int, Ranked] = {}
    known = np.zeros(0, dtype=np.int64)
    for step in steps:
        fresh = np.array(sorted(step), dtype=np.int64)
        if not len(fresh):
            continue
        known = np.sort(np.concatenate([known, fresh]))
        among = matrix[known]
        for start in range(0, len(fresh), block):
            rows = fresh[start : start + block]
            near = _nearest(matrix[rows], rows, among, known, limit, floor)
            for r, ranked in zip(rows.tolist(), near, strict=True):
                found[r] = ranked
        new = set(fresh.tolist())
        for r in fresh.tolist():
            for score, other in found[r]:
                if other not in new:
                    found[other] = sorted([*found[other], (score, r)])[:limit]
    return [[r for _, r in found.get(i, [])] for i in range(len(matrix))]


def _nearest(
    rows: np.ndarray,
    ids: np.ndarray,
    among: np.ndarray,
    known: np.ndarray,
    limit: int,
    floor: float,
) -> list[Ranked]:
    """Return, per row, its nearest known rows (not itself): (-score, row), at most `limit`."""
    sims = rows @ among.T
    index = np.arange(len(rows))
    sims[known[None, :] == ids[:, None]] = -np.inf
    take = min(limit + SPARE, len(known) - 1)
    picks: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(take):
        best = sims.argmax(axis=1)
        picks.append((best, np.round(sims[index, best].astype(np.float64), DECIMALS)))
        sims[index, best] = -np.inf
    found = []
    for i in index:
        ranked = sorted(
            (-float(scores[i]), int(known[best[i]])) for best, scores in picks if scores[i] >= floor
        )
        found.append(ranked[:limit])
    return found
