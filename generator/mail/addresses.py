"""Addresses: the From and Reply-To settings, the unsubscribe link, how addresses are checked."""

from __future__ import annotations

import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
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


def forbidden_character(text: str) -> str | None:
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
    bad = forbidden_character(text)
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
