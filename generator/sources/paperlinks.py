"""Addresses that say what they are, whatever the column or key they stand under.

A value that is an arXiv, DOI, OpenReview, ACL Anthology, PDF, code or project address is a
link of the paper (an arXiv or Hugging Face papers address gives its id); any other address
(a tweet, a video) says nothing about the paper and is left out. The hosts are data.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence

from generator.model import Link, LinkKind
from generator.sources.doi import doi_link
from generator.sources.fields import link, paper_address, safe_url

# Host (or its parent domain) -> the kind of link an address there is.
PAPER_HOSTS: dict[str, LinkKind] = {
    "openreview.net": LinkKind.PAGE,
    "aclanthology.org": LinkKind.PAGE,
    "aclweb.org": LinkKind.PAGE,
    "proceedings.mlr.press": LinkKind.PAGE,
    "proceedings.neurips.cc": LinkKind.PAGE,
    "papers.nips.cc": LinkKind.PAGE,
    "openaccess.thecvf.com": LinkKind.PAGE,
    "dl.acm.org": LinkKind.PAGE,
    "ieeexplore.ieee.org": LinkKind.PAGE,
    "semanticscholar.org": LinkKind.PAGE,
    "paperswithcode.com": LinkKind.PAGE,
    "biorxiv.org": LinkKind.PAGE,
    "medrxiv.org": LinkKind.PAGE,
    "alphaxiv.org": LinkKind.PAGE,
    "github.com": LinkKind.CODE,
    "gitlab.com": LinkKind.CODE,
    "github.io": LinkKind.PROJECT,
}
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org"})


def _host_kind(host: str) -> LinkKind | None:
    parts = host.lower().removeprefix("www.").split(".")
    for start in range(len(parts) - 1):
        kind = PAPER_HOSTS.get(".".join(parts[start:]))
        if kind is not None:
            return kind
    return None


def paper_link(value: object) -> tuple[str | None, Link | None]:
    """What an address says of its paper: its arXiv id and/or a link; (None, None) for an
    address that is not a paper's (or no address at all)."""
    url = safe_url(value)
    if url is None:
        return None, None
    found, page = paper_address(url, LinkKind.PAGE)
    if found is not None:
        return found, page
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in _DOI_HOSTS:
        return None, doi_link(url)
    if parts.path.lower().endswith(".pdf"):
        return None, link(LinkKind.PDF, url)
    kind = _host_kind(host)
    return None, link(kind, url) if kind is not None else None


def paper_links(values: Sequence[object]) -> tuple[str | None, list[Link]]:
    """The arXiv id and the links of every value that is a paper's address, in order."""
    paper: str | None = None
    links: list[Link] = []
    for value in values:
        found, page = paper_link(value.strip() if isinstance(value, str) else value)
        paper = paper or found
        if page is not None:
            links.append(page)
    return paper, links
