"""Put a freshly built site where the old one is, so that a reader always finds a whole site.

The site folder stays a plain folder. On Linux the new tree and the old one trade places in one
step, `renameat2(RENAME_EXCHANGE)`: at every instant the site's path names the old tree or the
new one, complete. Where the kernel or the filesystem cannot exchange (another system, an NFS
mount), two renames do it; a build killed between them leaves the old tree as `.site.prev-<id>`,
and the next build puts it back before doing anything else.

Builds that publish the same site take a lock (`.site.lock` beside it, `flock`, released by the
kernel when the process dies), so the staging folders of a build that is not holding it were
left by a killed build: the next build removes them. A process forked while the lock is held
(a page worker, `parallel.py`) closes its copy of the lock's descriptor at once, so only the
build itself holds the lock and a killed build's lock is free for the next one, whatever its
children do. Nothing here deletes through a symlink.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from generator.errors import BuildError, NoSpaceError, no_space, says_no_space

# A function that trades the places of two paths in one step; False when it cannot here.
Exchange = Callable[[Path, Path], bool]

RENAME_EXCHANGE = 2  # <linux/fs.h>
AT_FDCWD = -100  # <fcntl.h>: paths relative to the working directory
# What renameat2 answers when the kernel, a seccomp filter or the filesystem lacks the flag.
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM}
# The kinds of folder a build leaves beside the site: its staging, the old tree it is
# deleting, the old tree between two renames (the fallback).
NEW, OLD, PREV = "new", "old", "prev"
# A filesystem with less room than this (bytes) is full: a failure there is for want of room.
MIN_FREE = 1 << 20


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically with renameat2; False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # a C library older than glibc 2.28
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def sibling(site: Path, kind: str, build_id: str) -> Path:
    """Return the folder beside `site` that a build names `build_id` uses as `kind`."""
    return site.with_name(f".{site.name}.{kind}-{build_id}")


def make_staging(site: Path) -> tuple[Path, str]:
    """Create an empty staging folder beside `site`; return it with the build's id."""
    prefix = f".{site.name}.{NEW}-"
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=site.parent))
    return staging, staging.name[len(prefix) :]


def remove_tree(path: Path) -> None:
    """Remove a folder and what it holds, or a file; a symlink itself, never what it points to."""
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    # rmtree works through file descriptors here and does not follow symlinks inside the tree.
    shutil.rmtree(path, ignore_errors=True)


