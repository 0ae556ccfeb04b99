"""What an article says about its event, in a form two outlets' texts can be compared in.

Two kinds of feature, both pure and cheap:
- word shingles of the normalized text: agency copy an outlet shortened or edited still shares
  long runs of words with the agency's text (near-duplicate detection);
- the specific things a report names: proper names (capitalised words that do not start a
  sentence), numbers and dates. A rewrite, even into another language, keeps them: "Selenskyj
  traf am Montag in Genf ein" and "Zelensky arrived in Geneva on Monday" share a person, a
  place and a day. Names are folded to one spelling across German and English (exonyms,
  transliterations); dates become a calendar day and a weekday, so "gestern" in an article of
  Tuesday is the "Monday" of another.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from monitor.text import normalize

SHINGLE = 5  # words per shingle: long enough that only copied text shares many

# German/English exonyms and spellings no transliteration rule joins: folded name -> the
# native spelling, folded (no umlauts), which the transliteration rules then reduce like any name.
_EXONYMS = {
    "geneva": "genf",
    "geneve": "genf",
    "kiew": "kyjiw",
    "kiev": "kyjiw",
    "moscow": "moskau",
    "vienna": "wien",
    "munich": "munchen",
    "cologne": "koln",
    "rome": "rom",
    "warsaw": "warschau",
    "prague": "prag",
    "brussels": "brussel",
    "beijing": "peking",
    "turkey": "turkei",
    "turkiye": "turkei",
    "russia": "russland",
    "germany": "deutschland",
    "france": "frankreich",
    "poland": "polen",
    "riyadh": "riad",
    "jeddah": "dschidda",
    "kremlin": "kreml",
    "crimea": "krim",
    "odesa": "odessa",
    "kharkov": "charkiw",
    "zaporizhzhia": "saporischschja",
    "donetsk": "donezk",
    "britain": "grossbritannien",
    "us": "usa",
    "un": "uno",
    "weissrussland": "belarus",
    "europe": "europa",
    "european": "europa",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "russian": "russland",
    "russians": "russland",
    "american": "usa",
    "americans": "usa",
    "german": "deutschland",
    "washingtons": "washington",
    "moskaus": "moskau",
    "kyjiws": "kyjiw",
    "kiews": "kyjiw",
    "russlands": "russland",
    "ukrainer": "ukraine",
}
_TRANSLIT = [
    ("shch", "sch"),
    ("tsch", "ch"),
    ("sch", "sh"),
    ("kh", "ch"),
    ("zh", "sh"),
    ("w", "v"),
    ("j", "y"),
    ("z", "s"),
    ("ij", "y"),
    ("iy", "y"),
]
_ENDINGS = [("ow", "ov"), ("ski", "sky"), ("skij", "sky"), ("skyy", "sky"), ("iy", "y")]
_DOUBLE = re.compile(r"(.)\1+")

_MONTHS = {
    "januar": 1,
    "january": 1,
    "jan": 1,
    "februar": 2,
    "february": 2,
    "feb": 2,
    "märz": 3,
    "maerz": 3,
    "march": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "may": 5,
    "juni": 6,
    "june": 6,
    "juli": 7,
    "july": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "october": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "dezember": 12,
    "december": 12,
    "dez": 12,
    "dec": 12,
}
_WEEKDAYS = {
    "montag": 0,
    "monday": 0,
    "dienstag": 1,
    "tuesday": 1,
    "mittwoch": 2,
    "wednesday": 2,
    "donnerstag": 3,
    "thursday": 3,
    "freitag": 4,
    "friday": 4,
    "samstag": 5,
    "sonnabend": 5,
    "saturday": 5,
    "sonntag": 6,
    "sunday": 6,
}
_RELATIVE = {
    "heute": 0,
    "today": 0,
    "tonight": 0,
    "gestern": -1,
    "yesterday": -1,
    "vorgestern": -2,
    "morgen": 1,
    "tomorrow": 1,
    "übermorgen": 2,
}
_NUMBER_WORDS = {
    "zwei": 2,
    "two": 2,
    "drei": 3,
    "three": 3,
    "vier": 4,
    "four": 4,
    "fünf": 5,
    "five": 5,
    "sechs": 6,
    "six": 6,
    "sieben": 7,
    "seven": 7,
    "acht": 8,
    "eight": 8,
    "neun": 9,
    "nine": 9,
    "zehn": 10,
    "ten": 10,
    "elf": 11,
    "eleven": 11,
    "zwölf": 12,
    "twelve": 12,
}
_MONTH = "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:\.|st|nd|rd|th)?\s*({_MONTH})\b\.?")
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\.\d)")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(?:(\d{4})|(?!\d))")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WEEKDAY = re.compile(
    r"\b(" + "|".join(w.capitalize() for w in _WEEKDAYS) + r")(?:abend|morgen|nachmittag|"
    r"vormittag|mittag|nacht|s)?\b"
)
# "Morgen" is the morning; only "morgen" is tomorrow.
_RELATIVE_WORD = re.compile(
    r"\b(?:[Hh]eute|[Gg]estern|[Vv]orgestern|morgen|übermorgen|(?i:today|tonight|yesterday|"
    r"tomorrow))\b"
)
_TOKEN = re.compile(r"\w+(?:['.,]\d+)*(?:['-]\w+)*|[.!?:\"]|(?<!\S)-(?!\S)")
# Where a sentence (or a dateline's "Genf (dpa) -") ends: the next word is capitalised anyway.
_SENTENCE_END = {".", "!", "?", ":", '"', "-"}
_WORD = re.compile(r"\w+")


@dataclass
class Features:
    """The comparable facts of one article."""

    shingles: set[int] = field(default_factory=set)  # hashes of its word shingles
    shingle_text: list[str] = field(default_factory=list)  # the same, for MinHash
    names: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)  # "11-23": a calendar day
    weekdays: set[str] = field(default_factory=set)  # "0": Monday, said or implied by a date
    starts: set[str] = field(default_factory=set)  # capitalised words that open a sentence
    top: set[str] = field(default_factory=set)  # keys of the headline and the lead

    def keys(self) -> set[str]:
        """Every specific feature, tagged by kind (what rarity is counted on)."""
        return (
            {f"n:{n}" for n in self.names}
            | {f"#:{n}" for n in self.numbers}
            | {f"d:{d}" for d in self.dates}
            | {f"w:{w}" for w in self.weekdays}
        )


def features(headline: str, lead: str, body: list[str], seen: datetime | None) -> Features:
    """The features of an article's text; `seen` (its publication) anchors relative days."""
    paragraphs = [normalize(p) for p in [lead, *body] if p]
    found = Features()
    words = _WORD.findall(" ".join(paragraphs).casefold())
    found.shingle_text = [
        " ".join(words[k : k + SHINGLE]) for k in range(max(len(words) - SHINGLE + 1, 1))
    ]
    found.shingles = {hash(s) for s in found.shingle_text}
    day = seen.date() if seen else None
    parts = [_part(text, day) for text in [normalize(headline), *paragraphs]]
    names = set().union(*(part.names for part in parts[1:]))
    # A headline in title case capitalises every word: only its names the text confirms count.
    parts[0].names &= names | _KNOWN
    for part in parts:
        # A name that opens a sentence counts when it also stands inside one, or is a known place.
        part.names |= {s for s in part.starts if s in names or s in _KNOWN}
        found.names |= part.names
        found.numbers |= part.numbers
        found.dates |= part.dates
        found.weekdays |= part.weekdays
    # The headline, the lead and the paragraph after it say what happened; the rest is context.
    found.top = set().union(*(part.keys() for part in parts[:3]))
    return found


