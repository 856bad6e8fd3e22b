"""Settings: read from mkdocs.yml (`site_*` keys and `extra.paper_digest`), validated and typed.

mkdocs.yml is read with MkDocs' own YAML loader (so `!ENV` works as it does for MkDocs), and
`extra.paper_digest` is checked by MkDocs' own config system: each option below is a
`mkdocs.config` option, and a bad value or an unknown key stops with one line naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from mkdocs.config import base
from mkdocs.config import config_options as opt
from mkdocs.config.base import ValidationError
from mkdocs.exceptions import MkDocsException
from mkdocs.utils.yaml import get_yaml_loader, yaml_load

from generator.errors import ConfigError
from generator.model import Location
from generator.paths import check_folders, project_folders

SETTINGS_KEY = "paper_digest"


@dataclass(frozen=True)
class EmailSettings:
    """How the newsletter is mailed; secrets come from the environment, never from files.

    The defaults are EmailOptions'; load_settings is the one place that builds this.
    """

    sender: str
    reply_to: str
    unsubscribe_url: str
    # Papers shown with an excerpt before the rest are listed as titles.
    max_excerpts: int
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user_env: str
    smtp_password_env: str
    # JSON-lines record of (issue, recipient) sent; relative to the project root. Empty: out/email.
    ledger: str
    # A reader with nothing in an issue: "skip" (no mail) or "notice" (a short note).
    empty_copy: str


@dataclass(frozen=True)
class Settings:
    """Everything the build needs to know besides the digests themselves.

    The defaults are Options' and MkDocs' (see load_settings, the one place that builds this).
    """

    root: Path
    config_file: Path
    site_name: str
    site_url: str
    site_description: str
    docs_dir: Path
    site_dir: Path
    digests_dir: Path
    templates_dir: Path
    cache_dir: Path
    out_dir: Path
    editor: str
    editor_email: str
    signup_url: str
    default_year: int | None
    keyphrases_per_paper: int
    min_topic_papers: int
    feed_issues: int
    feed_topic_papers: int
    excerpt_chars: int
    site_size_limit_mb: int
    email: EmailSettings
    # "issues" (planned issue by issue, the past fixed) or "archive" (all at once).
    topic_grouping: str
    # Word lists and fields that name topics and make areas: "ml", "none" or a file's path
    # (generator/topics/knowledge.py).
    topic_knowledge: str
    # Issue slugs at which the archive is re-planned (see TopicOptions.replan).
    topic_replan: tuple[str, ...]
    # SOURCE_DATE_EPOCH from the environment, read once when the settings are loaded.
    source_date_epoch: int | None
    # extra.paper_digest.keyphrases as written (generator/keyphrases/vocabulary.py checks it),
    # and the text of the word-list file it names: a changed file is a changed setting.
    keyphrases: dict[str, Any] = field(default_factory=dict)
    keyphrase_words: str | None = None
    page_cache: bool = True  # extra.paper_digest.page_cache (see Options)
    page_workers: bool = False
    search_part_papers: int = 5000

    @property
    def email_dir(self) -> Path:
        """Return where `email build` writes each issue's .html, .txt and .eml."""
        return self.out_dir / "email"

    @property
    def ledger_path(self) -> Path:
        """Return the sent-ledger: email.ledger (relative to the project), else in email_dir."""
        configured = self.email.ledger
        return self.root / configured if configured else self.email_dir / "ledger.jsonl"


class Text(opt.Type[str]):
    """A text setting; anything else is refused with a hint."""

    def __init__(self, default: str = "") -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str):
            raise ValidationError(f"expected text, got {value!r} — quote the value")
        return value


class WebAddress(Text):
    """An http(s) URL, or empty: never a `javascript:` or other scheme a link would run."""

    def run_validation(self, value: object) -> str:
        text = super().run_validation(value).strip()
        parts = urlsplit(text)
        if text and (parts.scheme not in {"http", "https"} or not parts.netloc):
            raise ValidationError(f"expected an http:// or https:// URL, got {text!r}")
        return text


class MailAddress(Text):
    """A bare email address (someone@example.org), or empty."""

    def run_validation(self, value: object) -> str:
        text = super().run_validation(value).strip()
        local, _, domain = text.rpartition("@")
        bad = any(ch.isspace() or ord(ch) < 32 or ch in "<>," for ch in text)
        if text and (bad or not local or "." not in domain or domain.startswith(".")):
            raise ValidationError(
                f"expected an email address like editor@example.org, got {text!r}"
            )
        return text


class Whole(opt.Type[int]):
    """A whole number within bounds (true and false are not numbers here)."""

    def __init__(self, default: int | None, minimum: int, maximum: int | None = None) -> None:
        super().__init__(int, default=default)
        self.minimum, self.maximum = minimum, maximum

    def run_validation(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"expected a whole number, got {value!r} — write a number like 5")
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            top = f" and at most {self.maximum}" if self.maximum is not None else ""
            raise ValidationError(f"must be at least {self.minimum}{top}, got {value}")
        return value


