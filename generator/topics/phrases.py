"""Which of many phrases occur in a text: phrases indexed by their first word.

Finding every known phrase in a text costs the text's words times the phrases that start with
each word, not the text times every phrase: topic names in titles, field phrases in keyphrases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class PhraseFinder(Generic[T]):
    """Phrases (tuples of words), each with a value: `find` gives the values of those in a text."""

    def __init__(self, entries: Iterable[tuple[tuple[str, ...], T]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = defaultdict(list)
        for phrase, value in entries:
            if phrase:
                self._by_first[phrase[0]].append((phrase, value))

    def find(self, words: Sequence[str]) -> set[T]:
        """Return the values of the phrases that occur in `words`, word for word, in order."""
        found: set[T] = set()
        for start, word in enumerate(words):
            for phrase, value in self._by_first.get(word, ()):
                if tuple(words[start : start + len(phrase)]) == phrase:
                    found.add(value)
        return found
