"""Reading a built site back: pages parsed with lxml, scripts, handlers and links collected."""

from __future__ import annotations

import gzip
import hashlib
import json
import posixpath
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lxml.html

from generator.site.headscripts import SCRIPTS_DIR

_BASE_URL = re.compile(r'URL\("[./]*",')
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc")


def html_pages(site: Path) -> Iterator[tuple[Path, lxml.html.HtmlElement]]:
    for path in sorted(site.rglob("*.html")):
        yield path, lxml.html.fromstring(path.read_bytes())


def script_signature(page: Path, site: Path, tree: lxml.html.HtmlElement) -> list[str]:
    """Name every script of a page: its file (site-relative) or its inline text.

    A script the build moved out of a page's head into a file (generator/site/headscripts.py)
    is named by its text, as it was inline."""
    names = []
    for script in tree.iter("script"):
        src = script.get("src")
        if src:
            here = page.parent.relative_to(site).as_posix()
            resolved = posixpath.normpath(posixpath.join(here, src)).lstrip("/")
            if resolved.startswith(SCRIPTS_DIR):
                text = (site / resolved).read_text("utf-8").removesuffix("\n")
                names.append("inline:" + _BASE_URL.sub("URL(BASE,", text))
            else:
                names.append(f"src:{resolved}")
        elif script.get("type") == "application/json":
            names.append(f"json:{script.get('id')}")
        else:
            # Material's inline scripts differ between pages only in the path to the site root.
            names.append("inline:" + _BASE_URL.sub("URL(BASE,", script.text_content()))
    return names


KATEX = ("src:assets/vendor/katex/katex.min.js", "src:assets/paper-digest.js")


def without_katex(signature: list[str]) -> list[str]:
    """A page's scripts less KaTeX and what typesets with it: pages with a formula load them
    (and only they)."""
    return [name for name in signature if name not in KATEX]


def event_handlers(tree: lxml.html.HtmlElement) -> list[str]:
    return [
        f"{element.tag}[{name}]"
        for element in tree.iter()
        if isinstance(element.tag, str)
        for name in element.attrib
        if name.lower().startswith("on")
    ]


def script_urls(tree: lxml.html.HtmlElement) -> list[str]:
    found = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name in URL_ATTRIBUTES:
            value = "".join((element.get(name) or "").split()).lower()
            if value.startswith(("javascript:", "vbscript:", "data:text/html")):
                found.append(f"{element.tag}[{name}]={value}")
    return found


def tree_digest(folder: Path) -> dict[str, str]:
    """Hash every file below a folder, by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def broken_internal_links(site: Path, tags: tuple[str, ...] = ("a", "link")) -> list[str]:
    """List links between pages of the site that lead nowhere (`tags`: of these elements,
    their href or src)."""
    broken = []
    for page, tree in html_pages(site):
        for element in tree.iter(*tags):
            href = element.get("href") or element.get("src") or ""
            if not href or href.startswith(("#", "http:", "https:", "mailto:", "data:")):
                continue
            path = href.split("#")[0].split("?")[0]
            # Absolute paths (the 404 page uses them) start at the site root; site_url is "/".
            base = site if path.startswith("/") else page.parent
            target = (base / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
    return broken


def search_fragments(site: Path) -> list[dict[str, Any]]:
    """Return the search index's fragments, one per result page, as the browser reads them:
    the main bundle's, then each part's (pagefind/parts/*/)."""
    fragments = []
    folder = site / "pagefind"
    paths = sorted((folder / "fragment").glob("*.pf_fragment"))
    paths += sorted((folder / "parts").glob("*/fragment/*.pf_fragment"))
    for path in paths:
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        fragments.append(json.loads(data[len(b"pagefind_dcd") :]))
    return fragments


def publish(
    config_file: Path,
    site_dir: Path,
    epoch: int,
    extra: dict[str, bytes],
    exchange: Callable[[Path, Path], bool] | None = None,
) -> None:
    """Publish as `paper-digest build` does, without the search index: MkDocs and the extra
    files into a staging folder, swapped in when both succeed."""
    from generator.site.publish import run_mkdocs, staged_site, write_files
    from generator.site.swap import exchange_paths

    with staged_site(site_dir, exchange or exchange_paths) as staging:
        run_mkdocs(config_file, staging, epoch)
        write_files(staging, extra)
