"""Read Markdown digests: the documented hand-written format, and the digests bots write.

The hand-written format (README "Digest formats"):

- A paper is a `##` or `###` heading whose text is the title; the title may be a link,
  `## [Title](https://arxiv.org/abs/2501.01234)`. A leading number ("1. ", "[1] ") is dropped.
- Or a list item that starts with a link, `- [Title](https://...)` or `1. [Title](https://...)`,
  with the abstract indented below it (or on the same line after the link).
- Lines right under the title may give metadata as `Key: value` (bold or italic keys too:
  `**Authors:** ...`): `Authors`, `Date` (2025-03-11), `Code`, `Project`, `PDF`, `arXiv`,
  `URL`/`Link`, `Categories`, `Keywords`, and `Abstract`/`Summary` (which starts the abstract).
  A first line that is all italic (`*A. One, B. Two*`) gives the authors.
- The abstract is the text that follows, up to the next paper, heading or `---` rule; a heading
  "Abstract" is allowed and skipped. Inline markup becomes plain text (emphasis markers go,
  `[text](url)` keeps its text, inline code and `$math$` stay as written); raw HTML is text.
- A `#` heading is the issue's title, not a paper (an issue date when it is just 2025-03-11);
  text before the first paper is an introduction; a heading with no text of its own followed
  by deeper headings or linked list items is a section heading, not a paper.
- `<details>` blocks are folded-away notes: their headings never start papers, and only an
  `Abstract:` line inside one is read.

A bot-written digest is told apart by numbered link headings, `### 1. [Title](url)` or
`### [1] [Title](url)`: then only such headings are papers, any other heading ends the paper
before it, and list items are never papers. Every paper without an abstract is a problem at its
line; the other papers are read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator.model import Entry, Link, LinkKind, Location
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    hugging_face_link,
    link,
    make_entry,
    parse_date,
    safe_url,
    split_authors,
    words,
)
from generator.sources.formats import Parsed, Source

_NUMBER = re.compile(r"^\s*(?:\d{1,4}[.)]|\[\d{1,4}\])\s+")
_KEY = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ;/]{0,24}?)\s*:\s*(?P<value>.*)$")
_HF_PAPER = re.compile(r"^https?://(?:www\.)?huggingface\.co/papers/(\d{4}\.\d{4,5})/?$")
_DETAILS_OPEN = re.compile(r"<details\b", re.I)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.I)
_STRUCTURAL_HTML = re.compile(r"^\s*(?:</?(?:details|summary)\b[^>]*>\s*)+$", re.I | re.S)
_LINK_LINE_JUNK = re.compile(r"[\s|·•,;:/()\[\]\-–—]+")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ABSTRACT_HEADINGS = frozenset({"abstract", "summary"})
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


@dataclass
class Block:
    kind: str  # heading, para, html, rule
    line: int  # 0-based line in the source text
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    html: str = ""
    items: tuple[int, ...] = ()  # the list items it sits in, outermost first
    item_lead: bool = False  # the first block of its list item


def _lines(token: Token) -> list[Line]:
    """Plain text of an inline token, split at its line breaks."""
    lines = [Line()]
    in_lead = in_link = False
    emphasis = 0
    plain = [False]  # per line: some text outside emphasis
    for child in token.children or []:
        line = lines[-1]
        if child.type in {"softbreak", "hardbreak"}:
            lines.append(Line())
            plain.append(False)
        elif child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            line.hrefs.append(href)
            line.labels.append("")
            in_link = True
            if not line.text.strip() and not line.hrefs[:-1]:
                line.lead_link, in_lead = ("", href), True
        elif child.type == "link_close":
            in_lead = in_link = False
        elif child.type == "em_open":
            emphasis += 1
            line.italic = line.italic or not line.text.strip()
        elif child.type == "em_close":
            emphasis -= 1
        elif child.type in {"text", "code_inline", "html_inline"}:
            line.text += child.content
            if in_link:
                line.labels[-1] += child.content
            else:
                line.loose += child.content
            plain[-1] = plain[-1] or (emphasis == 0 and bool(child.content.strip()))
            if in_lead and line.lead_link is not None:
                line.lead_link = (line.lead_link[0] + child.content, line.lead_link[1])
    for line, outside in zip(lines, plain, strict=True):
        line.italic = line.italic and not outside
    return lines


def blocks(text: str) -> list[Block]:
    """The digest's paragraphs, headings, HTML and rules in order, with the list items around."""
    found: list[Block] = []
    items: list[int] = []
    fresh_item = False
    tokens = MarkdownIt("commonmark").parse(text)
    for index, token in enumerate(tokens):
        start = token.map[0] if token.map else 0
        if token.type == "list_item_open":
            items.append(index)
            fresh_item = True
        elif token.type == "list_item_close":
            items.pop()
        elif token.type == "heading_open":
            inline = tokens[index + 1]
            level = int(token.tag[1])
            found.append(Block("heading", start, _lines(inline), level, items=tuple(items)))
        elif token.type == "paragraph_open":
            inline = tokens[index + 1]
            block = Block("para", start, _lines(inline), items=tuple(items), item_lead=fresh_item)
            found.append(block)
            fresh_item = False
        elif token.type == "html_block":
            found.append(Block("html", start, html=token.content, items=tuple(items)))
        elif token.type == "hr":
            found.append(Block("rule", start, items=tuple(items)))
    return found


