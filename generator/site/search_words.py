"""The site's own vocabulary, for the search's "did you mean": its most frequent words.

A query that Pagefind answers with nothing (or only with words the query does not mean) gets
a suggestion in the reader's browser: each word the site does not know, replaced by the most
frequent word of the site one or two edits away ("difusion" -> "diffusion"; see
templates/overrides/assets/javascripts/paper-digest-search.js). The words are those of the
search records (`search.py`: each result's title, meta and indexed text), so they are the
words a search can find. Words of letters only, of four letters or more (shorter ones are not
corrected), counted once a record; the file keeps the `MAX_WORDS` most frequent (a few tens
of KB), most frequent first, and is fetched only when a query finds nothing.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from generator.atomic import write_atomic

FILE_NAME = "vocabulary.json"
MAX_WORDS = 6000
MAX_LETTERS = 24
_WORD = re.compile(r"[^\W\d_]{4,}")


def page_words(text: str) -> set[str]:
    """Return the words of a result's text that the vocabulary may hold."""
    found = (match.group().lower() for match in _WORD.finditer(text))
    return {word for word in found if len(word) <= MAX_LETTERS}


def word_counts(texts: Iterable[str]) -> Counter[str]:
    """Return how many of the texts hold each word the vocabulary may hold."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(page_words(text))
    return counts


def vocabulary(counts: Counter[str]) -> list[str]:
    """Return the most frequent words, most frequent first (ties in alphabetical order)."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [word for word, _count in ranked[:MAX_WORDS]]


def write_vocabulary(index_dir: Path, counts: Counter[str], *, durable: bool = True) -> None:
    """Write the vocabulary of the counted words into `index_dir`, as {"words": [...]}."""
    data = json.dumps({"words": vocabulary(counts)}, ensure_ascii=False, separators=(",", ":"))
    write_atomic(index_dir / FILE_NAME, data.encode("utf-8"), durable=durable)
