"""Candidate keyphrases: noun phrases found with the part-of-speech tagger inside textblob.

A candidate is adjectives and nouns ending on a noun, up to max_words long, never across
punctuation or a stop word; hyphenated compounds stay whole, acronyms keep their case, and
words capitalized only for starting a sentence or a Title Case title are lower-cased.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from generator.keyphrases.tagger import Tagger, load_tagger
from generator.keyphrases.vocabulary import Vocabulary, default_vocabulary
from generator.sources.tex_plain import is_debris

# Endings and beginnings of words the tagger's lexicon lacks that still are common words
# ("Generative", "Unlearning"), not names ("Bayesian", "Lipschitz").
COMMON_SUFFIXES = (
    "ing", "ive", "tion", "sion", "ment", "ness", "ity", "able", "ible", "ous", "ism", "ize",
    "ise", "al", "ed", "set", "sets", "ic", "ics", "ance", "ence", "tions", "ments", "als",
    "ent", "ant", "lier", "liers", "fier", "fiers",
)  # fmt: skip
INFLECTIONS = ("s", "es", "er", "ers", "ly", "ally")
COMMON_PREFIXES = (
    "un", "re", "pre", "post", "de", "non", "multi", "self", "co", "sub", "super", "over",
    "under", "inter", "meta", "hyper", "semi", "auto",
)  # fmt: skip

ACRONYM_RE = re.compile(
    r"(?=(?:.*[A-Z]){2}|.*[A-Z].*\d|.*\d.*[A-Z])[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9]s?"
)
WORD_RE = re.compile(r"(?=.*[^\W\d_])[^\W_](?:[\w\-']*[^\W_])?")
NOUN, MODIFIER = "N", "M"


@dataclass(frozen=True)
class Candidate:
    """A phrase found in a document: its dedup key, shown text, first position and count."""

    key: str
    text: str
    first: int
    count: int
    in_title: bool


@functools.lru_cache(maxsize=1 << 16)  # the topic stage folds the same phrases many times
def normalize_phrase(text: str) -> str:
    """Fold case, hyphens, British -isation and a plural head noun: the dedup key of a phrase."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("-", " ")
    words = re.sub(r"isation\b", "ization", folded).split()
    if not words:
        return ""
    words[-1] = _singular(words[-1])
    return " ".join(words)


_IRREGULAR = {
    "criteria": "criterion", "phenomena": "phenomenon", "analyses": "analysis",
    "hypotheses": "hypothesis", "indices": "index", "matrices": "matrix", "vertices": "vertex",
    "children": "child", "mice": "mouse", "theses": "thesis", "axes": "axis", "bases": "basis",
}  # fmt: skip
_KEEP_S = ("ss", "us", "is", "ics", "ous", "ias", "sis", "news", "lens", "gas", "chaos", "atlas")


