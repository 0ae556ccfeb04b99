"""The words that mark a line as noise around an article, not part of it.

`is_noise()` judges one paragraph by what outlets print around their text:
video teaser lines (`22.04.2024 | 3:37 min`), source lines ("Quelle: dpa"),
broadcast notes, live-blog promos, "Stand:" lines, relative times ("vor 5
Minuten"), captions, "read more" links, newsletter, social and payment
appeals, share bars. Each pattern describes a whole short line, so an article
sentence that merely mentions a source or a live blog survives.

The structural pass over the page (boxes, figures, teaser cards) is in
`monitor.extract.prune`.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from monitor.text import normalize

# A video teaser's date-and-duration line: "22.04.2024 | 3:37 min".
TEASER_LINE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\s*\|\s*\d{1,3}:\d{2}(?::\d{2})?\s*min\b")

# Any line that only a media player prints: the teaser line, "02:57 Min. Verfügbar bis 06.05.2024".
MEDIA_LINE = re.compile(
    TEASER_LINE.pattern
    + r"|^\d{1,3}:\d{2}(:\d{2})?\s*min\.?\W*$"
    + r"|\bverfügbar bis \d{1,2}\.\d{1,2}\.\d{2,4}\W*$",
    re.IGNORECASE,
)

# Short lines that name the byline: "von Katja Belousova", "By Jane Doe".
BYLINE_LINE = re.compile(
    r"^(von|by|von:|by:|text:|ein (kommentar|gastbeitrag) von)\s+(?P<name>\S.{0,80})$",
    re.IGNORECASE,
)

# A label that marks a box as an ad, in the languages of the pages newsmon reads.
AD_LABEL = re.compile(
    r"^\W*(anzeige|werbung|advertisement|advertisment|ad|ads|sponsored|sponsored content"
    r"|gesponsert|paid (content|post)|publicité|publicidad|pubblicità|reklama|reklame|annonce"
    r"|annonse|annons|mainos|advertentie|реклама|広告|广告|廣告)\W*$",
    re.IGNORECASE,
)
# A label that introduces a list of sources: "Quellen:".
SOURCES_LABEL = re.compile(r"^(quellen?|sources?)\s*:?$", re.IGNORECASE)


class _Scan(NamedTuple):
    """A pattern that scans a line for a phrase (slow), with words every match of it holds."""

    words: tuple[str, ...]  # lowercase ASCII
    pattern: str


# Every pattern is anchored at the start. The plain ones are read as one alternation with
# re.match; a `_Scan` runs only on lines that hold one of its words.
_LINE_PATTERNS: list[str | _Scan] = [
    # "Quelle: dpa, AFP" / "Quellen: …" / "Source: Reuters"
    r"^(quellen?|sources?|mit material von|material from)\s*:.{0,120}$",
    # "Über dieses Thema berichtete das ZDFheute journal am 22.04.2024 ab 21:45 Uhr."
    r"^über (dieses|das) thema berichtet.{0,200}$",
    r"^über .{0,160}\bberichtet(e|en)?\b.{0,160}\bab \d{1,2}[:.]\d{2} uhr\.?$",
    # "Dieses Thema im Programm: MDR THÜRINGEN - Das Radio | 28. April 2023 | 10:00 Uhr"
    r"^dieses thema im programm\s*:.{0,200}$",
    # "Aktuelle Meldungen zu … finden Sie jederzeit in unserem Liveblog:"
    _Scan(
        ("in unserem",), r"^.{0,200}\bin unserem (live-?blog|newsblog|liveticker|ticker)\b.{0,120}$"
    ),
    _Scan(
        ("blog", "ticker"),
        r"^.{0,160}\b(finden sie|lesen sie|verfolgen sie|mehr dazu|alle (aktuellen )?"
        r"(entwicklungen|news|informationen))\b.{0,80}\b(im|zum) "
        r"(live-?blog|newsblog|liveticker|ticker)\b.{0,80}$",
    ),
    r"^(live-?blog|liveticker|newsblog)$",
    # "Stand: 28.04.2023 12:00 Uhr", "Veröffentlicht am 13. Mai 2026 um 15:44", "Updated 3 May"
    r"^(stand|veröffentlicht|aktualisiert|erstellt|zuletzt aktualisiert|published|updated"
    r"|last updated|first published)\b\W{0,3}(am|on|at)?\s*\S{0,12}\d.{0,50}$",
    # a bare date, or date and time
    r"^\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}(,?\s*\d{1,2}[:.]\d{2}(\s*uhr)?)?$",
    # relative times: "vor 5 Minuten", "5 minutes ago"
    r"^(aktualisiert |updated )?(vor (einer|einem|\d+) (sekunden?|minuten?|stunden?|tag(en)?)"
    r"|(an? |\d+ )(seconds?|minutes?|mins?|hours?|hrs?|days?) ago)$",
    # reading time: "3 Minuten Lesezeit", "5 min read", "Lesezeit: 4 Min."
    r"^(lesezeit:?\s*)?\d+\s*(min\.?|minuten|minutes?)\s*(lesezeit|read|reading time)?$",
    # captions: "V.l.: Name, Name, aufgenommen am …", "… (Picture: PA)", "Foto: dpa", "© AFP"
    r"^(v\.\s?l\.|von links|from left)\b.{0,300}$",
    _Scan(("aufgenommen am",), r"^.{0,300}\baufgenommen am \d.{0,120}$"),
    r"^.{0,300}\((picture|photo|image|bild|foto|credit)s?:[^)]{0,80}\)$",
    r"^(foto|fotos|bild|bilder|bildrechte|photo|image|archivbild|symbolbild|grafik)\s*:.{0,120}$",
    r"^(©|\(c\)|copyright\b).{0,200}$",
    # links out: "Mehr zum Thema", "Lesen Sie auch: …", "READ MORE: …", "MORE : …"
    r"^(mehr zum thema|lesen sie (auch|mehr)|auch interessant|weitere artikel|weitere meldungen"
    r"|das könnte sie auch interessieren|related( articles| stories| content)?|see also"
    r"|most read|meistgelesen|more trending|trending now)\s*[:›»]?$",
    r"^(mehr zum thema|mehr zu[mr]?\b.{1,40}|lesen sie (auch|mehr)|zum artikel|zum thema"
    r"|read more|more|related|see also|auch interessant)\s*[:›»|]\s*.{1,160}$",
    r"^mehr (zu[mr]?|über) \S+( \S+){0,3}$",
    # newsletter and app promos: the channel and a call to act, in one short line
    _Scan(
        ("newsletter", "whats", "push"),
        r"^(?=.{0,400}$)(?=.*\b(newsletter|whats-?app|push-?(mitteilung|nachricht)|push alerts)).*"
        r"\b(abonn|anmeld|sign(ing)? ?up|subscri|folg|follow|join|beitreten|postfach|inbox|kanal"
        r"|channel|hier|here)",
    ),
    r"^(folg(en sie|e|st du)|follow)\b.{0,120}\b(twitter|x|facebook|instagram|tiktok|threads"
    r"|bluesky|mastodon|linkedin|youtube|whats-?app|telegram|google news)\b.{0,80}$",
    r"^got a story\b.{0,200}$",
    r"^for more (stories|news|articles) like this\b.{0,80}$",
    r"^this (site|form|page) is protected by recaptcha\b.{0,200}$",
    # the placeholder link an embed leaves behind: "Link zum YouTube-Inhalt", "Link to the post"
    r"^link (zu[mr]|to( the)?)\s+\S{0,40}[- ]?(inhalt|beitrag|post|video|tweet|content)$",
    # credit lines under the text: "Reporting by …; Editing by …", "… contributed to this report."
    r"^(with |additional )?(reporting|writing|editing) by\b[^.!?]{0,300}$",
    _Scan(
        ("contributed",), r"^.{0,300}\bcontributed (reporting )?to this (report|story|article)\.?$"
    ),
    r"^(our|editorial) standards\s*:.{0,100}$",
    # an editor's initials or agency codes on a line of their own: "(dmk)", "(dpa/jbo)"
    r"^(?-i:\([a-zäöü]{2,6}(\s*[/,]\s*[a-zäöü]{2,6}){0,3}\))$",
    r"^(click here|klicken sie hier|hier klicken)\b.{0,200}$",
    # an ad's label left on its own line
    AD_LABEL.pattern,
    # a comment counter: "12 Kommentare", "Comments (3)", "3 responses"
    r"^\W*\d+\s*(kommentare?|comments?|responses?|replies|antworten|reactions?|reaktionen)\W*$",
    r"^(kommentare|comments?|responses?|reactions?)\W{0,3}\d+\W*$",
    # share bars and reader widgets
    r"^(teilen|share|merken|drucken|print|e-?mail|kommentare|comments?|link kopieren|copy link"
    r"|artikel (teilen|anhören|merken)|zur merkliste|listen to (this )?article"
    r"|wie hat ihnen dieser artikel gefallen\??|durchschnittliche bewertung.{0,20})$",
]
_LINE = re.compile(
    "|".join(f"(?:{p})" for p in _LINE_PATTERNS if isinstance(p, str)), re.IGNORECASE
)
_SCANS = [
    (p.words, re.compile(p.pattern, re.IGNORECASE)) for p in _LINE_PATTERNS if isinstance(p, _Scan)
]

# Appeals that end in a call to pay: "… Jetzt unterstützen", "… Support us". They can be long.
_APPEAL = re.compile(
    r"\b(jetzt (unterstützen|spenden|abonnieren|abschließen|testen)|abonnieren sie jetzt"
    r"|support (us|our journalism)|donate now|subscribe now)\W*$",
    re.IGNORECASE,
)
_APPEAL_WORDS = ("jetzt", "support", "donate", "subscribe")  # one is in every match
# The characters that match an ASCII letter case-blind but do not lowercase to it (İ, ı, ſ):
# without them, a case-blind match of an ASCII word is in `text.lower()`.
_CASE_ODDITIES = ("\u0130", "\u0131", "\u017f")
# Every word a slow pattern needs: a line without any of them skips all of those patterns.
_SLOW_WORDS = tuple(dict.fromkeys(_APPEAL_WORDS + tuple(w for words, _ in _SCANS for w in words)))
_ALNUM = re.compile(r"[^\W_]")  # str.isalnum() of one character, as a search


# An editor's update or correction line: a label, a colon, then a sentence ("Update, 2:32 p.m.:
# Police confirmed …", "Korrektur: …"). It is article text, the edit readers most want to see;
# a label and a bare date ("Updated: 18 Nov 2019 9:38 pm") stays a date stamp.
_NOTE = re.compile(
    r"^\W*(update|updated|aktualisiert|aktualisierung|nachtrag|correction|korrektur|berichtigung"
    r"|richtigstellung|clarification|editor'?s'? note|anmerkung der redaktion)\b[^:]{0,40}:(.*)$",
    re.IGNORECASE,
)
# Words of a date stamp, not of a sentence: "Updated: Monday, 3 March 2025 at 2:32 pm GMT".
_DATE_WORDS = frozenset(
    """at on am um uhr pm gmt utc cet cest mez mesz est edt pst pdt ist hkt bst de del le
    jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july
    august september october november december januar februar märz mai juni juli oktober dezember
    monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch donnerstag
    freitag samstag sonntag""".split()  # noqa: SIM905 (a word list reads better as text)
)


def is_editor_note(text: str) -> bool:
    """An update or correction line with words after its label, not a date stamp."""
    match = _NOTE.match(normalize(text))
    if match is None:
        return False
    words = re.findall(r"[^\W\d_]{2,}", match.group(2))
    return sum(w.casefold() not in _DATE_WORDS for w in words) >= 3


def is_noise(text: str) -> bool:
    """True when a paragraph's words alone say it is not article text."""
    # The pages of a site repeat their short noise lines; a long paragraph is judged quickly.
    return _is_noise_short(text) if len(text) <= 600 else _is_noise(text)


