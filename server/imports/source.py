"""Look at an uploaded file once: its hash, size, line count, encoding and format."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from hashlib import sha256
from typing import BinaryIO

from server.imports.columns import FileRejected

BLOCK = 1 << 20
FORMATS = ("csv", "json")
ENCODINGS = ("utf-8", "gb18030")  # tried in this order; GBK files decode as GB18030
_SIGNATURES = {
    codecs.BOM_UTF16_LE: "it is UTF-16 text; save it as 'CSV UTF-8' or 'CSV' (GBK)",
    codecs.BOM_UTF16_BE: "it is UTF-16 text; save it as 'CSV UTF-8' or 'CSV' (GBK)",
    b"PK\x03\x04": "it looks like an Excel workbook (.xlsx); save it as CSV first",
    b"\xd0\xcf\x11\xe0": "it looks like an old Excel workbook (.xls); save it as CSV first",
}


@dataclass(frozen=True)
class Scan:
    """What one pass over the bytes found out, before any decoding."""

    sha256: str
    size: int
    lines: int  # newline count, +1 when the last line has no newline
    head: bytes
    has_nul: bool


@dataclass(frozen=True)
class SourceInfo:
    """How to read the file: its encoding and format."""

    encoding: str  # utf-8, utf-8-sig (with a byte-order mark) or gb18030
    file_format: str  # csv or json


def scan(stream: BinaryIO) -> Scan:
    """Hash and measure the bytes in one streaming pass."""
    stream.seek(0)
    digest, size, lines, head, nul, last = sha256(), 0, 0, b"", False, b"\n"
    while block := stream.read(BLOCK):
        digest.update(block)
        size += len(block)
        lines += block.count(b"\n")
        nul = nul or b"\x00" in block
        head = head or block[:64]
        last = block[-1:]
    return Scan(digest.hexdigest(), size, lines + (last != b"\n"), head, nul)


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        while block := stream.read(BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _format(requested: str | None, filename: str | None, head: bytes) -> str:
    if requested:
        if requested not in FORMATS:
            raise FileRejected(f"unknown format {requested!r}; use csv or json")
        return requested
    suffix = (filename or "").rpartition(".")[2].lower() if "." in (filename or "") else ""
    if suffix in FORMATS:
        return suffix
    first = head.removeprefix(codecs.BOM_UTF8).lstrip()[:1]
    return "json" if first in (b"[", b"{") else "csv"


def detect(stream: BinaryIO, found: Scan, filename: str | None = None,
           file_format: str | None = None) -> SourceInfo:
    """The first encoding that decodes the whole file strictly, and the format; else rejected."""
    why = next((msg for sig, msg in _SIGNATURES.items() if found.head.startswith(sig)), "")
    if not why and found.size == 0:
        why = "the file is empty"
    if not why and found.has_nul:
        why = "it contains NUL bytes (UTF-16 text or a binary file?)"
    encoding = "" if why else next((e for e in ENCODINGS if _decodes(stream, e)), "")
    if not why and not encoding:
        why = "it is neither UTF-8 nor GBK/GB18030 text"
    if why:
        raise FileRejected(f"the file cannot be read: {why}", {"file": [why]})
    if encoding == "utf-8" and found.head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    return SourceInfo(encoding, _format(file_format, filename, found.head))


def open_text(stream: BinaryIO, encoding: str) -> io.TextIOWrapper:
    """A text view of the bytes from the start (a BOM is dropped); detach() it when done."""
    stream.seek(0)
    return io.TextIOWrapper(stream, encoding=encoding, newline="")
