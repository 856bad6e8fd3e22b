"""The `paper-digest` command: parse arguments, load settings, call the pipeline.

The only part of the package that prints; `commands` holds what each command does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from generator import __version__
from generator.build import SilentProgress, build
from generator.cli.checking import add_check_arguments, check
from generator.cli.commands import email_build_command, email_send_command, run_jsonl
from generator.cli.console import (
    RichProgress,
    line_printer,
    print_problems,
    print_summary,
    warnings_shown,
)
from generator.cli.enriching import add_enrich_command
from generator.cli.fetching import Commands, add_fetch_commands
from generator.config import Settings, load_settings
from generator.errors import ConfigError, InputError, PaperDigestError
from generator.keyphrases import RANKED_LIST
from generator.keyphrases import keyphrase_settings as settings_for
from generator.mail.smtp import smtp_outlet


def _build(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    progress = SilentProgress() if args.quiet else RichProgress(console)
    report = build(settings, progress, force=args.force)
    print_problems(console, report.problems)
    print_summary(console, report)
    return 0


def _keyphrases(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    keyphrase_settings = settings_for(settings, args.top or RANKED_LIST)
    if str(args.input) == "-":
        lines = sys.stdin.buffer  # bytes: each line is decoded alone, a bad one named
        return run_jsonl(lines, sys.stdout, sys.stderr, keyphrase_settings, settings.cache_dir)
    try:
        with args.input.open("rb") as lines:
            return run_jsonl(lines, sys.stdout, sys.stderr, keyphrase_settings, settings.cache_dir)
    except OSError as exc:
        raise PaperDigestError(f"{args.input}: {exc.strerror}", "give a JSON-lines file") from None


def _serve(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from generator.cli.serve import serve  # imports MkDocs' server: only when serving

    serve(settings, args.dev_addr, console)
    return 0


def _email_build(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    return email_build_command(settings, args.issue, line_printer(console), week=args.week)


def _email_send(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    outlet = smtp_outlet(settings)
    return email_send_command(
        settings,
        args.issue,
        args.recipients,
        args.to,
        args.dry_run,
        line_printer(console),
        outlet,
        week=args.week,
    )


def _add_send_targets(send_cmd: argparse.ArgumentParser) -> None:
    """Add whom `email send` mails: a recipient list or one test address; and --dry-run."""
    target = send_cmd.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--recipients",
        type=Path,
        metavar="FILE",
        help="one reader a line: address [areas=…] [topics=…] [exclude=…] [every=issue|week]",
    )
    target.add_argument(
        "--to", metavar="ADDRESS", help="send a test copy (not counted as mailing the list)"
    )
    send_cmd.add_argument("--dry-run", action="store_true", help="say who would get what")


def _add_email_commands(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    """Add `email build` and `email send`."""
    email = commands.add_parser(
        "email",
        parents=common,
        help="build the email newsletter of each issue, or send one over SMTP",
        description="Build each issue as an email (HTML, plain text and .eml under "
        "out/email/), or send one issue to a list of recipients.",
    )
    verbs = email.add_subparsers(dest="email_command", required=True, metavar="VERB")
    build_cmd = verbs.add_parser(
        "build",
        parents=common,
        help="write <issue>.html, .txt and .eml under out/email/",
        description="Write each issue's email under out/email/: HTML with inlined CSS, "
        "plain text and a ready-to-send .eml (or, with --week, the weekly digest's, as "
        "week-YYYY-wWW.*). Warns when the HTML would be clipped by Gmail.",
    )
    built = build_cmd.add_mutually_exclusive_group()
    built.add_argument("--issue", type=int, metavar="N", help="only issue number N")
    built.add_argument(
        "--week", metavar="YYYY-Www", help="the weekly digest of an ISO week, e.g. 2025-W11"
    )
    build_cmd.set_defaults(run=_email_build)
    send_cmd = verbs.add_parser(
        "send",
        parents=common,
        help="send issue N (or the pending issues, or a week's digest) to a recipient list",
        description="Send issue N over SMTP, each reader their topics' papers, to the readers "
        "who take every issue (or, with --week, the weekly digest to those who take it "
        "weekly). Settings are under extra.paper_digest.email; the "
        "user and password come from environment variables. A ledger records each attempt "
        "and the server's answer, so a re-run sends only what is missing (at least once: "
        "see README). Exit status: 0 done, 1 stopped (run it again), 2 refused to start, "
        "3 finished with permanent refusals or bad recipient lines.",
    )
    which = send_cmd.add_mutually_exclusive_group(required=True)
    which.add_argument("--issue", type=int, metavar="N", help="issue number N")
    which.add_argument(
        "--pending",
        action="store_true",
        help="every issue whose mailing began but did not finish, then the newest issue "
        "mailed to the list and every later one (the latest alone when the ledger is empty)",
    )
    which.add_argument(
        "--week",
        metavar="YYYY-Www",
        help="the weekly digest of an ISO week (e.g. 2025-W11), to readers with every=week",
    )
    _add_send_targets(send_cmd)
    send_cmd.set_defaults(run=_email_send)


def _config_option(default: object) -> argparse.ArgumentParser:
    """Return a parser holding -f/--config, for the top level and for every command."""
    holder = argparse.ArgumentParser(add_help=False)
    holder.add_argument(
        "-f",
        "--config",
        default=default,
        type=Path,
        help="the MkDocs configuration holding the settings (default: mkdocs.yml)",
    )
    return holder


def _add_site_commands(commands: Commands, common: list[argparse.ArgumentParser]) -> None:
    """Add `build`, `check`, `serve` and `keyphrases`."""
    build_cmd = commands.add_parser(
        "build",
        parents=common,
        help="build the site into site/ (the previous site stays if the build fails)",
        description="Read the digests, write the pages under docs/, build the site with "
        "MkDocs in strict mode and swap it into site/ only when the build succeeds. When "
        "nothing it is made from (digests, settings, templates, docs/, installed packages) "
        "has changed since the build that made site/, site/ is left as it is.",
    )
    build_cmd.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    build_cmd.add_argument(
        "--force", action="store_true", help="build even when nothing has changed"
    )
    build_cmd.set_defaults(run=_build)
    check_cmd = commands.add_parser(
        "check",
        parents=common,
        help="list every problem in every digest, and each digest's format, without building",
        description="Read every digest (or the file or folder PATH) and print each problem "
        "as file:line, then each digest file with its papers, the format it was read as (told "
        "by its content, or forced with --format), the evidence that chose it and the records "
        "refused by reason; exit with status 1 when there are errors.",
    )
    add_check_arguments(check_cmd)
    check_cmd.set_defaults(run=check)
    serve_cmd = commands.add_parser(
        "serve",
        parents=common,
        help="preview the site with live reload while digests and pages change",
        description="Write the pages, serve the site on a local address and rebuild "
        "when a digest, template or page changes.",
    )
    serve_cmd.add_argument(
        "-a", "--dev-addr", default="127.0.0.1:8000", help="IP:PORT to serve on (127.0.0.1:8000)"
    )
    serve_cmd.set_defaults(run=_serve)
    keyphrases_cmd = commands.add_parser(
        "keyphrases",
        parents=common,
        help="keyphrases for any text: JSON lines in, JSON lines out",
        description='Read lines {"id": ..., "text": ...} (optionally "title") from IN.jsonl '
        '(- for standard input) and write {"id": ..., "keyphrases": [{"text", "score"}]} '
        "lines to standard output, best first: the first keyphrases_per_paper (the site's "
        "chips) never nest in or overlap one another, the rest are the ranker's list. Uses the "
        "keyphrase cache; a bad line is named on standard error and the others still get "
        "their keyphrases.",
    )
    keyphrases_cmd.add_argument("input", type=Path, metavar="IN.jsonl")
    keyphrases_cmd.add_argument("--top", type=int, metavar="N", help="keyphrases per text (10)")
    keyphrases_cmd.set_defaults(run=_keyphrases)


def make_parser() -> argparse.ArgumentParser:
    """Describe the command line; -f/--config is taken before or after the command."""
    parser = argparse.ArgumentParser(
        prog="paper-digest",
        description="Turn a folder of research-paper digests into a website, "
        "RSS/Atom feeds and an email newsletter. Exit status: 0 done, 1 refused or failed "
        "(the previous site stays), 2 a mistake in the settings or the command line.",
        parents=[_config_option(Path("mkdocs.yml"))],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = [_config_option(argparse.SUPPRESS)]
    _add_site_commands(commands, common)
    _add_email_commands(commands, common)
    add_fetch_commands(commands, common)
    add_enrich_command(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; user mistakes print one line and exit non-zero, never a traceback.

    Exit status: 0 done; 1 the command was refused or failed (input problems that would lose
    a digest or publish nothing, MkDocs, SMTP, a file that cannot be written): the previous
    site is unchanged; 2 a mistake in the settings or on the command line.
    """
    args = make_parser().parse_args(argv)
    # emoji=False: rich would turn "file:100:" into "file💯".
    console = Console(stderr=False, emoji=False)
    errors = Console(stderr=True, emoji=False)
    try:
        settings = load_settings(args.config)
        with warnings_shown(errors):
            status: int = args.run(args, settings, console)
    except PaperDigestError as exc:
        if isinstance(exc, InputError):
            print_problems(errors, exc.problems)
        errors.print(f"error: {exc}", style="red", markup=False, highlight=False, soft_wrap=True)
        return 2 if isinstance(exc, ConfigError) else 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        errors.print(
            f"error: {where}{exc.strerror or exc}", style="red", markup=False, soft_wrap=True
        )
        return 1
    except KeyboardInterrupt:
        errors.print("interrupted", style="red")
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
