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
and indexing costs about 1.9 ms a record, so the index is in parts (`paper_parts`): each
closed part of `search_part_papers` papers is a bundle of its own, which the search dialog
merges into the main bundle (the topics and the newer papers) with Pagefind's documented
`mergeIndex` (https://pagefind.app/docs/multisite/). With a cache folder, a part whose records
are all the same as the last build's is unpacked from the archive kept then (checked against
its SHA-256 in the state) instead: same records, same bytes, whatever Pagefind's files are.
So a day indexes the main bundle, and a closed part is indexed once.

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
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import NamedTuple

from generator.atomic import write_atomic
from generator.config import raw_config
from generator.model import Catalog, Paper, Topic
from generator.paths import UnsafePath, plain
from generator.site.pagefind import PagefindService, pagefind_service, pagefind_version
from generator.site.prose import counted, long_date
from generator.site.search_words import FILE_NAME, word_counts, write_vocabulary
from generator.site.templates import prose_html
from generator.site.urls import page_url, paper_doc, topic_doc
from generator.topics.plan import new_papers_by_issue

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
# What a part merged into the main bundle does not need: mergeIndex loads its entry, metadata,
# index chunks and fragments, and runs them with the main bundle's script and WebAssembly.
MAIN_ONLY_FILES = ("pagefind.js", "pagefind-worker.js")
WASM_FILES = "wasm.*.pagefind"
# In the main bundle: the folders of the parts the search dialog merges, in order.
PARTS_FILE = "parts.json"
# Closed segments of `search_part_papers` papers join into parts of 4, 16, ... (`paper_parts`).
PART_GROWTH = 4
PARTS_SUBDIR = "parts"
# The folder of `cache_dir` where the last build's bundles are kept (`<key>.tar` each), the
# file that names them, and the member of an archive that holds its records' word counts.
CACHE_SUBDIR = "search"
CACHE_STATE = "state.json"
WORDS_MEMBER = "words.json"
# What counts more in a result (Pagefind's weights; text has 1).
AUTHORS_WEIGHT = 2
KEYPHRASES_WEIGHT = 2
TOPIC_NAME_WEIGHT = 10


@dataclass(frozen=True)
class SearchRecord:
    """One search result: its site-root URL, the HTML Pagefind indexes, its plain text, and
    the part of the index it is in (0: the main bundle; `paper_parts`)."""

    url: str
    html: str
    text: str
    part: int = 0


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


def search_records(
    catalog: Catalog, language: str = "en", part_papers: int = 0
) -> list[SearchRecord]:
    """Return the record of every paper page and topic page, sorted by URL, each in its part
    of the index (`paper_parts`; with `part_papers` 0, all in one)."""
    parts = paper_parts(catalog, part_papers)
    records = [
        replace(paper_record(catalog, paper, language), part=parts.get(paper.id, 0))
        for paper in catalog.papers
    ]
    records += [topic_record(catalog, topic, language) for topic in catalog.topics]
    return sorted(records, key=lambda record: record.url)


