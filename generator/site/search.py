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

What the cache gives is checked before it is published: the state keeps the SHA-256 of every
file of the kept index, and a file copied from it must hash so (else it is indexed anew). The
site and the cache share no file (copies, not hard links): a published file edited in place
leaves the cache as it was.

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
from generator.paths import UnsafePath, plain
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
    files: dict[str, str]  # each file of the index (relative path) -> the SHA-256 of its bytes


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
        if _copy_index(kept, output):
            advance(len(pages))
            write_vocabulary(output, durable=False)  # read from the index the cache gave
            return len(pages)
        kept = None  # a file of it is not what was kept: index anew
    written, reused = _write_index(output, pages, advance, kept)
    write_vocabulary(output, durable=False)  # kept with the index: the cache is what is published
    if cache_dir is not None:
        _keep(cache_dir, output, pages_key, written, _Reuse(kept, reused))
    return len(pages)


def _write_index(
    output: Path,
    pages: list[SearchPage],
    advance: Callable[[int], None],
    kept: Kept | None,
) -> tuple[Fragments, set[str]]:
    """Have Pagefind index the pages into `output`, reusing what `kept` can give; return its
    fragments, and the files copied from `kept` (the same bytes as there)."""
    with pagefind_service() as service:
        index_id = service.request({"type": "NewIndex", "config": None})["index_id"]
        digests, worded = _send_pages(service, index_id, pages, advance)
        if kept is not None and _digests(kept.pages) == digests:  # the same records
            if _copy_index(kept, output):
                return kept.pages, set(kept.files)
            kept = None  # a file of it is not what was kept: index anew
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
    fragments = {url: (digest, files.get(url, "")) for url, digest in digests.items()}
    return fragments, {f"{FRAGMENTS}/{name}" for name in copied.values()}


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
    """Copy the fragments of pages whose record is unchanged; return URL -> file name.

    A fragment whose bytes are not those kept is not copied: Pagefind writes it, and then
    every file (see `_write_index`).
    """
    copied = {}
    for url, (digest, name) in kept.pages.items():
        if name and digests.get(url) == digest and _copy_kept(kept, output, f"{FRAGMENTS}/{name}"):
            copied[url] = name
    return copied


def _copy_index(kept: Kept, output: Path) -> bool:
    """Copy every file of the kept index into `output`, each checked against its hash; False
    (and nothing in `output`) when one is missing or not the bytes kept."""
    made: set[Path] = set()
    for relative in sorted(kept.files):
        if not _copy_kept(kept, output, relative, made):
            shutil.rmtree(output, ignore_errors=True)
            return False
    return True


def _copy_kept(kept: Kept, output: Path, relative: str, made: set[Path] | None = None) -> bool:
    """Copy one file of the kept index if its bytes hash as kept; tell whether it was copied.

    A copy, not a link: a published file edited in place must not change the cache. `output`
    is the build's own staging folder, so a plain path (`paths.plain`) stays inside it; what is
    read is checked by its hash wherever it leads. `made`: the folders created so far.
    """
    expected = kept.files.get(relative)
    try:
        data = (kept.index / plain(relative)).read_bytes()
    except (UnsafePath, OSError):
        return False
    if expected is None or hashlib.sha256(data).hexdigest() != expected:
        return False
    target = output / relative
    if made is None or target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(target.parent)
    target.write_bytes(data)
    return True


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
            {str(url): (str(digest), str(name)) for url, (digest, name) in state["pages"].items()},
            {str(path): str(sha) for path, sha in state["files"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return kept if kept.pagefind == pagefind_version() and kept.index.is_dir() else None


class _Reuse(NamedTuple):
    """The index kept before this build, and its files this build copied (verified)."""

    kept: Kept | None
    copied: set[str]


def _keep(cache_dir: Path, output: Path, pages_key: str, written: Fragments, reuse: _Reuse) -> None:
    """Keep the index just written (and no older one) for the next build, each file's hash
    beside it: a file changed in the cache is then found before it is published.

    Files copied from the cache this build are there already: only the others are copied
    (a day's build changes few fragments), and files the new index has not are removed.
    """
    folder, kept = cache_dir / CACHE_SUBDIR, reuse.kept
    with contextlib.suppress(FileNotFoundError):
        (folder / CACHE_STATE).unlink()  # no state: no cache, until the copy is whole
    if kept is not None and _digests(kept.pages) == _digests(written):
        files = kept.files
    else:
        if kept is None and folder.exists():
            for old in folder.iterdir():
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        known = {name: kept.files[name] for name in reuse.copied} if kept else {}
        files = _copy_out(output, folder / CACHE_INDEX, known)
    state = {
        "pagefind": pagefind_version(),
        "pages_key": pages_key,
        "pages": written,
        "files": files,
    }
    write_atomic(folder / CACHE_STATE, json.dumps(state, sort_keys=True).encode("utf-8"))


def _copy_out(output: Path, target: Path, known: dict[str, str]) -> dict[str, str]:
    """Copy the index in `output` to `target` (copies: the site and the cache share no file),
    but for the files `known` (relative path -> hash) to be there already; remove the files
    of `target` the index has not. Return each file's relative path -> its SHA-256."""
    files = {}
    for folder, _dirs, names in os.walk(output):
        source, copy = Path(folder), target / Path(folder).relative_to(output)
        if copy.is_symlink():  # not made by a build: nothing is written through it
            copy.unlink()
        copy.mkdir(parents=True, exist_ok=True)
        for name in names:
            relative = (copy / name).relative_to(target).as_posix()
            if relative in known:
                files[relative] = known[relative]
                continue
            data = (source / name).read_bytes()
            files[relative] = hashlib.sha256(data).hexdigest()
            (copy / name).unlink(missing_ok=True)  # never write through what was there
            (copy / name).write_bytes(data)
    for folder, dirs, names in os.walk(target):
        for name in names + [d for d in dirs if (Path(folder) / d).is_symlink()]:
            if (Path(folder) / name).relative_to(target).as_posix() not in files:
                (Path(folder) / name).unlink()
    return dict(sorted(files.items()))
