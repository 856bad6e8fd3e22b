"""Index papers and topics for search with Pagefind: one record per result, made from the catalog.

What a result is, is what the site shows: a paper page (found by its title, authors, abstract
and keyphrases) and a topic's first page (found by its name and description). Each is made
from the catalog (`generator/model.py`), not read back from the built pages, as a small HTML
page that carries only what Pagefind should index, marked with Pagefind's documented
attributes (https://pagefind.app/docs/indexing/, /docs/weighting/, /docs/metadata/):

- `data-pagefind-body` around the text to index, `data-pagefind-weight` on what counts more
  (a paper's authors and keyphrases 2, a topic's name 10, as the pages had them);
- `data-pagefind-meta` on elements whose text is a result's title, kind, date and detail: the
  fields the header's search shows (templates/overrides/assets/javascripts/
  paper-digest-search.js reads `title`, `kind`, `date`, `detail` and `topic`). Meta taken from
  an element's text, never from an attribute value, which a comma in a title would split.

HTML (`add_html_file`, the service's AddFile) rather than `add_custom_record`: a custom
record's content is plain text with no documented way to weight a part of it, and the
ranking needs the weights (a topic's name above the papers that use its words). Every text is
HTML-escaped here: nothing of a title or an abstract becomes markup, and Pagefind's excerpts
are escaped text with <mark> around the words found, which the dialog shows as text.

Records are sent in URL order (Pagefind numbers pages in the order they come): the same
catalog gives the same index bytes. Pagefind cannot add to an index (CloudCannon/pagefind#71),
so every build indexes every record; with a cache folder, a build whose records are all the
same as the last one's unpacks the index kept then (one archive, checked against the SHA-256
kept beside it) instead: same records, same bytes, whatever Pagefind's files are. Measured at
9,915 papers (2 shared cores): records 1.5 s, Pagefind 27-39 s, the archive kept 2.2 s, an
index unpacked from it 2.3-5.6 s.

They go through `pagefind.py`, which speaks the service protocol the `pagefind` package
speaks (the same AddFile and WriteFiles requests) without its 0.1 s poll per answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import NamedTuple

from generator.atomic import write_atomic
from generator.config import raw_config
from generator.model import Catalog, Paper, Topic
from generator.paths import UnsafePath, plain
from generator.site.pagefind import pagefind_service, pagefind_version
from generator.site.prose import counted, long_date
from generator.site.search_words import write_vocabulary
from generator.site.templates import prose_html
from generator.site.urls import page_url, paper_doc, topic_doc

OUTPUT_SUBDIR = "pagefind"
# Pagefind's own search interfaces: the site shows results in Material's dialog instead.
UNUSED_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
# The folder of `cache_dir` where the last index is kept, and the file that describes it.
CACHE_SUBDIR = "search"
CACHE_ARCHIVE = "index.tar"
CACHE_STATE = "state.json"
# What counts more in a result (Pagefind's weights; text has 1).
AUTHORS_WEIGHT = 2
KEYPHRASES_WEIGHT = 2
TOPIC_NAME_WEIGHT = 10


@dataclass(frozen=True)
class SearchRecord:
    """One search result: its site-root URL, the HTML Pagefind indexes, and its plain text."""

    url: str
    html: str
    text: str


def site_language(config_file: Path) -> str:
    """Return the language of the site's pages (Material's `theme.language`, "en" unless set):
    Pagefind keeps an index per language, and a page searches the one of its own."""
    theme = raw_config(config_file).get("theme")
    language = theme.get("language") if isinstance(theme, dict) else None
    return language if isinstance(language, str) and language else "en"


class Served:
    """The records of the site `paper-digest serve` shows, for its MkDocs hook
    (search_hook.py) to index after each of MkDocs' builds, and the cache it keeps them in."""

    records: list[SearchRecord] | None = None
    cache_dir: Path | None = None


def search_records(catalog: Catalog, language: str = "en") -> list[SearchRecord]:
    """Return the record of every paper page and topic page, sorted by URL."""
    records = [paper_record(catalog, paper, language) for paper in catalog.papers]
    records += [topic_record(catalog, topic, language) for topic in catalog.topics]
    return sorted(records, key=lambda record: record.url)


class Part(NamedTuple):
    """A piece of a record: an element's text, its meta field and weight, in the body or not."""

    text: str
    meta: str = ""
    weight: int = 0
    body: bool = True
    tag: str = "p"
    math: bool = False  # prose with TeX: wrapped for KaTeX as the page has it

    def html(self) -> str:
        if not self.text:
            return ""
        marks = f' data-pagefind-weight="{self.weight}"' if self.weight else ""
        marks += f' data-pagefind-meta="{self.meta}"' if self.meta else ""
        inner = prose_html(self.text) if self.math else escape(self.text, quote=False)
        return f"<{self.tag}{marks}>{inner}</{self.tag}>"


def paper_record(catalog: Catalog, paper: Paper, language: str) -> SearchRecord:
    """A paper: its title, kind, date and first issue as meta; authors, abstract, keyphrases."""
    issue = catalog.issue(paper.issues[0]) if paper.issues else None
    day = paper.date or (issue.date if issue is not None else None)
    parts = [
        Part(paper.title, meta="title", body=False, tag="h1"),
        Part("Paper", meta="kind", body=False),
        Part(long_date(day) if day else "", meta="date", body=False),
        Part(issue.title if issue is not None else "", meta="detail", body=False),
        Part(", ".join(paper.authors), weight=AUTHORS_WEIGHT),
        Part(paper.abstract, math=True),
        Part(" ".join(phrase.text for phrase in paper.keyphrases), weight=KEYPHRASES_WEIGHT),
    ]
    return _record(paper_doc(paper), language, parts)


