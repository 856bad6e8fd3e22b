"""`paper-digest enrich`: arXiv's records of the papers digests list without an id."""

from __future__ import annotations

import argparse

from rich.console import Console

from generator.cli.console import line_printer
from generator.cli.fetching import Commands
from generator.config import Settings
from generator.fetch.arxiv import ARXIV_ENDPOINT
from generator.fetch.client import Client, user_agent
from generator.fetch.enrich import enrich
from generator.site.prose import counted


def _enrich(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    say = line_printer(console)
    report = (lambda _line: None) if args.quiet else say
    client = Client(user_agent=user_agent(settings.site_url, settings.editor_email), report=report)
    tally = enrich(
        settings.digests_dir, client, endpoint=args.endpoint, force=args.force, root=settings.root
    )
    for title in tally.not_found:
        say(f"no exact match on arXiv, left alone: {title}")
    say(
        f"Found {counted(tally.found, 'paper')} on arXiv, {len(tally.not_found)} not found, "
        f"in {counted(tally.files, 'digest')}"
    )
    return 0


def add_enrich_command(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "enrich",
        parents=common,
        help="find the arXiv record of each paper listed without an id (uses the network)",
        description="For each paper a digest lists without an arXiv id (Hugging Face page "
        "text), ask arXiv's API once for its exact title (3 s between requests, retries) and "
        "write what was found beside the digest as <name>.arxiv.yml, which the build reads. "
        "A title without an exact match is left alone and listed.",
    )
    cmd.add_argument(
        "--endpoint",
        default=ARXIV_ENDPOINT,
        metavar="URL",
        help=f"ask this address instead of {ARXIV_ENDPOINT} (for mirrors and tests)",
    )
    cmd.add_argument("--force", action="store_true", help="look up again what was looked up")
    cmd.add_argument("-q", "--quiet", action="store_true", help="no line per request")
    cmd.set_defaults(run=_enrich)