class Trash:
    """A folder of the build's cache where old sites wait to be removed by the next build.

    Removing a site is mostly waiting on the disk: about 2 s for 26,000 files (8,400 papers)
    here, for a reader-facing gain of nothing. Moved here (a rename), the old site is removed in
    a thread the next build starts first (`empty`), while it reads the digests and embeds: its
    wait is spent while the CPU works, and it is over before that build writes its own site
    (`join`). The cost is the disk of one more site between builds.
    Only the build holding the site's lock uses the folder: nothing else removes from it.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._thread: threading.Thread | None = None

    def empty(self) -> None:
        """Start removing what earlier builds left here."""
        with contextlib.suppress(OSError):
            old = sorted(self.folder.iterdir())
            if old:
                self._thread = threading.Thread(target=_remove_all, args=(old,), daemon=True)
                self._thread.start()

    def put(self, path: Path) -> None:
        """Move `path` here, for the next build to remove; remove it now where it cannot move
        (another filesystem)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.rename(self.folder / path.name)
        except OSError:
            remove_tree(path)

    def join(self) -> None:
        """Wait until what `empty` started is removed."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _remove_all(paths: Sequence[Path]) -> None:
    for path in paths:
        remove_tree(path)


def swap_in(
    staging: Path,
    site: Path,
    build_id: str,
    exchange: Exchange = exchange_paths,
    remove: Callable[[Path], None] = remove_tree,
) -> None:
    """Put the complete tree `staging` at `site`; `remove` the tree it replaces (by then a
    folder beside `site` that `clear_leftovers` would remove too)."""
    staging.chmod(0o755)
    if not os.path.lexists(site):
        staging.rename(site)
        return
    old = sibling(site, OLD, build_id)
    if exchange(staging, site):
        staging.rename(old)  # staging holds the old tree now
    else:
        previous = sibling(site, PREV, build_id)
        site.rename(previous)
        try:
            staging.rename(site)
        except BaseException:
            previous.rename(site)
            raise
        previous.rename(old)
    remove(old)


def clear_leftovers(site: Path) -> list[Path]:
    """Restore a site a killed fallback swap left aside, then remove what killed builds left.

    Call it holding the lock: then no running build owns any of these folders.
    """
    prefixes = tuple(f".{site.name}.{kind}-" for kind in (NEW, OLD, PREV))
    found = sorted(p for p in site.parent.iterdir() if p.name.startswith(prefixes))
    previous = [p for p in found if p.name.startswith(prefixes[2]) and not p.is_symlink()]
    if previous and not os.path.lexists(site):
        previous[0].rename(site)  # only a whole old site is ever named .prev-
        found.remove(previous[0])
    for leftover in found:
        remove_tree(leftover)
    return found


# The locks this process holds: lock file -> (descriptor, how many blocks hold it).
_held: dict[Path, tuple[int, int]] = {}


def _close_in_child() -> None:
    """In a forked child: close the lock descriptors it inherited (the parent keeps its own)."""
    for fd, _depth in _held.values():
        with contextlib.suppress(OSError):
            os.close(fd)  # never LOCK_UN: that would release the parent's lock too
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


def lock_path(site: Path) -> Path:
    """Return the lock file of `site`: beside it, so two builds of one site share it."""
    site = site.resolve()
    return site.with_name(f".{site.name}.lock")


@contextmanager
def site_lock(site: Path) -> Iterator[None]:
    """Hold the lock of `site` while the block runs; refuse if another build holds it.

    A block inside another of this process holding the same lock holds it already. The lock
    is an `flock`: the kernel releases it when the build holding it dies, however it dies.
    """
    path = lock_path(site)
    if path in _held:
        fd, depth = _held[path]
        _held[path] = (fd, depth + 1)
        try:
            yield
        finally:
            _held[path] = (fd, depth)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        _take(fd, site, path)
        _held[path] = (fd, 1)
        yield
    finally:
        _held.pop(path, None)
        os.close(fd)  # closing releases the lock; a killed process's is released by the kernel


def _take(fd: int, site: Path, path: Path) -> None:
    """Take the lock on `fd`, or raise BuildError naming the build that holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        raise BuildError(
            f"another build is publishing {site} (process {owner}, lock {path})",
            "wait for it to finish, then build again",
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)


@contextmanager
def one_build(site: Path, *folders: Path) -> Iterator[None]:
    """Run a build of `site`: hold its lock from the start; end a write that found no room
    (ENOSPC, a quota, SQLite's "database or disk is full") in one line, naming the file, else
    the first of `site` and `folders` (docs, cache) whose filesystem is full."""
    with site_lock(site):
        try:
            yield
        except Exception as error:
            if says_no_space(error):
                raise _no_space(error, site, folders) from None
            raise


def full_disk(error: BaseException, staging: Path, site: Path) -> NoSpaceError | None:
    """Return the error to raise for a failure in `staging` for want of room, else None.

    A write may say so (ENOSPC), or not: Pagefind reports only files it left unfinished, so
    any failure while the staging's filesystem is full counts as the disk being full.
    """
    if says_no_space(error) or (isinstance(error, Exception) and out_of_room(staging)):
        return _no_space(error, site, ())
    return None


def _no_space(error: BaseException, site: Path, folders: Sequence[Path]) -> NoSpaceError:
    """Return the error of a build that found no room: naming the site when its filesystem is
    full, else the first of `folders` whose filesystem is, else the file the error names (a
    copy names its source first: then its target)."""
    if out_of_room(site.parent):
        return no_space(site, error)
    where = next((folder for folder in folders if out_of_room(folder)), None)
    named = getattr(error, "filename2", None) or getattr(error, "filename", None)
    return no_space(where or named or site, error)


def out_of_room(folder: Path) -> bool:
    """Tell whether the filesystem of `folder` is full: under MIN_FREE bytes, or no inode."""
    try:
        room = os.statvfs(folder)
    except OSError:
        return False
    return room.f_bavail * room.f_frsize < MIN_FREE or (room.f_files > 0 and room.f_favail == 0)
