"""Bytes of a digest file to text: UTF-8 (a BOM allowed), gzip unpacked, other binaries named."""

from __future__ import annotations

import zlib

from generator.model import Location, Problem
from generator.sources.formats import not_a_digest

# A gzip file is unpacked up to this size: a day's listing is a few MB, a "zip bomb" is not read.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# File signatures of what people drop into a folder by mistake, and what to say about each.
_BINARY_KINDS = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a spreadsheet or Word file? export it as CSV)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (export it as CSV)"),
)
_HINT = "save the digest as UTF-8 text, or remove it from the digests folder"


def _gunzip(data: bytes, path: str) -> tuple[bytes | None, Problem | None]:
    where = Location(path, 1)
    unpacker = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    try:
        out = unpacker.decompress(data, MAX_UNPACKED_BYTES)
    except zlib.error as exc:
        return None, Problem(where, f"gzip file is damaged ({exc})", _HINT)
    if unpacker.unconsumed_tail:
        limit = MAX_UNPACKED_BYTES // 2**20
        return None, Problem(where, f"gzip file unpacks to more than {limit} MB", _HINT)
    if not unpacker.eof:
        return None, Problem(where, "gzip file is cut short", "download or copy it again")
    return out, None


def decode_digest(data: bytes, path: str) -> tuple[str | None, Problem | None]:
    """Decode a digest into text with `\\n` line ends, or say why it cannot be read."""
    if data.startswith(_GZIP_MAGIC):
        unpacked, problem = _gunzip(data, path)
        if unpacked is None:
            return None, problem
        data = unpacked
    for magic, kind in _BINARY_KINDS:
        if data.startswith(magic):
            return None, not_a_digest(path, kind)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, Problem(Location(path, line), "binary file, not a text digest", _HINT)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        return None, Problem(Location(path, line), f"not UTF-8 text (byte 0x{byte:02x})", _HINT)
    return text.replace("\r\n", "\n").replace("\r", "\n"), None
