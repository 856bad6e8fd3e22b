"""Read Markdown digests: the documented hand-written format, and the digests bots write.

The hand-written format (README "Digest formats"):

- A paper is a `##` or `###` heading whose text is the title; the title may be a link,
  `## [Title](https://arxiv.org/abs/2501.01234)` (a link to a fragment `#…` or a relative
  address is not a paper's link). A leading number ("1. ", "[1] ") is dropped.
- Or a list item that starts with a link, `- [Title](https://...)` or `1. [Title](https://...)`,
  with the abstract indented below it (or on the same line after the link).
- Lines right under the title may give metadata as `Key: value` (bold or italic keys too:
  `**Authors:** ...`; a full-width colon `：` too): `Authors`, `Date` (2025-03-11), `Code`,
  `Project`, `PDF`, `arXiv`, `URL`/`Link`, `Categories`, `Keywords`, `Vote` (upvotes), and
  `Abstract`/`Summary`/`摘要` (which starts the abstract). Before the abstract starts, any other
  `Key: value` line or list item with a key of at most three words is metadata too, and is not
  kept (nor the lines that go on in its paragraph), unless its value is a sentence (eight
  words or 40 characters or more, ending with a full stop). A key followed by links only
  (`Links: [arXiv](…) / [PDF](…)`), like a line of links only, gives links; an arXiv abs/pdf
  or huggingface.co/papers address gives the paper's arXiv id. A first line that is all italic
  (`*A. One, B. Two*`) gives the authors.
- The abstract is the text that follows, up to the next paper, heading or `---` rule; a heading
  "Abstract" is allowed and skipped. Inline markup becomes plain text (emphasis markers go,
  `[text](url)` keeps its text, inline code and `$math$` stay as written). A paragraph of only
  links, addresses, images and HTML tags (`[Watch Video]https://…mp4`) is not abstract text,
  and HTML blocks never are: they are layout.
- A `#` heading is the issue's title, not a paper (an issue date when it is just 2025-03-11);
  text before the first paper is an introduction; a heading with no text of its own followed
  by deeper headings or linked list items is a section heading, not a paper. So is a heading
  without a paper link over only lists, images, HTML or unknown `Key: value` lines — with no
  paragraph of prose outside a list, no authors, no arXiv id and no paper link (an Awesome
  list's `### [Surveys](#content)` over `1. **Title** Venue. [paper](url)` items).
- `<details>` blocks are folded-away notes: their headings never start papers, and only an
  `Abstract:` line inside one is read — unless the block's `<summary>` names the original
  abstract ("Abstract", "原文摘要", not an AI summary): then its text is the paper's abstract.

A bot-written digest is told apart by numbered link headings, `### 1. [Title](url)` or
`### [1] [Title](url)`: then only such headings are papers, any other heading ends the paper
before it, and list items are never papers. Every paper without an abstract is a problem at its
line; the other papers are read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator.model import Entry
from generator.sources import markdown_table
from generator.sources.fields import ProblemLog, parse_date, safe_url
from generator.sources.formats import Parsed, Source
from generator.sources.markdown_meta import Line, Paper

_NUMBER = re.compile(r"^\s*(?:\d{1,4}[.)]|\[\d{1,4}\])\s+")
_DETAILS_OPEN = re.compile(r"<details\b", re.I)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.I)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ABSTRACT_HEADINGS = frozenset({"abstract", "summary"})
_PAPER_LINK_WORDS = 3
# A <details> block whose <summary> names the original abstract ("原文摘要", "Abstract"), not
# an AI summary: its text is the paper's abstract, whatever the digest shows above it.
_SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary\s*>", re.I | re.S)
_ORIGINAL = re.compile(r"abstract|原文|摘要", re.I)
_NOT_ORIGINAL = re.compile(r"\bAI|summary|总结|解读|tl;?dr", re.I)


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
        if child.type in {"softbreak", "hardbreak"} and in_link:
            # A link's text wrapped over two lines is one label ("[A long\ntitle](…)").
            line.text, line.labels[-1] = line.text + " ", line.labels[-1] + " "
            if in_lead and line.lead_link is not None:
                line.lead_link = (line.lead_link[0] + " ", line.lead_link[1])
        elif child.type in {"softbreak", "hardbreak"}:
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
            if in_link and line.labels:  # a link's text wrapped: its next line has no label
                line.labels[-1] += child.content
            else:
                line.loose += child.content
            plain[-1] = plain[-1] or (emphasis == 0 and bool(child.content.strip()))
            if in_lead and line.lead_link is not None:
                line.lead_link = (line.lead_link[0] + child.content, line.lead_link[1])
    for line, outside in zip(lines, plain, strict=True):
        line.italic = line.italic and not outside
    return lines


_PARSER = MarkdownIt("commonmark").enable("table")


def blocks(text: str) -> list[Block]:
    """The digest's paragraphs, headings, HTML and rules in order, with the list items around."""
    return blocks_of(_PARSER.parse(text))


