"""Search records: a page read by us gives Pagefind what the page itself would.

Each case is indexed twice by the real Pagefind, once as the page's HTML and once as the record
read from it: the two indexes must be the same bytes (text, weights, meta, word positions).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from generator.site.pagefind import pagefind_service
from generator.site.search_records import SearchRecord, Unsupported, read_record

CASES = Path(__file__).resolve().parent / "fixtures" / "search_records"
# A page around a case's body, as MkDocs writes one (the case is the body's content).
PAGE = (
    '<!DOCTYPE html>\n<html lang="en"><head><title>{title}</title>\n{head}</head>\n'
    "<body>\n{body}</body></html>\n"
)
NAMES = sorted(path.stem for path in CASES.glob("*.html"))


def index_files(requests: list[dict[str, object]]) -> dict[str, bytes]:
    """Index with the real Pagefind, in memory; return its files (path -> bytes)."""
    with pagefind_service() as service:
        index_id = service.request({"type": "NewIndex", "config": None})["index_id"]
        for request in requests:
            service.request({**request, "index_id": index_id})
        files = service.request({"type": "GetFiles", "index_id": index_id})["files"]
    return {f["path"]: base64.b64decode(f["content"]) for f in files}


def as_html(url: str, page: bytes) -> dict[str, object]:
    return {"type": "AddFile", "file_path": None, "url": url, "file_contents": page.decode()}


def record_or_html(url: str, page: bytes) -> dict[str, object]:
    try:
        return read_record(url, page).request(0)
    except Unsupported:
        return as_html(url, page)


def page(name: str) -> bytes:
    head = '<meta name="description" content="&lt;b&gt;">' if name == "paper" else ""
    body = (CASES / f"{name}.html").read_text("utf-8")
    return PAGE.format(title=f"Case &amp; {name}", head=head, body=body).encode()


@pytest.mark.parametrize("name", NAMES)
def test_a_record_makes_the_index_its_page_makes(name: str) -> None:
    url = "/case/"
    record = read_record(url, page(name))
    assert index_files([record.request(0)]) == index_files([as_html(url, page(name))])


def test_a_site_of_records_is_the_same_index_as_its_pages() -> None:
    pages = [(f"/p/{i}/", page(name)) for i, name in enumerate(NAMES)]
    anchored = '<div data-pagefind-body>An <a id="x" href="#x">anchor</a>, sent as HTML</div>'
    pages.append(("/p/anchored/", PAGE.format(title="t", head="", body=anchored).encode()))
    by_records = index_files([record_or_html(url, html) for url, html in pages])
    assert by_records == index_files([as_html(url, html) for url, html in pages])


def test_a_paper_record_holds_its_weighted_text_and_meta() -> None:
    record = read_record("/papers/x/", page("paper"))
    assert dict(record.meta) == {
        "date": "May 2, 2025",
        "detail": "Issue 32",
        "kind": "Paper",
        "title": 'Attention & <Memory> "Quoted"',
        "image": "/logo.png",  # the first image after the title, as Pagefind takes it
        "image_alt": "logo",
    }
    assert record.language == "en"
    assert record.content.startswith("___PAGEFIND_WEIGHT___2 Ada Lovelace")
    assert '"think when needed."' in record.content  # no stop after a quote written &quot;
    assert "Related" not in record.content and "Other" not in record.content


@pytest.mark.parametrize(
    "body",
    [
        '<div data-pagefind-body><p id="here">An anchor</p></div>',
        '<div data-pagefind-body>An <span id="here">anchor</span> in a line</div>',
        '<div data-pagefind-body data-pagefind-filter="kind:x">Filtered</div>',
        '<div data-pagefind-body data-pagefind-sort="date:2020">Sorted</div>',
        "<div>No body at all</div>",
        "<div data-pagefind-body><textarea>Another state</textarea></div>",
        "<div data-pagefind-body><p>Closed by the wrong tag</div></p>",
    ],
)
def test_what_a_record_cannot_carry_goes_as_html(body: str) -> None:
    with pytest.raises(Unsupported):
        read_record("/x/", PAGE.format(title="t", head="", body=body).encode())


def test_a_record_digest_covers_what_pagefind_is_given() -> None:
    record = SearchRecord("/x/", "en", "text", (("title", "T"),))
    assert record.digest() != SearchRecord("/x/", "en", "text", (("title", "U"),)).digest()
    assert record.digest() != SearchRecord("/y/", "en", "text", (("title", "T"),)).digest()
    assert record.digest() == SearchRecord("/x/", "en", "text", (("title", "T"),)).digest()