def _is_bot_heading(block: Block) -> bool:
    if block.kind != "heading" or not 2 <= block.level <= 4 or len(block.lines) != 1:
        return False
    line = block.lines[0]
    match = _NUMBER.match(line.text)
    return bool(match and len(line.hrefs) == 1 and line.text[match.end() :].strip())


def _title(block: Block) -> tuple[str, str | None]:
    """A heading's title without its number, and the address it links to."""
    text = " ".join(line.text for line in block.lines)
    hrefs = [href for line in block.lines for href in line.hrefs]
    return _NUMBER.sub("", text, count=1).strip(), hrefs[0] if hrefs else None


@dataclass
class Paper:
    """A paper being read: its title, what the lines under it said, where it started."""

    title: str
    where: Location
    what: str
    level: int = 0
    item: int | None = None  # the list item it is, for a list-item paper
    body: bool = False
    abstract: list[str] = field(default_factory=list)
    in_abstract: bool = False  # the paragraph's last key line was Abstract:
    authors: tuple[str, ...] = ()
    date: dt.date | None = None
    paper_id: str | None = None
    links: list[Link | None] = field(default_factory=list)
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def address(self, url: str, kind: LinkKind = LinkKind.PAGE) -> None:
        """Take an arXiv id, a Hugging Face page, or a link of `kind` from an address."""
        found = arxiv_id(url)
        hf = _HF_PAPER.match(url)
        if hf:
            found = hf[1]
            self.links.append(hugging_face_link(found))
        if found:
            self.paper_id = self.paper_id or found
        else:
            self.links.append(link(kind, url))

    def take(self, lines: Iterable[Line], folded: bool) -> None:
        """Read a paragraph: metadata lines, the abstract's text; in <details>, Abstract: only."""
        first = not self.body
        self.body = True
        self.in_abstract = False
        for number, line in enumerate(lines):
            text = line.text.strip()
            if not text:
                continue
            if first and number == 0 and line.italic and not self.authors and not folded:
                self.authors = split_authors(text)
                continue
            if line.hrefs and not folded and not _LINK_LINE_JUNK.sub("", line.loose):
                self._link_line(line)
                continue
            match = _KEY.match(text)
            name = KEYS.get(" ".join(match["key"].lower().split())) if match else None
            if match and name is not None:
                self.in_abstract = name == "abstract"
                self._meta(name, match["value"].strip(), line)
            elif self.in_abstract or not folded:
                self.abstract.append(text)

    def _link_line(self, line: Line) -> None:
        """A line of links only ("[arXiv](...) | [Code](...)"): each kind told by its text."""
        for label, href in zip(line.labels, line.hrefs, strict=True):
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
            self.abstract.append(value)
        elif name == "authors":
            self.authors = self.authors or split_authors(value)
        elif name == "date":
            self.date = self.date or parse_date(value)
        elif name in {"code", "project"}:
            self.links.append(link(LinkKind(name), url))
        elif name in {"pdf", "url"}:
            self.address(url, LinkKind.PDF if name == "pdf" else LinkKind.PAGE)
        elif name == "arxiv" and value:
            self.paper_id = self.paper_id or arxiv_id(value.split()[0])
        elif name == "categories":
            self.categories = self.categories or words(re.split(r"[,;\s]+", value))
        elif name == "keywords":
            self.keywords = self.keywords or words(re.split(r"[,;]", value))

    def entry(self, log: ProblemLog) -> Entry | None:
        return make_entry(
            log,
            self.where,
            self.what,
            self.title,
            " ".join(self.abstract),
            date=self.date,
            authors=self.authors,
            links=self.links,
            arxiv_id=self.paper_id,
            categories=self.categories,
            keywords=self.keywords,
        )


