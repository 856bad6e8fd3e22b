"""A small deterministic stand-in for the embedding model, for tests that must run fast.

Texts become unit vectors by hashing their character trigrams and words into buckets: texts
that share words come out similar, the same text always gives the same vector, no model loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

DIMENSIONS = 256


def _bucket(feature: str) -> int:
    """Return the stable bucket of a feature (Python's hash() changes between runs)."""
    return int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=4).digest(), "big")


class StandInEmbedder:
    """Hashed trigrams and words as unit vectors; records what it was asked to encode."""

    def __init__(self, name: str = "stand-in/hashed-ngrams-256/v1") -> None:
        self.name = name
        self.calls: list[list[str]] = []

    @property
    def encoded(self) -> list[str]:
        """Every text encoded so far, in order."""
        return [text for call in self.calls for text in call]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one float32 unit row per text."""
        self.calls.append(list(texts))
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f" {text.lower()} "
            for i in range(len(padded) - 2):
                vectors[row, _bucket(padded[i : i + 3]) % DIMENSIONS] += 1.0
            for word in padded.split():
                vectors[row, _bucket(word) % DIMENSIONS] += 2.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: np.ndarray = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


class RefusingEmbedder:
    """An embedder that fails the test if anything asks it to encode."""

    def __init__(self, name: str = "stand-in/hashed-ngrams-256/v1") -> None:
        self.name = name

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Fail: a warm cache must not embed anything."""
        raise AssertionError(f"encode called for {len(texts)} texts, e.g. {list(texts)[:2]}")
