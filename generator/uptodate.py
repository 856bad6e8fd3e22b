"""Whether the site in place is already what a build would make: the inputs' fingerprint.

The site is a function of its inputs alone (the build is deterministic): the digests, the
settings (mkdocs.yml as MkDocs reads it, `!ENV` values included, the files it inherits with
`INHERIT:` and the Python files of its `hooks:`, and SOURCE_DATE_EPOCH), the templates and
theme overrides, the hand-written part of docs/, the generator's own code and the versions of
every installed package (MkDocs, Material, Pagefind, the model...). A build hashes
them all before it starts and, when it succeeds, leaves the hash in `cache_dir/build.json`
beside what identifies the site it swapped in. The next build with the same hash, finding that
same site in place, has nothing to make: it says so instead of making the same bytes again.

The site is known by its folder's device, inode and modification time: a swap puts a new
folder there, and adding or removing a file at its top changes the time. The pages the build
writes into docs/ are known by their names, sizes and times. An edit deeper inside site/ goes
unseen: `paper-digest build --force` builds regardless.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from mkdocs.exceptions import MkDocsException
from mkdocs.utils.yaml import yaml_load

import generator
from generator.atomic import write_atomic
from generator.config import Settings, raw_config
from generator.errors import BuildError, ConfigError
from generator.site.pagekeys import plain
from generator.site.pages import GENERATED_PATHS
from generator.site.publish import generated_files
from generator.sources import walk_files

STAMP_FILE = "build.json"
STAMP_VERSION = 1


@dataclass(frozen=True)
class Figures:
    """What the build that made the site counted, to repeat in the summary of one that didn't."""

    topics: int
    pages: int
    on_topic_pages: int
    embedded: int
    cached: int


def fingerprint(settings: Settings) -> str:
    """Hash everything the site is made from (see the module's docstring)."""
    digest = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)

    config = raw_config(settings.config_file)
    # The file's bytes say which function a YAML tag names; the loaded settings hold !ENV.
    add(f"stamp {STAMP_VERSION}", repr(settings), settings.config_file.read_bytes())
    add(_settings_text(config))
    inherited, config = _inherited(settings.config_file, config)
    for parent in inherited:  # the files mkdocs.yml inherits (INHERIT): settings are in them
        add(f"inherited {parent}", _content(parent))
    for hook in _hooks(settings.config_file, config):  # MkDocs runs them: they make pages
        add(f"hook {hook}", _content(hook))
    raw_theme = config.get("theme")
    custom = raw_theme.get("custom_dir") if isinstance(raw_theme, dict) else None
    folders = [
        ("digests", settings.digests_dir, ()),
        ("templates", settings.templates_dir, ()),
        ("docs", settings.docs_dir, GENERATED_PATHS),
        ("generator", Path(generator.__file__).parent, ()),
    ]
    theme = settings.root / custom if isinstance(custom, str) else None
    if theme is not None and not theme.resolve().is_relative_to(settings.templates_dir.resolve()):
        folders.append(("theme", theme, ()))  # hashed already when inside the templates
    for name, folder, skipped in folders:
        add(f"folder {name}")
        for relative, path in _files(folder, skipped):
            add(relative, _content(path))
    for package in sorted({f"{d.name} {d.version}" for d in metadata.distributions()}):
        add(package)
    return digest.hexdigest()


def _inherited(config_file: Path, config: dict[str, Any]) -> tuple[list[Path], dict[str, Any]]:
    """Return the files `INHERIT` brings in, in order, and the settings merged as MkDocs does.

    A file that cannot be read is named all the same (its state is hashed); MkDocs then says
    what is wrong with it.
    """
    chain, seen, raw, current = [], {config_file.resolve()}, config, config_file
    while isinstance(raw, dict) and isinstance(raw.get("INHERIT"), str):
        current = Path(os.path.normpath(current.parent / raw["INHERIT"]))
        if current.resolve() in seen:
            break
        seen.add(current.resolve())
        chain.append(current)
        try:
            raw = raw_config(current)
        except ConfigError:
            break
    if not chain:
        return chain, config
    try:
        with config_file.open("rb") as stream:
            merged = yaml_load(stream)
    except (MkDocsException, OSError, ValueError, TypeError, AttributeError, RecursionError):
        return chain, config
    return chain, merged if isinstance(merged, dict) else config


