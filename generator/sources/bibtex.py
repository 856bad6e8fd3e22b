"""Read BibTeX and BibLaTeX files (Zotero, Better BibTeX, JabRef, Google Scholar, arXiv, DBLP).

bibtexparser v2 splits the file into blocks (it resolves `@string` macros and keeps `@comment`
and `@preamble` out of the entries); a block it cannot parse is one problem at the block's
first line, and the blocks around it are still read. Each entry needs a `title` and an
`abstract`; LaTeX in titles, names, abstracts and keywords is decoded to Unicode (braces that
protect case go), names read "Last, First" become "First Last", and "and others" is dropped.

The arXiv id comes from `eprint` (when `eprinttype`/`archivePrefix` says arXiv, or says
nothing and the value is an arXiv id), an arXiv `url`, an arXiv DOI (10.48550/arXiv.ID), or
an "arXiv:ID" in `journal`/`note`/`number`. `doi` becomes a DOI link, any other http(s)
`url` a page link. The date is read only when it names a day (`date = {2024-03-11}`, or
`year` + `month` + `day`): a year alone, or a year and month, leaves the paper undated rather
than inventing a day. `file` (a path on the exporting machine) is never read.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexDecodingMiddleware, RemoveEnclosingMiddleware
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    Field,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
)
from bibtexparser.model import (
    Entry as BibEntry,
)

from generator.model import Entry, LinkKind, Location
from generator.sources.doi import arxiv_id_of_doi, doi_link
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    link,
    make_entry,
    names,
    parse_count,
    parse_date,
    shorten,
    split_words,
    words,
)
from generator.sources.formats import Parsed, Source

_DECODED = ("title", "abstract", "keywords")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_ARXIV_MENTION = re.compile(r"arxiv:\s*([a-z\-.]*/?\d{4}\.?\d{3,5}(?:v\d+)?)", re.IGNORECASE)
_LATEX_ESCAPE = re.compile(r"\\([_%&#$~])")
_URL_IN_TEXT = re.compile(r"https?://[^\s{}\\]+")
_CATEGORY = re.compile(r"^(?:[a-z\-]+\.[A-Za-z\-]+|[a-z]+-[a-z]+)$")
_BLOCK_HEAD = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)")
_HINT_BLOCK = "check the entry's braces, quotes and commas; the other entries are read"


def read(source: Source) -> Parsed:
    """Read every entry of a .bib file; a broken block costs only itself."""
    log = ProblemLog()
    _quiet_library_log()
    try:
        library = parse_string(source.text)
    except Exception as exc:  # the parser's own bugs must not crash a build
        log.error(
            source.line(0),
            f"cannot be read as BibTeX ({shorten(str(exc) or type(exc).__name__, 100)})",
            "check the file is a .bib export; fix it or move it out of the digests folder",
        )
        return Parsed((), log.result())
    decoder = LatexDecodingMiddleware(allow_inplace_modification=True)
    entries: list[Entry] = []
    first_seen: dict[str, Location] = {}
    for block in library.blocks:
        where = source.line(block.start_line or 0)
        if isinstance(block, DuplicateBlockKeyBlock):
            duplicate = block.ignore_error_block
            if not isinstance(duplicate, BibEntry):
                continue
            log.warning(
                where,
                f"entry key {block.key!r} is used twice (first at line "
                f"{first_seen[block.key].line if block.key in first_seen else '?'})",
                "both entries are read; give each entry its own key",
            )
            # bibtexparser leaves a duplicate as split: its braces are still on.
            block = RemoveEnclosingMiddleware().transform_entry(duplicate, library)
        elif isinstance(block, ParsingFailedBlock):
            _failed(log, where, block)
            continue
        if isinstance(block, BibEntry):
            first_seen.setdefault(block.key, where)
            entry = _entry(log, where, block, decoder, library)
            if entry is not None:
                entries.append(entry)
    return Parsed(tuple(entries), log.result())


def _quiet_library_log() -> None:
    """bibtexparser logs each broken block, pylatexenc each macro it cannot fill ("\\frac"
    with no arguments): the reader reports what matters itself, once."""
    for name in ("bibtexparser", "pylatexenc"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        logger.propagate = False


def _failed(log: ProblemLog, where: Location, block: ParsingFailedBlock) -> None:
    """One problem for a block bibtexparser could not parse, naming its type and key."""
    head = _BLOCK_HEAD.match((block.raw or "").lstrip())
    kind = f"@{head[1].lower()}" if head else "BibTeX"
    key = f" {head[2]}" if head and head[2] else ""
    error = block.error
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    first = " ".join(str(reason).split("\n", 1)[0].split())
    log.error(where, f"{kind} entry{key} cannot be read: {shorten(first, 100)}", _HINT_BLOCK)


def _entry(
    log: ProblemLog,
    where: Location,
    block: BibEntry,
    decoder: LatexDecodingMiddleware,
    library: Library,
) -> Entry | None:
    raw: dict[str, str] = {}
    for item in block.fields:
        if isinstance(item.value, str):
            raw.setdefault(item.key.lower(), item.value)
    people = [
        name
        for name in split_multiple_persons_names(raw.get("author", ""))
        if name.strip().lower() != "others"
    ]
    text, raw_kept = _decode(decoder, library, {k: raw[k] for k in _DECODED if k in raw}, people)
    for key in raw_kept:
        what = f"author {int(key[6:]) + 1}" if key.startswith("person") else key
        log.warning(
            where,
            f"entry {block.key}: the LaTeX of its {what} cannot be decoded; shown as written",
            "check the field's macros and their arguments; the other fields are decoded",
        )
    paper = _arxiv(raw)
    links = [doi_link(_unescape(raw.get("doi", "")))]
    url = _url(raw)
    if url and arxiv_id(url) is None:
        links.append(doi_link(url) or link(LinkKind.PAGE, url))
    return make_entry(
        log,
        where,
        f"entry {block.key}",
        text.get("title"),
        text.get("abstract"),
        date=_date(raw),
        authors=names(text.get(f"person{n}", "") for n in range(len(people))),
        links=links,
        arxiv_id=paper,
        categories=_categories(raw),
        keywords=split_words(text.get("keywords", "")),
    )


def _decode(
    decoder: LatexDecodingMiddleware, library: Library, fields: dict[str, str], people: list[str]
) -> tuple[dict[str, str], list[str]]:
    """Decode LaTeX in the text fields and each name ("Last, First" made "First Last"), field
    by field; also say which fields could not be decoded (they are kept as written)."""
    values = dict(fields)
    for number, person in enumerate(people):
        if _EXTENDED_NAME.search(person):
            values[f"person{number}"] = _extended_name(person)
            continue
        parts = parse_single_name_into_parts(person, strict=False)
        values[f"person{number}"] = parts.merge_first_name_first
    decoded = {key: _decode_one(decoder, library, value) for key, value in values.items()}
    kept = [key for key, text in decoded.items() if text is None]
    return {key: values[key] if text is None else text for key, text in decoded.items()}, kept


def _decode_one(decoder: LatexDecodingMiddleware, library: Library, value: str) -> str | None:
    """One field's LaTeX decoded, alone: None when pylatexenc cannot read it (the field is
    then kept as written, and the entry's other fields are still decoded)."""
    decoded = decoder.transform_entry(BibEntry("misc", "scratch", [Field("f", value)]), library)
    if isinstance(decoded, MiddlewareErrorBlock) or not isinstance(decoded, BibEntry):
        return None
    return str(decoded.fields[0].value)


