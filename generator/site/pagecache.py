"""A MkDocs plugin that writes an unchanged page's HTML from a cache instead of rendering it.

`paper-digest build` adds it to MkDocs' plugins (`publish.run_mkdocs`); users never configure
it. A page's HTML is cached under a key that hashes everything that decides it, as MkDocs 1.6
and Material 9 build a page:

- the page: its path, URL and source bytes (front matter included);
- the site: every setting of the loaded mkdocs.yml (after `!ENV`) but `site_dir`, the versions
  of MkDocs, Material, Markdown, PyMdown and Jinja, and the bytes of every theme file outside
  an installed package (`custom_dir`); SOURCE_DATE_EPOCH only when a theme template reads
  `build_date_utc` (ours and Material's do not; MkDocs stamps it only in the sitemap, which is
  built every time);
- the navigation, which every page shows (tabs, the drawer): each entry's title, URL and kind.

Only pages outside the navigation are cached: a page in it is marked active there and has
previous/next pages, so it is rendered every time (four pages here). What a page's Markdown
links to is looked up among the other files (`Files.get_file_from_path`: relative links,
`--strict` validation); each lookup and its answer are recorded with the page and checked
again before the cached HTML is used, so a page whose link target appeared, went or moved is
rendered again. So are a page's anchors (other pages' links to them are validated).

A page it renders whose front matter says `html_body: true` skips Markdown (`htmlbody.py`).
Pages to render may be converted from Markdown and rendered by worker processes, on every core
(`parallel.py`).

Every page it renders is also made smaller before it is written or cached (`shrink.py`): white
space between tags, Material's inline icons and the scripts of its head as files fetched once;
those files are kept beside the cached pages that refer to them.

Both are optional (`extra.paper_digest.page_cache` and `page_workers`, README "Settings"):
`store=False` neither reads nor writes the cache, `workers=False` renders every page in the
build's own process. With both off the plugin only makes pages smaller, through MkDocs' public
events, and the site is the same bytes (tests/test_pagecache_optional.py). Both are off when
another MkDocs plugin is configured (it could read or change any page), or when anchor
validation is strict enough to fail a build. Entries are saved only after
MkDocs' build succeeded (`save`; the search indexing that follows may still fail, and the
pages kept are right all the same), and entries no page used are deleted then.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from generator.atomic import write_atomic
from generator.paths import UnsafePath, inside
from generator.site.htmlbody import Converted, HtmlBodyPage, says_html_body
from generator.site.pagekeys import nav_key, site_key
from generator.site.pagestore import Entry, PageStore
from generator.site.parallel import in_workers
from generator.site.shrink import shrink_page

CACHED_TEMPLATE = "paper-digest-cached-page.html"
# The cache's folder in `cache_dir` (its pages are in a database there: `pagestore.py`).
PAGES_SUBDIR = "pages"
# The files cached pages refer to (icons, head scripts), each under its name (a hash).
FILES_SUBDIR = "files"
# In that folder, the SHA-256 of each of those files by site path: one changed since is not used.
FILES_MANIFEST = "sha256.json"
# Fewer pages to convert than this are converted in the build's process.
MIN_CONVERT = 50
# Paper Digest's own plugins are named so; the cache is off when any other plugin is configured.
PLUGIN_PREFIX = "paper-digest/"

log = logging.getLogger("mkdocs.plugins.paper_digest.pagecache")


@dataclass
class CacheStats:
    """How many pages came from the cache and how many were rendered."""

    reused: int = 0
    rendered: int = 0
    in_workers: int = 0  # of the rendered pages, those worker processes rendered
    converted_in_workers: int = 0  # of those, the pages whose Markdown workers converted


class _RecordingFiles(Files):
    """MkDocs' Files, noting which paths a page being rendered looks up, and what it finds."""

    def __init__(self, files: Files) -> None:
        super().__init__(list(files))
        self.recording: dict[str, list[str] | None] | None = None

    def get_file_from_path(self, path: str) -> File | None:
        found = super().get_file_from_path(path)
        if self.recording is not None:
            self.recording[path] = _signature(found)
        return found


def _read_manifest(path: Path) -> dict[str, str]:
    """Return {site path: SHA-256} of the files kept beside the pages; empty if unreadable."""
    try:
        value = json.loads(path.read_bytes())
        return {str(k): str(v) for k, v in dict(value).items()}
    except (OSError, ValueError, TypeError, RecursionError):
        return {}


def _signature(file: File | None) -> list[str] | None:
    """Return what a link to `file` depends on: its URL and whether it is built."""
    return None if file is None else [file.url, str(file.inclusion)]