def topic_record(catalog: Catalog, topic: Topic, language: str) -> SearchRecord:
    """A topic: its name (weighted most, and its own meta field) and description."""
    area = catalog.area(topic.area) if topic.area else None
    count = counted(len(topic.paper_ids), "paper")
    parts = [
        Part("Topic", meta="kind", body=False),
        Part(f"{area.label} · {count}" if area is not None else count, meta="detail", body=False),
        Part(topic.label, meta="title, topic", weight=TOPIC_NAME_WEIGHT, tag="h1"),
        Part(topic.description),
    ]
    return _record(topic_doc(topic), language, parts)


def _record(doc: str, language: str, parts: list[Part]) -> SearchRecord:
    """Return the record of a page: its parts as one small HTML page, and their text."""
    head = "".join(part.html() for part in parts if not part.body)
    body = "".join(part.html() for part in parts if part.body)
    html = (
        f'<!DOCTYPE html><html lang="{escape(language)}"><head><meta charset="utf-8"></head>'
        f"<body>{head}<div data-pagefind-body>{body}</div></body></html>"
    )
    return SearchRecord("/" + page_url(doc), html, " ".join(part.text for part in parts))


def index_records(
    records: list[SearchRecord],
    site_dir: Path,
    advance: Callable[[int], None] = lambda _steps: None,
    cache_dir: Path | None = None,
) -> int:
    """Write the search index of `records` into the pagefind/ folder of `site_dir`, with the
    site's vocabulary (search_words.py); return how many records it holds.

    With `cache_dir`, the index kept there is copied when it was made of the same records.
    """
    output = site_dir.resolve() / OUTPUT_SUBDIR
    key = records_key(records)
    if cache_dir is not None and _copy_kept(cache_dir, key, output):
        advance(len(records))  # the vocabulary too: it is made of the same records
        return len(records)
    _write_index(records, output, advance)
    write_vocabulary(output, (record.text for record in records), durable=False)
    if cache_dir is not None:
        _keep(cache_dir, key, output)
    return len(records)


def records_key(records: Iterable[SearchRecord]) -> str:
    """Hash what decides the index: Pagefind's version and every record."""
    digest = hashlib.sha256(f"pagefind-bin {pagefind_version()}\n".encode())
    for record in records:
        digest.update(f"{len(record.url)}:{record.url}{len(record.html)}:{record.html}".encode())
    return digest.hexdigest()


def _write_index(records: list[SearchRecord], output: Path, advance: Callable[[int], None]) -> None:
    """Have Pagefind index the records into `output`. Requests are sent without waiting for
    their answers: Pagefind indexes one record while the next is sent."""
    shutil.rmtree(output, ignore_errors=True)
    with pagefind_service() as service:
        index_id = service.request({"type": "NewIndex", "config": None})["index_id"]
        for record in records:
            page = {"file_path": None, "url": record.url, "file_contents": record.html}
            service.send({"type": "AddFile", "index_id": index_id, **page})
            advance(1)
        service.request({"type": "WriteFiles", "index_id": index_id, "output_path": str(output)})
        service.wait_for_writes(output)
        for name in UNUSED_FILES:
            (output / name).unlink(missing_ok=True)
        if not _is_whole(output):
            raise service.failure("it left files unfinished")


def _is_whole(output: Path) -> bool:
    """Tell whether Pagefind's entry file, written last, is there and parses."""
    try:
        json.loads((output / "pagefind-entry.json").read_bytes())
    except (OSError, ValueError):
        return False
    return True


def _copy_kept(cache_dir: Path, key: str, output: Path) -> bool:
    """Unpack the index kept in `cache_dir` into `output` if it was made of the records
    hashed to `key` and its archive hashes as kept; False (and no `output`) otherwise."""
    folder = cache_dir / CACHE_SUBDIR
    try:
        state = json.loads((folder / CACHE_STATE).read_text("utf-8"))
        if state["key"] != key:
            return False
        expected = str(state["sha256"])
        data = (folder / CACHE_ARCHIVE).read_bytes()
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return False
    if hashlib.sha256(data).hexdigest() != expected:
        return False
    shutil.rmtree(output, ignore_errors=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for member in archive.getmembers():
                source = archive.extractfile(member) if member.isfile() else None
                if source is None:
                    raise UnsafePath(member.name)
                target = output / plain(member.name)  # copies: the site shares no file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
    except (tarfile.TarError, UnsafePath):
        shutil.rmtree(output, ignore_errors=True)
        return False
    return True


def _keep(cache_dir: Path, key: str, output: Path) -> None:
    """Keep the index just written (and no older one) for the next build: one archive, its
    SHA-256 in the state beside it, so that a change to it is found before it is published.
    One file, not a copy of each: ~2 s where 10,000 files took ~16 s (README, Search)."""
    folder = cache_dir / CACHE_SUBDIR
    with contextlib.suppress(FileNotFoundError):
        (folder / CACHE_STATE).unlink()  # no state: no cache, until the archive is whole
    earlier = folder / "index"  # what earlier versions kept: a folder of the index's files
    earlier.unlink() if earlier.is_symlink() else shutil.rmtree(earlier, ignore_errors=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(path for path in output.rglob("*") if path.is_file()):
            data = path.read_bytes()
            info = tarfile.TarInfo(path.relative_to(output).as_posix())
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    data = buffer.getvalue()
    write_atomic(folder / CACHE_ARCHIVE, data, durable=False)
    state = {"pagefind": pagefind_version(), "key": key, "sha256": hashlib.sha256(data).hexdigest()}
    write_atomic(folder / CACHE_STATE, json.dumps(state, sort_keys=True).encode("utf-8"))
