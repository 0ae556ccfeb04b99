"""Text as published (`tidy`) and text as compared (`normalize`).

Extraction stores what the outlet published: `tidy` does only what rendering the HTML does
(runs of whitespace become one space, none at the ends). Two renderings of the same article
must still hash and diff the same, so everything that varies without the words varying
(Unicode form, typographic quotes and dashes, soft hyphens, odd spaces) is folded by
`normalize`, in one place, wherever newsmon compares.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Characters that vary between renderings of the same text.
_TRANSLATE = str.maketrans(
    {
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,  # zero-width joiner
        "\u2060": None,  # word joiner
        "\ufeff": None,  # byte-order mark
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
        "\u200a": " ",  # hair space
        "\u2002": " ",
        "\u2003": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2039": "'",
        "\u203a": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u2026": "...",
    }
)
# _TRANSLATE as replacements, to make only those a text needs: str.translate() is slow on
# non-ASCII text. No replacement holds a character that is replaced itself.
_REPLACEMENTS = {chr(code): new or "" for code, new in _TRANSLATE.items()}
_TRANSLATED = re.compile("[" + re.escape("".join(_REPLACEMENTS)) + "]")
_ASCII_REPLACEMENTS = [(char, new) for char, new in _REPLACEMENTS.items() if char.isascii()]
# Control characters other than ordinary whitespace never carry meaning in article text.
# VT, FF, the separators U+001C-U+001F and NEL are whitespace: spaces that keep words apart.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")


def normalize(text: str | None) -> str:
    """One paragraph of text in canonical form: NFC, plain quotes and dashes, single spaces."""
    if not text:
        return ""
    # Extraction normalizes the same short texts (lines, captions, titles) many times per page.
    return _normalize_short(text) if len(text) <= 2000 else _normalize(text)


def _normalize(text: str) -> str:
    text = fold_typography(unicodedata.normalize("NFC", text))
    if text.isprintable():  # no _CONTROL character, and no whitespace but the ASCII space
        if "  " not in text and not text.startswith(" ") and not text.endswith(" "):
            return text  # most lines: already spaced as `normalize` spaces them
    else:
        text = _CONTROL.sub("", text)
    return " ".join(text.split())  # each run of whitespace one space, none at the ends


_normalize_short = functools.lru_cache(maxsize=8192)(_normalize)


def fold_typography(text: str) -> str:
    """`text` with only its quotes, dashes, ellipses and odd spaces folded as `normalize` folds
    them; whitespace runs and everything else left as they are."""
    if text.isascii():
        for char, new in _ASCII_REPLACEMENTS:  # "`" (cheaper than searching for it)
            text = text.replace(char, new)
        return text
    for char in set(_TRANSLATED.findall(text)):  # a few kinds of character, or none
        text = text.replace(char, _REPLACEMENTS[char])
    return text


# What `tidy` removes: characters no reader sees. Soft hyphens, zero-width spaces and word
# joiners only say where a line may break, and kept they would split a search for
# "Bundesregierung"; controls never carry meaning. ZWJ and ZWNJ stay: they change how emoji
# and Persian or Indic words are drawn. No-break and thin spaces stay too ("10\u00a0km",
# French spacing before "?"): the outlet chose them, and a reader sees them.
_INVISIBLE = re.compile(
    r"[\u00ad\u200b\u2060\ufeff\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]"
)
# Whitespace as HTML collapses it, and the separators Python counts as line ends.
_HTML_SPACE = re.compile(r"[\t\n\x0b\x0c\r\x1c-\x1f \x85\u2028\u2029]+")


def tidy(text: str | None) -> str:
    """One paragraph as published: NFC, each run of whitespace one space, no invisible
    characters; quotes, dashes, ellipses and no-break spaces kept."""
    if not text:
        return ""
    return _tidy_short(text) if len(text) <= 2000 else _tidy(text)


def _tidy(text: str) -> str:
    ascii_only = text.isascii()
    if not ascii_only:
        text = unicodedata.normalize("NFC", text)
    if text.isprintable():  # nothing invisible, and no whitespace but the ASCII space
        if "  " not in text and not text.startswith(" ") and not text.endswith(" "):
            return text  # most lines: already as published
        return " ".join(text.split())
    text = _INVISIBLE.sub("", text)
    if ascii_only:
        return " ".join(text.split())  # ASCII whitespace is exactly what HTML collapses
    return _HTML_SPACE.sub(" ", text).strip()  # strip(): also no-break spaces at the ends


_tidy_short = functools.lru_cache(maxsize=8192)(_tidy)


def typographic(char: str) -> str | None:
    """What `normalize` makes of one character it folds (a quote, a dash, "…"), else None."""
    return _REPLACEMENTS.get(char)


def words(text: str) -> list[str]:
    """The whitespace-separated words of normalized text."""
    return normalize(text).split()
