"""The English word lists that decide what can be a keyphrase: data, with settings on top.

The lists live in `vocabulary.toml` beside this module (the default, tuned on machine-learning
papers). `extra.paper_digest.keyphrases` in mkdocs.yml can replace lists with a file of its own
(`vocabulary`) and add or remove single words (`add`, `remove`); `Vocabulary.digest` keys the
keyphrase cache, so a changed list is a changed extraction.

Two lists say "too general", for two jobs: `vague` words never start or make a candidate phrase
("novel approach"), `broad` words never make a keyphrase or a topic on their own ("learning",
"model"). A word can be in both; they are kept apart because each is tuned against its own
measure (keyphrase F1 on Inspec, topic specificity on the demo).
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from generator.errors import ConfigError
from generator.model import Location

DEFAULT_FILE = "vocabulary.toml"


@dataclass(frozen=True)
class Vocabulary:
    """The word lists of keyphrase extraction, lower case; see vocabulary.toml for each."""

    stop: frozenset[str]
    vague: frozenset[str]
    ing_nouns: frozenset[str]
    verb_like: frozenset[str]
    participles: frozenset[str]
    ly_adjectives: frozenset[str]
    broad: frozenset[str]

    @functools.cached_property
    def generic(self) -> frozenset[str]:
        """Return the words that are never a keyphrase alone: broad and vague ones."""
        return self.broad | self.vague

    @functools.cached_property
    def digest(self) -> str:
        """Return a hash of every list, the same in every process: it keys the cache."""
        text = "\n".join(f"{name}: {' '.join(sorted(words))}" for name, words in self.lists())
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    def lists(self) -> list[tuple[str, frozenset[str]]]:
        """Return (name, words) of every list, in the order of the fields."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


LIST_NAMES = tuple(f.name for f in fields(Vocabulary))


def _words(value: Any, where: str, location: Location | None = None) -> frozenset[str]:
    """Return the lower-case words of a list given as "a b c" or ["a", "b", "c"]."""
    if isinstance(value, str):
        return frozenset(value.lower().split())
    if isinstance(value, list) and all(isinstance(word, str) for word in value):
        return frozenset(w for word in value for w in word.lower().split())
    raise ConfigError(
        f"{where}: expected words as one text or a list of texts, got {value!r}",
        'write for example: vague = "novel new proposed"',
        location,
    )


def _lists(raw: Mapping[str, Any], where: str, at: Any = None) -> dict[str, Any]:
    """Check that a mapping names only known lists (`at` locates a name); return it."""
    for name in sorted(raw, key=str):
        if name not in LIST_NAMES:
            location = at(name) if at is not None else None
            prefix = f"{where}: " if location is None else ""
            raise ConfigError(
                f"{prefix}unknown word list {name!r}",
                f"known lists: {', '.join(LIST_NAMES)}",
                location,
            )
    return dict(raw)


def parse_vocabulary(text: str, origin: str, base: Vocabulary | None = None) -> Vocabulary:
    """Read word lists from TOML text: each list it names replaces base's (default: built in)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _line_of(str(exc), text)
        raise ConfigError(
            f"not a valid word-list file: {exc}", "fix the line", Location(origin, line)
        ) from None

    def at(name: str) -> Location:
        lines = text.splitlines()
        found = (i for i, line in enumerate(lines, 1) if line.split("=")[0].strip() == name)
        return Location(origin, next(found, 1))

    lists = _lists(raw, origin, at)
    changed = {name: _words(value, name, at(name)) for name, value in lists.items()}
    return replace(base or default_vocabulary(), **changed)


def _line_of(message: str, text: str) -> int:
    """Return the line a TOML error names: "(at line 3, column 1)", or the last one for "(at
    end of document)"."""
    if "end of document" in message:
        return max(len(text.splitlines()), 1)
    _, _, rest = message.partition("at line ")
    digits = rest.split(",")[0].strip()
    return int(digits) if digits.isdigit() else 1


@functools.cache
def default_vocabulary() -> Vocabulary:
    """Return the built-in vocabulary (vocabulary.toml), read once."""
    text = resources.files(__package__).joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
    lists = tomllib.loads(text)
    return Vocabulary(**{name: _words(lists[name], name) for name in LIST_NAMES})


def configured_vocabulary(
    file: Path | None,
    text: str | None,
    add: Mapping[str, Any],
    remove: Mapping[str, Any],
    where: str = "extra.paper_digest.keyphrases",
) -> Vocabulary:
    """Return the default vocabulary, its lists replaced by a file's and words added, removed."""
    vocabulary = default_vocabulary()
    if file is not None and text is not None:
        vocabulary = parse_vocabulary(text, str(file), vocabulary)
    changes: dict[str, frozenset[str]] = {}
    for name, value in _lists(add, f"{where}.add").items():
        changes[name] = getattr(vocabulary, name) | _words(value, f"{where}.add.{name}")
    for name, value in _lists(remove, f"{where}.remove").items():
        words = changes.get(name, getattr(vocabulary, name))
        changes[name] = words - _words(value, f"{where}.remove.{name}")
    return replace(vocabulary, **changes)


SETTING_KEYS = ("vocabulary", "add", "remove")


def settings_vocabulary(
    raw: Mapping[str, Any], text: str | None, root: Path, where: str
) -> Vocabulary:
    """Return the vocabulary `extra.paper_digest.keyphrases` asks for: `vocabulary` (a file,
    relative to root, whose text the settings hold), `add`, `remove`; a fault in one line."""
    for key in sorted(raw, key=str):
        if key not in SETTING_KEYS:
            raise ConfigError(
                f"{where}: unknown setting {key!r}", f"known: {', '.join(SETTING_KEYS)}"
            )
    name = raw.get("vocabulary") or ""
    if not isinstance(name, str):
        raise ConfigError(f"{where}.vocabulary: expected a file name, got {name!r}", "quote it")
    for key in ("add", "remove"):
        if not isinstance(raw.get(key) or {}, dict):
            raise ConfigError(f"{where}.{key}: expected a mapping of list names to words")
    if name and text is None:
        try:
            (root / name).read_text("utf-8")
            reason = "unreadable"
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        hint = "name a TOML file of word lists, relative to mkdocs.yml"
        raise ConfigError(f"{where}.vocabulary: cannot read {name} ({reason})", hint)
    file = root / name if name else None
    return configured_vocabulary(file, text, raw.get("add") or {}, raw.get("remove") or {}, where)


# The default lists under their former names, for the topic stage and the tests.
_DEFAULT = default_vocabulary()
STOP_WORDS = _DEFAULT.stop
VAGUE_WORDS = _DEFAULT.vague
BROAD_WORDS = _DEFAULT.broad
