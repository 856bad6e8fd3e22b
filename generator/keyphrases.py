"""Keyphrases for papers: noun-phrase candidates ranked against the paper, KeyBERT-style.

Each paper's candidates (generator.keyphrase_candidates) and the paper itself are embedded
once (generator.embedding), every distinct candidate once for the whole run, and picked by
maximal marginal relevance with a boost for phrases of the title. Results and vectors are
cached by a hash of the paper's text (generator.keyphrase_cache), so a rebuild with nothing
new neither loads the model nor imports torch.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from generator.embedding import Embedder
from generator.errors import ConfigError, PaperDigestError
from generator.keyphrase_cache import (
    CachedDoc,
    load_phrase_vectors,
    load_results,
    phrases_path,
    results_path,
    save_phrase_vectors,
    save_results,
    text_hash,
)
from generator.keyphrase_candidates import Candidate, find_candidates, normalize_phrase
from generator.model import Keyphrase

__all__ = [
    "Document",
    "Embedder",
    "KeyphraseResult",
    "KeyphraseSettings",
    "extract_keyphrases",
    "normalize_phrase",
    "run_jsonl",
]
CACHE_SUBDIR = "keyphrases"
CHUNK = 64  # papers embedded per step: one progress report each


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
    diversity: float = 0.2  # MMR: 0 ranks by relevance alone, 1 by novelty alone
    title_boost: float = 0.05  # added to the relevance of a phrase that is in the title
    doc_max_tokens: int = 128  # word pieces of a paper the model reads
    bf16: bool = True  # run the real model in bfloat16 (autocast); same ranking, faster

    def __post_init__(self) -> None:
        checks = {
            "top_n": self.top_n >= 1,
            "max_words": self.max_words >= 1,
            "max_candidates": self.max_candidates >= 0,
            "diversity": 0.0 <= self.diversity <= 1.0,
            "doc_max_tokens": 8 <= self.doc_max_tokens <= 512,
        }
        for name, ok in checks.items():
            if not ok:
                raise ConfigError(
                    f"keyphrase setting {name} = {getattr(self, name)!r} is out of range",
                    hint="see KeyphraseSettings in generator/keyphrases.py",
                )


@dataclass(frozen=True)
class KeyphraseResult:
    """Keyphrases by document id, and the vectors the topic step clusters without the model."""

    keyphrases: dict[str, tuple[Keyphrase, ...]]
    phrase_vectors: dict[str, np.ndarray]
    doc_vectors: dict[str, np.ndarray]
    embedded: int
    cached: int


# Bump when candidate or selection rules change: it keys the cache.
EXTRACTOR_VERSION = 2


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
    settings: KeyphraseSettings,
) -> CachedDoc:
    """Choose a paper's keyphrases from its embedded candidates: best first, scores rounded."""
    if not candidates:
        return CachedDoc((), np.zeros((0, doc_vector.shape[0]), np.float32), doc_vector)
    boost = np.array([settings.title_boost if c.in_title else 0.0 for c in candidates])
    relevance = vectors.astype(np.float64) @ doc_vector.astype(np.float64) + boost
    picked = mmr(relevance, vectors, settings.top_n, settings.diversity)
    scored = sorted(
        ((round(float(relevance[i]), 4), candidates[i].key, i) for i in picked),
        key=lambda item: (-item[0], item[1]),
    )
    keyphrases = tuple(Keyphrase(candidates[i].text, score) for score, _, i in scored)
    rows = vectors[[i for _, _, i in scored]]
    return CachedDoc(keyphrases, np.ascontiguousarray(rows, np.float32), doc_vector)


def document_text(doc: Document) -> str:
    """Return the text the model reads for a paper: title, then abstract."""
    return f"{doc.title}. {doc.text}" if doc.title.strip() else doc.text


def _settings_identity(settings: KeyphraseSettings, embedder_name: str) -> dict[str, Any]:
    """Return everything that decides the output for a given text: the cache's identity."""
    return {"extractor": EXTRACTOR_VERSION, "embedder": embedder_name, "settings": asdict(settings)}


