"""Bytes to text: the charset a page is really in, whatever its server or its meta tag says.

UTF-8 wins when the bytes are UTF-8 (servers often declare ISO-8859-1 for UTF-8 pages);
otherwise the declared charsets are tried, the page's own meta tag before a Latin-1 header,
and a page that Latin-1 would turn into accented-letter soup is read as Cyrillic (cp1251).
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html"]

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def decode_html(data: bytes, encoding: str | None = None) -> str:
    """Bytes to text: UTF-8 when the bytes are UTF-8, else the declared charset, else cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start >= len(data) - 3:  # cut off inside the last character: a truncated body
            return data.decode("utf-8", "replace")
    text = data.decode("utf-8", "replace")
    broken = text.count("\ufffd") - data.count("\ufffd".encode())
    if len(_NON_ASCII.findall(text)) - broken >= 10 * broken:
        return text  # UTF-8 with a few broken bytes: reading it as cp1252 would garble every umlaut
    match = _META_CHARSET.search(data[:4096])
    declared = [_codec(encoding), _codec(match.group(1).decode("ascii") if match else None)]
    if declared[0] == "cp1252" and declared[1]:
        declared.reverse()  # latin-1 is many servers' default header; the page's own meta knows
    for codec in declared:
        if codec and codec != "utf-8" and not _misread_cyrillic(data, codec):
            return data.decode(codec, "replace")
    if _misread_cyrillic(data, "cp1252"):
        return data.decode("cp1251", "replace")
    return data.decode("cp1252", "replace")


def _misread_cyrillic(data: bytes, codec: str) -> bool:
    """Whether `data` read as a Western codec turns into accented-letter soup that cp1251 reads
    as Cyrillic: a Russian page declared (or defaulting to) Latin-1. German text has a few
    umlauts among many ASCII letters; Cyrillic in cp1251 is almost all high bytes."""
    if codec not in ("cp1252", "iso8859-15"):
        return False
    text = data.decode(codec, "replace")
    high = sum(1 for ch in text if "\u00c0" <= ch <= "\u00ff")
    letters = sum(1 for ch in text if ch.isalpha())
    return letters > 0 and high > 0.3 * letters


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        return None
    # Browsers read latin-1 labels as windows-1252 (the WHATWG encoding standard); so do we.
    return "cp1252" if codec in ("iso8859-1", "latin-1", "ascii") else codec
