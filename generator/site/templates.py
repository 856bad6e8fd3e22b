"""The Jinja environment that pages, feeds and mail are rendered with, and its filters.

Text from digests never reaches the Markdown parser as Markdown: templates put it inside raw
HTML blocks, HTML-escaped by Jinja's autoescaping, so it always shows as the text it is.
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path

import jinja2
import yaml
from markupsafe import Markup, escape

from generator.model import Issue
from generator.site.outlinks import authors_line, links_out, short_authors
from generator.site.prose import counted, excerpt, long_date, one_line, split_math
from generator.site.urls import issue_doc, paper_doc, signup_link, topic_doc

_NO_FOLDING = 2**31  # one line: PyYAML folds long double-quoted scalars at `width`


def prose_html(text: str) -> Markup:
    """Escape text for HTML, wrapping its math for KaTeX; nothing in it becomes markup."""
    parts = []
    for segment in split_math(text):
        if not segment.math:
            parts.append(str(escape(segment.text)))
        elif segment.display:
            parts.append(f'<span class="arithmatex">\\[{escape(segment.text)}\\]</span>')
        else:
            parts.append(f'<span class="arithmatex">\\({escape(segment.text)}\\)</span>')
    return Markup("".join(parts))


def meta_value(text: str) -> Markup:
    """Quote text for YAML front matter, HTML-escaped: MkDocs themes print titles unescaped.

    The value is a double-quoted scalar in printable ASCII alone, every other character an
    escape, so no character of the text can make the YAML reader refuse the front matter:
    MkDocs would then drop the error silently and render the whole block as Markdown.
    """
    value = html.escape(one_line(text))
    quoted = yaml.safe_dump(value, default_style='"', allow_unicode=False, width=_NO_FOLDING)
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
    )
    return env
