"""The site's URL scheme: where each page lives, and links between pages, relative or absolute."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from generator.config import Settings
from generator.errors import ConfigError
from generator.model import Issue, Paper, Topic

ARCHIVE_DOC = "issues/index.md"
TOPICS_DOC = "topics/index.md"
OTHER_DOC = "other-papers.md"
# The page where readers choose their topics for the email (built when signup_url is set).
SIGNUP_DOC = "subscribe.md"


def issue_doc(issue: Issue) -> str:
    return f"issues/{issue.slug}.md"


def paper_doc(paper: Paper) -> str:
    return f"papers/{paper.slug}.md"


def topic_doc(topic: Topic) -> str:
    return f"topics/{topic.slug}.md"


def numbered_doc(first: str, number: int) -> str:
    """Return the older page `number` of a list whose own page is `first`: "topics/x/page/2.md".

    0 is the list's own page (its newest items); the older pages sit below its URL, numbered
    from the oldest, so each keeps its URL and its items as the list grows.
    """
    if number == 0:
        return first
    stem = first.removesuffix(".md").removesuffix("/index").removesuffix("index")
    return f"{stem.rstrip('/')}/page/{number}.md" if stem else f"page/{number}.md"


def page_url(doc: str) -> str:
    """Return the URL path (relative to the site root) MkDocs gives a Markdown page."""
    stem = doc.removesuffix(".md")
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def relative_url(from_doc: str, to_doc: str) -> str:
    """Return the link from one page to another, relative, as the built site needs it."""
    # Folders of both URLs; what they share is climbed over, not out of and back into.
    base = page_url(from_doc).split("/")[:-1]
    target = page_url(to_doc).split("/")[:-1]
    shared = 0
    for mine, theirs in zip(base, target, strict=False):
        if mine != theirs:
            break
        shared += 1
    link = "/".join([".."] * (len(base) - shared) + target[shared:])
    return link + "/" if link else "./"


def source_link(from_doc: str, to_doc: str) -> str:
    """Return a Markdown link's target from one page to another: the .md file, relative.

    MkDocs checks such links (strict: one to a missing page fails the build) and turns them
    into the built page's URL; `relative_url` is for links in HTML, which MkDocs leaves alone.
    """
    return posixpath.relpath(to_doc, posixpath.dirname(from_doc) or ".")


def absolute_url(settings: Settings, doc: str) -> str:
    """Return a page's absolute URL from `site_url` (empty `site_url` gives a root path)."""
    return (settings.site_url or "/") + page_url(doc)


def site_root(settings: Settings) -> str:
    """Return `site_url`, or raise: feeds and mail need absolute links."""
    parts = urlsplit(settings.site_url)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        found = f"it is {settings.site_url!r}" if settings.site_url else "it is not set"
        raise ConfigError(
            f"{settings.config_file.name}: feeds need an absolute site_url, but {found}",
            "set site_url in mkdocs.yml to where the site is published, "
            "e.g. https://example.org/digest/",
        )
    return settings.site_url


def signup_link(
    settings: Settings, topics: Iterable[str] = (), areas: Iterable[str] = (), every: str = ""
) -> str:
    """Return `signup_url` with `{topics}`, `{areas}` and `{every}` filled in (URL-quoted).

    The chooser page's script does the same in the browser; an empty choice is everything.
    """
    values = {
        "{topics}": ",".join(topics),
        "{areas}": ",".join(areas),
        "{every}": every,
    }
    link = settings.signup_url
    for field, value in values.items():
        link = link.replace(field, quote(value, safe=","))
    return link
