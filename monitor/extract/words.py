"""Keys and measures of short texts, for telling the same line apart from another one.

Pure functions of strings: the extractor compares headlines with their variants, leads with
the page's description and paragraphs with JSON-LD `articleBody` through them.
"""

from __future__ import annotations

import re

from monitor.text import normalize

# Published text keeps its typography: every quote that `normalize` folds to " or ', and "…".
_CLOSERS = "\"'`´»«“”„‟‘’‚‛‹›…"
# Chinese and Japanese end a sentence with full-width marks and close quotes with brackets.
_CJK_STOPS = "。．！？）」』】〉》"
SENTENCE_END = re.compile(rf"[.!?:){_CLOSERS}{_CJK_STOPS}：]$")
FULL_STOP = re.compile(rf"[.!?){_CLOSERS}{_CJK_STOPS}]$")
_NOT_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"\w+")
# Scripts written without spaces between words: Han, kana, Thai, Lao, Myanmar, Khmer.
_SPACELESS = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f]"
)


def weight(text: str) -> int:
    """How many words `text` holds, also where a script puts no spaces between them.

    Space-separated words count one each; a character of a script without spaces counts
    half a word (a Chinese word is one to three characters, a Japanese one two or three),
    rounded up, and the punctuation between such characters counts nothing. For text of
    spaced scripts this is `len(text.split())`.
    """
    if text.isascii():
        return len(text.split())
    spaceless = len(_SPACELESS.findall(text))
    if not spaceless:
        return len(text.split())
    rest = _SPACELESS.sub(" ", text).split()
    return sum(1 for w in rest if any(ch.isalnum() for ch in w)) + (spaceless + 1) // 2


def squash(text: str) -> str:
    """A key blind to case, spacing and punctuation: "Kicker:Headline" = "Kicker: Headline"."""
    return letters_and_digits(normalize(text).casefold())


# The Latin-1 characters that are not letters or digits: `_NOT_WORD` matches them there.
_NOT_ALNUM_LATIN1 = bytes(b for b in range(256) if not chr(b).isalnum())


def letters_and_digits(text: str) -> str:
    """`text` without what `_NOT_WORD` matches. Normalized text is almost always Latin-1, where
    deleting bytes is five times faster than the regular expression."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return _NOT_WORD.sub("", text)
    return raw.translate(None, _NOT_ALNUM_LATIN1).decode("latin-1")


def similarity(a: str, b: str) -> float:
    """Dice overlap of the word sets: 1.0 for the same words in any order."""
    return overlap(word_set(a), word_set(b))


def word_set(text: str) -> set[str]:
    """The words `similarity` compares: built once for a text compared with many others."""
    return set(_WORD.findall(normalize(text).casefold()))


def overlap(ta: set[str], tb: set[str]) -> float:
    """`similarity` of two texts given their `word_set`s."""
    return 2 * len(ta & tb) / (len(ta) + len(tb)) if ta and tb else 0.0


def trigrams(text: str) -> set[tuple[str, ...]]:
    """The word triples of a text: a cheap fingerprint of a sentence for finding it elsewhere."""
    words = _WORD.findall(normalize(text).casefold())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}
