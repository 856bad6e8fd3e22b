"""A full disk: the build ends in one line, non-zero, and the previous site stays whole.

The project lives on a real small filesystem: a tmpfs mounted for the test (CI runs as root).
Where mounting is not allowed, the build runs under a file size limit (RLIMIT_FSIZE) instead,
which makes writes fail as a full disk does. Each build is `paper-digest build` in a process
of its own (`tests/build_child.py`: the real command line, the stand-in embedder).
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.build import SilentProgress, build, generate_docs
from generator.config import Settings, load_settings
from generator.errors import NoSpaceError
from generator.site.pagestore import Entry, PageStore
from generator.site.publish import staged_site
from generator.site.search import index_records, search_records
from tests.conftest import REPO, copy_project_files, write_digests
from tests.stand_in import StandInEmbedder
from tests.test_incremental import DIGESTS, digest, tree

ONE_LINE = "error: no space left on the device of "
INTACT = "the previous site is intact"
# Room left on the disk for the build, in KiB: from none to about what a build takes.
ROOMS = (0, 8, 64, 256, 640, 1024, 1536, 2048, 2560, 3072, 4096, 6144)


def mount_tmpfs(folder: Path, size: str) -> bool:
    """Mount a tmpfs of `size` on `folder`; False where this process may not mount."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[bool]:
    """Make `folder` a filesystem of `size` while the block runs; yield whether it is one."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = mount_tmpfs(folder, size)
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path, room: int) -> Path:
    """Fill the filesystem of `folder`, leaving `room` bytes; return the filling file."""
    filler = folder / "filler"
    filler.unlink(missing_ok=True)
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    if free > room:
        with filler.open("wb") as out:
            os.posix_fallocate(out.fileno(), 0, free - room)
    return filler


def run_build(settings: Settings, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run `paper-digest build`; with `limit`, under that file size limit (bytes)."""

    def limited() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "tests.build_child", "-f", str(settings.config_file), "build"],
        cwd=REPO,
        env={**os.environ, "PD_TEST_SHARE_DELAY": "0"},
        capture_output=True,
        text=True,
        preexec_fn=limited,
        check=False,
    )


def make_project(root: Path) -> Settings:
    """A project of the test newsletter in `root`, built once; then a digest more to build."""
    root.mkdir(exist_ok=True)
    copy_project_files(root)
    write_digests(root / "digests", DIGESTS)
    settings = load_settings(root / "mkdocs.yml")
    build(settings, embedder=StandInEmbedder())
    (settings.digests_dir / "2025-03-20.txt").write_text(digest("meadow", 6))
    return settings


def assert_refused_and_intact(
    done: subprocess.CompletedProcess[str], settings: Settings, before: dict[str, bytes]
) -> None:
    """The build failed in one line naming the full disk, and the site is as it was."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(ONE_LINE) and INTACT in lines[0], lines[0]
    assert tree(settings.site_dir) == before
    left = list(settings.site_dir.parent.glob(f".{settings.site_dir.name}.new-*"))
    assert left == []


def test_a_full_disk_at_every_level_is_one_line_and_the_site_intact(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    with small_disk(disk, "24m") as mounted:
        if not mounted:
            pytest.fail("could not mount a tmpfs (the test runs as root on CI)")
        settings = make_project(disk / "project")
        before = tree(settings.site_dir)
        refused = 0
        for room in ROOMS:
            fill(disk, room * 1024)
            done = run_build(settings)
            if done.returncode == 0:  # room enough
                break
            assert_refused_and_intact(done, settings, before)
            refused += 1
        else:  # with room again, the next build publishes
            (disk / "filler").unlink()
            done = run_build(settings)
        assert refused >= 5
        assert done.returncode == 0, done.stderr
        assert "Built 5 issues: 30 papers" in " ".join(done.stdout.split())


def test_a_full_disk_under_the_cache_is_one_line_naming_it(tmp_path: Path) -> None:
    """The cache on a disk of its own, full: the build names that disk in one line, and the
    site stays as it was."""
    root = tmp_path / "project"
    with small_disk(root / ".cache", "2m") as mounted:
        if not mounted:
            pytest.fail("could not mount a tmpfs (the test runs as root on CI)")
        settings = make_project(root)
        before = tree(settings.site_dir)
        fill(settings.cache_dir, 32 * 1024)
        done = run_build(settings)
        assert_refused_and_intact(done, settings, before)
        assert done.stderr.startswith(f"{ONE_LINE}{settings.cache_dir}")


def test_a_page_store_on_a_full_disk_says_so_and_stays_whole(tmp_path: Path) -> None:
    """SQLite's "database or disk is full" is OSError(ENOSPC) naming the store, which keeps
    what the last save wrote (it was deleted and written anew, as if damaged)."""
    folder = tmp_path / "pages"
    with small_disk(folder, "1m") as mounted:
        if not mounted:
            pytest.fail("could not mount a tmpfs (the test runs as root on CI)")
        store = PageStore(folder)
        entry = Entry({}, [], [])
        store.save({"kept": ("<p>kept</p>", entry)}, [])
        kept = store.path.read_bytes()
        fill(folder, 16 * 1024)
        # Random text does not compress: about 400 KB to write.
        pages = {f"page{n}": (os.urandom(2000).hex(), entry) for n in range(200)}
        with pytest.raises(OSError) as raised:
            store.save(pages, ["kept"])
        assert raised.value.errno == errno.ENOSPC
        assert raised.value.filename == str(store.path)
        assert "database or disk is full" in str(raised.value)
        assert store.path.read_bytes() == kept
        assert store.html(["kept"]) == {"kept": "<p>kept</p>"}


def test_a_file_size_limit_is_one_line_and_the_site_intact(tmp_path: Path) -> None:
    """Where no filesystem can be mounted, a file size limit fails writes as a full disk does."""
    settings = make_project(tmp_path / "project")
    before = tree(settings.site_dir)
    done = run_build(settings, limit=64 * 1024)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and INTACT in lines[0], done.stderr
    assert "file size limit" in lines[0]
    assert tree(settings.site_dir) == before


def test_pagefind_on_a_full_disk_is_no_space_not_unfinished_files(tmp_path: Path) -> None:
    """Pagefind says only that it left files unfinished: a full filesystem under the staging
    folder makes that a full disk, and the previous site stays."""
    settings = make_project(tmp_path / "project")
    catalog, *_ = generate_docs(settings, SilentProgress(), StandInEmbedder())
    disk = tmp_path / "disk"
    with small_disk(disk, "8m") as mounted:
        if not mounted:
            pytest.fail("could not mount a tmpfs (the test runs as root on CI)")
        site = disk / "site"
        shutil.copytree(settings.site_dir, site)
        before = tree(site)
        with pytest.raises(NoSpaceError) as raised, staged_site(site) as staging:
            shutil.copytree(
                settings.site_dir,
                staging,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("pagefind"),
            )
            fill(disk, 16 * 1024)  # the pages fit; their index does not
            index_records(search_records(catalog), staging)
        assert str(raised.value) == f"no space left on the device of {site} — {INTACT}; " + (
            "free some space, then build again"
        )
        assert tree(site) == before
        assert sorted(p.name for p in disk.iterdir()) == [".site.lock", "filler", "site"]
