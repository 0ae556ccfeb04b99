"""jusText's stop words of every language, held in 1.2 MB instead of 33.

trafilatura's last fallback runs jusText with the stop words of all its 100 languages together
(154,000 words) when the page's language is not given. Held as jusText holds them (a tuple of
the words and a frozenset of their lower-cased copies) they were the largest thing an extraction
process keeps: 33 MB, in every process that extracts. Here each word is its 64-bit hash in one
sorted array. A word that is no stop word reads as one only if its hash equals one of theirs:
about once in 10^14 look-ups. Hashes are this interpreter's (randomized per run), computed
where they are read: in the process, or in the one that forks the workers, which inherit them.

`install()` makes trafilatura build this instead of its tuple, and jusText take it as it is.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left

import justext.core
import trafilatura.external
from justext.utils import get_stoplist, get_stoplists


class StopWords:
    """A read-only set of words: `word in stop_words`."""

    def __init__(self, words: list[str]) -> None:
        self._hashes = array("q", sorted({hash(w) for w in words}))

    def __contains__(self, word: object) -> bool:
        key = hash(word)
        at = bisect_left(self._hashes, key)
        return at < len(self._hashes) and self._hashes[at] == key

    def __len__(self) -> int:
        return len(self._hashes)


def every_language() -> StopWords:
    """The stop words of every language jusText knows, as trafilatura's fallback reads them
    (jusText lower-cases its stop words once more: so do we), kept for the next call."""
    if not isinstance(trafilatura.external.JT_STOPLIST, StopWords):
        words = [w.lower() for name in get_stoplists() for w in get_stoplist(name)]
        trafilatura.external.JT_STOPLIST = StopWords(words)
    return trafilatura.external.JT_STOPLIST


_define_stoplist = justext.core.define_stoplist


def _define(stoplist: object) -> object:
    """jusText's own step (lower-case every word into a frozenset), except for ours."""
    return stoplist if isinstance(stoplist, StopWords) else _define_stoplist(stoplist)


def install() -> None:
    """Have trafilatura's jusText fallback use `every_language()`; built on first use."""
    trafilatura.external.jt_stoplist_init = every_language
    justext.core.define_stoplist = _define
