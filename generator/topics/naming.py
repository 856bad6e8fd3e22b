"""Name clusters by the keyphrases their papers share most distinctively (c-TF-IDF).

Class-based TF-IDF, as BERTopic does it: a concept's weight in a cluster is its share of the
cluster's concept mentions times log(1 + A / f), where A is the mean number of mentions per
cluster and f the concept's mentions over all clusters. A label is a concept enough of the
cluster's papers hold, never the field itself; it reads as papers write it, in sentence case,
with the acronyms of its leading concepts after it: "Preference optimization (RLHF, DPO)".
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from generator.keyphrases.vocabulary import BROAD_WORDS, VAGUE_WORDS
from generator.topics.concepts import Concept, Normalize, is_generic
from generator.topics.knowledge import ML, Knowledge

# A description names a phrase when at least this share of the topic's papers hold it.
DESCRIBE_SHARE = 0.1
# A label must be a concept held by at least this share of its cluster's papers.
LABEL_SUPPORT = 0.15
# A label is the most held of this many most distinctive concepts.
LABEL_CHOICES = 3
# A cluster keeps its seed concept as its name if the seed ranks this high in c-TF-IDF.
SEED_RANK = 100
# How many of a topic's leading concepts may lend it an acronym, and how many acronyms it shows.
ACRONYM_SOURCES = 3
MAX_ACRONYMS = 2
# "learning from human feedback": the words after one of these name what the whole is about.
TAIL_PREPOSITIONS = frozenset("from with of for via".split())
_ACRONYM_WORD = re.compile(r"\(([A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9]*)\)")


def is_kept_name(key: str, knowledge: Knowledge = ML) -> bool:
    """Tell whether a phrase is one the knowledge keeps as a name (hyphens, case, a plural -s
    aside): "Gaussian process", "world models"."""
    folded = " ".join(key.casefold().replace("-", " ").split())
    return folded in knowledge.kept or folded.removesuffix("s") in knowledge.kept


def is_field_wide(key: str, knowledge: Knowledge = ML) -> bool:
    """Tell whether a phrase names the field itself: only broad, field or vague words."""
    if is_kept_name(key, knowledge):
        return False
    words = key.replace("-", " ").split()
    return is_generic(key) or all(
        w in BROAD_WORDS or w in knowledge.field_words or w in VAGUE_WORDS for w in words
    )


def says_little(key: str, knowledge: Knowledge = ML) -> bool:
    """Tell whether a phrase names no research area: the field itself, only words for the part
    something plays in an experiment ("target model", "training samples"), or an aspect of an
    activity rather than an area ("unlearning process", not "Gaussian process")."""
    words = key.replace("-", " ").split()
    if is_kept_name(key, knowledge):
        return False
    if is_field_wide(key, knowledge) or not words:
        return True
    nothing = BROAD_WORDS | VAGUE_WORDS | knowledge.field_words | knowledge.role_words
    aspect = len(words) > 1 and words[-1] in knowledge.aspect_heads and words[-2].endswith("ing")
    return all(w in nothing for w in words) or aspect


def c_tf_idf(
    groups: Sequence[Sequence[str]], terms: Mapping[str, Iterable[str]]
) -> tuple[list[dict[str, float]], list[Counter[str]]]:
    """Return each group's c-TF-IDF weights and its papers' term counts."""
    counts = [Counter(t for pid in group for t in set(terms.get(pid, ()))) for group in groups]
    totals = Counter[str]()
    for counted in counts:
        totals.update(counted)
    mean = sum(totals.values()) / max(len(groups), 1)
    weights = []
    for counted in counts:
        size = max(sum(counted.values()), 1)
        weights.append(
            {t: n / size * math.log(1 + mean / totals[t]) for t, n in sorted(counted.items())}
        )
    return weights, counts


def ranked(weights: Mapping[str, float]) -> list[str]:
    """Return terms best first; weights rounded so float noise cannot reorder them."""
    return [t for t, w in sorted(weights.items(), key=lambda kv: (-round(kv[1], 9), kv[0]))]


def choose_labels(
    groups: Sequence[Sequence[str]],
    weights: Sequence[Mapping[str, float]],
    counts: Sequence[Counter[str]],
    allowed: Mapping[str, bool],
    seeds: Sequence[str] | None = None,
) -> list[str | None]:
    """Give each group the best concept no other group took; None when none will do.

    A group's seed concept comes first when enough of its papers hold it and it is among its
    distinctive concepts: seeds move least when papers are added, so names stay. Otherwise
    groups whose best concept is most distinctive choose first (ties by the concept), so a
    concept two clusters want goes to the one it describes best.
    """
    options: list[list[str]] = []
    for g, (group, weight, counted) in enumerate(zip(groups, weights, counts, strict=True)):
        need = max(2, LABEL_SUPPORT * len(group))
        fit = [t for t in ranked(weight) if allowed.get(t) and counted[t] >= need]
        seed = seeds[g] if seeds is not None else None
        if seed in fit[:SEED_RANK]:
            fit = [seed, *(t for t in fit if t != seed)]
            options.append(fit)
            continue
        # Among the most distinctive, the one most papers hold: it names more of them, and
        # it stays on top when a day of papers shifts the weights a little.
        top = sorted(fit[:LABEL_CHOICES], key=lambda t: (-counted[t], fit.index(t)))
        # Failing those, any concept two of its papers share.
        rest = [t for t in ranked(weight) if allowed.get(t) and 2 <= counted[t] < need]
        options.append(top + fit[LABEL_CHOICES:] + rest)
    order = sorted(
        range(len(groups)),
        key=lambda i: (
            (-round(weights[i][options[i][0]], 9), options[i][0]) if options[i] else (1.0, "")
        ),
    )
    taken: set[str] = set()
    labels: list[str | None] = [None] * len(groups)
    for i in order:
        label = next((t for t in options[i] if t not in taken), None)
        if label is not None:
            taken.add(label)
        labels[i] = label
    return labels


def acronym_forms(texts: Iterable[str], normalize: Normalize) -> dict[str, str]:
    """Return how the texts write each acronym they define: {"rlhf": "RLHF"}."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for match in _ACRONYM_WORD.finditer(text):
            written = match.group(1)
            seen[normalize(written)][written.rstrip("s") if written[-1] == "s" else written] += 1
    return {k: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, c in sorted(seen.items())}


