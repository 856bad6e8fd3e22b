"""arXiv's API: the newest day's submissions in a category, page by page, as one Atom feed.

Pages of at most 100 entries, newest first, are asked for until `max_papers` entries are kept,
an entry is older than the newest entry's day, or the results (opensearch:totalResults) end.
The first page's feed, with the other pages' kept entries appended, is saved as
<digests>/<day>-arxiv-<category>.xml.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from lxml import etree

from generator.fetch.client import Client, FetchError
from generator.fetch.save import Fetched, papers_in, save
from generator.sources import display_path
from generator.sources.feedxml import SAFE_PARSING
from generator.sources.fields import parse_count
from generator.sources.formats import ARXIV_API

ARXIV_ENDPOINT = "https://export.arxiv.org/api/query"
PAGE_SIZE = 100
MAX_PAPERS = 2000
CATEGORY = re.compile(r"[a-z\-]+(\.[A-Za-z\-]+)?")
ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def check_category(category: str) -> str:
    """Return an arXiv category such as cs.LG or hep-th; FetchError for anything else."""
    if not CATEGORY.fullmatch(category):
        raise FetchError(
            f"not an arXiv category: {category!r}", "write it as arXiv does, e.g. cs.LG or hep-th"
        )
    return category


def arxiv_url(endpoint: str, category: str, start: int, size: int) -> str:
    """Return the address of one page of a category's submissions, newest first."""
    query = {
        "search_query": f"cat:{category}",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
        "start": start,
        "max_results": size,
    }
    return f"{endpoint}?{urlencode(query, safe=':')}"


def _parse(body: bytes, host: str) -> etree._Element:
    """Parse an Atom answer safely: no DTD, no entity expansion, no network."""
    parser = etree.XMLParser(huge_tree=False, **SAFE_PARSING)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise FetchError(
            f"{host} sent something that is not XML ({exc.msg}); nothing written"
        ) from None
    if root.getroottree().docinfo.doctype:
        raise FetchError(f"{host} sent XML with a DOCTYPE (refused); nothing written")
    if root.tag != f"{ATOM}feed":
        raise FetchError(
            f"{host} sent XML that is not an Atom feed (<{etree.QName(root).localname}>); "
            "nothing written",
            "check --endpoint",
        )
    return root


def _text(entry: etree._Element, name: str) -> str:
    found = entry.find(f"{ATOM}{name}")
    return " ".join("".join(found.itertext()).split()) if found is not None else ""


def _day(entry: etree._Element) -> dt.date | None:
    try:
        return dt.date.fromisoformat(_text(entry, "published")[:10])
    except ValueError:
        return None


def _entries(root: etree._Element, host: str) -> list[etree._Element]:
    """The entries of a page; FetchError when the page is arXiv's error feed."""
    entries: list[etree._Element] = list(root.findall(f"{ATOM}entry"))
    for entry in entries:
        if "/api/errors" in _text(entry, "id"):
            message = _text(entry, "summary") or _text(entry, "title")
            raise FetchError(f"{host} refused the query: {message}; nothing written")
    return entries


def _total(root: etree._Element) -> int | None:
    """opensearch:totalResults; None when absent or not a count ("²", 5,000 digits)."""
    return parse_count(root.findtext(f"{OPENSEARCH}totalResults") or "")


class _Listing:
    """The newest day's entries gathered so far, in the first page's feed."""

    def __init__(self, max_papers: int) -> None:
        self.max_papers = max_papers
        self.feed: etree._Element | None = None
        self.kept: list[etree._Element] = []
        self.day: dt.date | None = None
        self.done = False

    def add(self, root: etree._Element, entries: list[etree._Element]) -> None:
        """Keep the page's entries of the newest day, up to max_papers; note when to stop."""
        if self.feed is None:
            self.feed = root
            for entry in entries:
                root.remove(entry)  # the kept ones go back below, in order
        for entry in entries:
            day = _day(entry)
            if self.day is None:
                self.day = day
            elif day is not None and day < self.day:
                self.done = True
                return
            self.kept.append(entry)
            if len(self.kept) >= self.max_papers:
                self.done = True
                return

    def document(self) -> bytes:
        """The first page's feed holding every kept entry."""
        assert self.feed is not None
        for entry in self.kept:
            entry.tail = "\n  "
            self.feed.append(entry)
        if self.kept:
            self.kept[-1].tail = "\n"
        etree.cleanup_namespaces(self.feed)
        tree = self.feed.getroottree()
        return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8")) + b"\n"


def fetch_arxiv(
    digests_dir: Path,
    category: str,
    *,
    client: Client,
    endpoint: str = ARXIV_ENDPOINT,
    max_papers: int = 200,
    force: bool = False,
    root: Path | None = None,
    page_size: int = PAGE_SIZE,
) -> Fetched:
    """Fetch the newest day's submissions in `category` into <day>-arxiv-<category>.xml."""
    check_category(category)
    if not 1 <= max_papers <= MAX_PAPERS:
        raise FetchError(f"--max must be between 1 and {MAX_PAPERS}, got {max_papers}")
    host = urlsplit(endpoint).hostname or endpoint
    listing = _Listing(max_papers)
    start = 0
    while not listing.done:
        size = min(page_size, max_papers - len(listing.kept))
        body = client.get(arxiv_url(endpoint, category, start, size), "application/atom+xml")
        page = _parse(body, host)
        entries = _entries(page, host)
        total = _total(page)
        if not entries and total is not None and total > start:
            raise FetchError(
                f"{host} sent an empty page at start={start} of {total} results "
                "(a known hiccup of arXiv's API); nothing written",
                "run the command again",
            )
        listing.add(page, entries)
        start += len(entries)
        # arXiv may send a page shorter than asked for while more follow: its total decides.
        if not (start < total if total is not None else len(entries) == size):
            break
    return _save(listing, digests_dir, category, host, force, root)


def _save(
    listing: _Listing, digests_dir: Path, category: str, host: str, force: bool, root: Path | None
) -> Fetched:
    document = listing.document() if listing.kept else b""
    papers = papers_in(document, ARXIV_API) if document else 0
    if not papers or listing.day is None:
        raise FetchError(
            f"{host} lists no paper in {category}; nothing written",
            "check the category (arXiv's names, e.g. cs.LG)",
        )
    path = digests_dir / f"{listing.day.isoformat()}-arxiv-{category}.xml"
    return save(path, document, papers, force=force, shown=display_path(path, root))