class _CachedPage(Page):
    """A page whose HTML is known: reading and rendering it cost nothing."""

    def __init__(self, file: File, config: MkDocsConfig, html: str, anchors: list[str]) -> None:
        super().__init__(None, file, config)
        self.cached_html = html
        self.cached_anchors = set(anchors)

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown, self.meta = "", {"template": CACHED_TEMPLATE}

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content, self.toc = "", get_toc([])
        self.present_anchor_ids = self.cached_anchors


class PageCache(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Cache each page's HTML under `folder`; use it when nothing that decides the page changed."""

    def __init__(self, folder: Path, store: bool = True, workers: bool = False) -> None:
        super().__init__()
        self.folder = folder
        self.use_store, self.use_workers = store, workers
        self._store = PageStore(folder)
        self.stats = CacheStats()
        self.enabled = False
        self._site_key = ""
        self._nav_key = ""
        self._index: dict[str, Entry] = {}
        self._keys: dict[str, str] = {}  # src_uri -> key, for every page outside the nav
        self._fresh: dict[str, tuple[str, Entry]] = {}  # key -> (HTML, entry), rendered now
        self._recorded: dict[str, dict[str, list[str] | None]] = {}
        self._files: _RecordingFiles | None = None
        self._shared: dict[str, str] = {}  # site path -> text: the files built pages refer to
        self._nav: Navigation | None = None
        # src_uri -> (entry, shared files) of pages a worker rendered (parallel.py)
        self._prerendered: dict[str, tuple[Entry, dict[str, str]]] = {}
        self._file_hashes: dict[str, str] = {}  # site path -> SHA-256 of the file kept

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        others = [name for name in config.plugins if not name.startswith(PLUGIN_PREFIX)]
        wanted = self.use_store or self.use_workers
        self.enabled = wanted and not others and config.validation.links.anchors < logging.WARNING
        if self.enabled:
            self._site_key = site_key(config)
            if self.use_store:
                self._index = self._store.entries()
                self._file_hashes = _read_manifest(self.folder / FILES_SUBDIR / FILES_MANIFEST)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if not self.enabled:
            return files
        self._files = _RecordingFiles(files)
        return self._files

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        if not self.enabled:
            return nav
        self._nav_key = nav_key(nav)
        self._nav = nav
        in_nav = {page.file.src_uri for page in nav.pages}
        outside = []  # (file, its key, whether its body is HTML already)
        for file in files.documentation_pages():
            if file.src_uri in in_nav:
                continue
            source = file.content_bytes
            key = self.page_key(file, source)
            self._keys[file.src_uri] = key
            outside.append((file, key, says_html_body(source)))
        read: dict[str, str | None] = {}  # the files cached pages refer to, each read once
        usable = {key for _, key, _ in outside if self._usable(key, files, read)}
        kept = self._store.html(usable) if usable else {}
        markdown = []  # the pages to render whose body is Markdown
        for file, key, html_body in outside:
            if key in kept:
                entry = self._index[key]
                _CachedPage(file, config, kept[key], entry.anchors)
                self._shared.update({path: read[path] or "" for path in entry.files})
                continue
            page = HtmlBodyPage(None, file, config)
            if not html_body:
                markdown.append(page)
        self._convert_in_workers(markdown, config, files)
        return nav

    def page_key(self, file: File, source: bytes | None = None) -> str:
        """Return the key of a page outside the navigation (`source`: its bytes, if read)."""
        parts = [self._site_key, self._nav_key, file.src_uri, file.url]
        digest = hashlib.sha256(json.dumps(parts).encode("utf-8"))
        digest.update(file.content_bytes if source is None else source)
        return digest.hexdigest()

    def _convert_in_workers(
        self, pages: list[HtmlBodyPage], config: MkDocsConfig, files: Files
    ) -> None:
        """Have workers convert the Markdown of `pages` (`parallel.py`); MkDocs' reading loop
        then takes each page's HTML from them (`HtmlBodyPage.render`)."""
        if not self.use_workers:
            return

        def convert(read: HtmlBodyPage) -> Converted:  # in a worker: as MkDocs reads a page
            config._current_page = read
            page = config.plugins.on_pre_page(read, config=config, files=files)
            page.read_source(config)
            assert page.markdown is not None
            page.markdown = config.plugins.on_page_markdown(
                page.markdown, page=page, config=config, files=files
            )
            page.render(config, files)
            assert self._files is not None
            return Converted.of(page, list(self._files.recording or {}))

        for page, done in zip(pages, in_workers(pages, convert, MIN_CONVERT), strict=True):
            if done is not None:
                page.converted = done
                self.stats.converted_in_workers += 1

    def _usable(self, key: str, files: Files, read: dict[str, str | None]) -> bool:
        """Tell whether the page kept under `key` can be used: every lookup its page made finds
        the same now, and the files it refers to are there (`read`: those read so far)."""
        entry = self._index.get(key)
        if entry is None:
            return False
        for path, seen in entry.lookups.items():
            if _signature(Files.get_file_from_path(files, path)) != seen:
                return False
        for path in entry.files:  # the same few files on every page: each read once a build
            if path not in read:
                read[path] = self._read_file(path)
            if read[path] is None:
                return False
        return True

    def _read_file(self, path: str) -> str | None:
        """Return a file cached pages refer to, if it is there, a plain site path, and hashes
        as it did when it was kept (`FILES_MANIFEST`); None otherwise."""
        try:
            inside(self.folder, path)
            data = (self.folder / FILES_SUBDIR / PurePath(path).name).read_bytes()
            if hashlib.sha256(data).hexdigest() != self._file_hashes.get(path):
                return None
            return data.decode("utf-8")
        except (OSError, UnicodeDecodeError, UnsafePath):
            return None

    def on_page_markdown(self, markdown: str, *, page: Page, **_: Any) -> str:
        if self._files is not None and page.file.src_uri in self._keys:
            self._files.recording = {}
        return markdown

    def on_page_content(self, html: str, *, page: Page, **_: Any) -> str:
        if self._files is not None and self._files.recording is not None:
            self._recorded[page.file.src_uri] = self._files.recording
            self._files.recording = None
        return html

    def on_env(
        self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files, **_: Any
    ) -> jinja2.Environment:
        cached = jinja2.DictLoader({CACHED_TEMPLATE: "{{ page.cached_html|safe }}"})
        env.loader = jinja2.ChoiceLoader([cached, *([env.loader] if env.loader else [])])
        if self.enabled and self.use_workers and self._nav is not None:
            self._render_in_workers(env, config, files, self._nav)
        return env

    def _render_in_workers(
        self, env: jinja2.Environment, config: MkDocsConfig, files: Files, nav: Navigation
    ) -> None:
        """Have workers render and write the pages to render (`parallel.py`)."""
        from mkdocs.commands.build import _build_page

        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        pages = [
            file.page
            for file in doc_files
            if isinstance(file.page, HtmlBodyPage) and file.src_uri in self._keys
        ]

        def render(page: HtmlBodyPage) -> tuple[str, Entry, dict[str, str]]:  # in a worker
            # MkDocs' own rendering; doc_files holds no excluded (draft) page: only `serve`
            # builds those.
            _build_page(page, config, doc_files, nav, env, excluded=False)
            html, entry = self._fresh[self._keys[page.file.src_uri]]
            return html, entry, {path: self._shared[path] for path in entry.files}

        for page, done in zip(pages, in_workers(pages, render), strict=True):
            if done is None:
                continue
            self.stats.in_workers += 1
            html, entry, shared = done
            page.cached_html = html
            page.meta["template"] = CACHED_TEMPLATE
            self._prerendered[page.file.src_uri] = (entry, shared)

    def on_post_page(self, output: str, *, page: Page, **_: Any) -> str:
        if isinstance(page, _CachedPage):
            self.stats.reused += 1
            return output
        self.stats.rendered += 1
        done = self._prerendered.pop(page.file.src_uri, None)
        if done is not None:  # a worker rendered it, made it smaller and wrote it
            entry, shared = done
            self._shared.update(shared)
            self._recorded.pop(page.file.src_uri, None)
            self._fresh[self._keys[page.file.src_uri]] = (output, entry)
            return ""  # MkDocs writes no empty page: the worker's file stays
        output, shared = shrink_page(output, page.url)
        self._shared.update(shared)
        key = self._keys.get(page.file.src_uri)
        if key is not None:
            lookups = self._recorded.pop(page.file.src_uri, {})
            anchors = sorted(page.present_anchor_ids or ())
            self._fresh[key] = (output, Entry(lookups, anchors, sorted(shared)))
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        for relative, text in sorted(self._shared.items()):
            try:
                path = inside(Path(config.site_dir), relative)
            except UnsafePath:
                continue  # never written through; a page made now names no such path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")

    def save(self) -> None:
        """Keep the entries of this build's pages, delete the rest: call after a build succeeds."""
        if not self.enabled or not self.use_store:
            return
        hashes = {}
        for relative, text in sorted(self._shared.items()):
            data = text.encode("utf-8")
            hashes[relative] = hashlib.sha256(data).hexdigest()
            cached = self.folder / FILES_SUBDIR / PurePath(relative).name
            if not cached.is_file() or cached.read_bytes() != data:  # a few small files
                write_atomic(cached, data, durable=False)
        write_atomic(
            self.folder / FILES_SUBDIR / FILES_MANIFEST, json.dumps(hashes, sort_keys=True).encode()
        )
        self._store.save(self._fresh, set(self._keys.values()))
