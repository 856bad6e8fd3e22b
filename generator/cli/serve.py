"""Preview the site: MkDocs' live-reload server, with the pages regenerated as digests change."""

from __future__ import annotations

import threading
from pathlib import Path

from rich.console import Console

from generator.build import SilentProgress, generate_docs
from generator.cli.console import print_problems
from generator.config import Settings

POLL_SECONDS = 1.0


def _snapshot(folders: list[Path]) -> dict[Path, tuple[int, int]]:
    """Return size and modification time of every file below the folders."""
    found = {}
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file():
                    stat = path.stat()
                    found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def _watch(settings: Settings, console: Console, stop: threading.Event) -> None:
    """Regenerate docs/ whenever a digest or template changes; MkDocs then reloads the page."""
    folders = [settings.digests_dir, settings.templates_dir]
    seen = _snapshot(folders)
    while not stop.wait(POLL_SECONDS):
        now = _snapshot(folders)
        if now == seen:
            continue
        seen = now
        try:
            _, result, pages, _ = generate_docs(settings, SilentProgress())
        except Exception as exc:  # keep serving the last good pages while the user edits
            console.print(f"error: {exc}", style="red", markup=False)
            continue
        print_problems(console, result.problems)
        console.print(f"Regenerated {pages} pages.", highlight=False)


def serve(settings: Settings, dev_addr: str, console: Console) -> None:
    """Write the pages, then serve them with live reload until interrupted."""
    from mkdocs.commands.serve import serve as mkdocs_serve

    _, result, pages, _ = generate_docs(settings, SilentProgress())
    print_problems(console, result.problems)
    console.print(f"Wrote {pages} pages; serving on http://{dev_addr}/", highlight=False)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(settings, console, stop), daemon=True)
    watcher.start()
    try:
        mkdocs_serve(str(settings.config_file), livereload=True, dev_addr=dev_addr)
    finally:
        stop.set()
