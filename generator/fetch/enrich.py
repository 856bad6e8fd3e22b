"""`paper-digest enrich`: find the arXiv record of each paper a digest lists without an id.

Papers from Hugging Face page text carry no id, authors, date or link. For each paper of page
text, Markdown or plain records without an arXiv id, not looked up before, arXiv's API is asked
once for the exact title (`ti:"…"`), through the same polite client as `fetch` (one request
every 3 s, retries, one line when offline). An entry whose title is the paper's title (case
and spacing aside) is taken; any other answer leaves the paper alone and lists its title. What
was found is written beside the digest (`<name>.arxiv.yml`, `sources.enriched`), even when a
later lookup fails; the build reads it and never the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from generator.atomic import write_atomic
from generator.fetch.arxiv import ARXIV_ENDPOINT
from generator.fetch.client import Client, FetchError
from generator.model import Entry
from generator.sources import arxiv_api, display_path, find_digests, read_one
from generator.sources.enriched import Enriched, Found, dump, load, sidecar, title_key
from generator.sources.formats import HF_TEXT, MARKDOWN, RECORDS, Source

Say = Callable[[str], None]
_SEARCH_SIZE = 5
# The formats whose papers come without ids: page text, hand-written Markdown, plain records.
# (A reference manager's export lists journal papers arXiv does not hold: not asked about.)
LOOKED_UP = frozenset({HF_TEXT, MARKDOWN, RECORDS})


def query_url(endpoint: str, title: str) -> str:
    """The API address that asks for papers with this exact title."""
    phrase = " ".join(title.replace('"', " ").split())
    query = {"search_query": f'ti:"{phrase}"', "start": 0, "max_results": _SEARCH_SIZE}
    return f"{endpoint}?{urlencode(query)}"


def match(title: str, answer: bytes) -> Found | None:
    """The entry of an API answer whose title is `title` exactly (case and spacing aside)."""
    text = answer.decode("utf-8", errors="replace")
    parsed = arxiv_api.read(Source("arXiv's answer", text))
    wanted = title_key(title)
    for entry in parsed.entries:
        if entry.arxiv_id is not None and title_key(entry.title) == wanted:
            return Found(entry.arxiv_id, entry.authors, entry.date, entry.categories)
    return None


@dataclass
class Tally:
    """What a run did, for its summary line."""

    found: int = 0
    not_found: list[str] = field(default_factory=list)
    files: int = 0


def _unknown(entries: tuple[Entry, ...], done: Enriched, force: bool) -> list[str]:
    """Titles of papers without an arXiv id not looked up before (all of them with force)."""
    titles = [e.title for e in entries if e.arxiv_id is None]
    if not force:
        titles = [t for t in titles if not done.looked_up(t)]
    return list(dict.fromkeys(titles))


def enrich_digest(
    path: Path, root: Path | None, client: Client, *, endpoint: str, force: bool, tally: Tally
) -> None:
    """Look up one digest's papers; write what was found beside it (even if a lookup fails)."""
    display = display_path(path, root)
    read = read_one(path, display, 1, None)
    if read.format not in LOOKED_UP:
        return
    entries = read.issue.entries if read.issue else ()
    target = sidecar(path)
    done, _ = load(target, display)
    wanted = _unknown(entries, done, force)
    if not wanted:
        return
    tally.files += 1
    found = dict(done.found)
    missing = [key for key in done.not_found if key not in {title_key(t) for t in wanted}]
    titles = {title_key(e.title): e.title for e in entries}
    try:
        for title in wanted:
            paper = match(title, client.get(query_url(endpoint, title), "application/atom+xml"))
            if paper is None:
                missing.append(title_key(title))
                tally.not_found.append(title)
            else:
                found[title_key(title)] = paper
                tally.found += 1
    finally:
        text = dump(Enriched(found, tuple(dict.fromkeys(missing))), titles)
        write_atomic(target, text.encode("utf-8"))


def enrich(
    folder: Path,
    client: Client,
    *,
    endpoint: str = ARXIV_ENDPOINT,
    force: bool = False,
    root: Path | None = None,
) -> Tally:
    """Enrich every digest below a folder; FetchError (one line) when arXiv cannot be asked."""
    paths, _ = find_digests(folder)
    if not folder.is_dir():
        raise FetchError(f"{folder}: the digests folder does not exist", "check digests_dir")
    tally = Tally()
    for path in paths:
        enrich_digest(path, root, client, endpoint=endpoint, force=force, tally=tally)
    return tally
