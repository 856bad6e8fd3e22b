"""Settings: read from mkdocs.yml (`site_*` keys and `extra.paper_digest`), validated and typed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import ConfigError
from generator.model import Location

SETTINGS_KEY = "paper_digest"


class _LenientLoader(yaml.SafeLoader):
    """Load mkdocs.yml safely, keeping `!!python/name:` and `!ENV` tags as plain strings."""


def _unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_LenientLoader.add_multi_constructor("", _unknown_tag)


@dataclass(frozen=True)
class EmailSettings:
    """How the newsletter is mailed; secrets come from the environment, never from files."""

    sender: str = ""
    reply_to: str = ""
    unsubscribe_url: str = ""
    # Papers shown with an excerpt before the rest are listed as titles: 30 keeps the demo's
    # largest issue (263 papers in topic sections, 5 keyphrases each) under Gmail's
    # 102,400-byte clip with room to spare (measured: 89.6 KB).
    max_excerpts: int = 30
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | ssl | none
    smtp_user_env: str = "PAPER_DIGEST_SMTP_USER"
    smtp_password_env: str = "PAPER_DIGEST_SMTP_PASSWORD"
    # JSON-lines record of (issue, recipient) sent; relative to the project root. Empty: out/email.
    ledger: str = ""


@dataclass(frozen=True)
class Settings:
    """Everything the build needs to know besides the digests themselves."""

    root: Path
    config_file: Path
    site_name: str = "Paper Digest"
    site_url: str = ""
    site_description: str = ""
    docs_dir: Path = Path("docs")
    site_dir: Path = Path("site")
    digests_dir: Path = Path("digests")
    templates_dir: Path = Path("templates")
    cache_dir: Path = Path(".cache")
    out_dir: Path = Path("out")
    editor: str = ""
    editor_email: str = ""
    signup_url: str = ""
    default_year: int | None = None
    keyphrases_per_paper: int = 5
    min_topic_papers: int = 3
    feed_issues: int = 20
    feed_topic_papers: int = 50
    excerpt_chars: int = 280
    email: EmailSettings = field(default_factory=EmailSettings)
    # SOURCE_DATE_EPOCH from the environment, read once when the settings are loaded.
    source_date_epoch: int | None = None

    @property
    def email_dir(self) -> Path:
        """Return where `email build` writes each issue's .html, .txt and .eml."""
        return self.out_dir / "email"

    @property
    def ledger_path(self) -> Path:
        """Return the sent-ledger: email.ledger (relative to the project), else in email_dir."""
        configured = self.email.ledger
        return self.root / configured if configured else self.email_dir / "ledger.jsonl"


# What `extra.paper_digest` may hold: key -> (type, minimum for numbers).
_OPTIONS: dict[str, tuple[type, int | None]] = {
    "digests_dir": (str, None),
    "templates_dir": (str, None),
    "cache_dir": (str, None),
    "out_dir": (str, None),
    "editor": (str, None),
    "editor_email": (str, None),
    "signup_url": (str, None),
    "default_year": (int, 1900),
    "keyphrases_per_paper": (int, 1),
    "min_topic_papers": (int, 1),
    "feed_issues": (int, 1),
    "feed_topic_papers": (int, 1),
    "excerpt_chars": (int, 40),
}
_EMAIL_OPTIONS: dict[str, tuple[type, int | None]] = {
    "sender": (str, None),
    "reply_to": (str, None),
    "unsubscribe_url": (str, None),
    "max_excerpts": (int, 0),
    "smtp_host": (str, None),
    "smtp_port": (int, 1),
    "smtp_security": (str, None),
    "smtp_user_env": (str, None),
    "smtp_password_env": (str, None),
    "ledger": (str, None),
}


def _check(where: str, key: str, value: Any, kind: type, minimum: int | None) -> Any:
    """Return a value if it has the expected kind, else raise naming the setting."""
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(
            f"{where}.{key}: expected a whole number, got {value!r}", "write a number like 5"
        )
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{where}.{key}: expected text, got {value!r}", "quote the value")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where}.{key}: must be at least {minimum}, got {value}", "")
    return value


def _section(raw: Any, where: str, options: dict[str, tuple[type, int | None]]) -> dict[str, Any]:
    """Validate one mapping of settings against its option table."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of settings", "indent the keys under it")
    values = {}
    for key, value in raw.items():
        if key not in options:
            known = ", ".join(sorted(options))
            raise ConfigError(f"{where}: unknown setting {key!r}", f"known settings: {known}")
        values[key] = _check(where, key, value, *options[key])
    return values


def load_settings(
    config_file: Path | str = "mkdocs.yml", environ: Mapping[str, str] | None = None
) -> Settings:
    """Read and validate the settings in a mkdocs.yml; paths are made absolute.

    `environ` (default: the process's environment) supplies SOURCE_DATE_EPOCH.
    """
    config_path = Path(config_file).resolve()
    try:
        raw = yaml.load(config_path.read_text(encoding="utf-8"), Loader=_LenientLoader)
    except FileNotFoundError:
        raise ConfigError(
            f"{config_file}: no such file", "run paper-digest where mkdocs.yml is, or pass --config"
        ) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(
            f"not valid YAML: {exc.problem}", "fix the line", Location(str(config_file), line)
        ) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_file}: expected a mapping of settings", "see README.md")
    root = config_path.parent
    where = f"{config_path.name}: extra.{SETTINGS_KEY}"
    extra = raw.get("extra") or {}
    ours = dict(extra.get(SETTINGS_KEY) or {}) if isinstance(extra, dict) else {}
    email = _section(ours.pop("email", None), f"{where}.email", _EMAIL_OPTIONS)
    if email.get("smtp_security", "starttls") not in {"starttls", "ssl", "none"}:
        raise ConfigError(f"{where}.email.smtp_security: unknown", "use starttls, ssl or none")
    values = _section(ours, where, _OPTIONS)
    for key in ("digests_dir", "templates_dir", "cache_dir", "out_dir"):
        if key in values:
            values[key] = root / values[key]
    site_url = raw.get("site_url") or ""
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    return Settings(
        root=root,
        config_file=config_path,
        site_name=str(raw.get("site_name") or "Paper Digest"),
        site_url=site_url,
        site_description=str(raw.get("site_description") or ""),
        docs_dir=root / str(raw.get("docs_dir") or "docs"),
        site_dir=root / str(raw.get("site_dir") or "site"),
        digests_dir=values.pop("digests_dir", root / "digests"),
        templates_dir=values.pop("templates_dir", root / "templates"),
        cache_dir=values.pop("cache_dir", root / ".cache"),
        out_dir=values.pop("out_dir", root / "out"),
        email=EmailSettings(**email),
        source_date_epoch=_source_date_epoch(os.environ if environ is None else environ),
        **values,
    )


def _source_date_epoch(environ: Mapping[str, str]) -> int | None:
    """Return SOURCE_DATE_EPOCH when the environment sets it to a number."""
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None
