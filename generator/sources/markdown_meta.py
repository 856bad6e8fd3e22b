"""A Markdown digest's paper as it is read: its metadata lines, link lines and abstract text.

`markdown.py` cuts the digest into headings, paragraphs and HTML; a `Paper` takes the
paragraphs under its title. Right under the title (before any abstract text) a `Key: value`
line — ASCII or full-width colon, a key of at most three words, known or not — is metadata:
a known key (`KEYS`) gives a field, an unknown one whose value is links gives those links (an
arXiv or Hugging Face papers address gives the id), any other is dropped with the lines that
go on in its paragraph — unless its value is a sentence (eight words or 40 characters or
more, ending with a full stop). After the abstract has started only known keys are metadata
(and a key with links only). A paragraph that is only links, addresses, images or HTML tags
is never abstract text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from generator.model import Entry, Link, LinkKind, Location
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    link,
    make_entry,
    paper_address,
    parse_date,
    safe_url,
    split_authors,
    split_words,
)

_KEY = re.compile(r"^\s*(?P<key>[^\W\d_][\w ;/&'.-]{0,24}?)\s*[:：]\s*(?P<value>(?!//).*)$")
_LINK_LINE_JUNK = re.compile(r"[\s|·•,;:：/()\[\]\-–—]+")
# What a line of media holds besides punctuation: tags, [label](url) / [label]url, addresses.
_MEDIA = re.compile(r"<[^>]*>|!?\[[^\]]*\]\(?\s*(?:https?://\S*?\)|https?://\S*)?|https?://\S*")
_SENTENCE_END = re.compile(r"[.。]\s*$")
KEYS = {
    "authors": "authors",
    "author": "authors",
    "date": "date",
    "published": "date",
    "code": "code",
    "github": "code",
    "project": "project",
    "project page": "project",
    "website": "project",
    "pdf": "pdf",
    "arxiv": "arxiv",
    "arxiv id": "arxiv",
    "url": "url",
    "link": "url",
    "paper": "url",
    "category": "categories",
    "categories": "categories",
    "main category": "categories",
    "primary category": "categories",
    "subjects": "categories",
    "keywords": "keywords",
    "tags": "keywords",
    "abstract": "abstract",
    "summary": "abstract",
    "摘要": "abstract",
    "原文摘要": "abstract",
    "英文摘要": "abstract",
    "作者": "authors",
    "标签": "keywords",
    "关键词": "keywords",
    "ai摘要": "",
    "ai 摘要": "",
    "ai总结": "",
    "vote": "upvotes",
    "votes": "upvotes",
    "upvotes": "upvotes",
    # Bot metadata that is neither the abstract nor kept.
    "tl;dr": "",
    "tldr": "",
    "score": "",
    "relevance score": "",
    "type": "",
    "read time": "",
    "comments": "",
    "comment": "",
    "updated": "",
}


@dataclass
class Line:
    """One line of a paragraph or heading as plain text, with the links it holds."""

    text: str = ""
    hrefs: list[str] = field(default_factory=list)
    lead_link: tuple[str, str] | None = None  # (text, href) of a link the line starts with
    italic: bool = False  # the whole line is emphasized
    labels: list[str] = field(default_factory=list)  # each link's text, as hrefs
    loose: str = ""  # the text outside links


def is_media(line: Line) -> bool:
    """A line of links, addresses, images or HTML tags only: no words of its own."""
    return not _LINK_LINE_JUNK.sub("", _MEDIA.sub("", line.loose))


def _key(text: str) -> tuple[str, str | None] | None:
    """A `Key: value` line's value and field name (None: a key not in KEYS)."""
    match = _KEY.match(text)
    if not match or len(match["key"].split()) > 3:
        return None
    key = " ".join(match["key"].lower().split())
    return match["value"].strip(), KEYS.get(key)


