"""Agency credit: which news agencies an article names as its source.

Outlets credit agency copy in a byline or a source line ("Quelle: dpa, AFP", "mit Material von
Reuters", "dpa/AFP/ZDF") or in a dateline before the first sentence ("Berlin (dpa) -", "KYIV
(Reuters) -"), often also in a closing "(dpa)". Only those places are read: an agency named in
running text ("as AP reported") is a quotation, not a credit.
"""

from __future__ import annotations

import re

# Canonical name, and the spellings (regex, case-insensitive unless the name is AP) that
# stand for it. "AP" alone is matched in capitals only: "ap" is a syllable in other words.
_AGENCIES = {
    "dpa": r"dpa(?:-AFX)?|Deutsche[n]? Presse-Agentur",
    "AFP": r"AFP|Agence France[- ]Presse",
    "Reuters": r"Reuters",
    "AP": r"Associated Press",
    "epd": r"epd|Evangelische[nr]? Pressedienst(?:es)?",
    "KNA": r"KNA|Katholische[n]? Nachrichten-Agentur",
}
_SPELLINGS = [
    (name, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", re.IGNORECASE))
    for name, pattern in _AGENCIES.items()
]
# Words one of a name's spellings holds (casefolded): a credit line can be a page's every
# caption and teaser, kilobytes long, and a substring test is far cheaper than the pattern.
_HINTS = {
    "dpa": ("dpa", "presse-agentur"),
    "AFP": ("afp", "agence france"),
    "Reuters": ("reuters",),
    "AP": ("associated press",),
    "epd": ("epd", "pressedienst"),
    "KNA": ("kna", "nachrichten-agentur"),
}
_AP = re.compile(r"(?<![\w-])AP(?![\w-])")
# A parenthesised credit: "(dpa)", "(AFP/dpa)", "(Reuters, AP)", "(dpa/mbo)": short words
# only, so "(Reuters reported)" in a sentence is no credit.
_PAREN = re.compile(r"\(\s*(\w[\w.-]{0,11}(?:\s*[/,;]\s*\w[\w.-]{0,11})*)\s*\)")
# How far into the text a dateline stands, and how much of the end a closing credit takes.
DATELINE_CHARS = 120
CLOSING_CHARS = 120


def credited(credit: str) -> list[str]:
    """The agencies a credit line names, in the order they stand there."""
    if not credit:
        return []
    found: list[tuple[int, str]] = []
    folded = credit.casefold()
    for name, pattern in _SPELLINGS:
        if any(hint in folded for hint in _HINTS[name]) and (m := pattern.search(credit)):
            found.append((m.start(), name))
    if "AP" in credit and (m := _AP.search(credit)):
        found.append((m.start(), "AP"))
    return [name for _, name in sorted(found)]


def in_text(lead: str, body: list[str]) -> list[str]:
    """The agencies of a dateline ("Genf (dpa) -") or a closing credit ("(dpa)") of the text."""
    paragraphs = [p for p in [lead, *body] if p]
    if not paragraphs:
        return []
    found: list[str] = []
    for part in (paragraphs[0][:DATELINE_CHARS], paragraphs[-1][-CLOSING_CHARS:]):
        for m in _PAREN.finditer(part):
            found += [a for a in credited(m.group(1)) if a not in found]
    return found


def agencies(credit: str, lead: str = "", body: list[str] | None = None) -> list[str]:
    """Every agency an article credits: its credit lines first, then its dateline."""
    found = credited(credit)
    return found + [a for a in in_text(lead, body or []) if a not in found]
