"""Pagefind's rules for the text it indexes, as its parser applies them (Pagefind 1.x,
pagefind/src/fossick): how white space is tidied, which entities are decoded, what text a full
stop follows when an element ends."""

from __future__ import annotations

import html.entities
import re
import unicodedata

# Rust's \s (Unicode White_Space), which Pagefind's whitespace rules use.
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
WHITE_SPACE += "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
# Pagefind replaces runs of newlines with a space, then runs of white space with one: as one
# pass, a run of two or more, or a newline alone.
SPACES = re.compile(f"[{WHITE_SPACE}]{{2,}}|\n")
# Pagefind's entity decoding (the html-escape crate): `&...;` only, named or numeric.
ENTITY = re.compile(r"&(?:#[xX]([^;]*)|#([^;]*)|([^;]*));")
# What a stop follows: [\w'"\)\$\*] with Rust's \w (Alphabetic, marks, digits, connectors).
WORD_CATEGORIES = frozenset("Lu Ll Lt Lm Lo Nl Mn Mc Me Nd Pc".split())
ASCII_STOPPED = frozenset(b"'\")$*_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def normalize(raw: bytes) -> str:
    """Do what Pagefind's normalize_content does: decode entities, tidy white space."""
    text = raw.decode("utf-8", "replace")
    if "&" in text:
        text = ENTITY.sub(_decode_entity, text)
    return SPACES.sub(" ", text.strip(WHITE_SPACE))


def _decode_entity(match: re.Match[str]) -> str:
    hexadecimal, decimal, name = match.groups()
    if name is not None:
        return html.entities.html5.get(name + ";", match[0])
    digits, base = (hexadecimal, 16) if hexadecimal is not None else (decimal, 10)
    if not re.fullmatch(r"\+?[0-9a-fA-F]+" if base == 16 else r"\+?[0-9]+", digits):
        return match[0]
    number = int(digits, base)
    if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
        return match[0]
    return chr(number)


def ends_a_sentence(parts: list[bytes]) -> bool:
    """Tell whether text ends with what Pagefind's parser follows with a full stop."""
    last = next((part for part in reversed(parts) if part), b"")
    if not last:
        return False
    if last[-1] < 0x80:
        return last[-1] in ASCII_STOPPED
    start = len(last) - 1
    while start > 0 and 0x80 <= last[start] < 0xC0:
        start -= 1
    char = last[start:].decode("utf-8", "replace")[-1:]
    return (
        char in "\u200c\u200d"
        or "\u24b6" <= char <= "\u24e9"
        or (unicodedata.category(char) in WORD_CATEGORIES)
    )
