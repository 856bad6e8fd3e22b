"""Keyphrase hygiene on real abstracts and the real model: no nested or overlapping pair within
a paper, no bare generic word, no common word capitalized against the text's usual form."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from generator.catalog import build_catalog
from generator.keyphrases import (
    RANKED_LIST,
    Document,
    KeyphraseResult,
    KeyphraseSettings,
    extract_keyphrases,
)
from generator.keyphrases import normalize_phrase as key
from generator.keyphrases.vocabulary import BROAD_WORDS, VAGUE_WORDS
from generator.sources import read_digests

DEMO = Path(__file__).parent / "fixtures" / "digests" / "demo"
# Words authors capitalize in the middle of sentences though they are common words.
CAPITALIZED_TERMS = re.compile(
    r"\b(Large Language Models?|Machine Unlearning|Reinforcement Learning)\b"
)


def demo_sample() -> list[Document]:
    """The demo's first 40 papers and every one that writes a common term capitalized."""
    papers = build_catalog(read_digests(DEMO).issues).papers
    chosen = [p for i, p in enumerate(papers) if i < 40 or CAPITALIZED_TERMS.search(p.abstract)]
    return [Document(p.id, p.title, p.abstract) for p in chosen]


def _plain(word: str) -> bool:
    """Tell whether each part of a hyphenated word is lower case or capitalized (Xxxx)."""
    return all(p.islower() or (p[:1].isupper() and p[1:].islower()) for p in word.split("-"))


@pytest.fixture(scope="module")
def sample() -> tuple[list[Document], KeyphraseResult]:
    docs = demo_sample()
    return docs, extract_keyphrases(docs, KeyphraseSettings(), None)


def test_the_sample_holds_what_the_rules_are_about() -> None:
    """Without this the checks below could pass on papers that never tempt the extractor."""
    docs = demo_sample()
    assert len(docs) >= 60
    assert sum(bool(CAPITALIZED_TERMS.search(d.text)) for d in docs) >= 20


@pytest.mark.model
def test_no_phrase_nests_in_or_overlaps_another_of_its_paper(
    sample: tuple[list[Document], KeyphraseResult],
) -> None:
    docs, result = sample
    for doc in docs:
        phrases = [k.text for k in result.keyphrases[doc.id]]
        for a, b in itertools.combinations(phrases, 2):
            wa, wb = set(key(a).split()), set(key(b).split())
            assert not (wa <= wb or wb <= wa or len(wa & wb) >= 2), (doc.title, a, b)


@pytest.mark.model
def test_no_bare_generic_word(sample: tuple[list[Document], KeyphraseResult]) -> None:
    docs, result = sample
    generic = BROAD_WORDS | VAGUE_WORDS
    bare = [k.text for d in docs for k in result.keyphrases[d.id] if key(k.text) in generic]
    assert bare == []


@pytest.mark.model
def test_common_words_are_in_lower_case(sample: tuple[list[Document], KeyphraseResult]) -> None:
    """A capitalized word (Xxxx) in a keyphrase is one its paper never writes in lower case;
    a hyphenated name with an acronym in it ("LLM-as-a-Meta-Judge") stays as written."""
    docs, result = sample
    odd = []
    for doc in docs:
        lower = set(re.findall(r"\b[a-z]+\b", f"{doc.title} {doc.text}"))
        for phrase in result.keyphrases[doc.id]:
            for token in phrase.text.split():
                if not _plain(token):
                    continue  # a name with an acronym or a letter in it, as written
                for word in token.split("-"):
                    capitalized = len(word) > 1 and word[1:].islower() and word[0].isupper()
                    if capitalized and word.lower() in lower:
                        odd.append((doc.title, phrase.text))
    assert odd == []
    assert any("large language model" in k.text for d in docs for k in result.keyphrases[d.id])


@pytest.mark.model
def test_the_ranked_list_starts_with_the_chips(
    sample: tuple[list[Document], KeyphraseResult],
) -> None:
    """`paper-digest keyphrases` lists 10 by default: the site's chips first, then the
    ranker's list, where nesting is allowed (and happens on real abstracts)."""
    docs, chips = sample
    ranked = extract_keyphrases(docs, KeyphraseSettings(top_n=RANKED_LIST), None)
    nested = 0
    for doc in docs:
        listed = [k.text for k in ranked.keyphrases[doc.id]]
        assert listed[:5] == [k.text for k in chips.keyphrases[doc.id]], doc.title
        keys = [set(key(p).split()) for p in listed]
        pairs = itertools.combinations(keys, 2)
        nested += any(a <= b or b <= a or len(a & b) >= 2 for a, b in pairs)
    assert nested >= len(docs) // 4
