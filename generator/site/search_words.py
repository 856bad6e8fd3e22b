"""The site's own vocabulary, for the search's "did you mean": its most frequent words.

A query that Pagefind answers with nothing (or only with words the query does not mean) gets
a suggestion in the reader's browser: each word the site does not know, replaced by the most
frequent word of the site one or two edits away ("difusion" -> "diffusion"; see
templates/overrides/assets/javascripts/paper-digest-search.js). The words are read from the
index just written, one fragment a result page (its text and meta, as Pagefind keeps them),
so they are the words a search can find, whatever the cache gave. Words of letters only, of
four letters or more (shorter ones are not corrected), counted once a page; the file keeps the
`MAX_WORDS` most frequent (a few tens of KB), most frequent first, and is fetched only when a
query finds nothing.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

from generator.atomic import write_atomic

FILE_NAME = "vocabulary.json"
FRAGMENT_SIGNATURE = b"pagefind_dcd"
MAX_WORDS = 6000
MAX_LETTERS = 24
_WORD = re.compile(r"[^\W\d_]{4,}")


def page_words(text: str) -> set[str]:
    """Return the words of a page's text that the vocabulary may hold."""
    found = (match.group().lower() for match in _WORD.finditer(text))
    return {word for word in found if len(word) <= MAX_LETTERS}


def vocabulary(index_dir: Path) -> list[str]:
    """Return the most frequent words of the pages an index holds, most frequent first (ties in
    alphabetical order)."""
    counts: Counter[str] = Counter()
    folder = index_dir / "fragment"
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        try:
            data = gzip.decompress(path.read_bytes())
            fragment = json.loads(data[len(FRAGMENT_SIGNATURE) :])
        except (OSError, ValueError, EOFError):
            continue  # not a fragment this can read: its words are left out
        meta = fragment.get("meta") or {}
        texts = [str(fragment.get("content", ""))] + [str(value) for value in meta.values()]
        counts.update(page_words(" ".join(texts)))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [word for word, _count in ranked[:MAX_WORDS]]


def write_vocabulary(index_dir: Path, *, durable: bool = True) -> None:
    """Write the vocabulary of the index in `index_dir` into it, as {"words": [...]}."""
    data = json.dumps({"words": vocabulary(index_dir)}, ensure_ascii=False, separators=(",", ":"))
    write_atomic(index_dir / FILE_NAME, data.encode("utf-8"), durable=durable)
