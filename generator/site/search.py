"""Index the built site for search with Pagefind: papers and topics, in fragments read on demand.

Pagefind reads the HTML that MkDocs wrote. The page templates say what a result is: only paper
and topic pages carry `data-pagefind-body`, so list pages (home, issues, archive, topics index)
are not documents. Pagefind writes a small entry file, a WASM search core, an index split into
chunks by word and one fragment per page; a reader's browser fetches the chunks and fragments
a query needs, never the whole index.

Pages go to Pagefind (through its service, pagefind.py) one by one, sorted by path, for
byte-identical output: its command line numbers pages in the order the filesystem lists them,
so one site indexed on ext4 and on tmpfs gave different bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from generator.errors import BuildError
from generator.site.pagefind import pagefind_service, pagefind_version

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
# The folder of `cache_dir` where the last index is kept, and what says a copy is whole.
CACHE_SUBDIR = "search"
COMPLETE_MARK = ".complete"


def search_pages(site_dir: Path) -> list[tuple[str, Path]]:
    """Return (URL, file) of every page that is a search result, sorted by URL."""
    found = []
    for path in site_dir.rglob("*.html"):
        relative = path.relative_to(site_dir).as_posix()
        if relative.startswith(f"{OUTPUT_SUBDIR}/") or BODY_MARK not in path.read_bytes():
            continue
        found.append((page_url(relative), path))
    return sorted(found)


def page_url(relative: str) -> str:
    """Return the site-root URL of a built page: "papers/x/index.html" -> "/papers/x/"."""
    folder, _, name = relative.rpartition("/")
    if name == "index.html":
        return f"/{folder}/" if folder else "/"
    return f"/{relative}"


def index_site(
    site_dir: Path,
    pages: list[tuple[str, Path]] | None = None,
    advance: Callable[[int], None] = lambda _steps: None,
    cache_dir: Path | None = None,
) -> int:
    """Write the search index of the site built in `site_dir` into its pagefind/ folder;
    return how many pages are results.

    With `cache_dir`, an index made from the same pages (URL and bytes of each, and the same
    Pagefind) is copied from there instead of made again: a rebuild with nothing new.
    """
    pages = search_pages(site_dir) if pages is None else pages
    output = site_dir.resolve() / OUTPUT_SUBDIR
    kept = cache_dir / _index_key(pages) if cache_dir is not None else None
    if kept is not None and (kept / COMPLETE_MARK).is_file():
        shutil.copytree(kept, output, copy_function=_link_or_copy, ignore=_ignore_mark)
        advance(len(pages))
    else:
        _write_whole_index(output, pages, advance)
        if cache_dir is not None and kept is not None:
            _keep_index(output, cache_dir, kept)
    return len(pages)


def _write_index(
    output: Path, pages: list[tuple[str, Path]], advance: Callable[[int], None]
) -> None:
    """Have Pagefind index the pages, one by one in URL order, into `output`."""
    with pagefind_service() as service:
        index_id = service.request({"type": "NewIndex", "config": None})["index_id"]
        for url, path in pages:
            html = path.read_text("utf-8")
            service.request(
                {
                    "type": "AddFile",
                    "index_id": index_id,
                    "file_path": None,
                    "url": url,
                    "file_contents": html,
                }
            )
            advance(1)
        service.request({"type": "WriteFiles", "index_id": index_id, "output_path": str(output)})
        service.wait_for_writes(output)
    for name in UNUSED_FILES:
        (output / name).unlink(missing_ok=True)


def _write_whole_index(
    output: Path, pages: list[tuple[str, Path]], advance: Callable[[int], None]
) -> None:
    """Write the index, again if Pagefind left its entry file unfinished (seen under load)."""
    for attempt in range(3):
        if attempt:
            shutil.rmtree(output, ignore_errors=True)
        _write_index(output, pages, advance if attempt == 0 else lambda _steps: None)
        if _is_whole(output):
            return
    raise BuildError(
        "Pagefind could not index the site for search: it left pagefind-entry.json unfinished",
        "the previous site is unchanged; run the build again",
    )


def _is_whole(output: Path) -> bool:
    """Tell whether Pagefind's entry file, written last, is there and parses."""
    try:
        json.loads((output / "pagefind-entry.json").read_bytes())
    except (OSError, ValueError):
        return False
    return True


def _index_key(pages: list[tuple[str, Path]]) -> str:
    """Hash what decides the index: Pagefind's version, each page's URL and bytes."""
    digest = hashlib.sha256(f"pagefind-bin {pagefind_version()}\n".encode())
    for url, path in pages:
        digest.update(url.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _keep_index(output: Path, cache_dir: Path, kept: Path) -> None:
    """Keep a copy of the index just written (and no older one) for the next build."""
    if cache_dir.exists():
        for old in cache_dir.iterdir():
            shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(output, kept, copy_function=_link_or_copy)
    (kept / COMPLETE_MARK).write_bytes(b"")


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link a file (the cache and the site are on one disk, usually), else copy it."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _ignore_mark(_folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name == COMPLETE_MARK]
