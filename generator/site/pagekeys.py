"""What every page's HTML depends on, hashed for the page cache (`pagecache.py`).

The site: every setting of the loaded mkdocs.yml (after `!ENV`) but where the site goes, the
versions of MkDocs, Material, Markdown, PyMdown and Jinja, the bytes of every theme file
outside an installed package, and SOURCE_DATE_EPOCH only when a theme template reads the build
date. The navigation, which every page shows: each entry's kind, title and URL.
"""

from __future__ import annotations

import hashlib
import json
import os
import sysconfig
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta as jinja2_meta
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure import StructureItem
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page

# Bump when what the page cache writes changes (shrink_page included).
CACHE_VERSION = "3"
PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2")
# Settings that say where the site goes, not what it holds.
UNKEYED_SETTINGS = frozenset({"site_dir", "plugins", "config_file_path"})
# A theme template that reads these can make a page depend on the build date or on every page.
GLOBAL_NAMES = frozenset({"build_date_utc", "pages"})


def nav_key(nav: Navigation) -> str:
    """Hash what every page shows of the navigation: each entry's kind, title and URL."""

    def entry(item: StructureItem) -> list[Any]:
        if isinstance(item, Section):
            return ["section", item.title, [entry(child) for child in item.children]]
        if isinstance(item, Page):
            # Without a title in mkdocs.yml, its title comes from its Markdown: hash that.
            title = item.title or hashlib.sha256(item.file.content_bytes).hexdigest()
            return ["page", item.title is None, title, item.url, item.file.src_uri]
        if isinstance(item, Link):
            return ["link", item.title, item.url]
        return [type(item).__qualname__, item.title]

    home = nav.homepage.url if nav.homepage is not None else None
    parts = [home, [entry(item) for item in nav.items]]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def site_key(config: MkDocsConfig) -> str:
    """Hash the settings, the packages and the theme files that every page depends on."""
    settings = {k: v for k, v in config.items() if k not in UNKEYED_SETTINGS}
    theme = config.theme
    parts: list[Any] = [
        CACHE_VERSION,
        json.dumps(settings, sort_keys=True, default=plain),  # the theme's options too
        [theme.name, theme.dirs, theme.static_templates],
        [(name, _version(name)) for name in PACKAGES],
    ]
    digest = hashlib.sha256(json.dumps(parts, default=plain).encode("utf-8"))
    reads_globals = False
    for path, data, installed in _theme_files(theme.dirs):
        if path.suffix == ".html" and _reads_globals(data.decode("utf-8", "replace")):
            reads_globals = True
        if not installed:
            digest.update(str(path).encode("utf-8") + b"\0" + data + b"\0")
    if reads_globals:
        digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode("ascii"))
    return digest.hexdigest()


class _AnyName(dict[str, Any]):
    """Filters or tests as a template parser sees them: any name is known (plugins add some)."""

    def __contains__(self, key: object) -> bool:
        return True

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key, _any_filter)


def _any_filter(value: Any, *_args: Any, **_kwargs: Any) -> Any:
    return value


def _reads_globals(template: str) -> bool:
    """Tell whether a theme template reads the build date or the list of every page."""
    if not any(name in template for name in GLOBAL_NAMES):
        return False
    parser = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    parser.filters = _AnyName(parser.filters)
    parser.tests = _AnyName(parser.tests)
    try:
        names = jinja2_meta.find_undeclared_variables(parser.parse(template))
    except jinja2.TemplateError:
        return True  # a template we cannot read might read anything
    return bool(names & GLOBAL_NAMES)


def _theme_files(dirs: list[str]) -> Iterator[tuple[Path, bytes, bool]]:
    """Yield the templates of the theme folders (all files outside installed packages), each
    with whether its folder is an installed package's."""
    for folder in dirs:
        root = Path(folder)
        installed = _installed(root)
        for path in sorted(root.rglob("*")):
            if ".icons" in path.parts or not path.is_file():
                continue
            if installed and path.suffix != ".html":
                continue
            yield path, path.read_bytes(), installed


def _installed(path: Path) -> bool:
    """Tell whether a path lies in an installed package (its version stands for its files)."""
    roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    return any(path.resolve().is_relative_to(Path(root).resolve()) for root in roots)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def plain(value: object) -> object:
    """Turn a setting MkDocs holds as an object (a function a YAML tag names, say) into
    something stable to hash: never its address in memory."""
    if hasattr(value, "items"):
        return dict(value.items())
    if isinstance(value, set | frozenset):
        return sorted(map(str, value))
    text = str(value)
    return type(value).__qualname__ if " at 0x" in text else text
