"""Index the built site for search with Pagefind: papers and topics, in fragments read on demand.

The page templates say what a result is: only paper and topic pages carry
`data-pagefind-body`, so list pages (home, issues, archive, topics index) are not documents.
Pagefind writes a small entry file, a WASM search core, an index split into chunks by word and
one fragment per page; a reader's browser fetches the chunks and fragments a query needs,
never the whole index.

Each page goes to Pagefind as its record (search_records.py: the text, weights and meta
Pagefind would read from the page, ~1.5 KB where the page is ~16 KB), one by one, sorted by
URL: Pagefind numbers pages in the order they come, and its own walk of a folder follows the
filesystem's order (one site indexed on ext4 and on tmpfs gave different bytes). Records are
sent without waiting for answers, so Pagefind indexes one while the next page is read.

With a cache folder, a build does the least it can, and the index is the same bytes whatever
the cache held:

- pages the same as last time (URL and bytes): the last index is copied;
- records the same (related papers, pagers or links changed, no text): likewise;
- else Pagefind indexes every record (it cannot add to an index: CloudCannon/pagefind#71),
  but writes only the fragments of pages whose record changed: the others are copied first,
  and Pagefind does not write a file that is there (fragment names are hashes of their
  content). That each fragment copied is one Pagefind named the same is checked after (names
  are 7 hex digits, and collide); if not, every file is written.

One index, not several merged in the browser (Pagefind's mergeIndex), though a second index
of the papers listed before this week would leave Pagefind a fifth of the records to index
each day: Pagefind, not finding a word in an index, matches the longest word of that index the
query starts with, so a rare word found in one index brings pages of the other (on the 60-day
benchmark, "layermoe" gave 1 result with one index and 489 with two, its paper not in the
first ten), and a first query fetched 10-40% more.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from generator.atomic import write_atomic
from generator.site.pagefind import PagefindService, pagefind_service, pagefind_version
from generator.site.search_records import Unsupported, read_record
from generator.site.search_words import write_vocabulary

OUTPUT_SUBDIR = "pagefind"
# What a page carries when it is a search result (see templates/pages/paper.md.j2, topic.md.j2).
BODY_MARK = b"data-pagefind-body"
# Pagefind's own search interfaces: the site shows results in Material's dialog instead.
UNUSED_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
# The folder of `cache_dir` where the last index is kept, and the file that describes it.
CACHE_SUBDIR = "search"
CACHE_INDEX = "index"
CACHE_STATE = "state.json"
FRAGMENTS = "fragment"
FRAGMENT_SIGNATURE = b"pagefind_dcd"
WORD = re.compile(r"\S+")


# Of an index: each page's URL -> (the digest of its record, its fragment file or "").
Fragments = dict[str, tuple[str, str]]


@dataclass(frozen=True)
class Kept:
    """The last index kept in the cache: what it was made of, and each page's fragment."""

    index: Path
    pagefind: str
    pages_key: str
    pages: Fragments


class SearchPage(NamedTuple):
    """A page that is a search result: its URL, its file and the SHA-256 of its bytes."""

    url: str
    path: Path
    sha256: bytes


def search_pages(site_dir: Path) -> list[SearchPage]:
    """Return every page that is a search result, sorted by URL (each file is read once here,
    and hashed as it is read)."""
    found = []
    for path in site_dir.rglob("*.html"):
        relative = path.relative_to(site_dir).as_posix()
        if relative.startswith(f"{OUTPUT_SUBDIR}/"):
            continue
        data = path.read_bytes()
        if BODY_MARK in data:
            found.append(SearchPage(page_url(relative), path, hashlib.sha256(data).digest()))
    return sorted(found)


def page_url(relative: str) -> str:
    """Return the site-root URL of a built page: "papers/x/index.html" -> "/papers/x/"."""
    folder, _, name = relative.rpartition("/")
    if name == "index.html":
        return f"/{folder}/" if folder else "/"
    return f"/{relative}"


