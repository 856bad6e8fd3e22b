"""Drop the white space that MkDocs' templates leave in a page and that no browser shows.

Material's templates indent every line and leave blank lines where Jinja tags stood: about a
fifth of a paper page. In text between tags, a run of white space holding a line break becomes
one line break; a browser shows either as one space (CSS `white-space: normal`), so the page
looks the same. Tags and their attributes are left as they are, and so is everything inside
`pre`, `textarea`, `code`, `script` and `style`, where white space can matter.
"""

from __future__ import annotations

import re

# A tag, its quoted attribute values included (a ">" inside quotes does not end it), or a
# comment; then the elements whose content is kept byte for byte.
_TAG = r"<!--.*?-->|<[^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*>"
_KEPT = (
    r"<(?P<name>pre|textarea|code|script|style)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
    r".*?</(?P=name)\s*>"
)
_PARTS = re.compile(f"{_KEPT}|{_TAG}", re.DOTALL | re.IGNORECASE)
_BREAKING_SPACE = re.compile(r"[ \t\r\n\f]*\n[ \t\r\n\f]*")


def compact_html(html: str) -> str:
    """Return `html` with each run of white space holding a line break, between tags, as one."""
    out: list[str] = []
    position = 0
    for match in _PARTS.finditer(html):
        out.append(_BREAKING_SPACE.sub("\n", html[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_BREAKING_SPACE.sub("\n", html[position:]))
    return "".join(out)
