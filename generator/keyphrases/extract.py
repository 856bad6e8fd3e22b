"""Keyphrases for papers: noun-phrase candidates ranked against the paper, KeyBERT-style.

Each paper's candidates (`candidates`), its title and the paper itself are embedded once
(`embedding`), every distinct candidate once for the whole run, and KeyBERT picks among them by
maximal marginal relevance to the paper pulled toward its title (`ranking`). Results and
vectors are cached by a hash of the paper's text (`cache`), so a rebuild with nothing new
neither loads the model nor imports torch nor KeyBERT.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from generator.config import Settings
from generator.errors import ConfigError
from generator.keyphrases.cache import (
    CachedDoc,
    KeyphraseStore,
    embedder_key,
    identity_key,
    text_hash,
)
from generator.keyphrases.candidates import Candidate, find_candidates, normalize_phrase
from generator.keyphrases.embedding import Embedder
from generator.keyphrases.ranking import Paper, rank
from generator.keyphrases.vocabulary import Vocabulary, default_vocabulary, settings_vocabulary
from generator.model import Keyphrase, titled_text

CACHE_SUBDIR = "keyphrases"
CHUNK = 64  # papers embedded per step: one progress report each
RANKED_LIST = 10  # keyphrases `paper-digest keyphrases` lists per text unless told (--top)


@dataclass(frozen=True)
class Document:
    """What keyphrases are drawn from: a title (favoured) and an abstract."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class KeyphraseSettings:
    """Every knob that changes which keyphrases come out; all of them key the cache."""

    top_n: int = 5
    max_words: int = 4  # longest candidate phrase, in words
    sub_phrases: bool = False  # also offer "language models" from "large language models"
    max_candidates: int = 15  # per paper, chosen by title, length, count, position; 0: all
    # MMR: 0 ranks by relevance alone, 1 by novelty alone. The chips' no-nesting rule already
    # keeps them apart; on Inspec's tuning half 0.2 gave F1@5 25.7, F1@10 31.8, 0.0 25.7, 32.0.
    diversity: float = 0.0
    # The first `distinct` keyphrases (the chips a reader sees) neither nest in nor overlap one
    # another; the rest of the list is the ranker's. See README, "Keyphrases and topics".
    distinct: int = 5
    doc_max_tokens: int = 128  # word pieces of a paper the model reads
    bf16: bool = False  # bfloat16 autocast: 1.5-1.75x faster, but its vectors vary by CPU
    # The word lists (vocabulary.toml, or mkdocs.yml's): the cache is keyed by their digest.
    vocabulary: Vocabulary = field(default_factory=default_vocabulary, repr=False)

    def __post_init__(self) -> None:
        checks = {
            "top_n": self.top_n >= 1,
            "max_words": self.max_words >= 1,
            "max_candidates": self.max_candidates >= 0,
            "distinct": self.distinct >= 0,
            "diversity": 0.0 <= self.diversity <= 1.0,
            "doc_max_tokens": 8 <= self.doc_max_tokens <= 512,
        }
        for name, ok in checks.items():
            if not ok:
                raise ConfigError(
                    f"keyphrase setting {name} = {getattr(self, name)!r} is out of range",
                    hint="see KeyphraseSettings in generator/keyphrases/extract.py",
                )


@dataclass(frozen=True)
class KeyphraseResult:
    """Keyphrases by document id, and the vectors the topic step clusters without the model."""

    keyphrases: dict[str, tuple[Keyphrase, ...]]
    phrase_vectors: dict[str, np.ndarray]
    doc_vectors: dict[str, np.ndarray]
    embedded: int
    cached: int


def keyphrase_settings(settings: Settings, top_n: int | None = None) -> KeyphraseSettings:
    """Return the extraction mkdocs.yml asks for: its word lists, and as many nesting-free
    keyphrases first as the site shows (`keyphrases_per_paper`), top_n in all (default: as
    many as shown)."""
    where = f"{settings.config_file.name}: extra.paper_digest.keyphrases"
    vocabulary = settings_vocabulary(
        settings.keyphrases, settings.keyphrase_words, settings.root, where
    )
    shown = settings.keyphrases_per_paper
    return KeyphraseSettings(top_n=top_n or shown, distinct=shown, vocabulary=vocabulary)


# Bump when candidate or selection rules change: it keys the cache.
EXTRACTOR_VERSION = 4


def document_text(doc: Document) -> str:
    """Return the text the model reads for a paper: title, then abstract."""
    return titled_text(doc.title, doc.text)


def _settings_identity(settings: KeyphraseSettings, embedder_name: str) -> dict[str, Any]:
    """Return everything that decides the output for a given text: the cache's identity."""
    knobs: dict[str, Any] = {f.name: getattr(settings, f.name) for f in fields(settings)}
    knobs["vocabulary"] = settings.vocabulary.digest
    return {"extractor": EXTRACTOR_VERSION, "embedder": embedder_name, "settings": knobs}