def _is_noise(text: str) -> bool:
    text = normalize(text)  # the patterns are written for plain quotes and dashes
    if ":" in text and is_editor_note(text):
        return False
    if _ALNUM.search(text) is None:
        return True  # separators: "|", "___", "→"
    # Most lines hold none of the words the slow patterns need: looking for those is cheaper.
    lowered = None if any(ch in text for ch in _CASE_ODDITIES) else text.lower()
    slow = lowered is None or _holds_any(lowered, _SLOW_WORDS)  # 3 % of the lines

    def may_hold(words: tuple[str, ...]) -> bool:
        return lowered is None or _holds_any(lowered, words)

    if slow and len(text) < 2000 and may_hold(_APPEAL_WORDS) and _APPEAL.search(text):
        return True
    if len(text) > 600:
        return False  # every other pattern describes a short line
    if _LINE.match(text) is not None:
        return True
    if slow and any(may_hold(w) and p.match(text) for w, p in _SCANS):
        return True
    return "|" in text and TEASER_LINE.search(text) is not None


def _holds_any(lowered: str, words: tuple[str, ...]) -> bool:
    for word in words:  # noqa: SIM110 (a plain loop: cheaper than any() over a generator)
        if word in lowered:
            return True
    return False


_is_noise_short = functools.lru_cache(maxsize=4096)(_is_noise)


# A button or link label asking the reader to subscribe, join a channel or pay.
_CALL = re.compile(
    r"\b(abonnieren|subscribe|sign ?up|join|beitreten|spenden|donate)\b", re.IGNORECASE
)


def is_call_to_act(label: str) -> bool:
    """True for the label of a promo's button: "Jetzt abonnieren", "Join us on WhatsApp"."""
    return len(label) <= 60 and is_pitch(label)


def is_call_label(label: str) -> bool:
    """`is_call_to_act` of a raw label, normalized here: the links and buttons of a site's
    menus come back page after page, so the answer is kept."""
    return len(label) < 200 and _is_call_label(label)


@functools.lru_cache(maxsize=4096)
def _is_call_label(label: str) -> bool:
    return is_call_to_act(normalize(label))


def is_pitch(text: str) -> bool:
    """Words asking the reader to subscribe, sign up, join or pay."""
    return bool(_CALL.search(text) or _APPEAL.search(text))