def blocks_of(tokens: list[Token]) -> list[Block]:
    """The blocks of a parsed text (see `blocks`)."""
    found: list[Block] = []
    items: list[int] = []
    fresh_item = False
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
class _Reader:
    source: Source
    bot: bool
    log: ProblemLog = field(default_factory=ProblemLog)
    entries: list[Entry] = field(default_factory=list)
    paper: Paper | None = None
    folded: int = 0  # depth of <details> blocks around the current block
    original: bool = False  # the <details> block around is labelled as the original abstract
    date: dt.date | None = None

    def close(self) -> None:
        if self.paper is not None and not self.paper.is_section():
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
        if url and safe_url(url):
            self.paper.linked = True
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
        # After a heading paper's abstract, an outer list item that opens with a link titled
        # like a paper (three words or more) is the next paper, not more of that abstract.
        if paper is not None and paper.item is None and paper.prose and lead:
            can_start = len(block.items) == 1 and len(lead[0].split()) >= _PAPER_LINK_WORDS
        if not self.bot and block.item_lead and lead and safe_url(lead[1]) and can_start:
            self.drop_section()
            self.start(lead[0].strip(), lead[1], block, block.items[-1])
            rest = block.lines[0].text.strip()[len(lead[0].strip()) :]
            assert self.paper is not None
            rest = rest.lstrip(" —–-:|")
            self.paper.take([Line(rest, loose=rest), *block.lines[1:]], False, True)
            return
        if paper is not None:
            paper.take(block.lines, self.folded > 0, bool(block.items))

    def html(self, block: Block) -> None:
        opened = len(_DETAILS_OPEN.findall(block.html))
        closed = len(_DETAILS_CLOSE.findall(block.html))
        self.folded = max(0, self.folded + opened - closed)
        label = _SUMMARY.search(block.html)
        if label is not None:
            text = re.sub(r"<[^>]*>", "", label[1])
            self.original = bool(_ORIGINAL.search(text)) and not _NOT_ORIGINAL.search(text)
        if not self.folded:
            self.original = False
        if self.paper is not None:
            self.paper.shown = True  # HTML is layout, never abstract text


def _read_tables(source: Source, listed: list[markdown_table.Table]) -> Parsed:
    """A digest whose papers are table rows: the rows of each table with a text column."""
    log = ProblemLog()
    papers = [t for t in listed if t.lists_papers]
    if not papers:
        return Parsed((), (), refused="a Markdown table with no abstract column")
    entries = [
        entry
        for table in papers
        for entry in markdown_table.entries(table, log, source.path, source.first_line)
    ]
    return Parsed(tuple(entries), log.result())


def read(source: Source) -> Parsed:
    """Read a Markdown digest: each paper with its metadata and abstract (or its table rows)."""
    tokens = _PARSER.parse(source.text)
    listed = [table for table in markdown_table.tables(tokens) if table.titled]
    if listed:
        return _read_tables(source, listed)
    found = blocks_of(tokens)
    reader = _Reader(source, bot=any(_is_bot_heading(b) for b in found))
    for block in found:
        if block.kind == "html":
            reader.html(block)
        elif reader.folded:
            if block.kind == "para" and reader.paper is not None and reader.original:
                reader.paper.original.extend(line.text.strip() for line in block.lines)
            elif block.kind == "para" and reader.paper is not None:
                reader.paper.take(block.lines, True)
        elif block.kind == "heading":
            reader.heading(block)
        elif block.kind == "rule":
            reader.close()
        elif block.kind == "para":
            reader.para(block)
    reader.close()
    return Parsed(tuple(reader.entries), reader.log.result(), date=reader.date)
