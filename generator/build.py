"""The pipeline, stage by stage: read digests, merge, render, build the site."""

from __future__ import annotations

import calendar
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from generator.catalog import build_catalog
from generator.config import Settings, check_paths
from generator.errors import ConfigError, InputError
from generator.keyphrases import (
    Document,
    Embedder,
    KeyphraseResult,
    extract_keyphrases,
    keyphrase_settings,
    normalize_phrase,
)
from generator.model import Catalog, Problem
from generator.paths import check_site_folder
from generator.site.export import catalog_files
from generator.site.feeds import render_feeds
from generator.site.follow import FOLLOW_FILE, follow_json
from generator.site.material import alternate_sitemaps
from generator.site.pagecache import CacheStats
from generator.site.pages import render_pages
from generator.site.publish import run_mkdocs, staged_site, write_docs, write_files
from generator.site.redirects import moved_topics, read_previous, redirect_pages
from generator.site.search import CACHE_SUBDIR as SEARCH_CACHE
from generator.site.search import OUTPUT_SUBDIR, index_records, search_records, site_language
from generator.site.size import measure, size_warnings
from generator.site.swap import Trash, one_build
from generator.sources import ReadResult, read_digests
from generator.topics import TopicSettings, build_topics
from generator.topics.grouping import paper_vectors
from generator.topics.knowledge import load_knowledge
from generator.topics.plan import plan_topics
from generator.topics.related import add_related
from generator.uptodate import Figures, fingerprint, record, up_to_date

Advance = Callable[[int], None]
# Where Pagefind writes the index, in the cache folder, until it is moved into the new site.
SEARCH_STAGING = Path(SEARCH_CACHE) / "staging"
TRASH_SUBDIR = "old-sites"  # of cache_dir: the sites builds replaced (swap.Trash)


class Progress(Protocol):
    """Where the build reports what it is doing; the CLI draws it, tests pass a silent one."""

    def stage(self, label: str, total: int | None = None) -> AbstractContextManager[Advance]: ...


class SilentProgress:
    """Report nothing."""

    @contextmanager
    def stage(self, label: str, total: int | None = None) -> Iterator[Advance]:
        yield lambda _steps: None


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the summary the CLI prints."""

    issues: int
    papers: int
    listings: int
    merged: int
    repeated: int
    topics: int
    pages: int
    seconds: float
    site_dir: Path
    problems: tuple[Problem, ...]
    embedded: int = 0
    cached: int = 0
    on_topic_pages: int = 0
    rendered_pages: int = 0  # HTML pages MkDocs rendered
    reused_pages: int = 0  # HTML pages written from the page cache, unchanged
    rendered_in_workers: int = 0  # of the rendered pages, those worker processes rendered
    converted_in_workers: int = 0  # of the rendered pages, those whose Markdown workers read
    up_to_date: bool = False  # nothing had changed: the site in place was left as it was
    size_warnings: tuple[str, ...] = ()  # the site near its size limit, a file over 5 MB


def read_catalog(settings: Settings) -> tuple[Catalog, ReadResult]:
    """Read every digest and merge the issues into a catalog."""
    result = read_digests(
        settings.digests_dir, settings.default_year, settings.root, cache_dir=settings.cache_dir
    )
    return build_catalog(result.issues), result


def refuse_to_publish(catalog: Catalog, result: ReadResult, settings: Settings) -> None:
    """Raise InputError when the digests would publish no paper or lose a digest whole.

    A problem with single papers is reported and the rest published; a whole digest lost (a
    file that cannot be read, is not text, holds no paper or takes a taken URL) or an empty
    site would replace a good site with a worse one, so nothing is published instead.
    """
    hint = "fix the problems above; the previous site is unchanged"
    if result.dropped:
        names = ", ".join(result.dropped)
        count = len(result.dropped)
        raise InputError(
            f"{count} digest{'s' if count > 1 else ''} would be left out whole: {names}",
            hint,
            result.problems,
        )
    if not catalog.papers:
        where = settings.digests_dir
        raise InputError(f"no paper to publish in {where}", hint, result.problems)


def build_epoch(catalog: Catalog, explicit: int | None) -> int:
    """Return the build's timestamp: SOURCE_DATE_EPOCH, else the newest issue date, never now."""
    if explicit is not None:
        return explicit
    dates = [issue.date for issue in catalog.issues if issue.date is not None]
    return calendar.timegm(max(dates).timetuple()) if dates else 0