def _part(text: str, day: date | None) -> Features:
    part = Features()
    _names_and_numbers(_dates(text, day, part), part)
    return part


@functools.lru_cache(maxsize=16384)  # a story's names recur in every article
def name_key(word: str) -> str:
    """One spelling for a name across German and English: Kyjiw/Kyiv, Selenskyj/Zelensky."""
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c)
    )
    folded = folded.replace("ae", "a").replace("oe", "o").replace("ue", "u").strip("'.-")
    folded = _EXONYMS.get(folded, folded)
    for end, new in _ENDINGS:
        if folded.endswith(end):
            folded = folded[: -len(end)] + new
            break
    for old, new in _TRANSLIT:
        folded = folded.replace(old, new)
    return _DOUBLE.sub(r"\1", folded)


_KNOWN = {name_key(native) for native in _EXONYMS.values()}


def _dates(text: str, day: date | None, found: Features) -> str:
    """Collect the dates of a paragraph; returns it with them blanked (no names, no numbers)."""

    def day_month(m: re.Match) -> str:
        _add_date(found, int(m.group(1)), _MONTHS[m.group(2).casefold()], day)
        return " , "

    def month_day(m: re.Match) -> str:
        _add_date(found, int(m.group(2)), _MONTHS[m.group(1).casefold()], day)
        return " , "

    def numeric(m: re.Match) -> str:
        _add_date(found, int(m.group(1)), int(m.group(2)), day)
        return " , "

    def iso(m: re.Match) -> str:
        _add_date(found, int(m.group(3)), int(m.group(2)), day)
        return " , "

    def weekday(m: re.Match) -> str:
        found.weekdays.add(str(_WEEKDAYS[m.group(1).casefold()]))
        return " , "

    def relative(m: re.Match) -> str:
        if day is not None:
            _add_day(found, day + timedelta(days=_RELATIVE[m.group().casefold()]))
        return " "

    for pattern, replace in [
        (_ISO_DATE, iso),
        (_NUMERIC_DATE, numeric),
        (_DAY_MONTH, day_month),
        (_MONTH_DAY, month_day),
        (_WEEKDAY, weekday),
        (_RELATIVE_WORD, relative),
    ]:
        text = pattern.sub(replace, text)
    return text


