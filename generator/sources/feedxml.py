"""XML feeds (Atom, RSS 2.0, RSS 1.0) read safely, and the helpers both arXiv readers share.

The parser never expands entities, loads a DTD or touches the network. A broken or cut-off
file gets one problem at the line the parser names; the entries that were complete before the
break are read, and so are those that start after it (a second, recovering pass finds them).
The entry the break falls in is left out: its text may be cut short.

Elements are matched by local name, so a feed reads the same whether its namespaces are
declared once on the root (arXiv's 2025+ API layout), on each element (the older layout), or
not at all (feeds written by hand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

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
    """A parsed feed: its root element and its records (entries or items) to read."""

    root: Element
    records: tuple[Element, ...]


def parse_feed(source: Source, log: ProblemLog) -> Feed | None:
    """Parse a feed; log one problem for broken XML and keep the records around the break."""
    data = source.text.encode("utf-8")
    complete, parsed = _strict_pass(data)
    if not isinstance(parsed, etree.XMLSyntaxError):
        return Feed(parsed, _records(parsed))
    error = parsed
    line = min(error.lineno or 1, source.text.count("\n") + 1)
    message = _WHERE_SUFFIX.sub("", error.msg or "not well-formed")
    if "EntityRef" in message:
        message += " (a bare `&` must be written `&amp;`)"
    try:
        root = etree.fromstring(data, etree.XMLParser(recover=True, **_SAFE))
    except etree.XMLSyntaxError:
        root = None
    found = _records(root) if root is not None else ()
    kept = tuple(
        record
        for number, record in enumerate(found)
        if number < complete or (record.sourceline or 0) > line
    )
    lost = ""
    if len(kept) < len(found):
        record = found[complete]
        lost = f"; {local(record)} {complete + 1} (line {record.sourceline}) is left out"
    log.error(
        source.line(line - 1),
        f"broken XML: {message}{lost}",
        "the file was cut off or edited by hand: save the feed again; "
        "the records before and after the break are read",
    )
    if root is None:
        return None
    return Feed(root, kept)


def _strict_pass(data: bytes) -> tuple[int, etree.XMLSyntaxError | Element]:
    """Parse strictly: count the records that end before the first syntax error, and return
    that error, else the root (the tree the parse built, not parsed a second time)."""
    parser = etree.XMLPullParser(events=("end",), **_SAFE)
    complete = 0
    try:
        parser.feed(data)
        for _event, element in parser.read_events():
            complete += local(element) in RECORDS
        root: Element = parser.close()
    except etree.XMLSyntaxError as error:
        return complete, error
    return complete, root


def _records(root: Element) -> tuple[Element, ...]:
    """The entries or items of a feed, in document order (RSS 2.0 nests them in channel)."""
    return tuple(el for el in root.iter() if isinstance(el.tag, str) and local(el) in RECORDS)


def local(element: Element) -> str:
    """An element's name without its namespace, in lower case ("arxiv:DOI" -> "doi")."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return str(etree.QName(tag).localname).lower()


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
