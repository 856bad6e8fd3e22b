"""The Jinja environment that pages, feeds and mail are rendered with, and its filters.

Text from digests never reaches the Markdown parser as Markdown: templates put it inside raw
HTML blocks, HTML-escaped by Jinja's autoescaping, so it always shows as the text it is.
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from generator.model import Issue
from generator.site.prose import counted, excerpt, long_date, split_math
from generator.site.urls import issue_doc, paper_doc, topic_doc


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


def yaml_quoted(text: str) -> str:
    """Quote text as a YAML double-quoted scalar written in printable ASCII alone.

    Every other character is an escape (\\xXX, \\uXXXX, \\UXXXXXXXX), so no character of the
    text can make the YAML reader refuse the front matter: MkDocs would then drop the error
    silently and render the whole block as Markdown.
    """
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def meta_value(text: str) -> Markup:
    """Quote text for YAML front matter, HTML-escaped: MkDocs themes print titles unescaped."""
    return Markup(yaml_quoted(html.escape(" ".join(str(text).split()))))


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
    )
    env.globals.update(issue_doc=issue_doc, paper_doc=paper_doc, topic_doc=topic_doc)
    return env
