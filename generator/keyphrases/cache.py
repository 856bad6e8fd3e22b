"""The on-disk keyphrase cache: one SQLite database, a row a paper and a row a phrase.

``keyphrases.sqlite`` in the cache folder holds two tables:

- ``papers``: per paper (keyed by a hash of its title and text, and by a hash of everything
  that decides its keyphrases: the format, the extractor version, the embedder's name and
  every setting) the chosen keyphrases, their vectors and the paper's vector. A build reads the
  rows of the papers it has, nothing else; a rebuild with nothing new loads no model.
- ``phrases``: the vector of every candidate phrase embedded so far (keyed by the embedder's
  name), read only for the phrases of the papers a build must embed, so a new paper embeds only
  the phrases no earlier paper had.

The database is in WAL mode and the embedding step commits after every chunk of papers: a
build that is killed keeps every chunk it finished, and the next one embeds only the rest. A
day's build reads its papers' rows and writes its new ones; it never loads or rewrites the
whole cache. Vectors are kept as little-endian float32 bytes, bit for bit.

Damage is a miss, never an error: each row carries a BLAKE2 digest of its keys and content,
and a row that does not hash so, or whose vectors are not finite float32 of the right shape,
is embedded again (and rewritten); a file that is not a database, or a damaged one, is removed
and made anew. A disk that fills up raises OSError (ENOSPC) naming the store; the chunks
committed before stay.

The ``.npz`` files of earlier versions (``results-*.npz``, ``phrases-*.npz``) are read into the
store when it is opened, once for each version of them (`legacy`): nothing is embedded again.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import resource
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.errors import says_no_space
from generator.model import Keyphrase

STORE_FILE = "keyphrases.sqlite"
STORE_FORMAT = 2  # 1 was the .npz files
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 14, 26
MIN_FREE = 1 << 20  # bytes: a filesystem with less is full for SQLite's page writes
BUSY_TIMEOUT_MS = 60_000  # another process (`paper-digest keyphrases`) writing a chunk
WAL_TRIES = 200  # 10 s of tries to switch a new store to WAL while another run does (_wal)
# 8 KiB pages hold five phrase rows (1.6 KB each) with little left over: at 10,000 papers a
# store of 277 MB against 317 MB with SQLite's default 4 KiB (the .npz files: 256 MB).
PAGE_SIZE = 8192
PARAMETERS = 500  # keys per query, well within SQLite's limit
_FLOAT = np.dtype("<f4")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS papers (identity TEXT, text_hash TEXT, keyphrases TEXT, "
    "phrase_vectors BLOB, vector BLOB, digest BLOB, PRIMARY KEY (identity, text_hash))",
    "CREATE TABLE IF NOT EXISTS phrases (embedder TEXT, text TEXT, vector BLOB, digest BLOB, "
    "PRIMARY KEY (embedder, text))",
)


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


def identity_key(identity: Mapping[str, Any]) -> str:
    """Return the key of one embedder and set of settings (what named a results-*.npz)."""
    return text_hash(json.dumps(identity, sort_keys=True))


def embedder_key(embedder: str) -> str:
    """Return the key of one embedder's phrase vectors (what named a phrases-*.npz)."""
    return text_hash(embedder)


def is_damage(error: sqlite3.Error) -> bool:
    """Tell whether SQLite found a file that is not a database, or a damaged one."""
    if isinstance(error, sqlite3.OperationalError):  # locked, busy, read-only, I/O...
        return False
    code = getattr(error, "sqlite_errorcode", None)
    return code in (SQLITE_CORRUPT, SQLITE_NOTADB) or type(error) is sqlite3.DatabaseError


def row_digest(*parts: str | bytes) -> bytes:
    """Hash a row's keys and content, each part length-prefixed."""
    chunks: list[bytes] = []
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        chunks += (len(data).to_bytes(8, "big"), data)
    return hashlib.blake2b(b"".join(chunks), digest_size=16).digest()


def _floats(data: object, rows: int, dim: int | None = None) -> np.ndarray | None:
    """Return `rows` finite float32 rows from bytes (a fresh, writable copy), or None."""
    if not isinstance(data, bytes) or rows < 0:
        return None
    count = len(data) // _FLOAT.itemsize
    if len(data) % _FLOAT.itemsize or (rows and count % rows) or (not rows and count):
        return None
    width = count // rows if rows else (dim or 0)
    if dim is not None and width != dim:
        return None
    matrix = np.frombuffer(data, dtype=_FLOAT).astype(np.float32).reshape(rows, width)
    return matrix if np.isfinite(matrix).all() else None


