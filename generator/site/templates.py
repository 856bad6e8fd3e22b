"""The Jinja environment that pages, feeds and mail are rendered with, and its filters.

Text from digests never reaches the Markdown parser as Markdown: templates put it inside raw
HTML blocks, HTML-escaped by Jinja's autoescaping, so it always shows as the text it is.
"""

from __future__ import annotations

import html
import re
from functools import partial
from pathlib import Path

import jinja2
import yaml
from markupsafe import Markup, escape

from generator.model import Issue
from generator.site.layout import keyphrase_topic
from generator.site.outlinks import authors_line, links_out, short_authors
from generator.site.prose import Segment, counted, excerpt, long_date, one_line, split_math
from generator.site.urls import issue_doc, paper_doc, signup_link, topic_doc
from generator.sources.fields import safe_url

_NO_FOLDING = 2**31 - 1  # one line: PyYAML folds long double-quoted scalars at `width`
# libyaml's emitter where PyYAML was built with it (the same bytes, several times faster).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def prose_html(text: str) -> Markup:
    """Escape text for HTML, wrapping its math for KaTeX; nothing in it becomes markup."""
    return Markup(
        "".join(_math_html(s) if s.math else str(escape(s.text)) for s in split_math(text))
    )


# How a formula opens in a rendered page: pages.with_math_flag looks for it to load KaTeX.
MATH_MARK = '<span class="arithmatex">'


def _math_html(segment: Segment) -> str:
    """Wrap a formula's escaped TeX for KaTeX (see docs/assets/paper-digest.js)."""
    if segment.display:
        return f"{MATH_MARK}\\[{escape(segment.text)}\\]</span>"
    return f"{MATH_MARK}\\({escape(segment.text)}\\)</span>"


# An address in an abstract: up to white space, quotes, angle brackets or braces ("\\url{...}").
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`{}|\\^]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?*"
_CLOSERS = {")": "(", "]": "["}


def linked_prose_html(text: str) -> Markup:
    """Escape an abstract like `prose_html`, with its plain http(s) addresses made links.

    The links are made here from the escaped address, never from markup in the text: only an
    address `safe_url` accepts becomes a link, with rel="nofollow noopener"; the rest is text.
    """
    return Markup("".join(_math_html(s) if s.math else _linked(s.text) for s in split_math(text)))


def _linked(text: str) -> str:
    out = []
    position = 0
    for match in _URL_IN_TEXT.finditer(text):
        url = _trim_address(match.group())
        if safe_url(url) is None:
            continue
        out.append(str(escape(text[position : match.start()])))
        shown = escape(url)
        out.append(
            f'<a class="pd-abstract-link" href="{shown}" rel="nofollow noopener">{shown}</a>'
        )
        position = match.start() + len(url)
    out.append(str(escape(text[position:])))
    return "".join(out)


def _trim_address(url: str) -> str:
    """Drop what ends a sentence rather than an address: a full stop, an unopened bracket."""
    while url:
        last = url[-1]
        if last in _URL_TRAILING or (
            last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])
        ):
            url = url[:-1]
        else:
            break
    return url


# Characters Markdown (and arithmatex) could take as syntax in a heading: written as entities.
_MARKDOWN_SYNTAX = frozenset("\\`*_{}[]()#+-.!|~^=$:")


def markdown_text(text: str) -> Markup:
    """Write text for a Markdown heading: every character shows as itself, none is syntax."""
    out = []
    for char in one_line(text):
        if char in _MARKDOWN_SYNTAX:
            out.append(f"&#{ord(char)};")
        else:
            out.append(html.escape(char))
    return Markup("".join(out))


def meta_value(text: str) -> Markup:
    """Quote text for YAML front matter, HTML-escaped: MkDocs themes print titles unescaped.

    The value is a double-quoted scalar in printable ASCII alone, every other character an
    escape, so no character of the text can make the YAML reader refuse the front matter:
    MkDocs would then drop the error silently and render the whole block as Markdown.
    """
    value = html.escape(one_line(text))
    quoted = yaml.dump(
        value, Dumper=_DUMPER, default_style='"', allow_unicode=False, width=_NO_FOLDING
    )
    return Markup(quoted.rstrip("\n"))


def issue_date(issue: Issue) -> str:
    return long_date(issue.date) if issue.date else "Undated"


def make_environment(templates_dir: Path, excerpt_chars: int = 280) -> jinja2.Environment:
    """Create the Jinja environment: autoescaping on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        prose=prose_html,
        abstract=linked_prose_html,
        md=markdown_text,
        meta=meta_value,
        excerpt=partial(excerpt, limit=excerpt_chars),
        issue_date=issue_date,
        long_date=long_date,
        counted=counted,
        short_authors=short_authors,
    )
    env.globals.update(
        issue_doc=issue_doc,
        paper_doc=paper_doc,
        topic_doc=topic_doc,
        links_out=links_out,
        authors_line=authors_line,
        signup_link=signup_link,
        keyphrase_topic=keyphrase_topic,
    )
    return env
