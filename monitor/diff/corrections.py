"""Editors' notes: whether a paragraph is a correction, an update or a clarification.

Data, not code: extend the tuples below to teach new markers. Pure (only `monitor.text`), so
the diff's categories and every view that marks a note as "(correction)" ask the same question.
"""

from __future__ import annotations

import re

from monitor.text import normalize

# Words that open a note wherever they start a paragraph ("Korrektur vom 3. März …").
CORRECTION_OPENERS = ("korrektur", "berichtigung", "richtigstellung")
# Labels that also start ordinary sentences, so they count only when a colon
# follows within a few words ("Update 14:30 Uhr:", "Correction:").
CORRECTION_LABELS = (
    "update",
    "updated",
    "aktualisierung",
    "aktualisiert",
    "nachtrag",
    "correction",
    "clarification",
)
# Phrases that mark a note anywhere in a paragraph.
CORRECTION_PHRASES = (
    "anmerkung der redaktion",
    "hinweis der redaktion",
    "in einer früheren version",
    "in einer vorherigen version",
    "in einer ersten version",
    "editor's note",
    "editors' note",
    "an earlier version of this article",
    "an earlier version of this story",
    "this article has been corrected",
    "this article has been updated",
)
# Mid-paragraph "Korrektur" stays out: "eine Korrektur der Zahlen" is news, not a note.
_CORRECTION = re.compile(
    r"^\W*(?:" + "|".join(map(re.escape, CORRECTION_OPENERS)) + r")\b"
    r"|^\W*(?:" + "|".join(map(re.escape, CORRECTION_LABELS)) + r")\b[^:]{0,40}:"
    r"|\b(?:" + "|".join(map(re.escape, CORRECTION_PHRASES)) + r")",
    re.IGNORECASE,
)


def is_correction(paragraph: str) -> bool:
    """Whether a paragraph is an editor's note (correction, update, clarification)."""
    return bool(_CORRECTION.search(normalize(paragraph)))
