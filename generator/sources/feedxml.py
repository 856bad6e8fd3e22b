"""XML feeds (Atom, RSS 2.0, RSS 1.0) read safely, and the helpers both arXiv readers share.

The parser never expands entities, loads a DTD or touches the network. A feed that does not
parse whole (cut off, a tag left open, a bare `&`) is read again record by record: each entry
or item that parses alone is read, wherever the break, and each one that does not is one
problem naming it and its line (its text may be cut short, so it is left out).

Elements are matched by local name, so a feed reads the same whether its namespaces are
declared once on the root (arXiv's 2025+ API layout), on each element (the older layout), or
not at all (feeds written by hand).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import TypeAlias
from xml.sax.saxutils import quoteattr

import lxml.html
from lxml import etree

from generator.sources.fields import ProblemLog, names, split_authors
from generator.sources.formats import Source

Element: TypeAlias = etree._Element
RECORDS = frozenset({"entry", "item"})
# How XML from the web is parsed: no entity expansion, no DTD, nothing fetched (fetch uses it too).
SAFE_PARSING = {"resolve_entities": False, "no_network": True, "load_dtd": False}
_SAFE = {**SAFE_PARSING, "encoding": "utf-8"}
_WHERE_SUFFIX = re.compile(r",\s*line \d+, column \d+\s*$")
_LINE = re.compile(r"\bline (\d+)\b")
# A record's start tag (any prefix), or the opening of a comment or CDATA section to pass over.
_RECORD_START = re.compile(r"<!--|<!\[CDATA\[|<(?:[A-Za-z_][\w.\-]*:)?(entry|item)(?=[\s/>])", re.I)
_SKIP_TO = {"<!--": "-->", "<![CDATA[": "]]>"}
_RECORD_END = re.compile(r"</(?:[A-Za-z_][\w.\-]*:)?(?:entry|item)\s*>", re.I)
# Text that is HTML markup rather than prose: a known tag, a comment, or an escaped entity.
_HTML = re.compile(
    r"<(?:/?(?:p|a|br|hr|div|span|em|i|b|u|strong|sub|sup|img|ul|ol|li|h[1-6]|blockquote"
    r"|table|tr|td|th|figure|figcaption|meta|style|script|code|pre|small)\b[^>]*>|!--)"
    r"|&(?:[a-z]+|#\d+|#x[0-9a-f]+);",
    re.IGNORECASE,
)
_BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote")


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its root element and its records (entries or items) to read, each with
    its number among the file's records (a broken record left out keeps its number)."""

    root: Element
    records: tuple[tuple[int, Element], ...]


@dataclass(frozen=True)
class _Break:
    """Where a piece of XML stops parsing (a line of the source's text), and why."""

    line: int
    message: str

    @classmethod
    def of(cls, error: etree.XMLSyntaxError, offset: int = 0) -> _Break:
        message = _WHERE_SUFFIX.sub("", error.msg or "not well-formed")
        # libxml2 names the line a tag opened on ("tag summary line 3"): a line of the piece.
        message = _LINE.sub(lambda m: f"line {int(m[1]) + offset}", message)
        if "EntityRef" in message:
            message += " (a bare `&` must be written `&amp;`)"
        return cls((error.lineno or 1) + offset, message)


def parse_feed(source: Source, log: ProblemLog) -> Feed | None:
    """Parse a feed; a broken one record by record, naming each record that does not parse."""
    try:
        root = etree.fromstring(source.text.encode("utf-8"), etree.XMLParser(**_SAFE))
    except etree.XMLSyntaxError as error:
        return _record_by_record(source, log, _Break.of(error))
    return Feed(root, tuple(enumerate(_records(root), start=1)))


def _record_by_record(source: Source, log: ProblemLog, first: _Break) -> Feed | None:
    """Read a feed that does not parse whole: its header, then each record alone.

    A record is parsed inside a wrapper that declares the header's namespaces; one that does
    not parse is one problem naming it and its line, and the records around it are read
    whatever the break (a tag left open, a bare `&`, a record cut off).
    """
    text = source.text
    spans = _record_spans(text)
    root, nsmap, header_break = _header(text[: spans[0][0]] if spans else text)
    if root is None and not spans:
        _log_break(source, log, first, "")
        return None
    if header_break is not None:
        before = " (in the feed's header, before its first record)" if spans else ""
        _log_break(source, log, header_break, before)
    wrapper = _wrapper(nsmap)
    kept: list[tuple[int, Element]] = []
    line, counted = 1, 0
    for number, (start, end) in enumerate(spans, start=1):
        line += text.count("\n", counted, start)
        counted = start
        found = _parse_record(wrapper + text[start:end], line - 1)
        if isinstance(found, _Break):
            name = _RECORD_START.match(text, start)
            kind = name[1].lower() if name and name[1] else "record"
            _log_break(source, log, found, f"; {kind} {number} (line {line}) is left out")
        else:
            kept.append((number, found))
    if header_break is None and len(kept) == len(spans):
        _log_break(source, log, first, "")  # after the last record: every record is read
    return Feed(root if root is not None else etree.Element("feed"), tuple(kept))


def _log_break(source: Source, log: ProblemLog, where: _Break, what: str) -> None:
    log.error(
        source.line(min(where.line, source.text.count("\n") + 1) - 1),
        f"broken XML: {where.message}{what}",
        "the file was cut off or edited by hand: save the feed again; "
        "the records before and after the break are read",
    )


