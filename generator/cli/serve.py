"""Preview the site: MkDocs' live-reload server, with the pages regenerated as digests change."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from rich.console import Console

from generator.build import SilentProgress, generate_docs
from generator.cli.console import print_problems
from generator.config import Settings
from generator.errors import ConfigError
from generator.site import search_hook
from generator.site.search import Served, search_records, site_language

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
            catalog, result, pages, _ = generate_docs(settings, SilentProgress())
            Served.records = search_records(
                catalog, site_language(settings.config_file), settings.search_part_papers
            )
        except Exception as exc:  # keep serving the last good pages while the user edits
            console.print(f"error: {exc}", style="red", markup=False)
            continue
        print_problems(console, result.problems)
        console.print(f"Regenerated {pages} pages.", highlight=False)


def check_address(dev_addr: str) -> tuple[str, int]:
    """Return (host, port) of IP:PORT if this machine can listen there, else raise naming it."""
    host, _, port_text = dev_addr.rpartition(":")
    hint = "give a local address and a free port, like 127.0.0.1:8000"
    if not host or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ConfigError(f"serve -a {dev_addr!r}: expected IP:PORT, port 1-65535", hint)
    port = int(port_text)
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host.strip("[]"), port))
    except (OSError, OverflowError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"serve -a {dev_addr}: cannot listen there ({why})", hint) from None
    return host, port


def mkdocs_hooks(config_file: Path) -> list[str]:
    """Return the hooks of mkdocs.yml, as written there, and the one that indexes for search."""
    from mkdocs.utils.yaml import yaml_load

    with config_file.open("rb") as stream:
        raw = yaml_load(stream) or {}
    hooks = raw.get("hooks") or []
    return [*hooks, str(Path(search_hook.__file__).resolve())]


def serve(settings: Settings, dev_addr: str, console: Console) -> None:
    """Write the pages, then serve them with live reload until interrupted."""
    check_address(dev_addr)
    from mkdocs.commands.serve import serve as mkdocs_serve

    catalog, result, pages, _ = generate_docs(settings, SilentProgress())
    Served.records = search_records(
        catalog, site_language(settings.config_file), settings.search_part_papers
    )
    Served.cache_dir = settings.cache_dir
    print_problems(console, result.problems)
    console.print(f"Wrote {pages} pages; serving on http://{dev_addr}/", highlight=False)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(settings, console, stop), daemon=True)
    watcher.start()
    try:
        mkdocs_serve(
            str(settings.config_file),
            livereload=True,
            dev_addr=dev_addr,
            hooks=mkdocs_hooks(settings.config_file),
        )
    finally:
        stop.set()
