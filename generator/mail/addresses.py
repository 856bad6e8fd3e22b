"""Addresses: the From and Reply-To settings, recipient lists, and how addresses compare."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote

from generator.config import Settings
from generator.errors import ConfigError
from generator.model import Location

RECIPIENT_PLACEHOLDER = "{recipient}"


def recipient_key(address: str) -> str:
    """Return the form in which two spellings of one address compare equal."""
    return address.strip().lower()


def parse_address(setting: str, value: str, display_name: str = "") -> Address:
    """Parse `Name <a@b.org>` or `a@b.org` from a setting; a bad value names the setting."""
    name, addr = parseaddr(value)
    try:
        if "@" not in addr or any(ord(ch) < 32 for ch in value):
            raise ValueError(value)
        return Address(display_name=name or display_name, addr_spec=addr)
    except (ValueError, IndexError):
        raise ConfigError(f"{setting}: not an email address: {value!r}", "Name <a@b.org>") from None


def sender_address(settings: Settings) -> Address | None:
    """Return the From address: email.sender, else the editor's address; None if neither."""
    if settings.email.sender:
        return parse_address("email.sender", settings.email.sender, settings.site_name)
    if settings.editor_email:
        return parse_address("editor_email", settings.editor_email, settings.site_name)
    return None


def unsubscribe_url(settings: Settings, recipient: str | None) -> str:
    """Return the unsubscribe URL, `{recipient}` filled in (empty in the preview)."""
    url = settings.email.unsubscribe_url
    if url and not url.startswith("https://"):
        raise ConfigError(f"email.unsubscribe_url must be https://, got {url!r}", "one-click")
    return url.replace(RECIPIENT_PLACEHOLDER, quote(recipient or "", safe="@"))


def check_address(text: str, location: Location | None = None) -> str:
    """Return a bare address (a@b.org) if it is one, else raise naming where it came from."""
    problem = any(ch.isspace() or ord(ch) < 32 for ch in text) or text.count("@") != 1
    try:
        parsed = Address(addr_spec=text)
    except (ValueError, IndexError, HeaderParseError):
        problem = True
    if problem or not parsed.domain or not parsed.username:
        raise ConfigError(f"not an email address: {text!r}", "one bare address a line", location)
    return text


def read_recipients(path: Path) -> tuple[str, ...]:
    """Read a recipient list: one address a line, `#` comments and blank lines skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the recipient list ({exc.strerror})", "") from None
    found: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        text = line.split(" #", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        address = check_address(text, Location(str(path), number))
        found.setdefault(recipient_key(address), address)
    if not found:
        raise ConfigError(f"{path}: no recipients in the list", "write one address a line")
    return tuple(found.values())
