"""Readers and what they read: the recipient list, each address with its areas and topics.

One reader a line, an address first, then any of four fields, separated by spaces or tabs:

    ada@example.com
    grace@example.org  areas=area-reinforcement-learning  exclude=bandits
    alan@example.net   topics=diffusion-model,graph  every=week

`areas=` and `topics=` take slugs (the site's `/topics/<slug>/` and `#area-…`), comma-separated;
a paper is in a reader's copy when one of its topics is chosen or lies in a chosen area, and a
reader who chooses neither reads everything. `exclude=` takes area and topic slugs: a paper on
any of them is left out, even when another of its topics is chosen. `every=issue` (the
default) mails each issue, `every=week` the weekly digest instead. A plain address is
everything, every issue: the one-address-a-line list is this format's simplest case.

A line that is not this (a bad address, an unknown field, a field twice, a slug no area or
topic has) is named by file and line and left out; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from generator.errors import ConfigError
from generator.mail.addresses import check_address, forbidden_character, recipient_key
from generator.model import Catalog, Location, Paper, Problem

EVERY_ISSUE, EVERY_WEEK = "issue", "week"
FIELDS = ("areas", "topics", "exclude", "every")
FORMAT_HINT = "address [areas=a,b] [topics=x,y] [exclude=z] [every=issue|week], one a line"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True, order=True)
class Interests:
    """What a reader chose: area and topic slugs, and slugs left out (each sorted, unique)."""

    areas: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        """Tell whether nothing is chosen, so that every paper not excluded is in."""
        return not self.areas and not self.topics

    @property
    def whole(self) -> bool:
        """Tell whether this is the whole newsletter: nothing chosen, nothing left out."""
        return self.everything and not self.exclude


EVERYTHING = Interests()


@dataclass(frozen=True)
class Reader:
    """One line of the list: an address, what it reads, how often, and where it was written."""

    address: str
    interests: Interests = EVERYTHING
    every: str = EVERY_ISSUE
    location: Location | None = None


@dataclass(frozen=True)
class ReaderList:
    """The usable readers of a list, and a problem for each line that is not usable."""

    readers: tuple[Reader, ...]
    problems: tuple[Problem, ...]
    # Lines whose topic moved (a re-plan): followed to where it went, said in the send report.
    followed: tuple[str, ...] = ()

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(reader.address for reader in self.readers)

    def taking(self, every: str) -> tuple[Reader, ...]:
        """Return the readers who take each issue (EVERY_ISSUE) or the weekly digest."""
        return tuple(reader for reader in self.readers if reader.every == every)


def _slugs(field: str, value: str) -> tuple[str, ...]:
    """Return a field's comma-separated slugs, sorted; raise ValueError naming a bad one."""
    slugs = [part.strip() for part in value.split(",")]
    for slug in slugs:
        if not _SLUG.fullmatch(slug):
            raise ValueError(f"{field}= holds {slug!r}, which is not a slug")
    return tuple(sorted(set(slugs)))


def parse_reader(line: str, where: Location) -> Reader | None:
    """Parse one line (comments already cut) into a reader, None if blank; raise ConfigError."""
    words = line.split()
    if not words:
        return None
    try:
        address = check_address(words[0], where)
    except ConfigError as error:
        if len(words) == 1:
            raise
        what = f"{error.message}, first on the line {line.strip()!r}"
        raise ConfigError(what, FORMAT_HINT, where) from None
    fields: dict[str, str] = {}
    for word in words[1:]:
        name, equals, value = word.partition("=")
        if not equals or name not in FIELDS:
            what = f"{word!r} is not a field (areas, topics, exclude, every)"
            raise ConfigError(what, FORMAT_HINT, where)
        if name in fields:
            raise ConfigError(f"{name}= is given twice", "give each field once", where)
        if not value:
            raise ConfigError(f"{name}= is empty", "leave the field out, or name slugs", where)
        fields[name] = value
    every = fields.pop("every", EVERY_ISSUE)
    if every not in (EVERY_ISSUE, EVERY_WEEK):
        raise ConfigError(f"every={every} is neither issue nor week", FORMAT_HINT, where)
    try:
        chosen = {name: _slugs(name, value) for name, value in fields.items()}
    except ValueError as error:
        hint = "slugs are lower-case words joined by hyphens"
        raise ConfigError(str(error), hint, where) from None
    return Reader(address, Interests(**chosen), every, where)


