"""Where the page cache (`pagecache.py`) keeps pages: one SQLite database in its folder.

A page is kept under its key with its HTML, zlib-compressed (a third of the size, which
matters where the cache itself is cached, as in GitHub Actions), and its entry (what the page
looked up among the files, its anchors, the shared files it refers to). A build reads every
entry, then the HTML of the pages it can reuse; a build that succeeded writes its new pages
and deletes the pages no page of it used, in one transaction: an interrupted build leaves the
last whole store; when more than half of its file is free space, it is compacted (VACUUM).
One database rather than a file a page: a day's build writes thousands of
pages, and creating and deleting that many files in one folder took seconds (in one profiled
build at 60 days, 4.5 s to create 7,000).

A store that does not read (damaged, or not a database) is an empty cache: the next save
makes it anew. Each row carries the SHA-256 of what it holds, checked when its HTML is read:
a row changed since (bytes flipped, HTML moved from another row) is rendered again. A save
that finds the disk full raises OSError (ENOSPC) naming the store, which
stays as the last build left it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.errors import says_no_space

STORE_FILE = "pages.sqlite"
# What earlier versions kept a file a page in; removed when the store is written.
LEGACY_FILES = ("index.json", "*.html")
# sha256: of the row's key, entry and compressed HTML, checked when the HTML is read (a row
# changed since it was written is not used). A store without it is made anew.
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, entry TEXT, html BLOB, sha256 TEXT)"
)
# zlib's fastest level: a page of 16 KB keeps 3 KB.
_LEVEL = 1


@dataclass(frozen=True)
class Entry:
    """What the cache keeps of a page beside its HTML: the file lookups its Markdown made,
    its anchors, the site paths of the files it refers to."""

    lookups: dict[str, list[str] | None]
    anchors: list[str]
    files: list[str]

    def to_json(self) -> str:
        return json.dumps(
            {"lookups": self.lookups, "anchors": self.anchors, "files": self.files},
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Entry:
        value = json.loads(text)
        return cls(dict(value["lookups"]), list(value["anchors"]), list(value["files"]))


class PageStore:
    """The pages kept in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / STORE_FILE

    def entries(self) -> dict[str, Entry]:
        """Return every page's entry by key; nothing when the store does not read."""
        try:
            with self._connection(create=False) as db:
                rows = db.execute("SELECT key, entry FROM pages").fetchall()
            return {key: Entry.from_json(entry) for key, entry in rows}
        except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def html(self, keys: Iterable[str]) -> dict[str, str]:
        """Return the HTML kept under each of `keys` that is there."""
        wanted = list(keys)
        found: dict[str, str] = {}
        try:
            with self._connection(create=False) as db:
                for start in range(0, len(wanted), 500):  # within SQLite's limit on parameters
                    chunk = wanted[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    query = f"SELECT key, entry, html, sha256 FROM pages WHERE key IN ({marks})"
                    for key, entry, data, sha256 in db.execute(query, chunk):
                        digest = _row_digest(key, entry, data)
                        if digest is not None and digest == sha256:  # else: rendered again
                            found[key] = zlib.decompress(data).decode("utf-8")
        except (sqlite3.Error, zlib.error, TypeError, UnicodeDecodeError):
            return {}
        return found

    def save(self, fresh: Mapping[str, tuple[str, Entry]], used: Iterable[str]) -> None:
        """Keep the `fresh` pages (key -> (HTML, entry)), and of the rest only the `used`."""
        rows = []
        for key, (html, entry) in fresh.items():
            text, data = entry.to_json(), zlib.compress(html.encode("utf-8"), _LEVEL)
            rows.append((key, text, data, _row_digest(key, text, data) or ""))
        try:
            self._save(rows, used)
        except sqlite3.DatabaseError as error:  # not a database, or damaged: start anew
            if says_no_space(error):  # the store is whole, as the last build left it
                raise OSError(errno.ENOSPC, str(error), str(self.path)) from None
            self.path.unlink(missing_ok=True)
            self._save(rows, used)
        for pattern in LEGACY_FILES:
            for path in self.folder.glob(pattern):
                path.unlink(missing_ok=True)

    def _save(self, rows: list[tuple[str, str, bytes, str]], used: Iterable[str]) -> None:
        with self._connection(create=True) as db, db:  # one transaction
            db.execute(_SCHEMA)
            db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", rows)
            db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
            db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((row[0],) for row in rows))
            db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((key,) for key in used))
            db.execute("DELETE FROM pages WHERE key NOT IN (SELECT key FROM used)")
        with self._connection(create=True) as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            free = db.execute("PRAGMA freelist_count").fetchone()[0]
            if 2 * free > pages:
                db.execute("VACUUM")

    @contextlib.contextmanager
    def _connection(self, create: bool) -> Iterator[sqlite3.Connection]:
        if not create and not self.path.is_file():
            raise sqlite3.OperationalError("no store yet")
        self.folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level="DEFERRED")
        try:
            yield db
        finally:
            db.close()


def _row_digest(key: object, entry: object, data: object) -> str | None:
    """Hash a row as it is written; a row read back that hashes otherwise is not used."""
    if not (isinstance(key, str) and isinstance(entry, str) and isinstance(data, bytes)):
        return None
    digest = hashlib.sha256(f"{key}\0{entry}\0".encode())
    digest.update(data)
    return digest.hexdigest()
