"""Related papers: exact nearest neighbours by cosine, in blocks, the same on any CPU."""

from __future__ import annotations

import numpy as np

from generator.keyphrases import normalize_phrase
from generator.model import Catalog, Issue, Paper
from generator.topics.related import MIN_SIMILARITY, add_related, nearest_neighbours


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def brute_force(matrix: np.ndarray, limit: int, floor: float) -> list[list[int]]:
    """The all-pairs answer the blocks must equal (fine for a test's few hundred rows)."""
    sims = np.round(matrix.astype(np.float64) @ matrix.T.astype(np.float64), 4)
    found = []
    for row in range(len(matrix)):
        ranked = sorted((-sims[row, j], j) for j in range(len(matrix)) if j != row)
        found.append([j for s, j in ranked if -s >= floor][:limit])
    return found


def test_blocks_give_the_exact_neighbours_whatever_the_block_size() -> None:
    matrix = unit(np.random.default_rng(7).standard_normal((300, 24)))
    expected = brute_force(matrix, 5, -1.0)
    for block in (1, 7, 64, 512):
        assert nearest_neighbours(matrix, 5, -1.0, block) == expected


def test_ties_go_to_the_smaller_row_and_noise_below_the_rounding_changes_nothing() -> None:
    base = unit(np.array([[1.0, 0.0], [0.6, 0.8], [0.6, 0.8], [0.6, 0.8], [0.0, 1.0]]))
    assert nearest_neighbours(base, 2, -1.0)[0] == [1, 2]
    noisy = base + np.float32(1e-7) * np.random.default_rng(1).standard_normal(base.shape)
    assert nearest_neighbours(unit(noisy), 2, -1.0) == nearest_neighbours(base, 2, -1.0)


def test_a_paper_is_never_its_own_relative_and_far_papers_are_not_related() -> None:
    matrix = unit(np.array([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0]]))
    found = nearest_neighbours(matrix, 5, MIN_SIMILARITY)
    assert found == [[1], [0], []]


def test_catalog_papers_get_related_ids_in_any_input_order() -> None:
    vectors = {
        "a": np.array([1.0, 0.0]),
        "b": np.array([0.95, 0.05]),
        "c": np.array([0.0, 1.0]),
        "d": np.array([0.05, 0.95]),
    }
    papers = tuple(Paper(pid, pid, pid.upper(), "An abstract.", ("i",), ()) for pid in "dcba")
    issue = Issue("i", 1, "Issue 1", "i.txt", paper_ids=tuple(p.id for p in papers))
    catalog = add_related(Catalog((issue,), papers), vectors, {}, normalize_phrase)
    related = {p.id: p.related for p in catalog.papers}
    assert related == {"a": ("b",), "b": ("a",), "c": ("d",), "d": ("c",)}
    reversed_catalog = Catalog((issue,), papers[::-1])
    again = add_related(reversed_catalog, vectors, {}, normalize_phrase)
    assert {p.id: p.related for p in again.papers} == related