@dataclass
class _Reader:
    source: Source
    bot: bool
    log: ProblemLog = field(default_factory=ProblemLog)
    entries: list[Entry] = field(default_factory=list)
    paper: Paper | None = None
    folded: int = 0  # depth of <details> blocks around the current block
    date: dt.date | None = None

    def close(self) -> None:
        if self.paper is not None:
            entry = self.paper.entry(self.log)
            if entry is not None:
                self.entries.append(entry)
        self.paper = None

    def drop_section(self) -> None:
        """A heading with nothing under it before deeper papers is a section, not a paper."""
        if self.paper is not None and self.paper.item is None and not self.paper.body:
            self.paper = None

    def start(self, title: str, url: str | None, block: Block, item: int | None) -> None:
        self.close()
        number = _NUMBER.match(block.lines[0].text) if block.lines else None
        digits = re.sub(r"\D", "", number[0]) if number and self.bot else ""
        what = f"paper {digits}" if digits else "paper"
        self.paper = Paper(title, self.source.line(block.line), what, block.level, item)
        if url:
            self.paper.address(url)

    def heading(self, block: Block) -> None:
        title, url = _title(block)
        if block.level == 1:
            self.close()
            if self.date is None and _ISO_DAY.match(title):
                self.date = parse_date(title)
            return
        is_paper = _is_bot_heading(block) if self.bot else block.level in {2, 3}
        if is_paper:
            if self.paper is not None and block.level > self.paper.level:
                self.drop_section()
            self.start(title, url, block, None)
        elif self.paper is not None and title.lower().rstrip(":") in _ABSTRACT_HEADINGS:
            self.paper.in_abstract = True
        else:
            self.close()

    def para(self, block: Block) -> None:
        paper = self.paper
        if paper is not None and paper.item is not None and paper.item not in block.items:
            self.close()
            paper = None
        lead = block.lines[0].lead_link if block.lines else None
        can_start = paper is None or (paper.item is None and not paper.body)
        if not self.bot and block.item_lead and lead and safe_url(lead[1]) and can_start:
            self.drop_section()
            self.start(lead[0].strip(), lead[1], block, block.items[-1])
            rest = block.lines[0].text.strip()[len(lead[0].strip()) :]
            assert self.paper is not None
            self.paper.take([Line(rest.lstrip(" —–-:|")), *block.lines[1:]], False)
            return
        if paper is not None:
            paper.take(block.lines, self.folded > 0)

    def html(self, block: Block) -> None:
        opened = len(_DETAILS_OPEN.findall(block.html))
        closed = len(_DETAILS_CLOSE.findall(block.html))
        self.folded = max(0, self.folded + opened - closed)
        quiet = self.folded or opened or closed or _STRUCTURAL_HTML.match(block.html)
        if self.paper is not None and not quiet:
            self.paper.take([Line(block.html)], False)


def read(source: Source) -> Parsed:
    """Read a Markdown digest: each paper with its metadata and abstract."""
    found = blocks(source.text)
    reader = _Reader(source, bot=any(_is_bot_heading(b) for b in found))
    for block in found:
        if block.kind == "html":
            reader.html(block)
        elif reader.folded:
            if block.kind == "para" and reader.paper is not None:
                reader.paper.take(block.lines, True)
        elif block.kind == "heading":
            reader.heading(block)
        elif block.kind == "rule":
            reader.close()
        elif block.kind == "para":
            reader.para(block)
    reader.close()
    return Parsed(tuple(reader.entries), reader.log.result(), date=reader.date)