def _paper_row(
    key: str, text_hash_: str, doc: CachedDoc
) -> tuple[str, str, str, bytes, bytes, bytes]:
    """Return the `papers` row of one paper."""
    phrases = json.dumps([[kp.text, kp.score] for kp in doc.keyphrases], ensure_ascii=False)
    matrix = np.ascontiguousarray(doc.phrase_vectors, dtype=_FLOAT).tobytes()
    vector = np.ascontiguousarray(doc.vector, dtype=_FLOAT).tobytes()
    digest = row_digest(key, text_hash_, phrases, matrix, vector)
    return key, text_hash_, phrases, matrix, vector, digest


def _checked(row: Sequence[Any]) -> tuple[str, tuple[Keyphrase, ...], bytes, bytes] | None:
    """Return a `papers` row's text hash, keyphrases and vector bytes when its types, digest
    and sizes are right (its numbers are checked with its batch's), else None."""
    key, hashed, phrases, matrix, vector, digest = row
    if not all(isinstance(part, str) for part in (key, hashed, phrases)):
        return None
    if not isinstance(matrix, bytes) or not isinstance(vector, bytes):
        return None
    if digest != row_digest(key, hashed, phrases, matrix, vector):
        return None
    try:
        keyphrases = tuple(
            Keyphrase(str(text), float(score)) for text, score in json.loads(phrases)
        )
    except (ValueError, TypeError):
        return None
    if not vector or len(vector) % _FLOAT.itemsize or len(matrix) != len(vector) * len(keyphrases):
        return None
    return hashed, keyphrases, matrix, vector


def _unpack(rows: Sequence[Sequence[Any]]) -> dict[str, CachedDoc]:
    """Return the papers of a batch of `papers` rows, a bad row left out; the batch's vectors
    are unpacked at once, into two arrays the papers share."""
    good = [checked for checked in map(_checked, rows) if checked is not None]
    if not good:
        return {}
    dim = len(good[0][3]) // _FLOAT.itemsize
    good = [checked for checked in good if len(checked[3]) == dim * _FLOAT.itemsize]
    vectors = np.frombuffer(bytearray().join(g[3] for g in good), _FLOAT).reshape(-1, dim)
    matrices = np.frombuffer(bytearray().join(g[2] for g in good), _FLOAT).reshape(-1, dim)
    ends = np.cumsum([len(g[1]) for g in good])
    bad = np.logical_not(np.isfinite(vectors).all(axis=1), dtype=bool)
    bad[np.searchsorted(ends, np.flatnonzero(~np.isfinite(matrices).all(axis=1)), "right")] = True
    docs: dict[str, CachedDoc] = {}
    for index, (hashed, keyphrases, _, _) in enumerate(good):
        if not bad[index]:
            end = int(ends[index])
            docs[hashed] = CachedDoc(
                keyphrases, matrices[end - len(keyphrases) : end], vectors[index]
            )
    return docs


def _wal(db: sqlite3.Connection) -> None:
    """Put the store in WAL mode. Two runs that open a new store at once (a build and
    `paper-digest keyphrases`) race to switch it, and SQLite answers the loser "database is
    locked" at once, without waiting out the busy timeout: it tries again, a while."""
    for attempt in range(WAL_TRIES):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == WAL_TRIES - 1:
                raise
            time.sleep(0.05)


