"""Material's inline icons as files the browser fetches once: `<svg><use href=…></svg>`.

Material writes every icon into every page as inline SVG: ten of them, about 2.8 KB, in each
paper page, the same on every page. An icon shaped as Material writes them (a view box and
plain paths, nothing else) becomes a reference to `assets/icons/<hash>.svg`, a file holding the
icon as a symbol; the browser caches it and the page shows the same icon in the same colour
(the paths inherit `fill` from the page's CSS through `<use>`). The hash is of the icon itself,
so a file's name and bytes never depend on which pages were built.
"""

from __future__ import annotations

import hashlib
import re

ICONS_DIR = "assets/icons/"
_ICON = re.compile(
    r'<svg xmlns="http://www.w3.org/2000/svg" viewBox="([0-9. ]+)">((?:<path d="[^"<>]*"/>)+)</svg>'
)


def icon_file(viewbox: str, paths: str) -> str:
    """Return the file that holds one icon as the symbol `#i`."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg">'
        f'<symbol id="i" viewBox="{viewbox}">{paths}</symbol></svg>\n'
    )


def use_icon_files(html: str, root: str) -> tuple[str, dict[str, str]]:
    """Replace the page's inline icons by references; return it and {site path: file text}.

    `root` is the relative path from the page to the site's root ("../../" for papers/x/).
    """
    icons: dict[str, str] = {}

    def refer(match: re.Match[str]) -> str:
        viewbox, paths = match.group(1), match.group(2)
        name = hashlib.sha256(f"{viewbox}\0{paths}".encode()).hexdigest()[:10] + ".svg"
        icons[ICONS_DIR + name] = icon_file(viewbox, paths)
        return f'<svg viewBox="{viewbox}"><use href="{root}{ICONS_DIR}{name}#i"/></svg>'

    return _ICON.sub(refer, html), icons


def root_of(url: str) -> str:
    """Return the relative path from a page's URL ("papers/x/", "") to the site's root."""
    return "../" * url.count("/")
