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
from itertools import chain, compress
from operator import itemgetter

from monitor.text import normalize

SHINGLE = 5  # words per shingle: long enough that only copied text shares many
# Shingles are kept as 32-bit hashes (4 bytes each in a held article): two articles' 1,000
# shingles collide by chance about once in 4,000 pairs, far below the dozen a match needs.
# Python's hash() is salted per process: fine, the hashes never leave memory.
SHINGLE_BITS = 0xFFFFFFFF

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


def _table(rows: str) -> dict[str, int]:
    """A word table written `value word word ...` a line: each word -> its value."""
    lines = map(str.split, rows.strip().splitlines())
    return {word: int(value) for value, *words in lines for word in words}


_MONTHS = _table("""
    1 januar january jan
    2 februar february feb
    3 märz maerz march
    4 april apr
    5 mai may
    6 juni june
    7 juli july
    8 august aug
    9 september sept sep
    10 oktober october okt oct
    11 november nov
    12 dezember december dez dec
""")
_WEEKDAYS = _table("""
    0 montag monday
    1 dienstag tuesday
    2 mittwoch wednesday
    3 donnerstag thursday
    4 freitag friday
    5 samstag sonnabend saturday
    6 sonntag sunday
""")
_RELATIVE = _table("""
    0 heute today tonight
    -1 gestern yesterday
    -2 vorgestern
    1 morgen tomorrow
    2 übermorgen
""")
_NUMBER_WORDS = _table("""
    2 zwei two
    3 drei three
    4 vier four
    5 fünf five
    6 sechs six
    7 sieben seven
    8 acht eight
    9 neun nine
    10 zehn ten
    11 elf eleven
    12 zwölf twelve
""")
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
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_DECIMAL = re.compile(r"\d+[.,]\d+")
_GLUED_MONTH = re.compile(rf"\d(?:st|nd|rd|th)?(?:{_MONTH})")  # "12März": no word of its own
# The words (casefolded \w runs) without which a date pattern cannot match: a paragraph that
# has none of them skips that pattern's scan, the most of what reading dates costs.
_WEEKDAY_WORDS = frozenset(
    day + end
    for day in _WEEKDAYS
    for end in ("", "abend", "morgen", "nachmittag", "vormittag", "mittag", "nacht", "s")
)
_RELATIVE_WORDS = frozenset(_RELATIVE)


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
    texts = [normalize(headline), *(normalize(p) for p in [lead, *body] if p)]
    words = [_WORD.findall(text.casefold()) for text in texts]
    found = Features()
    found.shingle_text = shingles(list(chain.from_iterable(words[1:])))
    found.shingles = set(map(SHINGLE_BITS.__and__, map(hash, found.shingle_text)))
    day = seen.date() if seen else None
    parts = [_part(text, day, said) for text, said in zip(texts, words, strict=True)]
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


def shingles(words: list[str]) -> list[str]:
    """The runs of SHINGLE words (all of them, when there are fewer)."""
    if len(words) < SHINGLE:
        return [" ".join(words)]
    return list(map(" ".join, zip(*(words[k:] for k in range(SHINGLE)), strict=False)))


def _part(text: str, day: date | None, words: list[str]) -> Features:
    part = Features()
    _names_and_numbers(_dates(text, day, part, words), part)
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


def _dates(text: str, day: date | None, found: Features, words: list[str]) -> str:
    """Collect the dates of a paragraph (its casefolded `words` tell which patterns can match);
    returns it with them blanked (no names, no numbers)."""

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

    # A pattern runs only where the words it needs stand (a year, a day's number, a month, a
    # weekday): most paragraphs have none. Blanking a match leaves the words around it as they
    # were.
    numbered = list(compress(words, map(str.isdigit, map(_first, words))))  # "12", "2026"
    glued = any(not w.isdigit() for w in numbered) and _GLUED_MONTH.search(text)
    month = glued or not _MONTHS.keys().isdisjoint(words)
    for pattern, replace, wanted in [
        (_ISO_DATE, iso, "-" in text and any(len(w) == 4 for w in numbered)),
        (_NUMERIC_DATE, numeric, any(len(w) <= 2 for w in numbered)),
        (_DAY_MONTH, day_month, month),
        (_MONTH_DAY, month_day, month),
        (_WEEKDAY, weekday, not _WEEKDAY_WORDS.isdisjoint(words)),
        (_RELATIVE_WORD, relative, not _RELATIVE_WORDS.isdisjoint(words)),
    ]:
        if wanted:
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
    tokens = _TOKEN.findall(text)
    if not tokens:
        return
    # Only capitalised words, numbers and number words count ("verhandlungen" does not, unless
    # a hyphen or an apostrophe holds one: "30-day", "two's"); each distinct one is read once.
    wanted = set(tokens)
    plain = set(filter(str.islower, wanted))
    wanted -= plain
    wanted |= plain & _NUMBER_WORDS.keys()
    if "-" in text or "'" in text:
        wanted |= {t for t in plain if "-" in t or "'" in t}
    wanted -= _SENTENCE_END
    # A token opens a sentence when the one before it ends one (the first always does); the
    # few that do are listed, and those that stand elsewhere as well are counted out.
    opening = [tokens[0], *compress(tokens[1:], map(_SENTENCE_END.__contains__, tokens))]
    starts = wanted.intersection(opening)
    inside = wanted - starts
    inside |= {t for t in starts if tokens.count(t) > opening.count(t)}
    for chosen, names in ((starts, found.starts), (inside, found.names)):
        read = list(map(_read, chosen))
        found.numbers.update(chain.from_iterable(map(_numbers_of, read)))
        names.update(chain.from_iterable(map(_names_of, read)))


@functools.lru_cache(maxsize=65536)  # a story's words recur in every article
def _read(token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The numbers and the names (keyed) of one token."""
    numbers, names = [], []
    for part in token.split("-"):  # "14-Punkte-Plan", "30-day", "Selenskyj-Berater"
        part = part.removesuffix("'s")  # Ukraine's
        if not part:
            continue
        if part[0].isdigit():
            if number := _number(part):
                numbers.append(number)
        elif (count := _NUMBER_WORDS.get(part.lower())) is not None:
            numbers.append(str(count))
        elif part[0].isupper() and len(part) > 1:
            names.append(name_key(part))
    return tuple(numbers), tuple(names)


_first = _numbers_of = itemgetter(0)
_names_of = itemgetter(1)


def _number(token: str) -> str:
    """One spelling for a number: 1.500 and 1,500 are 1500; 2,5 and 2.5 are 2.5."""
    token = token.rstrip(".,")
    if _GROUPED.fullmatch(token):
        return token.replace(".", "").replace(",", "")
    if _DECIMAL.fullmatch(token):
        return token.replace(",", ".").rstrip("0").rstrip(".")
    return token if token.isdigit() else ""