def extract_keyphrases(
    docs: Sequence[Document],
    settings: KeyphraseSettings,
    cache_dir: Path | None,
    embedder: Embedder | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> KeyphraseResult:
    """Give every document its keyphrases, embedding only what the cache does not hold."""
    name = embedder.name if embedder is not None else _real_name(settings)
    identity = _settings_identity(settings, name)
    folder = cache_dir / CACHE_SUBDIR if cache_dir is not None else None
    store = results_path(folder, identity) if folder is not None else None
    hashes = {doc.id: text_hash(doc.title, doc.text) for doc in docs}
    stored = load_results(store, identity) if store is not None else {}
    todo: dict[str, Document] = {}
    for doc in sorted(docs, key=lambda d: (hashes[d.id], d.id)):
        if hashes[doc.id] not in stored:
            todo.setdefault(hashes[doc.id], doc)
    fresh: dict[str, CachedDoc] = {}
    if todo:
        model = embedder if embedder is not None else _real_embedder(settings)
        fresh = _embed(todo, settings, model, folder, progress)
        if store is not None:
            save_results(store, identity, {**stored, **fresh})
    return _result(docs, hashes, {**stored, **fresh}, set(fresh))


def _real_name(settings: KeyphraseSettings) -> str:
    """Name the real model as configured, without importing torch."""
    from generator.embedding import minilm_name

    return minilm_name(settings.doc_max_tokens, settings.bf16)


def _real_embedder(settings: KeyphraseSettings) -> Embedder:
    """Create the real model's embedder; the model itself loads on first encode."""
    from generator.embedding import MiniLMEmbedder

    return MiniLMEmbedder(settings.doc_max_tokens, settings.bf16)


def _embed(
    todo: dict[str, Document],
    settings: KeyphraseSettings,
    model: Embedder,
    folder: Path | None,
    progress: Callable[[int, int], None] | None,
) -> dict[str, CachedDoc]:
    """Embed new papers chunk by chunk, and each candidate phrase no paper had before."""
    vectors_file = phrases_path(folder, model.name) if folder is not None else None
    known = load_phrase_vectors(vectors_file, model.name) if vectors_file is not None else {}
    before = len(known)
    keys = list(todo)  # sorted by text hash: batches do not depend on input order
    done: dict[str, CachedDoc] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = [todo[key] for key in keys[start : start + CHUNK]]
        candidates = [_candidates(doc, settings) for doc in chunk]
        new = sorted({c.text for found in candidates for c in found} - known.keys())
        known.update(zip(new, _encode(model, new), strict=True))
        doc_vectors = _encode(model, [document_text(doc) for doc in chunk])
        for key, found, vector in zip(keys[start:], candidates, doc_vectors, strict=False):
            rows = np.stack([known[c.text] for c in found]) if found else doc_vectors[:0]
            done[key] = choose(found, rows, vector, settings)
        if progress is not None:
            progress(len(done), len(keys))
    if vectors_file is not None and len(known) > before:
        save_phrase_vectors(vectors_file, model.name, known)
    return done


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


def run_jsonl(
    lines: Iterable[str], out: TextIO, settings: KeyphraseSettings, cache_dir: Path | None
) -> int:
    """Read {"id", "text"[, "title"]} lines, write {"id", "keyphrases"} lines; 0 if all good."""
    docs: list[Document] = []
    status = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        doc = _parse_line(line, number)
        if isinstance(doc, str):
            print(doc, file=sys.stderr)
            status = 1
        else:
            docs.append(doc)
    try:
        result = extract_keyphrases(docs, settings, cache_dir)
    except PaperDigestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for doc in docs:
        phrases = [{"text": k.text, "score": k.score} for k in result.keyphrases[doc.id]]
        out.write(json.dumps({"id": doc.id, "keyphrases": phrases}, ensure_ascii=False) + "\n")
    return status


def _parse_line(line: str, number: int) -> Document | str:
    """Parse one JSON line into a document, or return the one-line message saying why not."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return f"line {number}: not JSON ({error.msg})"
    if not isinstance(record, dict):
        return f'line {number}: expected an object with "id" and "text"'
    fields: dict[str, str] = {}
    for name in FIELDS:
        value = record.get(name, "" if name == "title" else None)
        if not isinstance(value, str) or (name != "title" and not value.strip()):
            return f"line {number}: {name!r} must be a non-empty string"
        fields[name] = value
    return Document(id=fields["id"], title=fields["title"], text=fields["text"])


FIELDS = ("id", "title", "text")


def _candidates(doc: Document, settings: KeyphraseSettings) -> list[Candidate]:
    """List a document's candidate phrases under the given settings."""
    return find_candidates(
        doc.title, doc.text, settings.max_words, settings.sub_phrases, settings.max_candidates
    )