def add_keyphrases(
    catalog: Catalog, settings: Settings, progress: Progress, embedder: Embedder | None = None
) -> tuple[Catalog, KeyphraseResult]:
    """Give every paper its keyphrases (from the cache where it has them)."""
    docs = [Document(paper.id, paper.title, paper.abstract) for paper in catalog.papers]
    with progress.stage("Extracting keyphrases", total=len(docs)) as advance:
        reported = [0]

        def report(done: int, total: int) -> None:
            advance(done - reported[0])
            reported[0] = done

        result = extract_keyphrases(
            docs,
            keyphrase_settings(settings),
            settings.cache_dir,
            embedder,
            report,
        )
    papers = tuple(
        replace(paper, keyphrases=result.keyphrases.get(paper.id, ())) for paper in catalog.papers
    )
    return Catalog(catalog.issues, papers), result


def add_topics(catalog: Catalog, result: KeyphraseResult, settings: Settings) -> Catalog:
    """Group the papers (with their keyphrases) into topics and areas; find related papers."""
    # One vector a paper, papers by id: topics and related papers both compare them.
    by_id = sorted(catalog.papers, key=lambda p: p.id)
    matrix = paper_vectors(by_id, result.doc_vectors, result.phrase_vectors, normalize_phrase)
    unknown = sorted(set(settings.topic_replan) - {issue.slug for issue in catalog.issues})
    if unknown:
        known = ", ".join(issue.slug for issue in catalog.issues[:3])
        raise ConfigError(
            f"extra.paper_digest.topics.replan: no issue {unknown[0]!r}",
            f"name issues by their slug (the digest's name: {known}, ...)",
        )
    topic_settings = TopicSettings(
        min_papers=settings.min_topic_papers,
        knowledge=load_knowledge(settings.topic_knowledge, settings.root),
    )
    if settings.topic_grouping == "archive":
        catalog = build_topics(
            catalog,
            result.phrase_vectors,
            normalize_phrase,
            topic_settings,
            result.doc_vectors,
            matrix,
        )
    else:
        catalog = plan_topics(
            catalog,
            result.phrase_vectors,
            normalize_phrase,
            matrix,
            topic_settings,
            result.doc_vectors,
            settings.topic_replan,
            settings.cache_dir,
        )
    return add_related(
        catalog,
        result.doc_vectors,
        result.phrase_vectors,
        normalize_phrase,
        matrix=matrix,
        cache_dir=settings.cache_dir,
    )


def annotate(
    catalog: Catalog, settings: Settings, progress: Progress, embedder: Embedder | None = None
) -> tuple[Catalog, KeyphraseResult]:
    """Give every paper its keyphrases, then group the papers into topics."""
    catalog, result = add_keyphrases(catalog, settings, progress, embedder)
    with progress.stage("Grouping papers into topics"):
        catalog = add_topics(catalog, result, settings)
    return catalog, result


def read_annotated_catalog(
    settings: Settings, progress: Progress | None = None, embedder: Embedder | None = None
) -> tuple[Catalog, ReadResult]:
    """Read the digests and give the papers keyphrases and topics, as the site shows them."""
    catalog, result = read_catalog(settings)
    catalog, _ = annotate(catalog, settings, progress or SilentProgress(), embedder)
    return catalog, result


def read_inputs(settings: Settings, progress: Progress) -> tuple[Catalog, ReadResult]:
    """Read and merge the digests, refusing what must not be published."""
    if not settings.templates_dir.is_dir():
        raise ConfigError(
            f"templates_dir {settings.templates_dir} does not exist",
            "set extra.paper_digest.templates_dir to the folder of the Jinja templates",
        )
    with progress.stage("Reading digests"):
        catalog, result = read_catalog(settings)
    refuse_to_publish(catalog, result, settings)
    return catalog, result


