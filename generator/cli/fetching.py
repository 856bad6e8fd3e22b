"""`paper-digest fetch hf|arxiv`: the day's listing saved as a digest, ready for `build`."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TypeAlias
from urllib.parse import urlsplit

from rich.console import Console

from generator.cli.console import line_printer
from generator.config import Settings
from generator.fetch import (
    ARXIV_ENDPOINT,
    HF_ENDPOINT,
    MAX_PAPERS,
    Client,
    Fetched,
    FetchError,
    Outcome,
    check_category,
    fetch_arxiv,
    fetch_hf,
    user_agent,
)
from generator.site.prose import counted
from generator.sources import display_path

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _client(console: Console, settings: Settings, quiet: bool) -> Client:
    """A client naming the newsletter, whose progress lines go to the console (not with -q)."""
    report = (lambda _line: None) if quiet else line_printer(console)
    return Client(user_agent=user_agent(settings.site_url, settings.editor_email), report=report)


def _summary(fetched: Fetched, settings: Settings) -> str:
    shown = display_path(fetched.path, settings.root)
    papers = counted(fetched.papers, "paper")
    if fetched.outcome is Outcome.UNCHANGED:
        return f"Unchanged: {shown} already holds these {papers}"
    if fetched.outcome is Outcome.REPLACED:
        return f"Replaced {papers} in {shown}"
    return f"Saved {papers} to {shown}"


def _fetch_hf(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    date = args.date or dt.datetime.now(dt.UTC).date()
    fetched = fetch_hf(
        settings.digests_dir,
        date,
        client=_client(console, settings, args.quiet),
        endpoint=args.endpoint,
        force=args.force,
        root=settings.root,
    )
    line_printer(console)(_summary(fetched, settings))
    return 0


def _fetch_arxiv(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    fetched = fetch_arxiv(
        settings.digests_dir,
        args.category,
        client=_client(console, settings, args.quiet),
        endpoint=args.endpoint,
        max_papers=args.max,
        force=args.force,
        root=settings.root,
    )
    line_printer(console)(_summary(fetched, settings))
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-06-12, got {text!r}") from None


def _category(text: str) -> str:
    try:
        return check_category(text)
    except FetchError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAPERS:
        raise argparse.ArgumentTypeError(f"expected a number from 1 to {MAX_PAPERS}, got {text!r}")
    return int(text)


def _endpoint(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text


def _common_options(verb: argparse.ArgumentParser, default: str) -> None:
    verb.add_argument(
        "--endpoint",
        type=_endpoint,
        default=default,
        metavar="URL",
        help=f"ask this address instead of {default} (for mirrors and tests)",
    )
    verb.add_argument(
        "--force", action="store_true", help="replace the day's file when it holds other bytes"
    )
    verb.add_argument("-q", "--quiet", action="store_true", help="no line per request")


def add_fetch_commands(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    """Add `fetch hf` and `fetch arxiv`."""
    fetch = commands.add_parser(
        "fetch",
        parents=common,
        help="save the day's papers from Hugging Face or arXiv as a digest (uses the network)",
        description="Download the day's paper listing and save it in the digests folder, "
        "ready for `paper-digest build`. The only command that uses the network. A file "
        "that exists is never overwritten with other bytes unless --force is given.",
    )
    verbs = fetch.add_subparsers(dest="fetch_command", required=True, metavar="SOURCE")
    hf = verbs.add_parser(
        "hf",
        parents=common,
        help="Hugging Face daily papers of a day, saved as <date>-hf.json",
        description="Save Hugging Face's daily papers of a day (the API's JSON, unchanged) "
        "as <digests>/<date>-hf.json.",
    )
    hf.add_argument(
        "--date", type=_date, metavar="YYYY-MM-DD", help="the day to fetch (default: today, UTC)"
    )
    _common_options(hf, HF_ENDPOINT)
    hf.set_defaults(run=_fetch_hf)
    arxiv = verbs.add_parser(
        "arxiv",
        parents=common,
        help="the newest day's arXiv submissions in a category, as <day>-arxiv-<cat>.xml",
        description="Save the newest day's submissions in an arXiv category (arXiv's API, "
        "pages of 100, 3 s apart, merged into one Atom feed) as "
        "<digests>/<day>-arxiv-<category>.xml, <day> being the newest entry's date.",
    )
    arxiv.add_argument(
        "--category", required=True, type=_category, metavar="CAT", help="e.g. cs.LG, hep-th"
    )
    arxiv.add_argument(
        "--max", type=_count, default=200, metavar="N", help="at most N papers (default: 200)"
    )
    _common_options(arxiv, ARXIV_ENDPOINT)
    arxiv.set_defaults(run=_fetch_arxiv)