def extract_keyphrases(
    docs: Sequence[Document],
    settings: KeyphraseSettings,
    cache_dir: Path | None,
    embedder: Embedder | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> KeyphraseResult:
    """Give every document its keyphrases, embedding only what the cache does not hold.

    `progress(done, total)` counts documents: first those the cache holds, then after every
    chunk embedded (and committed to the cache) those it gave keyphrases to.
    """
    name = embedder.name if embedder is not None else _real_name(settings)
    identity = identity_key(_settings_identity(settings, name))
    hashes = {doc.id: text_hash(doc.title, doc.text) for doc in docs}
    with KeyphraseStore(cache_dir / CACHE_SUBDIR if cache_dir is not None else None) as store:
        stored = store.papers(identity, hashes.values())
        todo: dict[str, Document] = {}
        for doc in sorted(docs, key=lambda d: (hashes[d.id], d.id)):
            if hashes[doc.id] not in stored:
                todo.setdefault(hashes[doc.id], doc)
        report = _reporter(hashes, progress, len(docs))
        report(stored)
        fresh: dict[str, CachedDoc] = {}
        if todo:
            model = embedder if embedder is not None else _real_embedder(settings)
            for papers, phrases in _embed(todo, settings, model, store):
                store.save(identity, papers, embedder_key(model.name), phrases)  # committed
                fresh.update(papers)
                report(papers)
    return _result(docs, hashes, {**stored, **fresh}, set(fresh))


def _reporter(
    hashes: dict[str, str], progress: Callable[[int, int], None] | None, total: int
) -> Callable[[Mapping[str, CachedDoc]], None]:
    """Return what reports the documents whose text hashes were just given keyphrases."""
    weight = Counter(hashes.values())  # papers of the same text count each
    done = [0]

    def report(entries: Mapping[str, CachedDoc]) -> None:
        done[0] += sum(weight[key] for key in entries)
        if progress is not None:
            progress(done[0], total)

    return report


def _real_name(settings: KeyphraseSettings) -> str:
    """Name the real model as configured, without importing torch."""
    from generator.keyphrases.embedding import minilm_name

    return minilm_name(settings.doc_max_tokens, settings.bf16)


def _real_embedder(settings: KeyphraseSettings) -> Embedder:
    """Create the real model's embedder; the model itself loads on first encode."""
    from generator.keyphrases.embedding import MiniLMEmbedder

    return MiniLMEmbedder(settings.doc_max_tokens, settings.bf16)


def _embed(
    todo: dict[str, Document], settings: KeyphraseSettings, model: Embedder, store: KeyphraseStore
) -> Iterator[tuple[dict[str, CachedDoc], dict[str, np.ndarray]]]:
    """Embed new papers chunk by chunk, and each candidate phrase no paper had before; yield
    each chunk's papers and new phrase vectors (the caller commits them)."""
    keys = list(todo)  # sorted by text hash: batches do not depend on input order
    embedder = embedder_key(model.name)
    for start in range(0, len(keys), CHUNK):
        chunk = [todo[key] for key in keys[start : start + CHUNK]]
        candidates = [_candidates(doc, settings) for doc in chunk]
        titles = {doc.title.strip() for doc in chunk if doc.title.strip()}
        wanted = {c.text for found in candidates for c in found} | titles
        known = store.phrases(embedder, wanted)  # only this chunk's phrases are read
        new = sorted(wanted - known.keys())
        fresh = dict(zip(new, _encode(model, new), strict=True))
        known.update(fresh)
        doc_vectors = _encode(model, [document_text(doc) for doc in chunk])
        papers = [
            Paper(key, tuple(found), vector, doc.title.strip() or key)
            for key, doc, found, vector in zip(
                keys[start:], chunk, candidates, doc_vectors, strict=False
            )
        ]
        ranked = rank(papers, known, settings.top_n, settings.diversity, settings.distinct)
        yield {paper.key: entry for paper, entry in zip(papers, ranked, strict=True)}, fresh


def _encode(model: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Encode texts and check that the embedder kept its promise of one row per text."""
    if not texts:
        return np.zeros((0, 0), np.float32)
    vectors = np.asarray(model.encode(texts), dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(texts):
        raise ValueError(f"embedder {model.name!r} returned {vectors.shape} for {len(texts)} texts")
    return vectors


def _result(
    docs: Sequence[Document],
    hashes: dict[str, str],
    entries: dict[str, CachedDoc],
    fresh: set[str],
) -> KeyphraseResult:
    """Assemble the result by document id; phrase vectors by normalized phrase."""
    keyphrases: dict[str, tuple[Keyphrase, ...]] = {}
    doc_vectors: dict[str, np.ndarray] = {}
    candidates: dict[str, tuple[str, np.ndarray]] = {}
    for doc in docs:
        entry = entries[hashes[doc.id]]
        keyphrases[doc.id] = entry.keyphrases
        doc_vectors[doc.id] = entry.vector
        for phrase, vector in zip(entry.keyphrases, entry.phrase_vectors, strict=True):
            key = normalize_phrase(phrase.text)
            # Several spellings of one phrase ("LLM", "LLMs"): the smallest text wins, any order.
            if key not in candidates or phrase.text < candidates[key][0]:
                candidates[key] = (phrase.text, vector)
    embedded = sum(1 for doc in docs if hashes[doc.id] in fresh)
    return KeyphraseResult(
        keyphrases=keyphrases,
        phrase_vectors={key: vector for key, (_, vector) in sorted(candidates.items())},
        doc_vectors=doc_vectors,
        embedded=embedded,
        cached=len(docs) - embedded,
    )


def _candidates(doc: Document, settings: KeyphraseSettings) -> list[Candidate]:
    """List a document's candidate phrases under the given settings."""
    return find_candidates(
        doc.title,
        doc.text,
        settings.max_words,
        settings.sub_phrases,
        settings.max_candidates,
        vocabulary=settings.vocabulary,
    )