def _hooks(config_file: Path, config: dict[str, Any]) -> list[Path]:
    """Return the Python files of `hooks:`, relative to mkdocs.yml as MkDocs reads them."""
    hooks = config.get("hooks")
    if not isinstance(hooks, list):
        return []
    return [config_file.parent / hook for hook in hooks if isinstance(hook, str)]


def _settings_text(config: Any) -> str:
    """Return loaded settings as text that is the same in every process (a function a tag
    names has no address in it); odd YAML (keys that are lists, a loop) falls back to repr."""
    try:
        return json.dumps(config, default=plain)
    except (TypeError, ValueError):
        return repr(config)


def _files(folder: Path, skipped: Iterable[str]) -> list[tuple[str, Path | None]]:
    """Return (path relative to `folder`, path) of what lies below it, sorted, as the digests'
    walk finds it (`sources.walk_files`: links followed, each folder once, hidden files left
    out). What it skips (a pipe, a link to nothing, a loop) comes with None: its name is hashed,
    it is never opened. Names in `skipped` are left out at the top, `__pycache__` everywhere."""
    found, passed = walk_files(folder) if folder.is_dir() else ([], [])
    entries: list[tuple[Path, Path | None]] = [(path, path) for path in found]
    entries += [(Path(problem.location.path), None) for problem in passed]
    kept: list[tuple[str, Path | None]] = []
    for name, path in entries:
        relative = name.relative_to(folder) if name.is_relative_to(folder) else name
        if (relative.parts and relative.parts[0] in skipped) or "__pycache__" in relative.parts:
            continue
        kept.append((relative.as_posix(), path))
    return sorted(kept, key=lambda entry: entry[0])


def _content(path: Path | None) -> bytes:
    """Return a file's bytes, or what stands for them when there are none to read."""
    if path is None:
        return b"\0not a file"
    try:
        return path.read_bytes()
    except OSError as exc:  # the reader reports it; here it is one more state of the file
        return f"\0unreadable {exc.errno}".encode()


def docs_state(settings: Settings) -> str | None:
    """Hash the names, sizes and times of the pages the build wrote into docs/.

    They are the build's output, not its input; but `serve` and MkDocs read them, so a build
    finds nothing to do only when they are as the last build left them. None when a symlink is
    among them (the build refuses those, and must be the one to say so).
    """
    try:
        files = generated_files(settings.docs_dir)
    except BuildError:
        return None
    digest = hashlib.sha256()
    for path in sorted(files):
        stat = path.stat()
        name = path.relative_to(settings.docs_dir).as_posix()
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def site_identity(site_dir: Path) -> list[int] | None:
    """Return what tells the site folder in place from another one, or None if there is none."""
    try:
        stat = site_dir.stat()
    except OSError:
        return None
    return [stat.st_dev, stat.st_ino, stat.st_mtime_ns]


def up_to_date(settings: Settings, inputs: str) -> Figures | None:
    """Return the figures of the last build if it made the site in place from `inputs`."""
    try:
        stamp = json.loads((settings.cache_dir / STAMP_FILE).read_text(encoding="utf-8"))
        if (
            stamp["version"] == STAMP_VERSION
            and stamp["inputs"] == inputs
            and stamp["site"] == site_identity(settings.site_dir)
            and stamp["docs"] == docs_state(settings)
            and (settings.site_dir / "index.html").is_file()
        ):
            return Figures(**stamp["figures"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def record(settings: Settings, inputs: str, figures: Figures) -> None:
    """Say that the site now in place was made from `inputs` (after a successful build).

    A stamp that cannot be written is no failure: the next build then builds.
    """
    stamp: dict[str, Any] = {
        "version": STAMP_VERSION,
        "inputs": inputs,
        "site": site_identity(settings.site_dir),
        "docs": docs_state(settings),
        "figures": asdict(figures),
    }
    with contextlib.suppress(OSError):
        write_atomic(settings.cache_dir / STAMP_FILE, json.dumps(stamp, indent=1).encode())