class Section(opt.Type[dict[str, Any]]):
    """A mapping of settings of its own, checked separately (see EmailOptions)."""

    def __init__(self) -> None:
        super().__init__(dict, default={})

    def run_validation(self, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError(f"expected a mapping of settings, got {value!r}")
        return value


class EmailOptions(base.Config):  # type: ignore[no-untyped-call]
    """`extra.paper_digest.email`: the options of EmailSettings."""

    sender = Text()
    reply_to = Text()
    unsubscribe_url = Text()
    # 30 keeps the demo's largest issue (263 papers in topic sections, 5 keyphrases each)
    # under Gmail's 102,400-byte clip with room to spare (measured: 89.6 KB).
    max_excerpts = Whole(30, 0)
    smtp_host = Text("localhost")
    smtp_port = Whole(587, 1, 65535)
    smtp_security = opt.Choice(("starttls", "ssl", "none"), default="starttls")
    smtp_user_env = Text("PAPER_DIGEST_SMTP_USER")
    smtp_password_env = Text("PAPER_DIGEST_SMTP_PASSWORD")
    ledger = Text()
    empty_copy = opt.Choice(("skip", "notice"), default="skip")


class TopicOptions(base.Config):  # type: ignore[no-untyped-call]
    """`extra.paper_digest.topics`: how papers are grouped into topics."""

    # "issues": issue by issue in publication order, what was published stays (generator/topics/
    # plan.py); "archive": the whole archive at once, each build (generator/topics/grouping.py).
    grouping = opt.Choice(("issues", "archive"), default="issues")
    # "ml" (generator/topics/knowledge/ml.toml), "none", or a TOML file of that shape.
    knowledge = Text("ml")
    # Issues (slugs) at which the editor re-plans the archive: every issue up to the last one is
    # grouped at once; the topics that re-plan retires redirect to where their papers went.
    replan = opt.ListOfItems(Text(), default=[])


class Options(base.Config):  # type: ignore[no-untyped-call]
    """`extra.paper_digest`: the options of Settings that MkDocs itself does not have."""

    digests_dir = Text("digests")
    templates_dir = Text("templates")
    cache_dir = Text(".cache")
    out_dir = Text("out")
    editor = Text()
    editor_email = MailAddress()
    signup_url = WebAddress()
    default_year = opt.Optional(Whole(None, 1900, 9999))
    keyphrases_per_paper = Whole(5, 1)
    min_topic_papers = Whole(3, 1)
    # Ten entries a feed, as Jekyll's feed plugin has for every feed it writes: an issue entry
    # is a whole issue, so twenty issues of a daily newsletter made a 5 MB file that feed readers
    # download at every poll; twenty papers in each of 221 topics' two feeds were 13 MB.
    feed_issues = Whole(10, 1)
    feed_topic_papers = Whole(10, 1)
    excerpt_chars = Whole(280, 40)
    # GitHub Pages publishes sites up to 1 GB: the build warns past 80 % of this.
    site_size_limit_mb = Whole(1024, 1)
    # Pages outside the navigation kept in cache_dir and written from there when unchanged, and
    # pages rendered by worker processes (generator/site/pagecache.py, parallel.py): same bytes.
    page_cache = opt.Type(bool, default=True)
    # Off by default: on 2 shared cores the workers made MkDocs' stage slower (README).
    page_workers = opt.Type(bool, default=False)
    # Papers a closed segment of the search index holds (generator/site/search.py, paper_parts;
    # segments join into parts of 4, 16, ...); 0: one index.
    search_part_papers = Whole(5000, 0)
    email = Section()
    topics = Section()
    keyphrases = Section()


def _validated(options: base.Config, raw: Any, where: str) -> dict[str, Any]:
    """Check one mapping of settings with MkDocs' config system; raise naming the first fault."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of settings, got {raw!r}", "see README.md")
    options.load_dict(dict(raw))
    failed, warnings = options.validate()
    for key, error in failed:
        raise ConfigError(f"{where}.{key}: {error}")
    for key, _ in warnings:
        known = ", ".join(sorted(name for name, _ in options._schema))
        raise ConfigError(f"{where}: unknown setting {key!r}", f"known settings: {known}")
    return {name: options[name] for name, _ in options._schema}


def _read_yaml(config_file: Path | str, config_path: Path) -> dict[str, Any]:
    """Read mkdocs.yml as MkDocs does: its loader, with `!ENV` and `!relative`."""
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        hint = "run paper-digest where mkdocs.yml is, or pass --config"
        raise ConfigError(f"{config_file}: no such file", hint) from None
    except OSError as exc:
        raise ConfigError(f"{config_file}: cannot read it ({exc.strerror})", "") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{config_file}: not UTF-8 text", "save it as UTF-8") from None
    try:
        raw = yaml.load(text, Loader=get_yaml_loader())
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        where = Location(str(config_file), line)
        raise ConfigError(f"not valid YAML: {exc.problem}", "fix the line", where) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_file}: not valid YAML ({exc})", "fix the file") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_file}: expected a mapping of settings", "see README.md")
    return raw


def _inherited(raw: dict[str, Any], config_path: Path) -> dict[str, Any]:
    """Merge in the files `INHERIT:` names, as MkDocs does (its own `yaml_load`)."""
    if "INHERIT" not in raw:
        return raw
    try:
        with config_path.open("rb") as stream:
            merged = yaml_load(stream)
    except (MkDocsException, OSError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise ConfigError(f"{config_path.name}: INHERIT: {exc}", "fix the file it names") from None
    if not isinstance(merged, dict):
        raise ConfigError(f"{config_path.name}: INHERIT: expected a mapping of settings")
    return merged


def raw_config(config_file: Path) -> dict[str, Any]:
    """Return mkdocs.yml as MkDocs reads it (`!ENV` values filled in), before validation."""
    return _read_yaml(config_file, config_file)


def _site_text(raw: Mapping[str, Any], key: str, default: str, name: str) -> str:
    value = raw.get(key) or default
    if not isinstance(value, str):
        raise ConfigError(f"{name}: {key}: expected text, got {value!r}", "quote the value")
    return value


def load_settings(
    config_file: Path | str = "mkdocs.yml", environ: Mapping[str, str] | None = None
) -> Settings:
    """Read and validate the settings in a mkdocs.yml; paths are made absolute.

    `environ` (default: the process's environment) supplies SOURCE_DATE_EPOCH.
    """
    config_path = Path(config_file).resolve()
    raw = _inherited(_read_yaml(config_file, config_path), config_path)
    root = config_path.parent
    name = config_path.name
    where = f"{name}: extra.{SETTINGS_KEY}"
    extra = raw.get("extra") or {}
    if not isinstance(extra, dict):
        raise ConfigError(f"{name}: extra: expected a mapping of settings", "see README.md")
    values = _validated(Options(str(config_path)), extra.get(SETTINGS_KEY), where)
    email = _validated(EmailOptions(str(config_path)), values.pop("email"), f"{where}.email")
    topics = _validated(TopicOptions(str(config_path)), values.pop("topics"), f"{where}.topics")
    keyphrases = values.pop("keyphrases")
    for key in ("digests_dir", "templates_dir", "cache_dir", "out_dir"):
        values[key] = root / values[key]
    site_url = _site_text(raw, "site_url", "", name)
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    settings = Settings(
        root=root,
        config_file=config_path,
        site_name=_site_text(raw, "site_name", "Paper Digest", name),
        site_url=site_url,
        site_description=_site_text(raw, "site_description", "", name),
        docs_dir=root / _site_text(raw, "docs_dir", "docs", name),
        site_dir=root / _site_text(raw, "site_dir", "site", name),
        email=EmailSettings(**email),
        topic_grouping=topics["grouping"],
        topic_knowledge=topics["knowledge"],
        topic_replan=tuple(topics["replan"]),
        keyphrases=keyphrases,
        keyphrase_words=_read_words(keyphrases, root),
        source_date_epoch=_source_date_epoch(os.environ if environ is None else environ),
        **values,
    )
    check_paths(settings)
    return settings


def check_paths(settings: Settings) -> None:
    """Refuse settings whose folders clash (`paths.py`: the one rule), before any write."""
    written = [
        ("site_dir", settings.site_dir),
        ("docs_dir", settings.docs_dir),
        ("cache_dir", settings.cache_dir),
        ("out_dir", settings.email_dir),
        ("email.ledger", settings.ledger_path),
    ]
    read = [("digests_dir", settings.digests_dir), ("templates_dir", settings.templates_dir)]
    folders = project_folders(
        settings.root,
        [(name, path) for name, path in written if path is not None],
        read,
    )
    check_folders(folders, settings.config_file.name)


# 2106-02-07 06:28:15 UTC: the last second a gzip header holds (MkDocs dates the sitemap's).
MAX_EPOCH = 2**32 - 1


def _read_words(keyphrases: dict[str, Any], root: Path) -> str | None:
    """Return the text of the file `keyphrases.vocabulary` names; None if none or unreadable."""
    name = keyphrases.get("vocabulary")
    try:
        return (root / name).read_text("utf-8") if isinstance(name, str) and name else None
    except (OSError, UnicodeDecodeError):
        return None


def _source_date_epoch(environ: Mapping[str, str]) -> int | None:
    """Return SOURCE_DATE_EPOCH when the environment sets it; refuse a value that is no time.

    It is seconds since 1970 in ASCII digits ("²" is a digit to Python, not to a clock), up
    to MAX_EPOCH.
    """
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit() and int(value) <= MAX_EPOCH:
        return int(value)
    shown = value if len(value) <= 30 else f"{value[:30]}…"
    raise ConfigError(
        f"SOURCE_DATE_EPOCH is {shown!r}, not a time",
        f"set it to seconds since 1970 (a whole number up to {MAX_EPOCH}), or unset it",
    )
