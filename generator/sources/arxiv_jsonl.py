"""Reader: to be written (placeholder while the readers are built in parallel)."""

from __future__ import annotations

from generator.sources.formats import Parsed, Source


def read(source: Source) -> Parsed:
    raise NotImplementedError(source.path)
