"""Write the generated pages into docs/, build the site with MkDocs and swap it in atomically.

The one place that runs MkDocs, and so the one place that sets what MkDocs reads from the
environment (SOURCE_DATE_EPOCH, for the sitemap's date), for the build's duration only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.atomic import write_atomic
from generator.errors import BuildError
from generator.paths import UnsafePath, inside
from generator.site.material import UnusedThemeFiles
from generator.site.pagecache import PAGES_SUBDIR, PLUGIN_PREFIX, CacheStats, PageCache
from generator.site.pages import GENERATED_PATHS
from generator.site.swap import (
    Exchange,
    clear_leftovers,
    exchange_paths,
    full_disk,
    make_staging,
    remove_tree,
    site_lock,
    swap_in,
)


def write_docs(docs_dir: Path, pages: Mapping[str, str]) -> None:
    """Make the generated part of docs/ hold exactly `pages`.

    Unchanged files are not rewritten, so `serve` reloads only what changed; files left over
    from an earlier build (a paper that is gone) are removed. Hand-written pages are not touched.
    A symlink in the generated part (docs/topics, or any folder or file below it) is refused
    before anything is written or removed: nothing is written or deleted through one.
    """
    for relative in pages:
        if relative.split("/", 1)[0] not in GENERATED_PATHS:
            raise ValueError(f"{relative} is not a generated path")
    existing = generated_files(docs_dir)
    for relative, text in pages.items():
        target = docs_dir / relative
        data = text.encode("utf-8")
        if target.is_file() and target.read_bytes() == data:
            continue
        write_atomic(target, data, durable=False)
    root = docs_dir.resolve()
    for stale in sorted(existing - {docs_dir / p for p in pages}):
        if not stale.resolve().is_relative_to(root):  # a link made since the check above
            raise BuildError(f"{stale} now leads outside {docs_dir}; it was not removed")
        stale.unlink()


def generated_files(docs_dir: Path) -> set[Path]:
    """Return the files of the generated part of docs/; refuse a symlink anywhere in it."""
    found = set()
    for top in GENERATED_PATHS:
        path = docs_dir / top
        if path.is_symlink():
            raise _symlink_error(path)
        if path.is_file():
            found.add(path)
            continue
        # os.scandir: whether an entry is a link or a folder comes with its name (no stat a file:
        # ~3x faster than os.walk and Path.is_symlink, and docs/ is read 3 times a build).
        folders = [path] if path.is_dir() else []
        while folders:
            try:
                entries = sorted(os.scandir(folders.pop()), key=lambda entry: entry.name)
            except OSError:
                continue
            for entry in entries:
                if entry.is_symlink():
                    raise _symlink_error(Path(entry.path))
                if entry.is_dir():
                    folders.append(Path(entry.path))
                else:
                    found.add(Path(entry.path))
    return found


def _symlink_error(path: Path) -> BuildError:
    return BuildError(
        f"{path} is a symlink inside the generated pages; nothing was written or removed",
        "the generated pages are rebuilt on every build and stale ones deleted, so they must "
        "live in the docs folder itself: remove the link (what it points to is left alone)",
    )


class _Collect(logging.Handler):
    """Keep MkDocs' warnings and errors so a failed build can say why."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _mkdocs_logging() -> Iterator[_Collect]:
    logger = logging.getLogger("mkdocs")
    collector = _Collect()
    saved = (logger.level, logger.propagate)
    logger.addHandler(collector)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


@contextmanager
def _source_date_epoch(epoch: int) -> Iterator[None]:
    """Let MkDocs stamp the sitemap with the digests' date rather than the clock."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


@dataclass(frozen=True)
class Built:
    """What MkDocs' build reports: its page figures, and how to update the page cache."""

    stats: CacheStats
    save: Callable[[], None]  # keeps the pages of this build in the page cache


def run_mkdocs(
    config_file: Path,
    site_dir: Path,
    epoch: int,
    cache_dir: Path | None = None,
    workers: bool = False,
) -> Built:
    """Build the site in strict mode into `site_dir`, dated `epoch`; any warning fails it.

    With `cache_dir`, pages whose HTML cannot have changed come from the page cache there
    (`pagecache.py`); `save` updates it, once the build succeeded (the caller may do so while
    it indexes the site). With `workers`, pages are rendered by worker processes (`parallel.py`).
    Without either, the pages are the same bytes.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    with _mkdocs_logging() as collected, _source_date_epoch(epoch):
        try:
            config = load_config(str(config_file), site_dir=str(site_dir), strict=True)
            config.plugins[f"{PLUGIN_PREFIX}theme-files"] = UnusedThemeFiles()
            folder = (cache_dir or site_dir) / PAGES_SUBDIR  # never read nor written without
            cache = PageCache(folder, store=cache_dir is not None, workers=workers)
            config.plugins[f"{PLUGIN_PREFIX}page-cache"] = cache  # it also makes pages smaller
            build(config)
        except (MkDocsException, SystemExit) as exc:
            details = "; ".join(collected.messages) or str(exc)
            raise BuildError(
                f"MkDocs could not build the site: {details}",
                "the previous site is unchanged; fix the page or setting named above",
            ) from None
    return Built(cache.stats, cache.save)


@contextmanager
def staged_site(
    site_dir: Path,
    exchange: Exchange = exchange_paths,
    remove: Callable[[Path], None] = remove_tree,
) -> Iterator[Path]:
    """Yield an empty staging folder beside `site_dir`; swap it in when the block succeeds.

    Until the swap, `site_dir` is untouched; a failure anywhere in the block leaves it as it was,
    and the swap itself leaves at every instant the old site or the new one there (see
    `swap.py`). `exchange` trades two paths in one step, or says it cannot (then two renames
    do it). `remove` disposes of the old site, renamed beside the new one by then: removes it
    (the default) or moves it to a `Trash`.
    """
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    with site_lock(site_dir):
        clear_leftovers(site_dir)
        staging, build_id = make_staging(site_dir)
        try:
            yield staging
            swap_in(staging, site_dir, build_id, exchange, remove)
        except BaseException as error:
            full = full_disk(error, staging, site_dir)  # before removing frees room
            remove_tree(staging)
            if full is not None:
                raise full from None
            raise


def write_files(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write files made beside the pages (feeds, catalog.json) into the built site.

    Each path goes through `paths.inside` first: none leads out of the site.
    """
    for relative, data in sorted(files.items()):
        try:
            target = inside(folder, relative)
        except UnsafePath as exc:
            raise BuildError(f"refused to write {exc}", "the previous site is unchanged") from None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
