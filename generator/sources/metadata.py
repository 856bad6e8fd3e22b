"""Issue metadata: a YAML front-matter block at the top of a digest, or a `<digest>.yml` sidecar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.model import Location, Problem
from generator.sources.text import clean_text

FENCE = "---"
_KEYS = {"title", "number", "date", "year", "intro", "format"}


@dataclass(frozen=True)
class IssueMeta:
    """What a digest may say about its issue; None where it says nothing."""

    title: str | None = None
    number: int | None = None
    date: dt.date | None = None
    year: int | None = None
    intro: str | None = None
    format: str | None = None  # a format key (`ris`, `hf-text`): read the digest in it


def split_front_matter(lines: list[str]) -> tuple[list[str], int]:
    """Return the front-matter lines (without fences) and how many lines the block takes."""
    if not lines or lines[0].strip() != FENCE:
        return [], 0
    for index in range(1, len(lines)):
        if lines[index].strip() == FENCE:
            return lines[1:index], index + 1
    return [], 0


def parse_meta(text: str, path: str, first_line: int) -> tuple[IssueMeta, list[Problem]]:
    """Validate a YAML mapping of issue metadata; problems name the file and line."""
    try:
        raw = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        line, why = _yaml_fault(exc, text)
        problem = Problem(
            Location(path, first_line + line),
            f"issue metadata is not valid YAML ({why})",
            "fix the YAML or remove the block; papers are still read",
        )
        return IssueMeta(), [problem]
    where = Location(path, first_line)
    if not isinstance(raw, dict):
        hint = "write keys such as `title: Issue 12` and `date: 2025-03-11`"
        return IssueMeta(), [Problem(where, "issue metadata is not a mapping", hint)]
    problems = [
        Problem(where, f"unknown issue metadata key {key!r}", f"use one of {sorted(_KEYS)}")
        for key in sorted(set(map(str, raw)) - _KEYS)
    ]
    values: dict[str, Any] = {}
    checks: dict[str, tuple[type, str]] = {
        "title": (str, "write the title as text"),
        "intro": (str, "write the intro as text"),
        "format": (str, "write a format key such as ris or hf-text"),
        "number": (int, "write a whole number like 12"),
        "year": (int, "write a year like 2025"),
        "date": (dt.date, "write the date as YYYY-MM-DD"),
    }
    for key, (kind, hint) in checks.items():
        value = raw.get(key)
        if value is None:
            continue
        if kind is int and isinstance(value, bool):
            value = None
        if isinstance(value, dt.datetime):
            value = value.date()
        if kind is str and isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, kind):
            problems.append(Problem(where, f"issue metadata {key!r} is {raw[key]!r}", hint))
            continue
        values[key] = clean_text(value) if isinstance(value, str) else value
    return IssueMeta(**values), problems


def _yaml_fault(error: yaml.YAMLError, text: str) -> tuple[int, str]:
    """Return the 0-based line of a YAML error and what it says, for any kind of YAML error."""
    if isinstance(error, yaml.MarkedYAMLError):
        return (error.problem_mark.line if error.problem_mark else 0), str(error.problem)
    if isinstance(error, yaml.reader.ReaderError):
        line = text[: error.position].count("\n")
        return line, f"character U+{int(error.character):04X} is not allowed"
    return 0, str(error)


def sidecar_for(digest: Path) -> Path | None:
    """Return the `<digest>.yml` (or .yaml) file beside a digest, if there is one."""
    for suffix in (".yml", ".yaml"):
        candidate = digest.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def merge_meta(front: IssueMeta, sidecar: IssueMeta) -> IssueMeta:
    """Combine front matter and sidecar; the front matter wins key by key."""
    return IssueMeta(
        **{
            key: getattr(front, key) if getattr(front, key) is not None else getattr(sidecar, key)
            for key in IssueMeta.__dataclass_fields__
        }
    )
