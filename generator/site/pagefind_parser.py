"""A built page read as Pagefind 1.x's parser reads it (pagefind/src/fossick/parser.rs): a
stream of tags, each element folded into its parent when it closes, so that what comes out is
what Pagefind would index: the `data-pagefind-body` elements' text with its sentence stops,
`data-pagefind-weight` and heading weights, `data-pagefind-ignore`, `data-pagefind-meta`, the
first <h1> as the title, the first image after it. Text stays as written (entities and all)
until the end, as in Pagefind: whether a stop follows a text depends on its last character.

It reads bytes, and only what can matter: the page from its first Pagefind attribute or <h1>
on; elements that hold nothing that can reach the text or meta (outside a body, no Pagefind
attribute, no <h1>) are skipped whole, elements of text and inline tags alone read at once,
and past the last Pagefind attribute only the text around the bodies is read. What a record
cannot carry (an anchor in a body, filters, sort keys, default meta, indexed attributes), or
what this reader does not follow, raises Unsupported.
"""

from __future__ import annotations

import re
from functools import cache

from generator.site.pagefind_text import WHITE_SPACE, ends_a_sentence, normalize

SENTENCE_TAGS = frozenset(b"h1 h2 h3 h4 h5 h6 p td div ul li article section".split())
REMOVED_TAGS = frozenset(
    b"head style script noscript label form svg footer nav iframe template".split()
)
HEADING_WEIGHTS = {b"h1": "7", b"h2": "6", b"h3": "5", b"h4": "4", b"h5": "3", b"h6": "2"}
VOID_TAGS = frozenset(
    b"area base br col embed hr img input keygen link meta param source track wbr".split()
)
RAW_TEXT_TAGS = frozenset((b"script", b"style"))
# Elements whose text is read in another tokenizer state this reader does not follow.
UNFOLLOWED_TAGS = frozenset(
    b"textarea title xmp noembed noframes noscript plaintext iframe".split()
)
# Elements whose text Pagefind takes as it is: no stop, weight or space of their own.
INLINE_TAGS = frozenset(
    b"a abbr acronym b bdi bdo big cite code data del dfn em i ins kbd mark q s samp small span"
    b" strong sub sup time tt u var".split()
)
UNSUPPORTED = re.compile(rb"data-pagefind-(?:filter|sort|default-meta|index-attrs)")
MARK = b"data-pagefind-"
# What makes an element worth reading rather than skipping (in a lower-cased page); an image
# matters once there is a title.
WATCHED = re.compile(rb"data-pagefind-|<(?:h1|img|script|style|!|textarea|title|xmp)")
WATCHED_BEFORE_TITLE = re.compile(rb"data-pagefind-|<(?:h1|script|style|!|textarea|title|xmp)")
# What could hide an end tag in an element skipped whole.
RAW_TEXT_INSIDE = re.compile(rb"<(?:script|style|!|textarea|title|xmp|iframe|no|plaintext)")
# A tag (group 1: the "/" of an end tag, 2: its name, 3: its attributes, which may hold ">" in
# quotes), a comment, a doctype or a processing instruction.
ATTRIBUTES = rb"([^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*)"
QUOTED_TAG = re.compile(rb"<(/?)([a-z][^\t\n\f\r />]*)" + ATTRIBUTES + rb">")
TAG = re.compile(QUOTED_TAG.pattern + rb"|<!--.*?(?:-->|\Z)|<[!?][^>]*>", re.S)
ATTRIBUTE = re.compile(rb"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
AN_ID = re.compile(rb"\sid\s*=")
TITLE = re.compile(rb"<title\b[^>]*>(.*?)</title", re.S)
HTML_TAG = re.compile(rb"<html\b([^>]*)>")
NAMED_ATTRIBUTE = re.compile(r"^\s*(?P<name>[^:\[\]]+)\[(?P<attribute>.+)\]\s*$")
INDEXING, IGNORED, EXCLUDED, BODY, PARENT_OF_BODY = range(5)


class Unsupported(Exception):
    """The page has what a record cannot carry, or what this reader does not follow."""


def region_start(lowered: bytes) -> int:
    """Return where reading starts: the tag of the first Pagefind attribute or <h1>.

    Before it nothing can reach the record (no body, meta, weight, ignore or title; the text
    of elements around a body is dropped when the body closes in them). Reading starts at 0
    when that tag is not a plain tag: in a script, a comment or text.
    """
    candidates = [at for at in (lowered.find(MARK), _find_h1(lowered)) if at >= 0]
    if not candidates:
        return 0
    first = min(candidates)
    start = lowered.rfind(b"<", 0, first + 1)
    tag = TAG.match(lowered, start) if start >= 0 else None
    if tag is None or tag[2] is None or tag.end() <= first:
        return 0
    for opening, closing in ((b"<script", b"</script"), (b"<style", b"</style"), (b"<!--", b"-->")):
        last = lowered.rfind(opening, 0, start)
        if last >= 0 and lowered.find(closing, last, start) < 0:
            return 0  # in a script, a style or a comment
    return start


def _find_h1(lowered: bytes) -> int:
    at = lowered.find(b"<h1")
    while at >= 0 and lowered[at + 3 : at + 4] not in b" \t\n\r\f/>":
        at = lowered.find(b"<h1", at + 1)
    return at


class _Node:
    __slots__ = ("captures", "meta", "parts", "status", "tag", "weight")

    def __init__(self, tag: bytes | None, status: int = INDEXING) -> None:
        self.tag = tag
        self.parts: list[bytes] = []
        self.status = status
        self.meta: list[str] | None = None
        self.weight: str | None = None
        self.captures = False

    def text(self) -> bytes:
        return b"".join(self.parts)


class PageReader:
    """Pagefind's DomParser over a stream of tags, from a start on.

    The elements open at the start are not known: each is a node without a tag until its end
    tag names it.
    """

    def __init__(self, page: bytes, lowered: bytes) -> None:
        self.page = page
        self.lowered = lowered
        self.stack = [_Node(None)]  # the bottom is the root: see `root`
        self.meta: dict[str, str] = {}
        self.capturing = 0  # open elements whose whole text can reach the record
        self._ends: dict[tuple[bytes, int], tuple[int, int] | None] = {}  # see _end_tag

    def read(self, start: int) -> None:
        page, lowered, position = self.page, self.lowered, start
        last_mark, last_image = lowered.rfind(MARK), lowered.rfind(b"<img")
        settled = False
        while True:
            token = TAG.search(lowered, position)
            end = token.start() if token else len(page)
            if end > position:
                self.stack[-1].parts.append(page[position:end])
            if token is None:
                break
            position = token.end()
            if token[2] is None:  # a comment, doctype or processing instruction
                continue
            if token[1]:
                self._close(token[2])
                continue
            # Past the last Pagefind attribute, with a title and no image to come, only the
            # text of the elements around the bodies can still reach the record.
            settled = settled or (
                token.start() > last_mark
                and not self.capturing
                and "auto_title" in self.meta
                and (token.start() > last_image or "auto_image" in self.meta)
            )
            past = self._past_settled(token[2], token[3], position) if settled else None
            if past is not None:
                position = past
            else:
                raw = page[token.start(3) : token.end(3)]
                position = self._open(token[2], token[3], raw, position)
        while len(self.stack) > 1:  # elements never closed fold into their parents
            node = self.stack.pop()
            if self.stack[-1].status != PARENT_OF_BODY:
                _hand_over(node, self.stack[-1])

    @property
    def root(self) -> _Node:
        """The node that holds what was read (an element open before the start is under it)."""
        return self.stack[0]

    def final_meta(self) -> dict[str, str]:
        """Return the page's meta: the title and image found, unless set explicitly."""
        meta = dict(self.meta)
        image, alt = meta.pop("auto_image", None), meta.pop("auto_image_alt", "")
        if image is not None and "image" not in meta:
            meta["image"], meta["image_alt"] = image, alt
        title = meta.pop("auto_title", None)
        if title is not None and "title" not in meta:
            meta["title"] = title
        return meta

    def _open(self, tag: bytes, lowered: bytes, written: bytes, position: int) -> int:
        """Start an element (its attributes lower-cased and as written); return where reading
        goes on: past the element when it is skipped or read at once."""
        parent = self.stack[-1]
        marked = MARK in lowered
        attributes: dict[bytes, bytes] = {}
        if marked or tag == b"img" or (self.capturing and AN_ID.search(lowered)):
            attributes = tag_attributes(written)
        own = _own_status(attributes) if marked else INDEXING
        if b"id" in attributes and (self.capturing or own == BODY):
            raise Unsupported("an anchor")  # Pagefind would mark it, with text records lack
        if tag == b"br" and own != EXCLUDED:
            parent.parts.append(b" ")
        empty = tag in VOID_TAGS or lowered.rstrip().endswith(b"/")
        titling = tag == b"h1" and "auto_title" not in self.meta
        if not (marked or empty or titling or self.capturing):
            past = self._past(tag, position)
            if past is not None:
                return past
        if tag in UNFOLLOWED_TAGS:
            raise Unsupported(tag.decode())
        node = _Node(tag, EXCLUDED if parent.status == EXCLUDED else own)
        if marked:
            meta = attributes.get(b"data-pagefind-meta")
            node.meta = _meta_specs(_text(meta), attributes) if meta is not None else None
            weight = attributes.get(b"data-pagefind-weight")
            node.weight = _text(weight) if weight is not None else None
        if tag in REMOVED_TAGS:
            node.status = IGNORED
        if empty:
            self._end_empty(tag, node, attributes)
            return position
        node.captures = node.status == BODY or titling
        node.captures = node.captures or any(":" not in spec for spec in node.meta or ())
        capturing = bool(self.capturing) or node.captures
        flat = None if tag in RAW_TEXT_TAGS else self._flat(tag, position, capturing)
        if flat is not None:
            node.parts.append(flat[0])
            self._end(node, parent)
            return flat[1]
        self.capturing += node.captures
        self.stack.append(node)
        if tag in RAW_TEXT_TAGS:
            end = self.lowered.find(b"</" + tag, position)
            end = len(self.page) if end < 0 else end
            node.parts.append(self.page[position:end])
            return end
        return position

    def _past(self, tag: bytes, position: int) -> int | None:
        """Return the end of an element in which nothing can reach the record, else None."""
        end = self._end_tag(tag, position)
        if end is None:
            return None
        watched = WATCHED if "auto_title" in self.meta else WATCHED_BEFORE_TITLE
        return None if watched.search(self.lowered, position, end[0]) else end[1]

    def _past_settled(self, tag: bytes, attributes: bytes, position: int) -> int | None:
        """Return the end of an element once nothing in it can reach the record, else None."""
        if tag in VOID_TAGS or attributes.rstrip().endswith(b"/"):
            return None  # (a <br> adds a space)
        if tag in RAW_TEXT_TAGS or tag in UNFOLLOWED_TAGS:
            close = self.lowered.find(b"</" + tag, position)
            after = self.lowered.find(b">", close)
            return len(self.page) if close < 0 or after < 0 else after + 1
        end = self._end_tag(tag, position)
        if end is None or RAW_TEXT_INSIDE.search(self.lowered, position, end[0]):
            return None
        return end[1]

    def _flat(self, tag: bytes, position: int, capturing: bool) -> tuple[bytes, int] | None:
        """Return the text of an element of text and inline elements only, and its end
        (`capturing`: its text can reach the record, so an id in it would be an anchor)."""
        end = self._end_tag(tag, position)
        if end is None:
            return None
        inside = self.page[position : end[0]]
        if b"<" not in inside:
            return inside, end[1]
        lowered = self.lowered[position : end[0]]
        if MARK in lowered or b"<!" in lowered or (capturing and AN_ID.search(lowered)):
            return None
        text, at = [], 0
        for inner in QUOTED_TAG.finditer(lowered):
            if inner[2] not in INLINE_TAGS or b"<" in lowered[at : inner.start()]:
                return None
            text.append(inside[at : inner.start()])
            at = inner.end()
        if b"<" in lowered[at:]:
            return None
        text.append(inside[at:])
        return b"".join(text), end[1]

    def _end_tag(self, tag: bytes, position: int) -> tuple[int, int] | None:
        """Return the span of the end tag of the element open at `position` (found once: an
        element may be looked at to skip it, then to read it flat)."""
        key = (tag, position)
        if key not in self._ends:
            self._ends[key] = self._find_end_tag(tag, position)
        return self._ends[key]

    def _find_end_tag(self, tag: bytes, position: int) -> tuple[int, int] | None:
        lowered, depth = self.lowered, 1
        for match in _same_tags(tag).finditer(lowered, position):
            if match[1]:
                depth -= 1
            elif not match[2].rstrip().endswith(b"/"):
                depth += 1
            if depth == 0:
                return match.start(), match.end()
        return None

    def _close(self, tag: bytes) -> None:
        node = self.stack[-1]
        if node.tag is None and len(self.stack) == 1:  # an element open before the start
            node.tag = tag
            self.stack.insert(0, _Node(None))
        elif node.tag != tag:
            raise Unsupported(f"</{tag.decode()}> closes <{node.tag!r}>")
        self.stack.pop()
        self.capturing -= node.captures
        self._end(node, self.stack[-1])

    def _end_empty(self, tag: bytes, node: _Node, attributes: dict[bytes, bytes]) -> None:
        """End an element without content: its meta, and the first image after a title."""
        if node.status == EXCLUDED:
            return
        self._take_meta(node)
        titled = "auto_title" in self.meta or "title" in self.meta
        if tag == b"img" and titled and "auto_image" not in self.meta and b"src" in attributes:
            self.meta["auto_image"] = _text(attributes[b"src"])
            if b"alt" in attributes:
                self.meta["auto_image_alt"] = _text(attributes[b"alt"])

    def _end(self, node: _Node, parent: _Node) -> None:
        """Close an element: take its meta, mark its text, hand the text to its parent."""
        if node.status == EXCLUDED:
            return
        self._take_meta(node)
        tag = node.tag
        if tag == b"h1" and "auto_title" not in self.meta:
            text = node.text()
            if text.decode("utf-8", "replace").strip(WHITE_SPACE):
                self.meta["auto_title"] = normalize(text)
        if node.status == IGNORED:
            return
        if tag in SENTENCE_TAGS:
            stop = b"." if ends_a_sentence(node.parts) else b""
            node.parts = [b" ", *node.parts, stop, b" "]
        if node.weight is not None:
            node.parts.insert(0, f" ___PAGEFIND_WEIGHT___{node.weight} ".encode())
            node.parts.append(b" ___END_PAGEFIND_WEIGHT___ ")
        elif tag in HEADING_WEIGHTS:
            node.parts.insert(0, f" ___PAGEFIND_AUTO_WEIGHT___{HEADING_WEIGHTS[tag]} ".encode())
            node.parts.append(b" ___END_PAGEFIND_WEIGHT___ ")
        if parent.status == PARENT_OF_BODY and node.status not in (BODY, PARENT_OF_BODY):
            return
        _hand_over(node, parent)

    def _take_meta(self, node: _Node) -> None:
        for spec in node.meta or ():
            name, colon, value = spec.partition(":")
            if colon:
                self.meta[name] = normalize(value.encode())
            elif text := node.text():
                self.meta[name] = normalize(text)


def _hand_over(node: _Node, parent: _Node) -> None:
    """Give a closed element's text to its parent: a body's replaces what was there."""
    if node.status == INDEXING:
        parent.parts.append(node.text())
    elif node.status in (BODY, PARENT_OF_BODY):
        if parent.status != PARENT_OF_BODY:
            parent.parts.clear()
        parent.parts.append(node.text())
        parent.status = PARENT_OF_BODY


@cache
def _same_tags(tag: bytes) -> re.Pattern[bytes]:
    """Return a pattern of start and end tags named `tag` (group 1: the "/" of an end tag)."""
    return re.compile(b"<(/?)" + re.escape(tag) + rb"(?=[\s/>])" + ATTRIBUTES + b">")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def tag_attributes(text: bytes) -> dict[bytes, bytes]:
    """Return a tag's attributes, names in lower case, values as written (the first of each)."""
    found: dict[bytes, bytes] = {}
    for match in ATTRIBUTE.finditer(text):
        value = next((v for v in match.group(2, 3, 4) if v is not None), b"")
        found.setdefault(match[1].lower(), value)
    return found


def _own_status(attributes: dict[bytes, bytes]) -> int:
    """Return an element's status from its own attributes (body, ignore)."""
    if b"data-pagefind-body" in attributes:
        return BODY
    ignore = attributes.get(b"data-pagefind-ignore")
    if ignore is None:
        return INDEXING
    return IGNORED if ignore.lower() in (b"", b"index", b"true") else EXCLUDED


def _meta_specs(value: str, attributes: dict[bytes, bytes]) -> list[str]:
    """Split a data-pagefind-meta value into "name:value" and "name" specs (parse_attr_string)."""
    names, colon, literal = value.partition(":")
    if colon:
        specs = _meta_specs(names, attributes)
        specs[-1] += ":" + literal
        return specs
    specs = []
    for chunk in value.split(","):
        chunk = chunk.strip()
        named = NAMED_ATTRIBUTE.match(chunk)
        if named:
            attribute = _text(attributes.get(named["attribute"].lower().encode(), b""))
            chunk = f"{named['name']}:{attribute}"
        specs.append(chunk)
    return specs
