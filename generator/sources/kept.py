"""Digests read by an earlier build, kept: a day's build parses the day's digest, not the year.

Reading a digest (`read_one`) is a function of its bytes, the bytes of its sidecars (metadata
and format, enrich), its name and place, the default year, the format asked for, and the
readers' code. A build keeps each file's reading in the cache folder (`digests/read.sqlite`,
pickled, with the SHA-256 of the pickle) under a key that hashes all of these; the next build
reads a file again only when its key is new. A row that does not match its hash, or does not
unpickle, is read again; a store that cannot be read or written is no store (every file is
read). The cache folder is the editor's own, like the rest of `.cache/`, so its pickles are
trusted as far as that folder is.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

STORE = "digests/read.sqlite"
_SCHEMA = "CREATE TABLE IF NOT EXISTS reads (key TEXT PRIMARY KEY, blob BLOB, sha256 TEXT)"
CODE = Path(__file__).resolve().parent


def code_digest() -> str:
    """Digest the readers' code (every module of `generator.sources`, and the model)."""
    digest = hashlib.sha256()
    for path in [*sorted(CODE.glob("*.py")), CODE.parent / "model.py"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def file_key(code: str, path: Path, sidecars: Sequence[Path], *given: object) -> str | None:
    """Return the key of one file's reading (its bytes, and those of every sidecar file its
    reading reads: `<name>.yml`, `<name>.yaml`, `<name>.arxiv.yml`); None when a file cannot
    be read (the reading is then not kept)."""
    digest = hashlib.sha256(code.encode())
    digest.update(repr((path.name, *given)).encode())
    try:
        digest.update(path.read_bytes())
        for sidecar in sidecars:
            data = sidecar.read_bytes() if sidecar.is_file() else None
            digest.update(b"\0absent" if data is None else len(data).to_bytes(8, "big") + data)
    except OSError:
        return None
    return digest.hexdigest()


class Kept:
    """The kept readings of one cache folder, opened for one build."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.path = cache_dir / STORE if cache_dir is not None else None
        self.code = code_digest()
        self.used: set[str] = set()
        self.fresh: dict[str, bytes] = {}

    def read(self, key: str | None, read: Callable[[], object]) -> object:
        """Return the kept reading of `key`, else `read()` (kept for the next build)."""
        if key is None or self.path is None:
            return read()
        self.used.add(key)
        found = self._load(key)
        if found is not None:
            return found
        result = read()
        with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError):
            self.fresh[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        return result

    def _load(self, key: str) -> object | None:
        if self.path is None or not self.path.is_file():
            return None
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as db:
                row = db.execute("SELECT blob, sha256 FROM reads WHERE key = ?", (key,)).fetchone()
            if row is None or hashlib.sha256(row[0]).hexdigest() != row[1]:
                return None
            found: object = pickle.loads(row[0])  # checked above; see the module
            return found
        except Exception:  # any damage: the file is read again
            return None

    def save(self) -> None:
        """Write the readings made now and drop the rows no file of this build used."""
        if self.path is None or not self.fresh:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(sqlite3.connect(self.path)) as db, db:
                db.execute(_SCHEMA)
                for key, blob in sorted(self.fresh.items()):
                    sha = hashlib.sha256(blob).hexdigest()
                    db.execute("INSERT OR REPLACE INTO reads VALUES (?, ?, ?)", (key, blob, sha))
                stale = [k for (k,) in db.execute("SELECT key FROM reads") if k not in self.used]
                _delete(db, stale)
        except (sqlite3.Error, OSError):
            return


def _delete(db: sqlite3.Connection, keys: Iterable[str]) -> None:
    for key in keys:
        db.execute("DELETE FROM reads WHERE key = ?", (key,))
