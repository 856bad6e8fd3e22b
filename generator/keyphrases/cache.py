"""The on-disk keyphrase cache: .npz files written atomically, checked whole on every load.

Two kinds of file live in the cache folder:

- ``results-<key>.npz``: per paper (keyed by a hash of its title and text) the chosen
  keyphrases, their vectors and the paper's vector. ``<key>`` hashes the format, the extractor
  version, the embedder's name and every setting, so a change of any of them starts a new file.
  A rebuild with nothing new reads only this file and loads no model.
- ``phrases-<key>.npz``: the vector of every candidate phrase embedded so far (``<key>`` hashes
  the embedder's name), read only when some paper must be embedded, so a new paper embeds only
  the phrases no earlier paper had.

Each file carries a JSON header naming what it was made for; a header that does not match,
arrays of the wrong shape or type, non-finite numbers or a file numpy cannot read make the file
count as empty (it is rewritten on the next save), never an error.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.atomic import write_atomic
from generator.model import Keyphrase

FORMAT_VERSION = 1
READ_ERRORS = (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile)


@dataclass(frozen=True)
class CachedDoc:
    """What the cache keeps of one paper: keyphrases best first, their vectors, its vector."""

    keyphrases: tuple[Keyphrase, ...]
    phrase_vectors: np.ndarray
    vector: np.ndarray


def text_hash(*parts: str) -> str:
    """Return a short, stable hash of some texts (unambiguous: parts are length-prefixed)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def results_path(folder: Path, identity: Mapping[str, Any]) -> Path:
    """Return the results file of one embedder and set of settings."""
    return folder / f"results-{text_hash(json.dumps(identity, sort_keys=True))}.npz"


def phrases_path(folder: Path, embedder: str) -> Path:
    """Return the candidate-vector file of one embedder."""
    return folder / f"phrases-{text_hash(embedder)}.npz"


def _write_npz(path: Path, header: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """Write arrays and a JSON header to path atomically (generator.atomic)."""
    raw = json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    payload = {"header": np.frombuffer(raw, dtype=np.uint8), **arrays}
    np.savez(buffer, **payload)  # type: ignore[arg-type]
    write_atomic(path, buffer.getbuffer())  # no second copy of a file that can be large


def _read_npz(path: Path, names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a header and float32 matrices; raise one of READ_ERRORS on anything amiss."""
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(data["header"].tobytes().decode("utf-8"))
        arrays = {name: data[name] for name in names}
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    for name, array in arrays.items():
        if array.dtype != np.float32 or array.ndim != 2 or not np.isfinite(array).all():
            raise ValueError(f"{name}: not a finite float32 matrix")
    return header, arrays


def load_results(path: Path, identity: Mapping[str, Any]) -> dict[str, CachedDoc]:
    """Load cached papers by text hash; an unreadable, stale or inconsistent file gives {}."""
    if not path.is_file():
        return {}
    try:
        header, arrays = _read_npz(path, ("doc_vectors", "phrase_vectors"))
        if header.get("format") != FORMAT_VERSION or header.get("identity") != identity:
            return {}
        return _unpack_results(header["docs"], arrays["doc_vectors"], arrays["phrase_vectors"])
    except READ_ERRORS:
        return {}


def _unpack_results(
    entries: list[Any], doc_vectors: np.ndarray, phrase_vectors: np.ndarray
) -> dict[str, CachedDoc]:
    """Rebuild cached papers from the header's entries and the two matrices."""
    if len(entries) != len(doc_vectors) or doc_vectors.shape[1] != phrase_vectors.shape[1]:
        raise ValueError("rows do not match entries")
    docs: dict[str, CachedDoc] = {}
    row = 0
    for index, (key, phrases) in enumerate(entries):
        keyphrases = tuple(Keyphrase(str(text), float(score)) for text, score in phrases)
        if row + len(keyphrases) > len(phrase_vectors):
            raise ValueError("too few phrase vectors")
        docs[str(key)] = CachedDoc(
            keyphrases, phrase_vectors[row : row + len(keyphrases)], doc_vectors[index]
        )
        row += len(keyphrases)
    if row != len(phrase_vectors):
        raise ValueError("too many phrase vectors")
    return docs


def save_results(path: Path, identity: Mapping[str, Any], docs: Mapping[str, CachedDoc]) -> None:
    """Write every cached paper, sorted by text hash so equal caches are equal files."""
    keys = sorted(docs)
    dim = next((docs[k].vector.shape[0] for k in keys), 0)
    entries = [[k, [[kp.text, kp.score] for kp in docs[k].keyphrases]] for k in keys]
    phrase_rows = [docs[k].phrase_vectors for k in keys if len(docs[k].keyphrases)]
    arrays = {
        "doc_vectors": _matrix([docs[k].vector[None, :] for k in keys], dim),
        "phrase_vectors": _matrix(phrase_rows, dim),
    }
    header = {"format": FORMAT_VERSION, "identity": dict(identity), "docs": entries}
    _write_npz(path, header, arrays)


def _matrix(blocks: list[np.ndarray], dim: int) -> np.ndarray:
    """Stack row blocks into one float32 matrix, also when there are none."""
    if not blocks:
        return np.zeros((0, dim), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(blocks), dtype=np.float32)


def load_phrase_vectors(path: Path, embedder: str) -> dict[str, np.ndarray]:
    """Load the candidate vectors made by one embedder; anything amiss gives {}."""
    if not path.is_file():
        return {}
    try:
        header, arrays = _read_npz(path, ("vectors",))
        texts = header["texts"]
        vectors = arrays["vectors"]
        if header.get("format") != FORMAT_VERSION or header.get("embedder") != embedder:
            return {}
        if not isinstance(texts, list) or len(texts) != len(vectors):
            raise ValueError("texts do not match vectors")
        return {str(text): vectors[i] for i, text in enumerate(texts)}
    except READ_ERRORS:
        return {}


def save_phrase_vectors(path: Path, embedder: str, vectors: Mapping[str, np.ndarray]) -> None:
    """Write candidate vectors, sorted by text."""
    texts = sorted(vectors)
    dim = next((vectors[t].shape[0] for t in texts), 0)
    header = {"format": FORMAT_VERSION, "embedder": embedder, "texts": texts}
    matrix = _matrix([vectors[t][None, :] for t in texts], dim)
    _write_npz(path, header, {"vectors": matrix})