def _add_date(found: Features, dom: int, month: int, day: date | None) -> None:
    if not (1 <= month <= 12 and 1 <= dom <= 31):
        return
    if day is None:
        found.dates.add(f"{month:02d}-{dom:02d}")
        return
    # The year is rarely written: the one that puts the day nearest the article.
    options = []
    for year in (day.year - 1, day.year, day.year + 1):
        try:
            options.append(date(year, month, dom))
        except ValueError:
            continue
    if options:
        _add_day(found, min(options, key=lambda d: abs((d - day).days)))


def _add_day(found: Features, moment: date) -> None:
    found.dates.add(f"{moment.month:02d}-{moment.day:02d}")
    found.weekdays.add(str(moment.weekday()))


def _names_and_numbers(text: str, found: Features) -> None:
    start = True
    for m in _TOKEN.finditer(text):
        token = m.group()
        if token in _SENTENCE_END:
            start = True
            continue
        for part in token.split("-"):  # "14-Punkte-Plan", "30-day", "Selenskyj-Berater"
            _token(part, start, found)
        start = False


def _token(token: str, start: bool, found: Features) -> None:
    token = token.removesuffix("'s")  # Ukraine's
    if not token:
        return
    if token[0].isdigit():
        if number := _number(token):
            found.numbers.add(number)
    elif (count := _NUMBER_WORDS.get(token.lower())) is not None:
        found.numbers.add(str(count))
    elif token[0].isupper() and len(token) > 1:
        (found.starts if start else found.names).add(name_key(token))


def _number(token: str) -> str:
    """One spelling for a number: 1.500 and 1,500 are 1500; 2,5 and 2.5 are 2.5."""
    token = token.rstrip(".,")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", token):
        return token.replace(".", "").replace(",", "")
    if re.fullmatch(r"\d+[.,]\d+", token):
        return token.replace(",", ".").rstrip("0").rstrip(".")
    return token if token.isdigit() else ""
