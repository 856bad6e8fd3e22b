"""A built page's search record: what Pagefind's AddRecord takes instead of the page.

Pagefind takes a page either as HTML, which it parses, or as a record: URL, language, meta and
the text to index, with the marks its parser puts around weighted text. A record is ~1.5 KB
where the page is ~16 KB, and a page's record stays the same when only its related papers, its
pager or its links change: so records, not pages, decide whether the index is made again.

The record is read from the page as Pagefind reads it (pagefind_parser.py), so that it gives
Pagefind the same text, weights and meta as the page; a page with what a record cannot carry
raises Unsupported and goes to Pagefind as HTML. tests/test_search_records.py checks that both
make the same index.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from generator.site.pagefind_parser import (
    HTML_TAG,
    PARENT_OF_BODY,
    TITLE,
    UNSUPPORTED,
    PageReader,
    Unsupported,
    region_start,
    tag_attributes,
)
from generator.site.pagefind_text import normalize

__all__ = ["SearchRecord", "Unsupported", "read_record"]


@dataclass(frozen=True)
class SearchRecord:
    """One search result as Pagefind's AddRecord takes it."""

    url: str
    language: str
    content: str
    meta: tuple[tuple[str, str], ...]

    def request(self, index_id: int) -> dict[str, Any]:
        """Return the service request that adds this record to an index."""
        return {
            "type": "AddRecord",
            "index_id": index_id,
            "url": self.url,
            "content": self.content,
            "language": self.language,
            "meta": dict(self.meta),
            "filters": None,
            "sort": None,
        }

    def digest(self) -> str:
        """Return a hash of everything in the record."""
        text = json.dumps([self.url, self.language, self.content, self.meta], ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_record(url: str, page: bytes) -> SearchRecord:
    """Return the record Pagefind would make of a page, or raise Unsupported."""
    lowered = page.lower()  # ASCII letters only: positions stay those of `page`
    root = HTML_TAG.search(lowered)
    if root is None or UNSUPPORTED.search(lowered):
        raise Unsupported(url)
    reader = PageReader(page, lowered)
    reader.read(region_start(lowered))
    if reader.root.status != PARENT_OF_BODY:
        raise Unsupported(url)  # no body: Pagefind decides (it drops it if others have one)
    content = normalize(reader.root.text())
    if "___PAGEFIND_ANCHOR___" in content:
        raise Unsupported(url)
    meta = reader.final_meta()
    if "title" not in meta and (title := TITLE.search(lowered)):
        meta["title"] = normalize(page[title.start(1) : title.end(1)])
    lang = tag_attributes(page[root.start(1) : root.end(1)]).get(b"lang", b"")
    language = lang.decode("utf-8", "replace").lower() or "unknown"
    return SearchRecord(url, language, content, tuple(sorted(meta.items())))
