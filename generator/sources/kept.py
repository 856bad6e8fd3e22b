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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from generator.blobs import BlobStore, source_digest

STORE = "digests/read.sqlite"
CODE = Path(__file__).resolve().parent


def code_digest() -> str:
    """Digest the readers' code (every module of `generator.sources`, and the model)."""
    return source_digest([*CODE.glob("*.py"), CODE.parent / "model.py"])


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
    """The kept readings of this build's files (their keys), read from the store at once."""

    def __init__(self, cache_dir: Path | None, keys: Iterable[str | None]) -> None:
        self.store = BlobStore(
            cache_dir / STORE if cache_dir is not None else None, "reads", "blob"
        )
        self.used = {key for key in keys if key is not None}
        self.found = self.store.get(self.used)
        self.fresh: dict[str, bytes] = {}

    def read(self, key: str | None, read: Callable[[], object]) -> object:
        """Return the kept reading of `key`, else `read()` (kept for the next build)."""
        if key is None or self.store.path is None:
            return read()
        if key in self.found:
            try:
                found: object = pickle.loads(self.found[key])  # checked by hash; see the module
                return found
            except Exception:  # any damage: the file is read again
                pass
        result = read()
        with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError):
            self.fresh[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        return result

    def save(self) -> None:
        """Write the readings made now and drop the rows no file of this build used."""
        if self.fresh:
            self.store.put(self.fresh, self.used)
