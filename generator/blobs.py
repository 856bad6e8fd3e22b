"""Keyed blobs in one SQLite table, each row checked by its SHA-256: what a build keeps for the
next one (`sources/kept.py`: digests read; `site/rendered.py`: paper pages).

A row is (key, bytes, SHA-256 of the bytes). `get` returns the rows of the keys asked for whose
bytes still hash as written; a store that does not read is empty. `put` writes new rows and
drops those no longer wanted, in one transaction; a store that cannot be written is left as it
is (what it lacks is made again next time).
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

BATCH = 500  # keys a query names at once (SQLite's limit of variables is higher)


def source_digest(paths: Iterable[Path]) -> str:
    """Digest files by name and bytes, in path order (the code a cached result depends on)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file():
            data = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


class BlobStore:
    """One table of keyed, hashed blobs in a SQLite file (`table` and `column` name them)."""

    def __init__(self, path: Path | None, table: str, column: str) -> None:
        self.path, self.table, self.column = path, table, column

    def _open(self) -> sqlite3.Connection:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} "
            f"(key TEXT PRIMARY KEY, {self.column} BLOB, sha256 TEXT)"
        )
        return db

    def get(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the bytes of each key held whole; {} when the store does not read."""
        if self.path is None or not self.path.is_file():
            return {}
        wanted = sorted(set(keys))
        found: dict[str, bytes] = {}
        asked = f"SELECT key, {self.column}, sha256 FROM {self.table} WHERE key IN "
        try:
            with contextlib.closing(self._open()) as db:
                for start in range(0, len(wanted), BATCH):
                    part = wanted[start : start + BATCH]
                    for key, blob, sha in db.execute(f"{asked}({','.join('?' * len(part))})", part):
                        if isinstance(blob, bytes) and hashlib.sha256(blob).hexdigest() == sha:
                            found[key] = blob
        except sqlite3.Error:
            return {}
        return found

    def put(self, new: Mapping[str, bytes], keep: Iterable[str]) -> None:
        """Write `new` and drop every row whose key is not in `keep` (nor in `new`)."""
        if self.path is None:
            return
        kept = set(keep) | set(new)
        try:
            with contextlib.closing(self._open()) as db, db:
                for key, blob in sorted(new.items()):
                    row = (key, blob, hashlib.sha256(blob).hexdigest())
                    db.execute(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?)", row)
                stale = [k for (k,) in db.execute(f"SELECT key FROM {self.table}") if k not in kept]
                for start in range(0, len(stale), BATCH):
                    part = stale[start : start + BATCH]
                    marks = ",".join("?" * len(part))
                    db.execute(f"DELETE FROM {self.table} WHERE key IN ({marks})", part)
        except (sqlite3.Error, OSError):
            return