def index_site(
    site_dir: Path,
    pages: list[SearchPage] | None = None,
    advance: Callable[[int], None] = lambda _steps: None,
    cache_dir: Path | None = None,
) -> int:
    """Write the search index of the site built in `site_dir` into its pagefind/ folder;
    return how many pages are results.

    With `cache_dir`, what the last index was made from decides how much is made again.
    """
    pages = search_pages(site_dir) if pages is None else pages
    output = site_dir.resolve() / OUTPUT_SUBDIR
    kept = _kept(cache_dir) if cache_dir is not None else None
    pages_key = _pages_key(pages)
    if kept is not None and kept.pages_key == pages_key:
        shutil.copytree(kept.index, output, copy_function=_link_or_copy)
        advance(len(pages))
    else:
        written = _write_index(output, pages, advance, kept)
        if cache_dir is not None:
            _keep(cache_dir, output, pages_key, written, kept)
    write_vocabulary(output, durable=False)  # read from the index, whatever the cache gave
    return len(pages)


def _write_index(
    output: Path,
    pages: list[SearchPage],
    advance: Callable[[int], None],
    kept: Kept | None,
) -> Fragments:
    """Have Pagefind index the pages into `output`, reusing what `kept` can give."""
    with pagefind_service() as service:
        index_id = service.request({"type": "NewIndex", "config": None})["index_id"]
        digests, worded = _send_pages(service, index_id, pages, advance)
        if kept is not None and _digests(kept.pages) == digests:  # the same records
            shutil.copytree(kept.index, output, copy_function=_link_or_copy)
            return kept.pages
        changed = {url for url, digest in digests.items() if _kept_digest(kept, url) != digest}
        # A page sent as HTML or without words may have no fragment: then all are written.
        copied = _copy_fragments(kept, output, digests) if kept and changed <= worded else {}
        names = _write_files(service, index_id, output)
        if names is None or (copied and set(names) != changed):
            # A fragment copied may not be the one Pagefind named so, or a file was left
            # unfinished: write every file.
            shutil.rmtree(output, ignore_errors=True)
            copied, names = {}, _write_files(service, index_id, output)
            if names is None:
                raise service.failure("it left files unfinished")
    files = {**copied, **names}
    return {url: (digest, files.get(url, "")) for url, digest in digests.items()}


def _send_pages(
    service: PagefindService,
    index_id: int,
    pages: list[SearchPage],
    advance: Callable[[int], None],
) -> tuple[dict[str, str], set[str]]:
    """Send each page to Pagefind as its record (else as HTML), without waiting for answers:
    Pagefind indexes a page while the next is read (the answers are read with the next
    request's). Return each page's record digest, and the URLs of the records with words."""
    digests, worded = {}, set()
    for url, path, sha256 in pages:
        page = path.read_bytes()
        try:
            record = read_record(url, page)
        except Unsupported:
            html = {"file_path": None, "url": url, "file_contents": page.decode("utf-8")}
            service.send({"type": "AddFile", "index_id": index_id, **html})
            digests[url] = "html:" + sha256.hex()
        else:
            service.send(record.request(index_id))
            digests[url] = record.digest()
            if _has_words(record.content):
                worded.add(url)
        advance(1)
    return digests, worded


def _kept_digest(kept: Kept | None, url: str) -> str:
    return kept.pages[url][0] if kept is not None and url in kept.pages else ""


def _write_files(service: PagefindService, index_id: int, output: Path) -> dict[str, str] | None:
    """Have Pagefind write its files into `output` (it leaves out those there already); return
    URL -> file name of the fragments it wrote, None if a file it wrote is unfinished."""
    before = set(_fragment_files(output))
    service.request({"type": "WriteFiles", "index_id": index_id, "output_path": str(output)})
    service.wait_for_writes(output)
    for name in UNUSED_FILES:
        (output / name).unlink(missing_ok=True)
    if not _is_whole(output):
        return None
    return _names(output, sorted(set(_fragment_files(output)) - before))