# BibLaTeX's extended name format (Better BibLaTeX writes it for names with particles):
# "family=Heuvel, given=Charles, prefix=van den, useprefix=false".
_EXTENDED_NAME = re.compile(r"(?:^|,)\s*(?:family|given)\s*=", re.IGNORECASE)


def _extended_name(person: str) -> str:
    """ "family=Heuvel, given=Charles, prefix=van den" -> "Charles van den Heuvel"."""
    parts: dict[str, str] = {}
    for item in person.split(","):
        key, _, value = item.partition("=")
        parts[key.strip().lower()] = value.strip().strip("{}").strip()
    order = ("given", "prefix", "family", "suffix")
    return " ".join(parts[key] for key in order if parts.get(key))


def _arxiv(raw: dict[str, str]) -> str | None:
    """The arXiv id from eprint, url, an arXiv DOI, or an "arXiv:ID" mention."""
    kind = (raw.get("eprinttype") or raw.get("archiveprefix") or "").strip().lower()
    eprint = raw.get("eprint", "")
    if kind in {"", "arxiv"} and (found := arxiv_id(eprint)):
        return found
    if found := arxiv_id(_url(raw) or ""):
        return found
    if found := arxiv_id_of_doi(_unescape(raw.get("doi", ""))):
        return found
    for key in ("journal", "note", "number"):
        mention = _ARXIV_MENTION.search(raw.get(key, ""))
        if mention and (found := arxiv_id(mention[1])):
            return found
    return None


def _url(raw: dict[str, str]) -> str | None:
    """The entry's address: `url`, else one inside `howpublished` (\\url{...})."""
    value = raw.get("url") or ""
    if not value:
        found = _URL_IN_TEXT.search(raw.get("howpublished", ""))
        value = found[0] if found else ""
    value = _LATEX_ESCAPE.sub(r"\1", value.strip())
    return value or None


def _unescape(value: str) -> str:
    """`10.1000/a\\_b` as LaTeX writes it: the DOI `10.1000/a_b`."""
    return _LATEX_ESCAPE.sub(r"\1", value.strip())


def _date(raw: dict[str, str]) -> dt.date | None:
    """A day from `date` (BibLaTeX), else from `year` + `month` + `day`; None for less."""
    if "date" in raw:
        value = raw["date"].strip()
        return parse_date(value) if re.match(r"^\d{4}-\d{2}-\d{2}", value) else None
    year, month, day = (raw.get(k, "").strip().lower() for k in ("year", "month", "day"))
    # Counts in ASCII digits only: "²" passes str.isdigit() but int() refuses it.
    number = parse_count(month) if month[:1].isdigit() else _MONTHS.get(month[:3])
    year_number, day_number = parse_count(year), parse_count(day)
    if year_number is None or not number or day_number is None:
        return None
    try:
        return dt.date(year_number, number, day_number)
    except (ValueError, OverflowError):
        return None


def _categories(raw: dict[str, str]) -> tuple[str, ...]:
    """arXiv's primary class (`primaryClass`, `eprintclass`) when it is a category."""
    found = (raw.get(k, "").strip() for k in ("primaryclass", "eprintclass"))
    return words(value for value in found if _CATEGORY.match(value))
