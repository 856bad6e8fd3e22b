"""Keyphrases: candidates (tagger, vocabulary), embedding, ranking and the on-disk cache.

The stage's one entry point is `extract_keyphrases`; the rest of the package is its parts.
"""

from __future__ import annotations

from generator.keyphrases.candidates import normalize_phrase
from generator.keyphrases.embedding import Embedder
from generator.keyphrases.extract import (
    RANKED_LIST,
    Document,
    KeyphraseResult,
    KeyphraseSettings,
    extract_keyphrases,
    keyphrase_settings,
)

__all__ = [
    "RANKED_LIST",
    "Document",
    "Embedder",
    "KeyphraseResult",
    "KeyphraseSettings",
    "extract_keyphrases",
    "keyphrase_settings",
    "normalize_phrase",
]
