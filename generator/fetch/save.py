"""Save a fetched listing in the digests folder: whole or not at all, never over other bytes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from generator.atomic import write_atomic
from generator.fetch.client import FetchError
from generator.sources import READERS
from generator.sources.decode import decode_digest
from generator.sources.formats import Format, Source


class Outcome(enum.Enum):
    SAVED = "saved"  # a new file
    UNCHANGED = "unchanged"  # the file held these very bytes already
    REPLACED = "replaced"  # the file held other bytes; --force replaced them


@dataclass(frozen=True)
class Fetched:
    """What a fetch did: the file, the papers in it, and whether it was written."""

    path: Path
    papers: int
    outcome: Outcome


def save(path: Path, body: bytes, papers: int, *, force: bool, shown: str) -> Fetched:
    """Write `body` to `path` atomically; refuse to replace other bytes unless `force`.

    `shown` is how messages name the file (relative to the project).
    """
    try:
        old: bytes | None = path.read_bytes()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise FetchError(f"{shown}: cannot read it ({exc.strerror}); nothing written") from None
    if old == body:
        return Fetched(path, papers, Outcome.UNCHANGED)
    if old is not None and not force:
        raise FetchError(
            f"{shown} exists and differs from the listing just fetched; kept it as it is",
            "pass --force to replace it",
        )
    write_atomic(path, body)
    return Fetched(path, papers, Outcome.REPLACED if old is not None else Outcome.SAVED)


def papers_in(body: bytes, kind: Format) -> int:
    """Count the papers a build will read from `body`, read as a digest of `kind` is."""
    text, _ = decode_digest(body, "fetched")
    return 0 if text is None else len(READERS[kind](Source("fetched", text)).entries)