def _singular(word: str) -> str:
    """Return the singular of an English noun by suffix rules; good enough for a dedup key."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.endswith("s") or word.endswith(_KEEP_S):
        return word
    if word in {"series", "species"}:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    return word[:-1]


def _is_position_capital(word: str) -> bool:
    """Tell whether a word looks capitalized only for being first: "Large", "Meta-Learning"."""
    return any(_is_capitalized(part) for part in word.split("-"))


def _is_capitalized(part: str) -> bool:
    """Tell whether a word part is written Xxxx: a capital, then lower case only."""
    return len(part) > 1 and part[:1].isupper() and part[1:].islower()


def _solo_capitals(sentences: Sequence[Sequence[str]], stop: frozenset[str]) -> set[str]:
    """Return the words capitalized mid-sentence twice or more, alone and ending their phrase.

    "we train Alchemy on ... Alchemy is" reads as a name; "Machine Unlearning (MU)",
    "Large language models" and "Test-Time adaptation" as capitalized terms.
    """
    seen: dict[str, int] = {}
    for sentence in sentences:
        for index in range(1, len(sentence)):
            if not _is_capitalized(sentence[index]):
                continue
            before, after = sentence[index - 1], sentence[index + 1 : index + 2]
            heads = bool(after) and after[0][:1].isalpha() and after[0].lower() not in stop
            if not before[:1].isupper() and not (after and after[0][:1].isupper()) and not heads:
                seen[sentence[index]] = seen.get(sentence[index], 0) + 1
    return {word for word, count in seen.items() if count >= 2}


def _is_common(low: str, tagger: Tagger) -> bool:
    """Tell whether a lower-case word is an English common word, or made like one: a known
    word, a common ending ("generative"), a known word after a prefix ("unlearning"), two known
    words ("offline", "backprop"), or one of these inflected ("learner", "outliers")."""
    stems = [low] + [
        low[: -len(e)] for e in INFLECTIONS if low.endswith(e) and len(low) > len(e) + 2
    ]
    if low.endswith("bly"):
        stems.append(low[:-1] + "e")  # "provably": "provable"
    return any(_is_common_stem(stem, tagger) for stem in stems)


def _is_common_stem(low: str, tagger: Tagger) -> bool:
    if tagger.knows(low) or low.endswith(COMMON_SUFFIXES) or low in COMMON_PREFIXES:
        return True
    if any(low.startswith(p) and tagger.knows(low[len(p) :]) for p in COMMON_PREFIXES):
        return True
    return any(tagger.knows(low[:i]) and tagger.knows(low[i:]) for i in range(3, len(low) - 2))


def _case_folder(
    title: Sequence[Sequence[str]],
    body: Sequence[Sequence[str]],
    tagger: Tagger,
    stop: frozenset[str],
) -> Callable[[str], str]:
    """Return a function that writes a word as the text usually does.

    A capitalized common word is lower-cased ("Large Language Models" -> "large language
    models", "Machine Unlearning" -> "machine unlearning"); it stays as written when it is a
    name: never in lower case in the paper and either capitalized on its own mid-sentence
    ("Alchemy") or no common word ("Bayesian"). Acronyms and mixed case ("ImageNet") stay.
    """
    words = [w for sentence in [*title, *body] for w in sentence]
    lower_seen = {p for w in words for p in w.split("-") if p.islower()}
    # Only the abstract tells a name: titles capitalize words of every kind.
    names = _solo_capitals(body, stop) - {p.capitalize() for p in lower_seen}

    def foldable(part: str) -> bool:
        if part.islower() or not part[:1].isalpha():
            return True
        if not _is_capitalized(part):
            return False
        low = part.lower()
        return low in lower_seen or (part not in names and _is_common(low, tagger))

    def fold(word: str) -> str:
        # All or nothing: "Test-Time" becomes "test-time", "Make-A-Voice" stays as it is.
        return word.lower() if all(foldable(p) for p in word.split("-")) else word

    return fold


def _is_title_case(words: Sequence[str]) -> bool:
    """Tell whether a title capitalizes its words ("Protein Design") rather than its first."""
    long_words = [w for w in words if len(w) > 3 and w[:1].isalpha()]
    capitals = sum(1 for w in long_words if w[:1].isupper())
    return bool(long_words) and capitals / len(long_words) >= 0.6


def _role(
    word: str,
    pos: str,
    previous: str | None,
    following: tuple[str, str],
    words: Vocabulary,
) -> str | None:
    """Say whether a tagged word heads a noun phrase, modifies one, or breaks phrases."""
    low = word.lower()
    if low in words.stop or low in words.vague or len(word) < 2 or not WORD_RE.fullmatch(word):
        return None
    if is_debris(word):  # TeX a title keeps as written: "ell_infty"
        return None
    if ACRONYM_RE.fullmatch(word):
        return NOUN
    next_word, next_pos = following
    continues = next_word.lower() not in words.stop and next_pos[:2] in {"NN", "JJ", "VB"}
    if pos.startswith("NN"):
        return None if low in words.verb_like and continues else NOUN
    if pos == "VBG" or pos in {"VB", "VBP"}:
        # "reinforcement learning", and jargon after a modifier: "test-time compute".
        after_modifier = previous == MODIFIER and not continues
        return NOUN if low in words.ing_nouns or after_modifier else None
    if pos.startswith("RB") or (
        low.endswith("ly") and not pos.startswith("NN") and low not in words.ly_adjectives
    ):
        return None
    if pos == "JJ" or pos == "VBN" or (pos.startswith("VB") and "-" in word):
        return MODIFIER
    return MODIFIER if low in words.participles else None


def _roles(tagged: Sequence[tuple[str, str]], words: Vocabulary) -> list[str | None]:
    """Give every word of a tagged sentence its role in noun phrases."""
    roles: list[str | None] = []
    for index, (word, pos) in enumerate(tagged):
        following = tagged[index + 1] if index + 1 < len(tagged) else ("", ".")
        roles.append(_role(word, pos, roles[-1] if roles else None, following, words))
    return roles


def phrase_spans(
    roles: Sequence[str | None], max_words: int, sub_phrases: bool
) -> list[tuple[int, int]]:
    """Return [start, end) spans of noun phrases: modifiers then nouns, ending on a noun."""
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(roles):
        if roles[start] is None:
            start += 1
            continue
        stop = start + 1
        while stop < len(roles) and roles[stop] is not None:
            if roles[stop] == MODIFIER and roles[stop - 1] == NOUN:
                break  # a modifier after a noun starts the next phrase
            stop += 1
        end = stop
        while end > start and roles[end - 1] != NOUN:
            end -= 1
        if end > start:
            first = max(start, end - max_words)
            # with sub_phrases, the head-final parts too: "language models" of "large ..."
            spans.extend((f, end) for f in range(first, end if sub_phrases else first + 1))
        start = stop
    return spans


def find_candidates(
    title_text: str,
    text: str,
    max_words: int,
    sub_phrases: bool,
    limit: int,
    tagger: Tagger | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[Candidate]:
    """List a paper's candidate phrases in order of first appearance, title first."""
    tagger = tagger or load_tagger()
    vocab = vocabulary or default_vocabulary()
    title = tagger.tokenize(title_text) if title_text.strip() else []
    body = tagger.tokenize(text)
    fold = _case_folder(title, body, tagger, vocab.stop)
    title_case = _is_title_case([w for s in title for w in s])
    sentences: list[tuple[list[str], bool]] = []
    for sentence in title:
        words = [fold(w) if title_case or i == 0 else w for i, w in enumerate(sentence)]
        sentences.append((words, True))
    for sentence in body:
        # "Experience Replay ..." opening a sentence is a name: keep it whole.
        second = sentence[1] if len(sentence) > 1 else ""
        named = _is_position_capital(second) and fold(second) == second
        first = sentence[0] if named else fold(sentence[0])
        sentences.append(([first, *sentence[1:]], False))
    found: dict[str, Candidate] = {}
    offset = 0
    for tokens, in_title in sentences:
        roles = _roles(tagger.tag(tokens), vocab)
        for start, end in phrase_spans(roles, max_words, sub_phrases):
            text = " ".join(fold(w) for w in tokens[start:end])
            key = normalize_phrase(text)
            seen = found.get(key)
            if seen is None:
                found[key] = Candidate(key, text, offset + start, 1, in_title)
            else:
                found[key] = Candidate(
                    key, seen.text, seen.first, seen.count + 1, seen.in_title or in_title
                )
        offset += len(tokens)
    # A bare general word ("learning", "models", "method") says nothing of a paper.
    candidates = [c for c in found.values() if c.key not in vocab.generic]
    if limit and len(candidates) > limit:
        # Embedding dominates the run time; on Inspec this prior keeps F1 and halves the work.
        kept = {c.key for c in sorted(candidates, key=_prior)[:limit]}
        candidates = [c for c in candidates if c.key in kept]
    return candidates


def _prior(candidate: Candidate) -> tuple[int, int, int, int]:
    """Order candidates by promise before embedding: in title, multi-word, frequent, early."""
    strong = " " in candidate.text or bool(ACRONYM_RE.fullmatch(candidate.text))
    return (-candidate.in_title, -strong, -candidate.count, candidate.first)