def read_readers(path: Path) -> ReaderList:
    """Read a recipient list: one reader a line, `#` comments and blank lines skipped.

    Lines end at a line feed (LF or CR LF) only: a line holding any other line break (a CR
    alone, VT, FF, NEL, U+2028…) or control character is not split, nor guessed at, but named
    as a problem and left out; the other lines still count. Two lines for one address (in any
    spelling) count once when they say the same; when they differ, the later one is named and
    left out.
    """
    try:
        # Bytes decoded, not text read: reading text would end lines at a lone CR too.
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise ConfigError(f"{path}: cannot read the recipient list ({why})", "") from None
    found: dict[str, Reader] = {}
    problems = []
    for number, raw in enumerate(text.split("\n"), start=1):
        where = Location(str(path), number)
        line = raw.removesuffix("\r")
        bad = forbidden_character(line)
        try:
            if bad:
                hint = "one reader a line, lines ending in a line feed"
                raise ConfigError(f"{bad} in the line", hint, where)
            reader = parse_reader(re.split(r"(?:^|[ \t])#", line, maxsplit=1)[0], where)
            if reader is None:
                continue
            _check_repeat(found.get(recipient_key(reader.address)), reader, where)
        except ConfigError as error:
            problems.append(Problem(where, f"{error.message}: line left out", error.hint))
            continue
        found.setdefault(recipient_key(reader.address), reader)
    if not found:
        first = f": {problems[0]}" if problems else ""
        raise ConfigError(f"{path}: no usable recipients{first}", "write one address a line")
    return ReaderList(tuple(found.values()), tuple(problems))


def _check_repeat(earlier: Reader | None, reader: Reader, where: Location) -> None:
    """Refuse a second line for an address that says something else than the first."""
    if earlier is None or (earlier.interests, earlier.every) == (reader.interests, reader.every):
        return
    line = earlier.location.line if earlier.location else 0
    raise ConfigError(
        f"{reader.address} is already on line {line} with other choices", "keep one line", where
    )


def follow_moved(reader: Reader, catalog: Catalog) -> tuple[Reader, list[str]]:
    """Return the reader with topics a re-plan moved replaced by where they went, and what moved."""
    moved = dict(catalog.moved)
    said: list[str] = []

    def follow(slugs: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for slug in slugs:
            target = moved.get(slug)
            if target is None:
                out.append(slug)
            elif target:  # "" is the topics index: the topic is gone with nowhere to go
                said.append(f"{slug} -> {target}")
                out.append(target)
        return tuple(sorted(set(out)))

    chosen = reader.interests
    followed = replace(chosen, topics=follow(chosen.topics), exclude=follow(chosen.exclude))
    return replace(reader, interests=followed), said


def check_slugs(listing: ReaderList, catalog: Catalog) -> ReaderList:
    """Leave out, as problems, the readers who name an area or topic the catalog lacks; a topic a
    re-plan moved is followed to where it went (and said in `followed`)."""
    areas = {area.slug for area in catalog.areas}
    topics = {topic.slug for topic in catalog.topics}
    kept, problems, notes = [], list(listing.problems), []
    for reader in listing.readers:
        reader, moves = follow_moved(reader, catalog)
        if moves:
            line = reader.location.line if reader.location else 0
            notes.append(
                f"{reader.address} (line {line}): topics moved, followed: {', '.join(moves)}"
            )
        chosen = reader.interests
        unknown = [
            f"{field}={slug}"
            for field, slugs, known in (
                ("areas", chosen.areas, areas),
                ("topics", chosen.topics, topics),
                ("exclude", chosen.exclude, areas | topics),
            )
            for slug in slugs
            if slug not in known
        ]
        if unknown and reader.location is not None:
            what = f"no such area or topic: {', '.join(unknown)}: line left out"
            hint = "see the topics page for the slugs (its URLs and #area-… anchors)"
            problems.append(Problem(reader.location, what, hint))
        else:
            kept.append(reader)
    problems.sort(key=lambda problem: problem.location)
    return replace(listing, readers=tuple(kept), problems=tuple(problems), followed=tuple(notes))


def _topic_slugs(catalog: Catalog) -> frozenset[str]:
    """Return the slugs of the catalog's topics (papers may name topics with no page)."""
    return frozenset(topic.slug for topic in catalog.topics)


def _with_children(catalog: Catalog, slugs: set[str]) -> set[str]:
    """Return the slugs with the children, grandchildren... of the topics among them."""
    known = _topic_slugs(catalog)
    below = (t.slug for s in slugs if s in known for t in catalog.subtopics(catalog.topic(s)))
    return set(slugs) | set(below)


def chosen_papers(
    catalog: Catalog, interests: Interests, papers: Iterable[Paper]
) -> tuple[Paper, ...]:
    """Return the papers, in their order, that a reader with these interests reads."""
    if interests.whole:
        return tuple(papers)
    known = _topic_slugs(catalog)
    out = []
    # A topic that split still has its readers: they read its children's papers too.
    excluded = _with_children(catalog, set(interests.exclude))
    chosen = _with_children(catalog, {*interests.areas, *interests.topics})
    for paper in papers:
        topics = [catalog.topic(slug) for slug in paper.topics if slug in known]
        marks = {slug for topic in topics for slug in (topic.slug, topic.area) if slug}
        if not marks & excluded and (interests.everything or marks & chosen):
            out.append(paper)
    return tuple(out)
