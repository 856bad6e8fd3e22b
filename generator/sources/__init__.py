"""Read a folder of digests into issues; the only place that reads digest files."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from slugify import slugify

from generator.model import Issue, Location, Problem, Severity
from generator.sources import (
    arxiv_api,
    arxiv_email,
    arxiv_jsonl,
    arxiv_listing,
    bibtex,
    enriched,
    hf_api,
    hf_text,
    jsonlist,
    markdown,
    records,
    ris,
    table,
)
from generator.sources.asked import asked_format, format_problems
from generator.sources.decode import decode_digest
from generator.sources.formats import (
    ARXIV_API,
    ARXIV_EMAIL,
    ARXIV_JSONL,
    ARXIV_LISTING,
    BIBTEX,
    CSV,
    HF_API,
    HF_TEXT,
    JSON_LIST,
    MARKDOWN,
    RECORDS,
    RIS,
    Detected,
    Format,
    NotADigest,
    Parsed,
    Reader,
    Source,
    not_a_digest,
    sniff,
)
from generator.sources.kept import Kept, code_digest, file_key
from generator.sources.metadata import (
    IssueMeta,
    merge_meta,
    parse_meta,
    sidecar_for,
    split_front_matter,
)

SIDECAR_SUFFIXES = frozenset({".yml", ".yaml"})
READERS: dict[Format, Reader] = {
    HF_TEXT: hf_text.read,
    MARKDOWN: markdown.read,
    RECORDS: records.read,
    HF_API: hf_api.read,
    ARXIV_API: arxiv_api.read,
    ARXIV_LISTING: arxiv_listing.read,
    ARXIV_JSONL: arxiv_jsonl.read,
    CSV: table.read,
    BIBTEX: bibtex.read,
    RIS: ris.read,
    ARXIV_EMAIL: arxiv_email.read,
    JSON_LIST: jsonlist.read,
}


@dataclass(frozen=True)
class FileReport:
    """One file of the digests folder: the format it was read as, and the papers it gave."""

    path: str
    format: str | None  # None: not read as a digest (unreadable, or in no known format)
    papers: int
    evidence: str = ""  # why the format was chosen (or what the file looks like instead)
    refused: int = 0  # records that were not papers (each one problem)


@dataclass(frozen=True)
class ReadResult:
    """The issues read from a folder, oldest first, and every problem met on the way."""

    issues: tuple[Issue, ...]
    problems: tuple[Problem, ...]
    files: tuple[FileReport, ...] = ()

    @property
    def dropped(self) -> tuple[str, ...]:
        """Digest files that gave no issue at all (unreadable, not text, no paper, a taken URL)."""
        return tuple(report.path for report in self.files if not report.papers)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort "issue-2" before "issue-10": digit runs compare as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in re.split(r"(\d+)", name)
        if part
    )


def walk_files(folder: Path) -> tuple[list[Path], list[Problem]]:
    """List every file below a folder, following links to folders once; name what is skipped.

    Hidden files and folders are left out; so are pipes, sockets, devices and links to nothing.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()

    def skipped(path: str, why: str) -> None:
        hint = "fix it or move it out of the digests folder"
        problems.append(Problem(Location(path, 1), f"skipped: {why}", hint, Severity.WARNING))

    def unreadable(error: OSError) -> None:
        skipped(str(error.filename), f"cannot read this folder ({error.strerror})")

    for top, folders, names in os.walk(folder, onerror=unreadable, followlinks=True):
        stat = Path(top).stat()
        if (stat.st_dev, stat.st_ino) in seen:  # a link back to a folder already read
            skipped(top, "a link to a folder that is read already (a loop)")
            folders[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            path = Path(top) / name
            if name.startswith("."):
                continue
            if path.is_file():
                files.append(path)
            elif path.is_symlink() and not path.exists():
                skipped(str(path), "a link to nothing")
            else:
                skipped(str(path), "not a regular file (a pipe, socket or device)")
    return files, problems


def find_digests(folder: Path) -> tuple[list[Path], list[Problem]]:
    """List the digest files below a folder in issue order; warn about files that are not."""
    if not folder.is_dir():
        where = Location(str(folder), 1)
        hint = "create it and put digests in it, or set extra.paper_digest.digests_dir"
        return [], [Problem(where, "the digests folder does not exist", hint)]
    found, problems = walk_files(folder)
    # Every file is read by its content; only YAML files are sidecars (issue metadata).
    ordered = sorted(found, key=lambda p: natural_key(p.relative_to(folder).as_posix()))
    return [p for p in ordered if p.suffix.lower() not in SIDECAR_SUFFIXES], problems


# Issue pages live at issues/<slug>/; "index" is the archive page's own place.
RESERVED_SLUGS = frozenset({"index"})
MAX_ISSUE_NUMBER = 999_999  # an undated issue is dated 1970-01-01 plus its number in days


def issue_slug(stem: str, number: int) -> str:
    """Slug a digest's file name; a name the site uses for itself gets "-issue" added."""
    slug = slugify(stem) or f"issue-{number}"
    return f"{slug}-issue" if slug in RESERVED_SLUGS else slug


def _read_meta(lines: list[str], path: Path, display: str) -> tuple[IssueMeta, list[Problem], int]:
    """Read an issue's front matter and sidecar; return them merged, problems, body start."""
    front_lines, body_start = split_front_matter(lines)
    front, problems = (
        parse_meta("\n".join(front_lines), display, 2) if body_start else (IssueMeta(), [])
    )
    side = sidecar_for(path)
    side_meta = IssueMeta()
    if side is not None:
        side_display = Path(display).with_name(side.name).as_posix()
        try:
            side_text = side.read_text(encoding="utf-8-sig", errors="replace")
        except OSError as exc:
            hint = "make it readable, or delete it"
            where = Location(side_display, 1)
            problems.append(Problem(where, f"cannot read ({exc.strerror})", hint))
        else:
            side_meta, side_problems = parse_meta(side_text, side_display, 1)
            problems.extend(side_problems)
    meta = merge_meta(front, side_meta)
    if meta.number is not None and not 0 <= meta.number <= MAX_ISSUE_NUMBER:
        where = Location(display, 1)
        hint = f"issue numbers run from 0 to {MAX_ISSUE_NUMBER:,}; the file-name order is used"
        problems.append(Problem(where, f"issue number {meta.number} is out of range", hint))
        meta = replace(meta, number=None)
    problems.extend(format_problems(front, side_meta, display))
    return meta, problems, body_start


_FILE_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def file_date(path: Path) -> dt.date | None:
    """The date a file's name carries ("2025-04-01.jsonl", "cs-lg-2025-04-01.xml"), if any."""
    match = _FILE_DATE.search(path.name)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _issue_date(
    meta: IssueMeta, parsed: Parsed, year: int | None, path: Path
) -> tuple[dt.date | None, list[Problem]]:
    """Date an issue: its metadata, the listing's date, its first date line, its file name."""
    if meta.date is not None:
        return meta.date, []
    if parsed.date is not None:
        return parsed.date, []
    if not parsed.dates:
        return file_date(path), []
    first = parsed.dates[0]
    date = first.resolve(year)
    if date is None and first.year is None:
        named = file_date(path)
        if named is not None:
            return named, []
        return None, [
            Problem(
                first.location,
                "the date line has no year, so the issue is shown undated",
                "add `year: 2025` in front matter or set extra.paper_digest.default_year",
                Severity.WARNING,
            )
        ]
    return date, []


# A records file may open with its `---` separator: then the first block is a paper, not YAML.
_RECORD_KEY = re.compile(r"^\s*(?:summary|abstract|pdf|authors)\s*:", re.IGNORECASE)


def _opens_with_a_record(found: Format, lines: list[str]) -> bool:
    front, _ = split_front_matter(lines)
    return found is RECORDS and any(_RECORD_KEY.match(line) for line in front)


@dataclass(frozen=True)
class DigestRead:
    """One file read: its issue (None: no paper), problems, format, and why that format."""

    issue: Issue | None
    problems: list[Problem]
    format: Format | None
    evidence: str = ""


def read_digest(
    path: Path, display: str, position: int, default_year: int | None
) -> tuple[Issue | None, list[Problem], Format | None]:
    """Read one digest file and its sidecar into an issue; None when it yields no paper."""
    read = read_one(path, display, position, default_year)
    return read.issue, read.problems, read.format


def read_one(
    path: Path, display: str, position: int, default_year: int | None, forced: Format | None = None
) -> DigestRead:
    """Read one digest file (in the `forced` format, else the one its content shows)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        hint = "make the file readable, or move it out of the digests folder"
        return DigestRead(
            None, [Problem(Location(display, 1), f"cannot read ({exc.strerror})", hint)], None
        )
    text, problem = decode_digest(data, display)
    if text is None:
        return DigestRead(None, [problem] if problem else [], None)
    forced, chosen = asked_format(path, forced)
    detected = Detected(forced, chosen) if forced else sniff(text)
    found = detected.found
    if isinstance(found, NotADigest):
        return DigestRead(None, [not_a_digest(display, found.kind)], None, detected.evidence)
    lines = text.split("\n")
    has_front = found.front_matter and not _opens_with_a_record(found, lines)
    meta, problems, body_start = _read_meta(lines if has_front else [], path, display)
    year = meta.year if meta.year is not None else default_year
    body = "\n".join(lines[body_start:]) if body_start else text
    parsed = READERS[found](Source(display, body, body_start + 1, year))
    if parsed.refused is not None:
        return DigestRead(None, [not_a_digest(display, parsed.refused)], None, detected.evidence)
    problems.extend(parsed.problems)
    side = enriched.sidecar(path)
    known, side_problems = enriched.load(side, Path(display).with_name(side.name).as_posix())
    problems.extend(side_problems)
    entries = enriched.apply(parsed.entries, known)
    if not entries:
        problems.append(
            Problem(
                Location(display, 1),
                f"no papers found in this digest (read as {found.name})",
                "see README's Digest formats for what each format needs",
            )
        )
        return DigestRead(None, problems, found, detected.evidence)
    date, date_problems = _issue_date(meta, parsed, year, path)
    problems.extend(date_problems)
    number = meta.number if meta.number is not None else position
    issue = Issue(
        slug=issue_slug(path.stem, number),
        number=number,
        title=meta.title or f"Issue {number}",
        source=display,
        date=date,
        intro=meta.intro or "",
        entries=entries,
    )
    return DigestRead(issue, problems, found, detected.evidence)


def read_digests(
    folder: Path,
    default_year: int | None = None,
    relative_to: Path | None = None,
    forced: Format | None = None,
    cache_dir: Path | None = None,
) -> ReadResult:
    """Read every digest below a folder; a bad file costs only its own papers. `forced` reads
    every file in that format instead of the one its content shows. With `cache_dir`, a file
    read by an earlier build, unchanged, is not read again (`kept`)."""
    paths, problems = find_digests(folder)
    issues: dict[str, Issue] = {}
    files: list[FileReport] = []
    jobs = [
        (path, (display_path(path, relative_to), position, default_year, forced))
        for position, path in enumerate(paths, start=1)
    ]
    code = code_digest() if cache_dir else ""
    keys = [
        file_key(code, path, _sidecars(path), *given) if cache_dir else None for path, given in jobs
    ]
    kept = Kept(cache_dir, keys)
    for (path, given), key in zip(jobs, keys, strict=True):
        display = given[0]
        found = kept.read(key, partial(read_one, path, *given))
        read = found if isinstance(found, DigestRead) else read_one(path, *given)
        issue, kind = read.issue, read.format
        problems.extend(read.problems)
        taken = issue is not None and issue.slug in issues
        name = kind.name if kind and not taken else None
        papers = len(issue.entries) if issue and not taken else 0
        refused = sum(1 for p in read.problems if p.severity is Severity.ERROR)
        files.append(FileReport(display, name, papers, read.evidence, refused))
        if issue is None:
            continue
        if taken:
            problems.append(
                Problem(
                    Location(display, 1),
                    f"issue URL {issue.slug!r} is taken by {issues[issue.slug].source}",
                    "rename one of the two digest files; this one is left out",
                )
            )
            continue
        issues[issue.slug] = issue
    kept.save()
    return ReadResult(tuple(issues.values()), tuple(problems), tuple(files))


def _sidecars(path: Path) -> list[Path]:
    """The files beside a digest that its reading reads: metadata and format, enrich."""
    return [*(path.with_suffix(x) for x in sorted(SIDECAR_SUFFIXES)), enriched.sidecar(path)]


def display_path(path: Path, relative_to: Path | None) -> str:
    """Name a file relative to a folder (the project) when it is inside it, else in full."""
    if relative_to is not None:
        try:
            return path.relative_to(relative_to).as_posix()
        except ValueError:
            pass
    return str(path)