class Acronyms:
    """The acronyms a text defines, indexed by what they stand for: a concept's are found by
    its keys alone, without reading every acronym again for each topic."""

    def __init__(self, pairs: Mapping[str, str], written: Mapping[str, str]) -> None:
        self.direct: set[str] = set()  # keys that are acronyms themselves ("rlhf")
        self.by_expansion: dict[str, set[str]] = defaultdict(set)
        self.by_tail: dict[str, set[str]] = defaultdict(set)
        for acronym, expansion in pairs.items():
            if acronym not in written:
                continue
            self.direct.add(acronym)
            self.by_expansion[expansion].add(written[acronym])
            words = expansion.split()
            # "reinforcement learning from human feedback" also stands for "human feedback".
            for at in range(1, len(words) - 2):
                if words[at] in TAIL_PREPOSITIONS:
                    self.by_tail[" ".join(words[at + 1 :])].add(written[acronym])
        self.written = written

    def of(self, concept: Concept, tails: bool = False) -> list[str]:
        """Return the acronyms that stand for a concept, as written: from its keys or
        expansions; with tails, also those of a whole it ends ("RLHF" for "human feedback")."""
        found = {self.written[k] for k in concept.keys if k in self.direct}
        for key in concept.keys:
            found |= self.by_expansion.get(key, set())
            if tails:
                found |= self.by_tail.get(key, set())
        return sorted(found, key=lambda a: (len(a), a))


def acronyms_of(
    concept: Concept, pairs: Mapping[str, str], written: Mapping[str, str], tails: bool = False
) -> list[str]:
    """Return the acronyms that stand for a concept, as written (see `Acronyms.of`)."""
    return Acronyms(pairs, written).of(concept, tails)


def display_form(
    concept: Concept, normalize: Normalize, lowercase: frozenset[str] = frozenset()
) -> str:
    """Return a concept's name as papers write it, in sentence case, acronyms kept.

    The form most papers use (ties: fewer capitals, then the plural); then any later word
    written with one leading capital is lower-cased if some form, or some paper's text
    (`lowercase`), writes it in lower case: "Graph neural networks", but "Bayesian".
    """
    named = Counter({f: n for f, n in concept.forms.items() if normalize(f) == concept.key})
    form = min(
        (named or concept.forms).items(),
        key=lambda kv: (-kv[1], _capitals(kv[0]), -len(kv[0]), kv[0]),
    )[0]
    lower = lowercase | {w for f in concept.forms for w in f.split() if w[:1].islower()}
    words = form.split()
    for i, word in enumerate(words[1:], start=1):
        if word[:1].isupper() and word[1:].islower() and word.lower() in lower:
            words[i] = word.lower()
    text = " ".join(words)
    return text[0].upper() + text[1:] if text[:1].islower() else text


def inline_form(
    concept: Concept, normalize: Normalize, lowercase: frozenset[str] = frozenset()
) -> str:
    """Return a concept's name as written inside a sentence: "reward models", "RLHF"."""
    text = display_form(concept, normalize, lowercase)
    first = text.split()[0]
    lower = lowercase | {w for f in concept.forms for w in f.split() if w[:1].islower()}
    if first[1:].islower() and first.lower() in lower:
        return first.lower() + text[len(first) :]
    return text


def lowercase_words(texts: Iterable[str]) -> frozenset[str]:
    """Return the words the texts write in lower case somewhere (sentence case needs them)."""
    words = (w.strip(".,;:!?()[]{}\"'") for text in texts for w in text.split())
    return frozenset(w for w in words if w[:1].islower())


def _capitals(text: str) -> int:
    return sum(ch.isupper() for ch in text[1:])


def label_text(name: str, acronyms: Sequence[str]) -> str:
    """Join a name and its acronyms: "Preference optimization (RLHF, DPO)"."""
    shown = [a for a in acronyms if a.lower() not in name.lower().split()][:MAX_ACRONYMS]
    return f"{name} ({', '.join(shown)})" if shown else name


def repeats_name(phrase: str, name: str) -> bool:
    """Tell whether a phrase says a topic's name again: they share a specific word's stem.

    "out-of-distribution detectors" repeats "Out-of-distribution detection"; "reasoning
    steps" repeats "Reasoning capabilities"; broad words ("learning", "model") do not count.
    """

    def stems(text: str) -> set[str]:
        words = text.lower().replace("-", " ").split()
        return {w[:6] for w in words if len(w) >= 4 and w not in BROAD_WORDS}

    return bool(stems(phrase) & stems(name))


def describe(phrases: Sequence[tuple[str, int]], count: int) -> str:
    """Say what a topic's papers share beyond its name: phrases many of them hold, counted
    ("12 papers; 7 on offline data, 5 on behaviour cloning")."""
    papers = f"{count} paper{'s' if count != 1 else ''}"
    if not phrases:
        return f"{papers} close in meaning to one another."
    parts = [f"{n} on {phrase}" for phrase, n in phrases]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{papers}; {listed}."