class KeyphraseStore:
    """The keyphrase cache in `folder` (None: kept in memory for one run, nothing written)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.path = folder / STORE_FILE if folder is not None else None
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> KeyphraseStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database (every chunk is already committed)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def papers(self, identity: str, hashes: Iterable[str]) -> dict[str, CachedDoc]:
        """Return the cached papers among `hashes` (of one identity); a bad row is left out."""
        wanted = sorted(set(hashes))
        found: dict[str, CachedDoc] = {}
        query = "SELECT identity, text_hash, keyphrases, phrase_vectors, vector, digest FROM papers"
        for rows in self._select(query, "identity", identity, "text_hash", wanted):
            found.update(_unpack([row for row in rows if row[0] == identity]))
        return found

    def phrases(
        self, embedder: str, texts: Iterable[str], dim: int | None = None
    ) -> dict[str, np.ndarray]:
        """Return the cached vectors among `texts` (of one embedder); a bad row is left out."""
        wanted = sorted(set(texts))
        found: dict[str, np.ndarray] = {}
        query = "SELECT embedder, text, vector, digest FROM phrases"
        for rows in self._select(query, "embedder", embedder, "text", wanted):
            for key, text, vector, digest in rows:
                if not isinstance(text, str) or not isinstance(vector, bytes):
                    continue
                if key != embedder or digest != row_digest(key, text, vector):
                    continue
                matrix = _floats(vector, 1, dim)
                if matrix is not None:
                    found[text] = matrix[0]
        return found

    def _select(
        self, query: str, kind: str, value: str, column: str, wanted: list[str]
    ) -> Iterator[list[Any]]:
        """Yield the rows of `query` for `wanted` keys, a batch at a time; damage gives none."""
        for start in range(0, len(wanted), PARAMETERS):
            batch = wanted[start : start + PARAMETERS]
            marks = ",".join("?" * len(batch))
            sql = f"{query} WHERE {kind} = ? AND {column} IN ({marks})"
            try:
                rows = self._connection().execute(sql, [value, *batch]).fetchall()
            except sqlite3.DatabaseError as error:
                if not is_damage(error):
                    raise
                self._reset()
                return
            yield rows

    def save(
        self,
        identity: str,
        papers: Mapping[str, CachedDoc],
        embedder: str,
        phrases: Mapping[str, np.ndarray],
    ) -> None:
        """Keep new papers and phrase vectors, in one transaction (committed when it returns)."""
        paper_rows = [_paper_row(identity, key, papers[key]) for key in sorted(papers)]
        phrase_rows = []
        for text in sorted(phrases):
            vector = np.ascontiguousarray(phrases[text], dtype=_FLOAT).tobytes()
            phrase_rows.append((embedder, text, vector, row_digest(embedder, text, vector)))
        self.insert(paper_rows, phrase_rows, replace=True)

    def insert(
        self,
        paper_rows: Iterable[tuple[Any, ...]],
        phrase_rows: Iterable[tuple[Any, ...]],
        replace: bool,
    ) -> None:
        """Write rows in one transaction; a damaged store is made anew and written once more."""
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        papers, phrases = list(paper_rows), list(phrase_rows)
        for attempt in (1, 2):
            try:
                with self._connection() as db:  # one transaction
                    db.executemany(f"{verb} INTO papers VALUES (?, ?, ?, ?, ?, ?)", papers)
                    db.executemany(f"{verb} INTO phrases VALUES (?, ?, ?, ?)", phrases)
                return
            except sqlite3.DatabaseError as error:
                self._raise_if_no_room(error)
                if not is_damage(error) or attempt == 2:
                    raise
                self._reset()

    def note(self, name: str) -> str | None:
        """Return what the store noted under `name` (see `set_note`), if anything."""
        row = self._connection().execute("SELECT value FROM meta WHERE name = ?", (name,))
        found = row.fetchone()
        return found[0] if found is not None and isinstance(found[0], str) else None

    def set_note(self, name: str, value: str) -> None:
        """Note a small text in the store (its format, the legacy files it has read)."""
        with self._connection() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def _connection(self) -> sqlite3.Connection:
        """Open the store once: its tables made, a store of another format or a damaged one
        made anew, the files of earlier versions read in."""
        if self._db is None:
            try:
                self._db = self._open()
            except sqlite3.DatabaseError as error:
                self._raise_if_no_room(error)
                if not is_damage(error):
                    raise
                self._reset()
                self._db = self._open()
            if self.folder is not None:
                from generator.keyphrases.legacy import migrate

                migrate(self.folder, self)
        return self._db

    def _open(self) -> sqlite3.Connection:
        """Connect, in WAL mode, and check the format."""
        if self.path is None:
            db = sqlite3.connect(":memory:")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        # A damaged row's text that is not UTF-8 reads (and then fails its digest), not raises.
        db.text_factory = lambda data: data.decode("utf-8", "replace")
        try:
            db.execute(f"PRAGMA page_size={PAGE_SIZE}")  # a new store's: before its tables
            _wal(db)
            db.execute("PRAGMA synchronous=NORMAL")  # a commit survives a killed process
            with db:
                for statement in _SCHEMA:
                    db.execute(statement)
                row = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
                if row is None:
                    db.execute("INSERT INTO meta VALUES ('format', ?)", (str(STORE_FORMAT),))
                elif row[0] != str(STORE_FORMAT):
                    raise sqlite3.DatabaseError(f"store format {row[0]!r}")
        except BaseException:
            db.close()
            raise
        return db

    def _raise_if_no_room(self, error: sqlite3.Error) -> None:
        """Raise OSError (ENOSPC, EFBIG) for a write SQLite could not make for want of room:
        it says so ("database or disk is full"), or fails to write or create a file (an I/O
        error) on a full filesystem or under a file size limit (ulimit -f)."""
        if says_no_space(error):
            raise OSError(errno.ENOSPC, str(error), str(self.path)) from None
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        if self.folder is None or code not in (SQLITE_IOERR, SQLITE_CANTOPEN):
            return
        full = False
        with contextlib.suppress(OSError):
            room = os.statvfs(self.folder)
            full = room.f_bavail * room.f_frsize < MIN_FREE or bool(
                room.f_files and not room.f_favail
            )
        if full:
            raise OSError(errno.ENOSPC, str(error), str(self.path)) from None
        if resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:
            raise OSError(errno.EFBIG, str(error), str(self.path)) from None

    def _reset(self) -> None:
        """Remove a damaged store (and its WAL); the next query makes it anew."""
        self.close()
        if self.path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
