"""trafilatura's jusText fallback reads the stop words of every language from
monitor.extract.stopwords: the same words as jusText's own frozenset, in a tenth of the
memory (a thirtieth of what jusText's way kept), and the same paragraphs kept."""

from __future__ import annotations

import sys

import trafilatura.external
from justext.utils import get_stoplist, get_stoplists
from lxml import html

import monitor.extract.maintext  # noqa: F401  (installs the stop words, as every extraction)
from monitor.extract.stopwords import StopWords, every_language


def test_every_stop_word_of_every_language_is_one_and_other_words_are_not():
    ours = every_language()
    # What jusText's define_stoplist makes of trafilatura's tuple of them all.
    theirs = frozenset(w.lower() for name in get_stoplists() for w in get_stoplist(name))
    assert len(ours) == len(theirs) > 100_000
    assert all(word in ours for word in theirs)
    others = [f"{word}x" for word in theirs] + ["Waffenruhe", "Selenskyj", "négociations"]
    assert [w for w in others if w in ours] == [w for w in others if w in theirs]
    # Held as hashes, not as 154,000 strings: one frozenset of them takes ten times as much.
    held = sys.getsizeof(ours._hashes)
    assert held < 1_500_000 and 10 * held < sys.getsizeof(theirs) + sum(map(sys.getsizeof, theirs))


def test_trafilatura_builds_ours_and_justext_keeps_the_same_paragraphs():
    assert isinstance(trafilatura.external.jt_stoplist_init(), StopWords)
    page = html.fromstring(
        "<html><body><div><p>Home | News | Sport | Weather | Contact</p>"
        "<p>The talks in Geneva went on until late in the evening, and both delegations said "
        "that they would meet again next week to discuss the remaining points of the plan, "
        "which is still far from being agreed by all of the parties at the table.</p>"
        "<p>Die Gespräche in Genf dauerten bis in den späten Abend, und beide Delegationen "
        "sagten, dass sie sich in der nächsten Woche wieder treffen wollen, um über die "
        "übrigen Punkte des Plans zu sprechen.</p><p>Share this article</p></div></body></html>"
    )
    ours = trafilatura.external.JT_STOPLIST
    kept = trafilatura.external.try_justext(page, None, None)
    words = tuple({w for name in get_stoplists() for w in get_stoplist(name)})
    trafilatura.external.JT_STOPLIST = words  # jusText's own way, for comparison
    try:
        theirs = trafilatura.external.try_justext(page, None, None)
    finally:
        trafilatura.external.JT_STOPLIST = ours
    texts = [p.text for p in kept]
    assert texts == [p.text for p in theirs]
    assert len(texts) == 2 and texts[0].startswith("The talks in Geneva")