def paper_parts(catalog: Catalog, size: int) -> dict[str, int]:
    """Number the closed parts of the index (1, 2, ...) by paper id.

    The papers, in the order of the issue that first listed them, fall into segments: one
    closes at the end of the issue that brings it to `size` papers. The papers after the last
    closed segment are in no part (0, the main bundle's, with the topics). Closed segments
    are grouped as the digits of their count in base `PART_GROWTH` (4): 7 segments are parts
    of 4, 1, 1 and 1; the 8th makes them 4 and 4. So a year's index is a few bundles, each
    indexed once at a size and again when it joins a bigger one (each paper a few times in
    all), and a reader's first query fetches the metadata and chunks of a few bundles, not of
    one per segment. An issue dated after the others changes only the main bundle, or adds or
    merges the newest parts: as a paper keeps its first issue, an older part keeps its papers.
    """
    if size <= 0:
        return {}
    segments: list[list[str]] = []
    current: list[str] = []
    for fresh in new_papers_by_issue(catalog):
        current += fresh
        if len(current) >= size:
            segments.append(current)
            current = []
    parts: dict[str, int] = {}
    start, span, part = 0, 1, 0
    while span * PART_GROWTH <= len(segments):
        span *= PART_GROWTH
    while start < len(segments):
        while start + span > len(segments):
            span //= PART_GROWTH
        part += 1
        for segment in segments[start : start + span]:
            parts.update((paper_id, part) for paper_id in segment)
        start += span
    return parts


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
    """Write the search index of `records` into the pagefind/ folder of `site_dir`: the main
    bundle (part 0), each closed part a bundle of its own under pagefind/parts/, named by its
    records (`PARTS_FILE` lists them, for the dialog to merge), and the site's vocabulary
    (search_words.py); return how many records it holds.

    With `cache_dir`, a part whose records are the same as when it was kept there is
    unpacked from there instead of indexed.
    """
    output = site_dir.resolve() / OUTPUT_SUBDIR
    shutil.rmtree(output, ignore_errors=True)
    bundles = _bundles(records)
    kept = _kept(cache_dir) if cache_dir is not None else {}
    counts: Counter[str] = Counter()
    hashes: dict[str, str] = {}  # the SHA-256 of each bundle's archive, by key
    with contextlib.ExitStack() as stack:
        service: PagefindService | None = None
        for bundle in bundles:  # the main bundle first: Pagefind empties the folder it writes
            target = output / bundle.folder
            found = _unpack(kept[bundle.key], target) if bundle.key in kept else None
            if found is not None:
                hashes[bundle.key] = kept[bundle.key][1]
                advance(len(bundle.records))
            else:
                service = service or stack.enter_context(pagefind_service())
                _write_index(service, bundle, target, advance)
                found = word_counts(record.text for record in bundle.records)
                if cache_dir is not None:  # kept at once: a cold year is 200 MB of archives
                    hashes[bundle.key] = _keep_archive(cache_dir, bundle.key, target, found)
            counts.update(found)
    parts = [f"{bundle.folder}/" for bundle in bundles if bundle.folder]
    write_atomic(output / PARTS_FILE, json.dumps({"parts": parts}).encode(), durable=False)
    write_vocabulary(output, counts, durable=False)
    if cache_dir is not None:
        _keep(cache_dir, hashes)
    return len(records)


class Bundle(NamedTuple):
    """A part of the index: its folder under pagefind/ ("" for the main bundle), records, key."""

    folder: str
    records: list[SearchRecord]
    key: str


def _bundles(records: list[SearchRecord]) -> list[Bundle]:
    """Return the main bundle, then the closed parts in order; a main bundle that would be
    empty (no topic, the last issue closed a part) takes the last part."""
    groups: dict[int, list[SearchRecord]] = {}
    for record in records:
        groups.setdefault(record.part, []).append(record)
    numbers = sorted(number for number in groups if number)
    if 0 not in groups and numbers:
        groups[0] = groups.pop(numbers.pop())
    bundles = [Bundle("", groups.get(0, []), records_key(groups.get(0, [])))]
    for number in numbers:
        key = records_key(groups[number])
        bundles.append(Bundle(f"{PARTS_SUBDIR}/{key[:16]}", groups[number], key))
    return bundles


def records_key(records: Iterable[SearchRecord]) -> str:
    """Hash what decides the index: Pagefind's version and every record."""
    digest = hashlib.sha256(f"pagefind-bin {pagefind_version()}\n".encode())
    for record in records:
        digest.update(f"{len(record.url)}:{record.url}{len(record.html)}:{record.html}".encode())
    return digest.hexdigest()


