"""Papers listed in Markdown tables: one paper a row, columns found by their names.

A table whose header names a title column (`Title`, `Paper`, `Name`) and a text column
(`Abstract`, `Summary`, or a one-line `TL;DR`/`Description`) lists papers: each row is one.
A `[Title](url)` cell gives the title and a link; any cell whose link or text is a paper's
address (arXiv, DOI, OpenReview, ACL Anthology, a PDF, code, a project page) gives links,
whatever its column. When a digest lists its papers in such tables, its headings are sections,
not papers. A table with a title column but no text column is what the digest refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it.token import Token

from generator.model import Entry, Location
from generator.sources.fields import ProblemLog, make_entry, parse_date, split_authors
from generator.sources.jsonkeys import FIELDS, key_of
from generator.sources.paperlinks import paper_links

TITLE_NAMES = (*FIELDS["title"], "paper")
# A table cell of fewer words is a one-line summary, not an abstract (the page says so).
SUMMARY_MAX_WORDS = 30


@dataclass(frozen=True)
class Cell:
    text: str
    hrefs: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    line: int  # 0-based line of the header row
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]  # (0-based line, cells)

    def column(self, names: tuple[str, ...]) -> int | None:
        keys = [key_of(name) for name in self.header]
        return next((keys.index(n) for n in names if n in keys), None)

    @property
    def titled(self) -> bool:
        return self.column(TITLE_NAMES) is not None

    @property
    def lists_papers(self) -> bool:
        text = self.column(FIELDS["abstract"]) or self.column(FIELDS["summary"])
        return self.titled and text is not None


def _cell(token: Token) -> Cell:
    hrefs = tuple(
        str(child.attrs.get("href", ""))
        for child in token.children or []
        if child.type == "link_open"
    )
    text = "".join(
        child.content
        for child in token.children or []
        if child.type in {"text", "code_inline", "html_inline"}
    )
    return Cell(" ".join(text.split()), hrefs)


def tables(tokens: list[Token]) -> list[Table]:
    """Every table of a parsed Markdown text (the parser's `table` rule on)."""
    found: list[Table] = []
    header: list[str] = []
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    row: list[Cell] = []
    start = row_line = 0
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            header, rows, start = [], [], token.map[0] if token.map else 0
        elif token.type == "tr_open":
            row, row_line = [], token.map[0] if token.map else start
        elif token.type in {"th_open", "td_open"}:
            cell = _cell(tokens[index + 1])
            (header.append(cell.text) if token.type == "th_open" else row.append(cell))
        elif token.type == "tr_close" and row:
            rows.append((row_line, tuple(row)))
        elif token.type == "table_close":
            found.append(Table(start, tuple(header), tuple(rows)))
    return found


def entries(table: Table, log: ProblemLog, path: str, first_line: int) -> list[Entry]:
    """The papers of a table that lists them, each row one; a row without text is a problem."""
    title = table.column(TITLE_NAMES)
    columns = {what: table.column(FIELDS[what]) for what in ("abstract", "summary", "authors")}
    date = table.column(FIELDS["date"])
    found: list[Entry] = []
    for number, (line, cells) in enumerate(table.rows, start=1):

        def text(column: int | None, row: tuple[Cell, ...] = cells) -> str:
            return row[column].text if column is not None and column < len(row) else ""

        paper, links = paper_links(
            [h for c in cells for h in c.hrefs] + [c.text for c in cells if " " not in c.text]
        )
        body = text(columns["abstract"]) or text(columns["summary"])
        entry = make_entry(
            log,
            Location(path, first_line + line),
            f"table row {number}",
            text(title),
            body,
            date=parse_date(text(date)),
            authors=split_authors(text(columns["authors"])),
            links=links,
            arxiv_id=paper,
            summary=len(body.split()) < SUMMARY_MAX_WORDS,
        )
        if entry is not None:
            found.append(entry)
    return found
