"""The format a digest is asked to be read in, when its content would be guessed wrong.

`paper-digest check --format KEY` asks for one run; a `format: KEY` line in the digest's sidecar
(`<digest>.yml`) asks for every build. The front matter cannot ask: it is read once the format
is known.
"""

from __future__ import annotations

from pathlib import Path

from generator.model import Location, Problem, Severity
from generator.sources.formats import FORMAT_KEYS, Format
from generator.sources.metadata import IssueMeta, parse_meta, sidecar_for


def asked_format(path: Path, forced: Format | None) -> tuple[Format | None, str]:
    """The format asked for: `--format`, else the sidecar's `format:` key (a wrong key is
    reported with the sidecar's other problems, and the content decides)."""
    if forced is not None:
        return forced, "forced with --format"
    side = sidecar_for(path)
    if side is None:
        return None, ""
    try:
        meta, _ = parse_meta(side.read_text(encoding="utf-8-sig", errors="replace"), "", 1)
    except OSError:
        return None, ""
    found = FORMAT_KEYS.get(meta.format or "")
    return found, f"`format: {meta.format}` in {side.name}"


def format_problems(front: IssueMeta, side: IssueMeta, display: str) -> list[Problem]:
    """`format:` is read from the sidecar only (the front matter is read once the format is
    known), and must name a format."""
    where = Location(display, 1)
    if front.format is not None:
        hint = f"move it to the sidecar {Path(display).stem}.yml beside the digest"
        return [Problem(where, "`format:` in front matter is not read", hint, Severity.WARNING)]
    if side.format is not None and side.format not in FORMAT_KEYS:
        hint = "use one of " + ", ".join(sorted(FORMAT_KEYS)) + "; the content decides meanwhile"
        return [Problem(where, f"unknown format {side.format!r} in the sidecar", hint)]
    return []
