"""What the topics know of a field: word lists for names, and the fields areas are made of.

Data, not code: `knowledge/ml.toml` (machine learning) is the default; a newsletter in another
field gives its own file of the same shape (`extra.paper_digest.topics.knowledge: PATH`), or
switches the knowledge off (`knowledge: none`): no field table, so areas come from grouping the
topics by meaning, and no word lists beyond plain English's.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import ConfigError

DEFAULT_FILE = Path(__file__).with_name("knowledge") / "ml.toml"


@dataclass(frozen=True)
class Knowledge:
    """Word lists and fields, read from a knowledge file (see `knowledge/ml.toml`)."""

    field_words: frozenset[str] = frozenset()
    role_words: frozenset[str] = frozenset()
    aspect_heads: frozenset[str] = frozenset()
    kept: frozenset[str] = frozenset()
    # Field name -> the phrases that put a topic in it, in the file's order.
    fields: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [name for name, _ in self.fields]


def _words(table: dict[str, Any], key: str, where: str) -> frozenset[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise ConfigError(f"{where}: names.{key} must be a list of texts", "see knowledge/ml.toml")
    return frozenset(" ".join(w.casefold().split()) for w in value if w.strip())


def parse_knowledge(text: str, where: str) -> Knowledge:
    """Read a knowledge file's text; a fault is one ConfigError naming `where`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})", "fix the file") from None
    names = data.get("names", {})
    fields = data.get("fields", {})
    if not isinstance(names, dict) or not isinstance(fields, dict):
        raise ConfigError(f"{where}: [names] and [fields] must be tables", "see knowledge/ml.toml")
    table = []
    for name, phrases in fields.items():
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise ConfigError(f"{where}: fields.{name} must be a list of phrases", "")
        table.append(
            (name, tuple(" ".join(p.casefold().replace("-", " ").split()) for p in phrases))
        )
    return Knowledge(
        field_words=_words(names, "field_words", where),
        role_words=_words(names, "role_words", where),
        aspect_heads=_words(names, "aspect_heads", where),
        kept=_words(names, "kept", where),
        fields=tuple(table),
    )


def load_knowledge(choice: str, root: Path) -> Knowledge:
    """Return the knowledge a setting names: "ml" (the default), "none", or a file's path."""
    if choice == "ml":
        return ML
    if choice == "none":
        return Knowledge()
    path = root / choice
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        hint = "give ml, none or the path of a TOML file shaped like knowledge/ml.toml"
        raise ConfigError(f"topics.knowledge: cannot read {choice} ({exc})", hint) from None
    return parse_knowledge(text, choice)


ML = parse_knowledge(DEFAULT_FILE.read_text(encoding="utf-8"), str(DEFAULT_FILE))