def _record_spans(text: str) -> list[tuple[int, int]]:
    """Where each record's text starts and ends: at its last end tag before the next record."""
    starts = []
    match = _RECORD_START.search(text)
    while match is not None:
        if match[1]:
            starts.append(match.start())
            match = _RECORD_START.search(text, match.end())
            continue
        close = text.find(_SKIP_TO[match[0].upper()], match.end())
        match = _RECORD_START.search(text, close) if close >= 0 else None
    spans = []
    for start, limit in itertools.pairwise([*starts, len(text)]):
        ends = [match.end() for match in _RECORD_END.finditer(text, start, limit)]
        spans.append((start, ends[-1] if ends else limit))
    return spans


def _header(text: str) -> tuple[Element | None, dict[str | None, str], _Break | None]:
    """The feed's root as far as its first record, the namespaces declared, its first break."""
    data = text.encode("utf-8")
    found: _Break | None = None
    try:
        etree.XMLPullParser(**_SAFE).feed(data)  # an unfinished document is not a break
    except etree.XMLSyntaxError as error:
        found = _Break.of(error)
    try:
        root = etree.fromstring(data, etree.XMLParser(recover=True, **_SAFE))
    except etree.XMLSyntaxError:
        root = None
    nsmap: dict[str | None, str] = {}
    for element in root.iter() if root is not None else ():
        nsmap.update(element.nsmap)
    return root, nsmap, found


def _wrapper(nsmap: dict[str | None, str]) -> str:
    """A start tag on one line declaring the namespaces (prefixes in a fixed order)."""
    declared = "".join(
        f" xmlns{':' + prefix if prefix else ''}={quoteattr(uri)}"
        for prefix, uri in sorted(nsmap.items(), key=lambda item: item[0] or "")
    )
    return f"<records{declared}>"


def _parse_record(text: str, offset: int) -> Element | _Break:
    """The record after the wrapper's start tag, its lines moved down by `offset`."""
    parser = etree.XMLPullParser(events=("end",), **_SAFE)
    try:
        parser.feed(text.encode("utf-8"))
        for _event, element in parser.read_events():
            parent = element.getparent()
            if parent is not None and parent.getparent() is None and local(element) in RECORDS:
                for inner in element.iter():
                    inner.sourceline = (inner.sourceline or 1) + offset
                return element
        parser.close()
    except etree.XMLSyntaxError as error:
        return _Break.of(error, offset)
    return _Break(offset + 1, "no entry or item in this part")


def _records(root: Element) -> tuple[Element, ...]:
    """The entries or items of a feed, in document order (RSS 2.0 nests them in channel)."""
    return tuple(el for el in root.iter() if isinstance(el.tag, str) and local(el) in RECORDS)


def local(element: Element) -> str:
    """An element's name without its namespace, in lower case ("arxiv:DOI" -> "doi")."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    # Not etree.QName: a recovered tree names an element of an undeclared prefix "arxiv:doi",
    # which QName refuses (a traceback the fuzzer found).
    return tag.rpartition("}")[2].rpartition(":")[2].lower()


def children(element: Element, name: str) -> list[Element]:
    """The child elements called `name` (any namespace)."""
    return [child for child in element if local(child) == name]


def child(element: Element, *choices: str) -> Element | None:
    """The first child called one of `choices`, trying the names in order."""
    for name in choices:
        found = children(element, name)
        if found:
            return found[0]
    return None


def text(element: Element | None) -> str:
    """An element's text as written (entities decoded, nested text included), or ""."""
    if element is None:
        return ""
    return "".join(element.itertext())


def field(element: Element, *choices: str) -> str:
    return text(child(element, *choices))


def alternate(record: Element) -> str:
    """A record's page: Atom's `<link rel="alternate" href>` (the default rel), RSS's `<link>`."""
    for element in children(record, "link"):
        if element.get("rel", "alternate") == "alternate":
            return (element.get("href") or text(element)).strip()
    return ""


def looks_like_html(value: str) -> bool:
    return _HTML.search(value) is not None


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment (a generic feed's description); no markup survives."""
    try:
        fragment = lxml.html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return value
    for junk in fragment.xpath("//script|//style|//comment()"):
        junk.drop_tree()  # keeps the text that follows it
    for block in fragment.iter(*_BLOCKS):
        block.tail = " " + (block.tail or "")
    return " ".join(str(fragment.text_content()).split())


def plain(value: str) -> str:
    """Text from a generic feed: HTML made plain, prose left exactly as it is."""
    return html_to_text(value) if looks_like_html(value) else value


def atom_authors(record: Element) -> tuple[str, ...]:
    """Every `<author><name>` of an entry, in order (feedparser keeps only the last)."""
    return names(field(author, "name") for author in children(record, "author"))


def creators(record: Element) -> tuple[str, ...]:
    """Authors from `dc:creator` elements: one comma-joined list, or one element per name."""
    found: list[str] = []
    for element in children(record, "creator"):
        found.extend(split_authors(plain(text(element))))
    return names(found)


def categories(record: Element, primary: str = "") -> tuple[str, ...]:
    """Category terms (Atom `term`, RSS element text), the primary one first."""
    terms = [primary]
    for element in children(record, "category"):
        terms.append(element.get("term") or text(element))
    return names(terms)