def _write_index(
    service: PagefindService, bundle: Bundle, output: Path, advance: Callable[[int], None]
) -> None:
    """Have Pagefind index a bundle's records into `output`. Requests are sent without waiting
    for their answers: Pagefind indexes one record while the next is sent. A part keeps only
    what `mergeIndex` reads: the script and WebAssembly come from the main bundle."""
    index_id = service.request({"type": "NewIndex", "config": None})["index_id"]
    for record in bundle.records:
        page = {"file_path": None, "url": record.url, "file_contents": record.html}
        service.send({"type": "AddFile", "index_id": index_id, **page})
        advance(1)
    service.request({"type": "WriteFiles", "index_id": index_id, "output_path": str(output)})
    service.wait_for_writes(output)
    unused = [output / name for name in UNUSED_FILES]
    if bundle.folder:
        unused += [output / name for name in MAIN_ONLY_FILES] + list(output.glob(WASM_FILES))
    for path in unused:
        path.unlink(missing_ok=True)
    if not _is_whole(output):
        raise service.failure("it left files unfinished")
    service.request({"type": "DeleteIndex", "index_id": index_id})


def _is_whole(output: Path) -> bool:
    """Tell whether Pagefind's entry file, written last, is there and parses."""
    try:
        json.loads((output / "pagefind-entry.json").read_bytes())
    except (OSError, ValueError):
        return False
    return True


def _kept(cache_dir: Path) -> dict[str, tuple[Path, str]]:
    """Return the archives kept in `cache_dir` by the key of their records, with their SHA-256."""
    folder = cache_dir / CACHE_SUBDIR
    try:
        parts = json.loads((folder / CACHE_STATE).read_text("utf-8"))["parts"]
        return {str(key): (folder / f"{key}.tar", str(sha)) for key, sha in parts.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return {}


def _unpack(archive: tuple[Path, str], output: Path) -> Counter[str] | None:
    """Unpack a kept archive into `output` if it hashes as kept; return its word counts, or
    None (and no `output`) when it cannot be used."""
    path, expected = archive
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != expected:
        return None
    words: Counter[str] | None = None
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                source = tar.extractfile(member) if member.isfile() else None
                if source is None:
                    raise UnsafePath(member.name)
                if member.name == WORDS_MEMBER:
                    words = Counter(json.loads(source.read()))
                    continue
                target = output / plain(member.name)  # copies: the site shares no file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
    except (tarfile.TarError, UnsafePath, ValueError, TypeError):
        words = None
    if words is None:
        shutil.rmtree(output, ignore_errors=True)
    return words


def _keep_archive(cache_dir: Path, key: str, output: Path, words: Counter[str]) -> str:
    """Keep one archive of a bundle's files (not the parts under it, nor the files written for
    the whole index) and its word counts as `<key>.tar`; return its SHA-256. One file, not a
    copy of each: ~2 s where 10,000 files took ~16 s (README, Search). Until `_keep` names it
    in the state, no build unpacks it."""
    ours = {PARTS_FILE, FILE_NAME}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        files = sorted(p for p in output.rglob("*") if p.is_file())
        for path in files:
            name = path.relative_to(output).as_posix()
            if name in ours or name.startswith(f"{PARTS_SUBDIR}/"):
                continue
            _add(tar, name, path.read_bytes())
        _add(tar, WORDS_MEMBER, json.dumps(dict(sorted(words.items()))).encode("utf-8"))
    data = buffer.getvalue()
    write_atomic(cache_dir / CACHE_SUBDIR / f"{key}.tar", data, durable=False)
    return hashlib.sha256(data).hexdigest()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _keep(cache_dir: Path, hashes: dict[str, str]) -> None:
    """Name this build's archives (their SHA-256 by key) in the state, so that a change to one
    is found before it is published, and remove every other archive."""
    folder = cache_dir / CACHE_SUBDIR
    for earlier in (folder / "index", folder / "index.tar", folder / "search"):  # kept before
        if earlier.is_dir() and not earlier.is_symlink():
            shutil.rmtree(earlier, ignore_errors=True)
        else:
            earlier.unlink(missing_ok=True)
    for path in folder.glob("*.tar"):
        if path.stem not in hashes:
            path.unlink(missing_ok=True)
    state = {"parts": dict(sorted(hashes.items()))}  # Pagefind's version is in every key
    write_atomic(folder / CACHE_STATE, json.dumps(state, sort_keys=True).encode("utf-8"))
