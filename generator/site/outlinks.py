"""Links out of the site: where a paper can be read, and who wrote it, as pages show them."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from generator.model import LinkKind, Paper

LABELS = {
    LinkKind.ABSTRACT: "arXiv",
    LinkKind.PDF: "PDF",
    LinkKind.HUGGING_FACE: "Hugging Face",
    LinkKind.CODE: "Code",
    LinkKind.PROJECT: "Project page",
    LinkKind.DOI: "DOI",
    LinkKind.PAGE: "Paper",
}
# Authors shown before the rest fold away ("and 12 more").
AUTHORS_SHOWN = 5


@dataclass(frozen=True)
class OutLink:
    """A link as a page shows it: its label, its address, and whether it only searches."""

    label: str
    url: str
    search: bool = False


def links_out(paper: Paper) -> tuple[OutLink, ...]:
    """The paper's own links in display order, or searches that find it by its exact title.

    A source without links (Hugging Face page text) still leaves the reader one click from
    the paper: an arXiv title search and a Hugging Face papers search, built here from the
    title, percent-encoded, so no text of the digest becomes an address.
    """
    if paper.links:
        return tuple(OutLink(LABELS[link.kind], link.url) for link in paper.links)
    quoted = urllib.parse.quote(f'"{paper.title}"', safe="")
    plain = urllib.parse.quote(paper.title, safe="")
    return (
        OutLink(
            "Find on arXiv",
            f"https://arxiv.org/search/?query={quoted}&searchtype=title",
            search=True,
        ),
        OutLink("Find on Hugging Face", f"https://huggingface.co/papers?q={plain}", search=True),
    )


@dataclass(frozen=True)
class AuthorLine:
    """Authors as a page shows them: the first few, then the rest folded ("and 12 more")."""

    shown: str
    rest: str = ""
    more: int = 0


def authors_line(authors: tuple[str, ...], shown: int = AUTHORS_SHOWN) -> AuthorLine:
    """Fold all but the first `shown` authors away; "and 1 more" saves nothing, so never that."""
    if len(authors) <= shown + 1:
        return AuthorLine(", ".join(authors))
    rest = authors[shown:]
    return AuthorLine(", ".join(authors[:shown]), ", ".join(rest), len(rest))


def short_authors(authors: tuple[str, ...], shown: int = 3) -> str:
    """ "A, B, C et al." for lists: the first few names."""
    if len(authors) <= shown:
        return ", ".join(authors)
    return ", ".join(authors[:shown]) + " et al."
