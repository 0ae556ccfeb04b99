"""The words an alert matched, as a reader wants them: "Verhandlungstag, Genf", not the rule's
terms ("Verhandlung*") and never a 150-character /regex/.

An alert row stores the terms that matched (`matched`) and, since migration m008, the words
they hit in the text of the version the alert was about (`words`, a JSON list): found here when
the alert is made (monitor.rules.evaluate, monitor.stories.alerts), and by the timeline for an
older row. Pure: the text comes from the caller, so it tests without a database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from monitor.items import Article
from monitor.rules.terms import FoldedText, compile_term
from monitor.text import normalize

WORDS_SHOWN = 12  # a story's alert can match dozens of words: the first few say why
TERM_CHARS = 40  # a term shown as written (when its words are not in the text) is cut here
_FIELDS = ("headline", "kicker", "lead", "body")


@dataclass(frozen=True)
class _Segment:
    field: str
    text: str
    spans: None = None  # every word counts, not only the new ones


def _whole_word(text: str, start: int, end: int) -> str:
    """The hit widened to the word it is part of ("Genf" in "Genfer" gives "Genfer")."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]


def short_term(term: str) -> str:
    """A term or a matched text, cut to TERM_CHARS characters."""
    term = normalize(term)
    return term if len(term) <= TERM_CHARS else term[: TERM_CHARS - 1] + "…"


def matched_words(terms: list[str], version: dict[str, str | None] | FoldedText) -> list[str]:
    """The distinct words of `version` (headline, kicker, lead, body; or the whole article
    already folded, as rules and stories read it) that `terms` match, in the order of the
    terms, case folded away; the terms themselves (shortened) when the text has none of them
    (a pruned version, a regex that ran out of time)."""
    if isinstance(version, FoldedText):
        text = version  # its scans are shared: a story's terms were scanned when it scored
    else:
        segments = [_Segment(f, version.get(f) or "") for f in _FIELDS if version.get(f)]
        text = FoldedText(segments, [s.field for s in segments])
    fields = frozenset(_FIELDS)
    found: dict[str, str] = {}
    for term in terms:
        try:
            # Whole words first (a rule's default); inside words only when that finds nothing,
            # so "talks" does not show as "stalks" where "talks" is there too.
            hits = text.hits(compile_term(term, False), fields)
            hits = hits or text.hits(compile_term(term, True), fields)
        except ValueError:
            continue
        for k, start, end, _field, _hit in hits:
            word = short_term(_whole_word(text.segments[k].text, start, end))  # a regex: more
            found.setdefault(re.sub(r"\W+", " ", word.casefold()), word)
    return list(found.values()) or [short_term(t) for t in terms]


def shown(words: list[str]) -> str:
    """The words as one line: the first WORDS_SHOWN, then how many more."""
    line = ", ".join(words[:WORDS_SHOWN])
    more = len(words) - WORDS_SHOWN
    return line + (f" and {more} more" if more > 0 else "")


def article_words(terms: list[str], article: Article | FoldedText) -> list[str]:
    """`matched_words` in a version as the rules read it: an Article (its body a list of
    paragraphs) or its whole text folded (monitor.rules.rules.whole_text)."""
    if isinstance(article, FoldedText):
        return matched_words(terms, article)
    version = {"headline": article.headline, "kicker": article.kicker, "lead": article.lead}
    return matched_words(terms, {**version, "body": "\n\n".join(article.body)})


def stored_words(terms: list[str], article: Article | FoldedText | None) -> str | None:
    """The `alerts.words` of an alert on `article`: a JSON list; None without terms or text
    (a rule that matches every change of a source names no words)."""
    if not terms or article is None:
        return None
    return json.dumps(article_words(terms, article), ensure_ascii=False)


def json_list(value: Any) -> list[str] | None:
    """A stored JSON list (`alerts.matched`, `alerts.words`) as its strings; None when the
    value is NULL or not a list."""
    if not isinstance(value, str) or not value:
        return None
    try:
        found = json.loads(value)
    except ValueError:
        return None
    return [str(v) for v in found] if isinstance(found, list) else None


def alert_line(words: Any, matched: Any) -> str:
    """What an alert row matched, as one line: its stored `words` ("Verhandlungstag, Genf");
    for a row made before they were stored, its `matched` terms, each cut short (never a
    whole /regex/). Both are the row's JSON columns as stored."""
    found = json_list(words)
    if found is None:
        found = [short_term(t) for t in json_list(matched) or []]
    return shown(found)
