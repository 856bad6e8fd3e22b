"""How titles name topics: a topic's name as folded words and its acronyms, indexed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.topics.concepts import Concept
from generator.topics.phrases import PhraseFinder


@dataclass(frozen=True)
class Names:
    """How titles name a topic: its name's phrase keys as words, and its acronyms as written."""

    phrases: frozenset[tuple[str, ...]]
    acronyms: frozenset[str]


def title_words(title: str) -> tuple[list[str], set[str]]:
    """Return a title's words folded (case, hyphens, a plural -s) and its acronyms as written."""
    raw = [w.strip(".,;:!?()[]{}\"'") for w in title.replace("-", " ").split()]
    folded = [fold_word(w) for w in raw if w]
    acronyms = {w[:-1] if w.endswith("s") and w[:-1].isupper() else w for w in raw if w}
    return folded, acronyms


def fold_word(word: str) -> str:
    word = word.casefold()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def names_of(concept: Concept, acronyms: Sequence[str]) -> Names:
    """Return how a title names a topic whose name is this concept."""
    phrases = {tuple(fold_word(w) for w in key.split()) for key in concept.keys if " " in key}
    return Names(frozenset(phrases), frozenset(a for a in acronyms if len(a) >= 2))


class TitleNames:
    """The topics' names, indexed: which topics a title names, in time linear in the title."""

    def __init__(self, names: Sequence[Names]) -> None:
        self.phrases = PhraseFinder((p, c) for c, name in enumerate(names) for p in name.phrases)
        self.acronyms: dict[str, set[int]] = defaultdict(set)
        for c, name in enumerate(names):
            for acronym in name.acronyms:
                self.acronyms[acronym].add(c)

    def mentioned(self, title: str) -> list[int]:
        """Return the topics a title names, by a phrase of their name or one of their acronyms."""
        return self.named_by(*title_words(title))

    def named_by(self, words: Sequence[str], acronyms: Iterable[str]) -> list[int]:
        """Return the topics a title's folded words and acronyms (`title_words`) name."""
        found = self.phrases.find(words)
        for acronym in acronyms:
            found |= self.acronyms.get(acronym, set())
        return sorted(found)
