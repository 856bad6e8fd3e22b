"""One rule for the paths a build writes, checked before its first write.

The folders of a project are of two kinds. Those a build writes: `site_dir` (replaced whole at
every build), the generated part of `docs_dir` (written, and stale pages deleted), `cache_dir`
(written and pruned), the email folder (`out_dir/email`) and the sent-ledger. Those it only
reads: the project root (mkdocs.yml), `digests_dir` and `templates_dir`. A folder that is
written may not be, contain or lie inside any other of them (the ledger may lie in the email
folder, where it is by default), nor be or contain the project root; `docs_dir` must lie inside
the project. A setting that breaks the rule is refused in one line naming it and the clash,
before anything is written: `site_dir: digests` would otherwise swap the site in over the
digests and delete them.

Paths read back from an earlier build or from a cache (a slug in the last `catalog.json`, a
file name in a cache's state) are untrusted input: they are joined to a folder only through
`inside`, which refuses anything but plain names below that folder (or `plain`, its lexical
half, for a folder the build made itself).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.errors import ConfigError

# What every slug the generator makes looks like (python-slugify's alphabet); anything else
# read back as a slug is refused.
SLUG = re.compile(r"[a-z0-9-]+")
# A file that every site a build made holds: a non-empty site folder without it was not made
# by a build, and is never replaced.
SITE_MARK = "api/catalog.json"
WRITTEN_HOW = {
    "site_dir": "a build replaces it whole",
    "docs_dir": "a build writes its pages there and deletes stale ones",
    "cache_dir": "a build writes and prunes it",
    "out_dir": "`email build` writes there",
    "email.ledger": "`email send` writes it",
}


class UnsafePath(ValueError):
    """A path read from an earlier build or a cache that would lead outside its folder."""


@dataclass(frozen=True)
class Folder:
    """A folder (or file) of the project: the setting that names it and where it is."""

    setting: str
    path: Path
    written: bool


def is_slug(text: object) -> bool:
    """Tell whether `text` is a slug as the generator makes them (`[a-z0-9-]+`)."""
    return isinstance(text, str) and SLUG.fullmatch(text) is not None


def plain(relative: str) -> str:
    """Return `relative` if it is a plain relative path; raise UnsafePath otherwise.

    Refused: an empty path, an absolute one, `..` or `.` parts, empty parts, backslashes, NUL.
    Enough for a folder the build made itself and holds no symlink (a staging folder).
    """
    if (
        not relative
        or "\0" in relative
        or "\\" in relative
        or any(part in {"", ".", ".."} for part in relative.split("/"))
    ):
        raise UnsafePath(f"{relative!r} is not a plain relative path")
    return relative


def inside(folder: Path, relative: str) -> Path:
    """Return `folder / relative`; raise UnsafePath unless it is a plain path (`plain`) that,
    symlinks followed, stays below `folder`."""
    target = folder / plain(relative)
    if not target.resolve().is_relative_to(folder.resolve()):
        raise UnsafePath(f"{relative!r} leads outside {folder}")
    return target


def project_folders(
    root: Path,
    written: Iterable[tuple[str, Path]],
    read: Iterable[tuple[str, Path]],
) -> list[Folder]:
    """Return the project's folders, resolved: the root, then those written, then those read."""
    folders = [Folder("the project root", root.resolve(), written=False)]
    folders += [Folder(name, path.resolve(), written=True) for name, path in written]
    folders += [Folder(name, path.resolve(), written=False) for name, path in read]
    return folders


def check_folders(folders: list[Folder], where: str) -> None:
    """Raise ConfigError for the first folder written that clashes (see above): with the
    project root first, then with the other folders."""
    root, written = folders[0], [folder for folder in folders[1:] if folder.written]
    for folder in written:
        why = WRITTEN_HOW[folder.setting]
        if folder.path == root.path or root.path.is_relative_to(folder.path):
            clash = "is" if folder.path == root.path else "contains"
            raise _clash(where, folder, f"{clash} the project root {root.path}", why)
        if folder.setting == "docs_dir" and not folder.path.is_relative_to(root.path):
            raise _clash(where, folder, f"lies outside the project {root.path}", why)
    for folder in written:
        for other in folders[1:]:
            relation = "" if other is folder else _relation(folder.path, other.path)
            if relation and not _allowed(folder, other):
                why = WRITTEN_HOW[folder.setting]
                raise _clash(where, folder, f"{relation} {other.setting} ({other.path})", why)


def _allowed(folder: Folder, other: Folder) -> bool:
    """Tell whether two paths may overlap: the ledger lies in the email folder by default."""
    pair = {folder.setting, other.setting}
    return pair == {"email.ledger", "out_dir"}


def _relation(path: Path, other: Path) -> str:
    if path == other:
        return "is the same folder as"
    if path.is_relative_to(other):
        return "lies inside"
    if other.is_relative_to(path):
        return "contains"
    return ""


def _clash(where: str, folder: Folder, what: str, why: str) -> ConfigError:
    return ConfigError(
        f"{where}: {folder.setting} {folder.path} {what}; {why}, so nothing was written",
        f"set {folder.setting} to a folder of its own inside the project",
    )


def check_site_folder(site_dir: Path) -> None:
    """Refuse to replace a site folder that holds files no build made (no `SITE_MARK`)."""
    try:
        entries = next(site_dir.iterdir(), None) if site_dir.is_dir() else None
    except OSError:
        entries = None
    if site_dir.exists() and not site_dir.is_dir():
        raise ConfigError(
            f"site_dir {site_dir} is a file, not a folder; nothing was written",
            "set site_dir to a folder of its own inside the project",
        )
    if entries is not None and not os.path.lexists(site_dir / SITE_MARK):
        raise ConfigError(
            f"site_dir {site_dir} holds files that no build made (no {SITE_MARK}); a build "
            "replaces it whole, so nothing was written",
            "move those files away, or set site_dir to a folder of its own",
        )
