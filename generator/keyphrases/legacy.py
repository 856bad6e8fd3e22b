"""The .npz keyphrase cache of earlier versions, read once into the SQLite store.

Earlier versions kept ``results-<key>.npz`` (per paper its keyphrases, their vectors and its
vector, the paper list in a JSON header) and ``phrases-<key>.npz`` (every candidate phrase's
vector, the texts in the header). Both are read a block of rows at a time, straight from the
archive, so a year of papers never sits in memory twice; the bytes of every vector are copied
as they are (bit for bit). A file that does not read is a miss, never an error. The files are
left where they are, for an earlier version that shares the cache folder (delete them when none
does): the store notes each file it has read (name, size, modification time) and reads it
again only when it changed, adding the papers an earlier version embedded since. A migration
cut short resumes (rows already there are kept).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from generator.keyphrases.cache import KeyphraseStore

LEGACY_FORMAT = 1
BLOCK = 4096  # rows per read and per transaction
READ_ERRORS = (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile)


def migrate(folder: Path, store: KeyphraseStore) -> int:
    """Read every legacy file of `folder` not read as it is into `store`; return the papers
    read."""
    papers = 0
    for path in sorted(folder.glob("phrases-*.npz")):
        _import(path, store, _phrase_rows)
    for path in sorted(folder.glob("results-*.npz")):
        papers += _import(path, store, _paper_rows)
    return papers


def _import(path: Path, store: KeyphraseStore, rows: Any) -> int:
    """Insert the rows of one file block by block, unless the store read it as it is."""
    try:
        stat = path.stat()
    except OSError:
        return 0
    name, stamp = f"read:{path.name}", f"{stat.st_size}:{stat.st_mtime_ns}"
    if store.note(name) == stamp:
        return 0
    count = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for papers, phrases in rows(archive):
                store.insert(papers, phrases, replace=False)
                count += len(papers)
    except READ_ERRORS:
        pass  # what was committed stays; the rest is embedded again
    store.set_note(name, stamp)
    return count


def _header(archive: zipfile.ZipFile, items: str, owner: str, kind: type) -> tuple[list[Any], Any]:
    """Return a legacy file's list of `items` and its `owner` (an identity, an embedder's name);
    raise ValueError unless the JSON header is one of the legacy format that has them."""
    with archive.open("header.npy") as member:
        raw = np.load(member, allow_pickle=False)
    header = json.loads(raw.tobytes().decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != LEGACY_FORMAT:
        raise ValueError("not a legacy keyphrase file")
    listed, named = header[items], header[owner]
    if not isinstance(listed, list) or not isinstance(named, kind):
        raise ValueError(f"header has no {items} or no {owner}")
    return listed, named


def _blocks(member: IO[bytes], sizes: list[int]) -> Iterator[list[bytes]]:
    """Yield, for each block of row counts, each count's rows as raw float32 bytes."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
    if dtype != np.dtype("<f4") or fortran or len(shape) != 2 or shape[0] != sum(sizes):
        raise ValueError("not the float32 matrix the header describes")
    width = shape[1] * dtype.itemsize
    for start in range(0, len(sizes), BLOCK):
        chunk = sizes[start : start + BLOCK]
        data = member.read(width * sum(chunk))
        if len(data) != width * sum(chunk):
            raise EOFError("matrix cut short")
        offsets = np.cumsum([0, *chunk]) * width
        yield [data[offsets[i] : offsets[i + 1]] for i in range(len(chunk))]


def _phrase_rows(archive: zipfile.ZipFile) -> Iterator[tuple[list[Any], list[Any]]]:
    """Yield blocks of `phrases` rows from a legacy phrases file."""
    from generator.keyphrases.cache import embedder_key, row_digest

    texts, embedder = _header(archive, "texts", "embedder", str)
    key = embedder_key(embedder)
    with archive.open("vectors.npy") as member:
        for start, block in enumerate(_blocks(member, [1] * len(texts))):
            names = [str(text) for text in texts[start * BLOCK : start * BLOCK + len(block)]]
            pairs = zip(names, block, strict=True)
            yield [], [(key, name, vector, row_digest(key, name, vector)) for name, vector in pairs]


def _paper_rows(archive: zipfile.ZipFile) -> Iterator[tuple[list[Any], list[Any]]]:
    """Yield blocks of `papers` rows from a legacy results file."""
    from generator.keyphrases.cache import identity_key, row_digest

    entries, identity = _header(archive, "docs", "identity", dict)
    key = identity_key(identity)
    sizes = [len(phrases) for _, phrases in entries]
    with archive.open("doc_vectors.npy") as docs, archive.open("phrase_vectors.npy") as phrases:
        done = 0
        blocks = zip(_blocks(docs, [1] * len(entries)), _blocks(phrases, sizes), strict=True)
        for vectors, matrices in blocks:
            rows = []
            for (hashed, found), vector, matrix in zip(
                entries[done : done + len(vectors)], vectors, matrices, strict=True
            ):
                text = json.dumps([[str(t), float(s)] for t, s in found], ensure_ascii=False)
                rows.append((key, str(hashed), text, matrix, vector,
                             row_digest(key, str(hashed), text, matrix, vector)))  # fmt: skip
            done += len(vectors)
            yield rows, []