def _copy_fragments(kept: Kept, output: Path, digests: dict[str, str]) -> dict[str, str]:
    """Copy the fragments of pages whose record is unchanged; return URL -> file name."""
    folder = output / FRAGMENTS
    folder.mkdir(parents=True, exist_ok=True)
    copied = {}
    for url, (digest, name) in kept.pages.items():
        if name and digests.get(url) == digest:
            _link_or_copy(str(kept.index / FRAGMENTS / name), str(folder / name))
            copied[url] = name
    return copied


def _names(output: Path, files: list[str]) -> dict[str, str] | None:
    """Return URL -> file name of the fragment files given; None if one does not read, or
    if two are one page's."""
    names = {}
    for name in files:
        try:
            data = gzip.decompress((output / FRAGMENTS / name).read_bytes())
            url = json.loads(data[len(FRAGMENT_SIGNATURE) :])["url"]
        except (OSError, ValueError, KeyError, EOFError):
            return None
        if url in names:
            return None
        names[url] = name
    return names


def _fragment_files(output: Path) -> list[str]:
    folder = output / FRAGMENTS
    return [path.name for path in folder.iterdir()] if folder.is_dir() else []


def _has_words(content: str) -> bool:
    """Tell whether a record's text has a word besides Pagefind's weight marks."""
    words = (word[0] for word in WORD.finditer(content) if not word[0].startswith("___"))
    return any(any(char.isalnum() for char in word) for word in words)


def _is_whole(output: Path) -> bool:
    """Tell whether Pagefind's entry file, written last, is there and parses."""
    try:
        json.loads((output / "pagefind-entry.json").read_bytes())
    except (OSError, ValueError):
        return False
    return True


def _pages_key(pages: list[SearchPage]) -> str:
    """Hash what decides the index: Pagefind's version, each page's URL and bytes."""
    digest = hashlib.sha256(f"pagefind-bin {pagefind_version()}\n".encode())
    for page in pages:
        digest.update(page.url.encode("utf-8") + b"\0")
        digest.update(page.sha256)
    return digest.hexdigest()


def _digests(fragments: Fragments) -> dict[str, str]:
    """Return each page's record digest: what decides the index when pages are read."""
    return {url: digest for url, (digest, _name) in fragments.items()}


def _kept(cache_dir: Path) -> Kept | None:
    """Return the index kept in `cache_dir`, if there is a whole one of this Pagefind."""
    folder = cache_dir / CACHE_SUBDIR
    try:
        state = json.loads((folder / CACHE_STATE).read_text("utf-8"))
        kept = Kept(
            folder / CACHE_INDEX,
            state["pagefind"],
            state["pages_key"],
            {url: (digest, name) for url, (digest, name) in state["pages"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return kept if kept.pagefind == pagefind_version() and kept.index.is_dir() else None


def _keep(
    cache_dir: Path, output: Path, pages_key: str, written: Fragments, kept: Kept | None
) -> None:
    """Keep the index just written (and no older one) for the next build."""
    folder = cache_dir / CACHE_SUBDIR
    state = {
        "pagefind": pagefind_version(),
        "pages_key": pages_key,
        "pages": written,
    }
    with contextlib.suppress(FileNotFoundError):
        (folder / CACHE_STATE).unlink()  # no state: no cache, until the copy is whole
    if kept is None or _digests(kept.pages) != _digests(written):
        if folder.exists():
            for old in folder.iterdir():
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        shutil.copytree(output, folder / CACHE_INDEX, copy_function=_link_or_copy)
    write_atomic(folder / CACHE_STATE, json.dumps(state, sort_keys=True).encode("utf-8"))


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link a file (the cache and the site are on one disk, usually), else copy it."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
