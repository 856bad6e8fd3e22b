"""Replace a file atomically: readers see the old bytes or the new ones, never a torn file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

FILE_MODE = 0o644  # what a plain write under a usual umask gives; mkstemp alone gives 0600


def write_atomic(
    path: Path, data: bytes | memoryview, *, durable: bool = True, mode: int = FILE_MODE
) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.

    `durable` forces the bytes to disk before the rename (caches, mail files: what a crash must
    not lose); files that are regenerated on every build skip that cost. The parent folder is
    created if missing. On any failure the temporary file is removed and `path` keeps its old
    content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        Path(temp).chmod(mode)
        Path(temp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        raise
