"""Related papers: each paper's nearest others in meaning, from any issue.

Exact cosine neighbours over the papers' unit vectors, a block of rows at a time, so memory
stays at one block by all papers however big the archive (no papers-by-papers matrix). Scores
are rounded before ranking and ties go to the smaller id, so vectors that differ by a CPU's
rounding give the same lists.

Lists are chosen issue by issue, so the lists after N issues are a function of those N issues:
with a cache folder, a build keeps them (`topics/related.pickle`, the SHA-256 of the pickle
first) with a digest per issue of what its step read (each new paper's id and vector, chained,
from the settings and this module's source), and the next build, when the kept steps are the
first of its own, goes on from there: a day compares the day's papers with the archive once, instead
of every issue's papers with the papers before them again. Anything that does not load or
match is a miss: the lists are chosen from the first issue, to the same result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from generator.blobs import source_digest
from generator.model import Catalog
from generator.topics.concepts import Normalize
from generator.topics.grouping import paper_vectors
from generator.topics.plan import new_papers_by_issue
from generator.topics.resume import read_checked, write_checked

RELATED_PAPERS = 5
# Below this cosine a paper is not shown as related, however near it is among the rest.
MIN_SIMILARITY = 0.35
# Rows compared at a time: a block of 512 rows by 75,000 papers is 150 MB of float32.
BLOCK = 512
DECIMALS = 4
# Candidates kept per row beyond `limit`, so rounding ties at the edge are broken by id.
SPARE = 3
# The lists kept for the next build, in the cache folder's topics/ (see the module).
KEPT_FILE = "related.pickle"
KEPT_FORMAT = 1


def add_related(
    catalog: Catalog,
    doc_vectors: Mapping[str, np.ndarray],
    phrase_vectors: Mapping[str, np.ndarray],
    normalize: Normalize,
    limit: int = RELATED_PAPERS,
    matrix: np.ndarray | None = None,
    cache_dir: Path | None = None,
) -> Catalog:
    """Return the catalog with each paper's related papers, nearest first, issue by issue.

    A paper's list is chosen when its first issue arrives, among the papers known then; a later
    paper enters an earlier paper's list only when the earlier paper is in the later one's own
    list and is nearer than the list's last. So a new issue changes at most `limit` old lists
    per new paper, and never the list of a paper it shares nothing with.

    `matrix` is `paper_vectors` of the papers sorted by id, when the caller has it already;
    `cache_dir` keeps the lists for the next build (see the module).
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
    ids = [p.id for p in papers]
    folder = cache_dir / "topics" if cache_dir is not None else None
    digests = step_digests(matrix, ids, steps, limit) if folder is not None else []
    done, kept = _load(folder, digests)
    try:
        found = {row[pid]: [(score, row[other]) for score, other in ranked] for pid, ranked in kept}
    except KeyError:  # a paper the kept steps hold is gone: cannot be, with their digests
        done, found = 0, {}
    rows = planned_neighbours(matrix, steps, limit, MIN_SIMILARITY, done=done, found=found)
    if folder is not None and done < len(steps):
        lists = [(ids[r], [(s, ids[o]) for s, o in found[r]]) for r in sorted(found)]
        write_checked(folder / KEPT_FILE, (digests, lists))
    related = {papers[r].id: tuple(papers[j].id for j in near) for r, near in enumerate(rows)}
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
    done: int = 0,
    found: dict[int, Ranked] | None = None,
) -> list[list[int]]:
    """Return each row's nearest rows as the steps (rows new in each issue) add them.

    `found` holds the lists after the first `done` steps, when they were kept (it is updated
    in place); those steps are not taken again.
    """
    found = {} if found is None else found
    known = np.array(sorted(r for step in steps[:done] for r in step), dtype=np.int64)
    for step in steps[done:]:
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


def step_digests(
    matrix: np.ndarray, ids: Sequence[str], steps: Sequence[Sequence[int]], limit: int
) -> list[str]:
    """Return one digest per step: the one before it, and the ids and vectors of its papers."""
    start = f"related-{KEPT_FORMAT} {limit} {MIN_SIMILARITY} {DECIMALS} {SPARE}\n"
    previous = hashlib.sha256((start + source_digest([Path(__file__)])).encode()).hexdigest()
    digests = []
    for step in steps:
        digest = hashlib.sha256(previous.encode())
        for r in sorted(step):
            digest.update(ids[r].encode("utf-8") + b"\0" + matrix[r].tobytes())
        previous = digest.hexdigest()
        digests.append(previous)
    return digests


KeptLists = list[tuple[str, list[tuple[float, str]]]]  # (paper id, [(-score, paper id)])


def _load(folder: Path | None, digests: Sequence[str]) -> tuple[int, KeptLists]:
    """Return (steps done, the lists after them) when the kept steps are the first of these;
    (0, []) when they are not or the file is damaged in any way."""
    try:
        kept, lists = read_checked(folder / KEPT_FILE if folder else None)
        if not isinstance(kept, list) or list(digests[: len(kept)]) != kept:
            return 0, []
        return len(kept), [(str(pid), [(float(s), str(o)) for s, o in near]) for pid, near in lists]
    except Exception:  # any damage is a miss: the lists are chosen from the first issue
        return 0, []