def generate_docs(
    settings: Settings,
    progress: Progress,
    embedder: Embedder | None = None,
    read: tuple[Catalog, ReadResult] | None = None,
    annotated: Callable[[Catalog], None] = lambda _catalog: None,
) -> tuple[Catalog, ReadResult, int, KeyphraseResult]:
    """Run every stage up to the Markdown pages and write them; return the page count.

    `read` is what `read_inputs` returned, when the caller has read the digests already;
    `annotated` is called with the catalog once its papers have keyphrases and topics:
    what the search records are made of.
    """
    catalog, result = read or read_inputs(settings, progress)
    catalog, keyphrases = annotate(catalog, settings, progress, embedder)
    annotated(catalog)
    with progress.stage("Rendering pages"):
        pages = render_pages(catalog, settings)
    with progress.stage("Writing docs/", total=len(pages)) as advance:
        write_docs(settings.docs_dir, pages)
        advance(len(pages))
    return catalog, result, len(pages), keyphrases


def index_catalog(catalog: Catalog, settings: Settings) -> int:
    """Index the catalog's search records beside the cache (`SEARCH_STAGING`); return their
    count. Run in a thread: the records (~3.5 KB a paper) live only while indexed."""
    language = site_language(settings.config_file)
    records = search_records(catalog, language, settings.search_part_papers)
    return index_records(records, settings.cache_dir / SEARCH_STAGING, cache_dir=settings.cache_dir)


def publish(
    settings: Settings,
    progress: Progress,
    epoch: int,
    extra: dict[str, bytes],
    indexing: Future[int],
    trash: Trash,
) -> CacheStats:
    """Build the site with MkDocs, add `extra` and the search index, then swap it in.

    All of it happens in a staging folder: the previous site stays whole until the new one is.
    Pages that cannot have changed since the last build come from the page cache. The search
    records are made from the catalog, not from the pages, so Pagefind (a process of its own)
    indexes them from the moment the papers have topics (`indexing`, `index_catalog`), while
    the pages are rendered, docs/ and the feeds written and MkDocs builds: on two cores the
    stages overlap. The index is written beside the cache (MkDocs empties its site folder
    first) and moved into the staging folder once both are done. The old site goes to
    `trash`, which the next build empties while it works; the trash is empty before the new
    site is written (a disk that held three sites at once could be full).
    """
    trash.join()
    with staged_site(settings.site_dir, remove=trash.put) as staging:
        try:
            with progress.stage("Building the site with MkDocs"):
                cache = settings.cache_dir if settings.page_cache else None
                built = run_mkdocs(
                    settings.config_file, staging, epoch, cache, settings.page_workers
                )
                write_files(staging, extra)
        except BaseException:
            wait([indexing])  # never leave Pagefind writing once the build has failed
            raise
        # What Pagefind has left to do once MkDocs is done; the page cache is saved meanwhile.
        with progress.stage("Indexing papers and topics for search") as advance:
            built.save()
            advance(indexing.result())
            side = settings.cache_dir / SEARCH_STAGING / OUTPUT_SUBDIR
            shutil.move(side, staging / OUTPUT_SUBDIR)
    return built.stats


def build(
    settings: Settings,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    timer: Callable[[], float] = time.perf_counter,
    force: bool = False,
) -> BuildReport:
    """Build the whole site; the previous site stays in place unless this one succeeds.

    When nothing the site is made from has changed since the build that made the site in place
    (`uptodate.py`), that site is left as it is and the report says so; `force` builds anyway.
    `embedder` stands in for the real model (tests); None loads it when something is new.
    `timer` measures the build's duration for the summary, and nothing else.
    The site's lock is held from the start, before docs/ is read or written: a second build
    of the same site at the same time is refused before it touches anything. A full disk
    ends the build in one line (NoSpaceError).
    """
    # The settings may not come from load_settings: the rule for paths again, before the lock
    # (a file beside the site) is taken.
    check_paths(settings)
    check_site_folder(settings.site_dir)
    with one_build(settings.site_dir, settings.docs_dir, settings.cache_dir):
        return _build(settings, progress, embedder, timer, force)


def _build(
    settings: Settings,
    progress: Progress | None,
    embedder: Embedder | None,
    timer: Callable[[], float],
    force: bool,
) -> BuildReport:
    progress = progress or SilentProgress()
    started = timer()
    trash = Trash(settings.cache_dir / TRASH_SUBDIR)
    trash.empty()  # the site the last build replaced, removed while this one reads and embeds
    try:
        return _build_in_order(settings, progress, embedder, timer, force, started, trash)
    finally:
        trash.join()