@dataclass
class Paper:
    """A paper being read: its title, what the lines under it said, where it started."""

    title: str
    where: Location
    what: str
    level: int = 0
    item: int | None = None  # the list item it is, for a list-item paper
    linked: bool = False  # its title links to a web page
    body: bool = False  # a paragraph was read under it
    shown: bool = False  # anything (paragraph, list, HTML) stood under it
    prose: bool = False  # a paragraph outside any list gave abstract text
    abstract: list[str] = field(default_factory=list)
    original: list[str] = field(default_factory=list)  # from a <details> "original abstract"
    in_abstract: bool = False  # the paragraph's last key line was Abstract:
    in_meta: bool = False  # the paragraph's last key line was an unknown key's
    in_list: bool = False  # the paragraph being read is in a list
    authors: tuple[str, ...] = ()
    date: dt.date | None = None
    upvotes: str | None = None
    paper_id: str | None = None
    links: list[Link | None] = field(default_factory=list)
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def is_section(self) -> bool:
        """Something stood under the heading, but nothing that makes it a paper.

        A paper has a title linking to a page, authors, an arXiv id or a paper link, or a
        paragraph of prose outside lists; a heading over lists, images, HTML or unknown
        `Key: value` lines only is a section heading.
        """
        kinds = {item.kind for item in self.links if item is not None}
        return (
            self.item is None
            and self.shown
            and not (self.linked or self.prose or self.authors or self.paper_id)
            and not kinds - {LinkKind.CODE, LinkKind.PROJECT}
        )

    def address(self, url: str, kind: LinkKind = LinkKind.PAGE) -> None:
        """Take an arXiv id, a Hugging Face page, or a link of `kind` from an address."""
        found, page = paper_address(url, kind)
        self.paper_id = self.paper_id or found
        self.links.append(page)

    def take(self, lines: Iterable[Line], folded: bool, listed: bool = False) -> None:
        """Read a paragraph: metadata lines, the abstract's text; in <details>, Abstract: only."""
        lines = [line for line in lines if line.text.strip()]
        first = not self.body
        self.body = self.shown = True
        self.in_abstract = self.in_meta = False
        self.in_list = listed
        if not folded and lines and all(is_media(line) for line in lines):
            for line in lines:
                if line.hrefs:
                    self._link_line(line.labels, line.hrefs)
            return
        for number, line in enumerate(lines):
            text = line.text.strip()
            if first and number == 0 and line.italic and not self.authors and not folded:
                self.authors = split_authors(text)
            elif line.hrefs and not folded and not _LINK_LINE_JUNK.sub("", line.loose):
                self._link_line(line.labels, line.hrefs)
            elif not self._key_line(text, line, folded) and (
                self.in_abstract or not (folded or self.in_meta)
            ):
                self._text(text)

    def _text(self, text: str) -> None:
        self.abstract.append(text)
        self.prose = self.prose or not self.in_list

    def _key_line(self, text: str, line: Line, folded: bool) -> bool:
        """Read a `Key: value` line that is metadata; False for a line of text."""
        found = _key(text)
        if found is None:
            return False
        value, name = found
        if name is not None:
            self.in_abstract, self.in_meta = name == "abstract", False
            self._meta(name, value, line)
            return True
        if folded:
            return False
        rest = _KEY.match(line.loose.strip())
        if line.hrefs and rest and not _LINK_LINE_JUNK.sub("", rest["value"]):
            self._link_line(line.labels, line.hrefs)  # "Links: [arXiv](...) / [PDF](...)"
            return True
        long = len(value.split()) >= 8 or len(value) >= 40  # CJK: no spaces
        prose = long and _SENTENCE_END.search(value)
        if self.in_abstract or self.abstract or prose:
            return False
        self.in_abstract, self.in_meta = False, True
        return True

    def _link_line(self, labels: list[str], hrefs: list[str]) -> None:
        """A line of links ("[arXiv](...) | [Code](...)"): each kind told by its text."""
        for label, href in zip(labels, hrefs, strict=True):
            words_ = label.lower()
            if any(w in words_ for w in ("code", "github")):
                self.links.append(link(LinkKind.CODE, href))
            elif any(w in words_ for w in ("project", "website", "page", "demo")):
                self.links.append(link(LinkKind.PROJECT, href))
            else:
                self.address(href, LinkKind.PDF if "pdf" in words_ else LinkKind.PAGE)

    def _meta(self, name: str, value: str, line: Line) -> None:
        url = next((h for h in line.hrefs if safe_url(h)), None) or value
        if name == "abstract" and value:
            self._text(value)
        elif name == "authors":
            self.authors = self.authors or split_authors(value)
        elif name == "date":
            self.date = self.date or parse_date(value)
        elif name == "upvotes" and not self.upvotes:
            self.upvotes = value  # read by make_entry's count parser, which names a bad one
        elif name in {"code", "project"}:
            self.links.append(link(LinkKind(name), url))
        elif name in {"pdf", "url"}:
            self.address(url, LinkKind.PDF if name == "pdf" else LinkKind.PAGE)
        elif name == "arxiv" and value:
            self.paper_id = self.paper_id or arxiv_id(value.split()[0])
        elif name == "categories":
            self.categories = self.categories or split_words(value, spaces=True)
        elif name == "keywords":
            self.keywords = self.keywords or split_words(value)

    def entry(self, log: ProblemLog) -> Entry | None:
        return make_entry(
            log,
            self.where,
            self.what,
            self.title,
            " ".join(self.original or self.abstract),
            date=self.date,
            authors=self.authors,
            links=self.links,
            arxiv_id=self.paper_id,
            categories=self.categories,
            keywords=self.keywords,
            upvotes=self.upvotes,
        )
