"""The inline scripts of a page's head as files the browser fetches once: `<script src=…>`.

Material writes the same script into every page's head (`__md_scope` and the helpers that read
saved settings: 330 bytes of each paper page). Nothing of a page is shown before the scripts
of its head have run, written there or fetched, so as a file the script acts as it did, and the
browser caches it. Scripts in the body stay where they are: one there may be placed to act
before the rest of the page shows (Material's colour scheme), and waiting for a file could let
the page show first. A file is named by a hash of its script, so its name and bytes never depend
on which pages were built; pages at different depths get different files, as their scripts hold
different relative roots.
"""

from __future__ import annotations

import hashlib
import re

SCRIPTS_DIR = "assets/javascripts/head/"
_HEAD = re.compile(r"<head>.*?</head>", re.DOTALL | re.IGNORECASE)
# A script without attributes (none with a src, a type or a nonce): plain inline JavaScript.
_INLINE = re.compile(r"<script>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def use_script_files(html: str, root: str) -> tuple[str, dict[str, str]]:
    """Replace the inline scripts of the page's head by files; return it and {site path: text}.

    `root` is the relative path from the page to the site's root ("../../" for papers/x/).
    """
    files: dict[str, str] = {}

    def refer(match: re.Match[str]) -> str:
        script = match.group(1)
        if not script.strip():
            return match.group(0)
        path = SCRIPTS_DIR + hashlib.sha256(script.encode()).hexdigest()[:10] + ".js"
        files[path] = script + "\n"
        return f'<script src="{root}{path}"></script>'

    head = _HEAD.search(html)
    if head is None:
        return html, files
    shortened = _INLINE.sub(refer, head.group(0))
    return html[: head.start()] + shortened + html[head.end() :], files
