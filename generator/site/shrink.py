"""Make a rendered page smaller without changing what it shows or does (see each step's module)."""

from __future__ import annotations

from generator.site.compact import compact_html
from generator.site.headscripts import use_script_files
from generator.site.icons import root_of, use_icon_files


def shrink_page(html: str, url: str) -> tuple[str, dict[str, str]]:
    """Return a page's HTML made smaller, and the files it now refers to: {site path: text}.

    `url` is the page's URL relative to the site's root ("papers/x/", "" for the home page).
    """
    root = root_of(url)
    html, icons = use_icon_files(compact_html(html), root)
    html, scripts = use_script_files(html, root)
    return html, icons | scripts