def _build_in_order(
    settings: Settings,
    progress: Progress,
    embedder: Embedder | None,
    timer: Callable[[], float],
    force: bool,
    started: float,
    trash: Trash,
) -> BuildReport:
    load_knowledge(settings.topic_knowledge, settings.root)  # a bad file stops the build now
    inputs = fingerprint(settings)
    read = read_inputs(settings, progress)
    made = None if force else up_to_date(settings, inputs)
    if made is not None:
        catalog, result = read
        return _report(catalog, result, made, settings, timer() - started, up_to_date=True)
    with ThreadPoolExecutor(max_workers=1) as worker:  # waits for Pagefind, whatever happens
        return _build_and_index(
            settings, progress, embedder, read, inputs, worker, timer, started, trash
        )


def _build_and_index(
    settings: Settings,
    progress: Progress,
    embedder: Embedder | None,
    read: tuple[Catalog, ReadResult],
    inputs: str,
    worker: ThreadPoolExecutor,
    timer: Callable[[], float],
    started: float,
    trash: Trash,
) -> BuildReport:
    """Build the site, Pagefind indexing on `worker` from the moment the papers have topics."""
    indexing: list[Future[int]] = []

    def index(catalog: Catalog) -> None:
        indexing.append(worker.submit(index_catalog, catalog, settings))

    catalog, result, pages, keyphrases = generate_docs(settings, progress, embedder, read, index)
    with progress.stage("Rendering feeds"):
        extra = render_feeds(catalog, settings)
        extra.update(alternate_sitemaps(extra))
        moved = dict(catalog.moved)  # from a re-plan: known from the digests alone
        previous = read_previous(settings.site_dir, {t.slug for t in catalog.topics})
        moved.update(moved_topics(catalog, previous))
        moved = dict(sorted(moved.items()))
        extra.update(redirect_pages(moved))
        result = replace(result, problems=(*result.problems, *previous.problems))
        extra.update(catalog_files(catalog, moved))
        extra[FOLLOW_FILE] = follow_json(catalog)
    epoch = build_epoch(catalog, settings.source_date_epoch)
    stats = publish(settings, progress, epoch, extra, indexing[0], trash)
    report = _finish(settings, inputs, catalog, result, pages, keyphrases, stats)
    return replace(report, seconds=timer() - started)


def _finish(
    settings: Settings,
    inputs: str,
    catalog: Catalog,
    result: ReadResult,
    pages: int,
    keyphrases: KeyphraseResult,
    stats: CacheStats,
) -> BuildReport:
    """Record what the site was made from, measure it and report the build (its duration is
    the caller's to set)."""
    figures = Figures(
        topics=len(catalog.topics),
        pages=pages,
        on_topic_pages=sum(1 for paper in catalog.papers if paper.topics),
        embedded=keyphrases.embedded,
        cached=keyphrases.cached,
    )
    record(settings, inputs, figures)
    warnings = size_warnings(measure(settings.site_dir), settings.site_size_limit_mb)
    return _report(catalog, result, figures, settings, 0.0, stats, size_warnings=warnings)


def _report(
    catalog: Catalog,
    result: ReadResult,
    figures: Figures,
    settings: Settings,
    seconds: float,
    stats: CacheStats | None = None,
    *,
    up_to_date: bool = False,
    size_warnings: tuple[str, ...] = (),
) -> BuildReport:
    stats = stats or CacheStats()
    return BuildReport(
        size_warnings=size_warnings,
        issues=len(catalog.issues),
        papers=len(catalog.papers),
        listings=sum(len(issue.entries) for issue in catalog.issues),
        merged=catalog.merged_count,
        repeated=catalog.repeated_count,
        topics=figures.topics,
        pages=figures.pages,
        seconds=seconds,
        site_dir=settings.site_dir,
        problems=result.problems,
        embedded=figures.embedded,
        cached=figures.cached,
        on_topic_pages=figures.on_topic_pages,
        rendered_pages=stats.rendered,
        reused_pages=stats.reused,
        rendered_in_workers=stats.in_workers,
        converted_in_workers=stats.converted_in_workers,
        up_to_date=up_to_date,
    )
