"""The mail's HTML made safe and self-contained: CSS inlined, then sanitized with nh3."""

from __future__ import annotations

import re

import css_inline
import nh3

_INLINER = css_inline.CSSInliner(keep_at_rules=True, minify_css=True, load_remote_stylesheets=False)
_DOCUMENT = re.compile(r"<head>(?P<head>.*)</head>\s*<body[^>]*>(?P<body>.*)</body>", re.DOTALL)

# What the final HTML may hold; anything else (script, on* handlers, javascript: links) goes.
_STYLE = re.compile(r"<style>.*?</style>\s*", re.DOTALL)
_HEAD_TAGS = {"meta", "title", "style"}
_BODY_TAGS = {"div", "p", "a", "span", "h1", "h2", "ul", "li", "br", "table", "tbody", "tr", "td"}
_BODY_ATTRIBUTES = {
    "*": {"class", "style"},
    "a": {"href"},
    "table": {"role", "width", "cellpadding", "cellspacing", "border"},
    "td": {"align"},
}
_BODY_OPEN = '<body class="pd-body" style="margin:0;padding:0;background:#f3f4f6">'


def sanitize_email_html(document: str) -> str:
    """Sanitize the head and body of a full HTML document with nh3, keeping its skeleton."""
    match = _DOCUMENT.search(document)
    if match is None:
        raise ValueError("not an HTML document with <head> and <body>")
    head = nh3.clean(
        match["head"],
        tags=_HEAD_TAGS,
        attributes={"meta": {"charset", "name", "content"}},
        clean_content_tags={"script"},
    )
    body = nh3.clean(
        match["body"],
        tags=_BODY_TAGS,
        attributes=_BODY_ATTRIBUTES,
        clean_content_tags={"script", "style"},
        url_schemes={"https", "http", "mailto"},
        url_relative="deny",
        link_rel=None,
    )
    # css-inline puts the kept @media rules first; meta charset belongs at the top.
    styles = "\n".join(style.strip() for style in _STYLE.findall(head))
    head = _STYLE.sub("", head).strip() + "\n" + styles
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n{head}\n</head>\n'
        f"{_BODY_OPEN}\n{body.strip()}\n</body>\n</html>\n"
    )


def inline_and_sanitize(document: str) -> str:
    """Inline a rendered document's CSS, then sanitize it."""
    return sanitize_email_html(_INLINER.inline(document))
