"""Addresses: the From and Reply-To settings, recipient lists, and how addresses compare."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote

from generator.config import Settings
from generator.errors import ConfigError
from generator.model import Location, Problem

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


def _forbidden(text: str) -> str | None:
    """Name the first control character or line separator in a text (tab allowed), if any."""
    for ch in text:
        if ch != "\t" and (unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029"):
            name = unicodedata.name(ch, "a control character")
            return f"U+{ord(ch):04X} ({name})"
    return None


def _ascii_domain(domain: str) -> str | None:
    """Return the domain in ASCII (IDNA for non-ASCII labels), None if it has no clear form.

    A domain that IDNA's mapping would change (`straße.de` becomes `strasse.de` in IDNA 2003,
    `xn--strae-oqa.de` in IDNA 2008) is refused rather than guessed.
    """
    if domain.isascii():
        return domain
    try:
        encoded = domain.encode("idna").decode("ascii")
        if encoded.encode("ascii").decode("idna") != domain.lower():
            return None
    except UnicodeError:
        return None
    return encoded


def check_address(text: str, location: Location | None = None) -> str:
    """Return a bare address (a@b.org) if it is one, its domain in ASCII; else raise.

    A non-ASCII domain is written in its IDNA form (xn--…), for the envelope and the header
    alike. A non-ASCII local part would need SMTPUTF8, which Paper Digest does not use.
    """
    hint = "one bare address a line"
    bad = _forbidden(text)
    if bad:
        raise ConfigError(f"{bad} in an address: {text!r}", hint, location)
    if text.count("@") != 1 or any(ch.isspace() for ch in text):
        raise ConfigError(f"not an email address: {text!r}", hint, location)
    local, domain = text.split("@")
    if not local.isascii():
        hint = "non-ASCII before the @ needs SMTPUTF8, which is not supported: ask for another"
        raise ConfigError(f"not an ASCII address: {text!r}", hint, location)
    ascii_domain = _ascii_domain(domain)
    if ascii_domain is None:
        hint = "write the domain in its ASCII form (xn--…)"
        raise ConfigError(f"the domain has no clear IDNA form: {text!r}", hint, location)
    address = f"{local}@{ascii_domain}"
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        parsed = None
    if parsed is None or not parsed.domain or not parsed.username:
        raise ConfigError(f"not an email address: {text!r}", hint, location)
    return address


@dataclass(frozen=True)
class RecipientList:
    """The usable addresses of a recipient list, and a problem for each line that is not."""

    addresses: tuple[str, ...]
    problems: tuple[Problem, ...]


def read_recipients(path: Path) -> RecipientList:
    """Read a recipient list: one address a line, `#` comments and blank lines skipped.

    Lines end at a line feed (LF or CR LF) only: a line holding any other line break (VT, FF,
    NEL, U+2028…) or control character is not split, nor guessed at, but named as a problem
    and left out; the other lines still count. Two spellings of one address count once.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise ConfigError(f"{path}: cannot read the recipient list ({why})", "") from None
    found: dict[str, str] = {}
    problems = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        where = Location(str(path), number)
        bad = _forbidden(line)
        if bad:
            hint = "one address a line, lines ending in a line feed"
            problems.append(Problem(where, f"{bad} in the line: line left out", hint))
            continue
        address = re.split(r"[ \t]#", line, maxsplit=1)[0].strip(" \t")
        if not address or address.startswith("#"):
            continue
        try:
            address = check_address(address, where)
        except ConfigError as error:
            problems.append(Problem(where, f"{error.message}: line left out", error.hint))
            continue
        found.setdefault(recipient_key(address), address)
    if not found:
        first = f": {problems[0]}" if problems else ""
        raise ConfigError(f"{path}: no usable recipients{first}", "write one address a line")
    return RecipientList(tuple(found.values()), tuple(problems))
