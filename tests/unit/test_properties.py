"""Property tests of the pure parts: extraction, diff, fingerprint, rule matching.

Hypothesis runs derandomized (its seed comes from each test's name), so CI sees the same
examples on every run and a failure repeats; there is no example database to carry
between machines. `max_examples` keeps the whole file to a few seconds per test.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from email.utils import format_datetime
from itertools import pairwise

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_diff import check_runs, rebuild

from monitor import text as textlib
from monitor.clock import backoff, parse_http_date
from monitor.diff.core import Diff, diff_articles
from monitor.errors import ExtractionError
from monitor.extract import noise
from monitor.extract import words as wordslib
from monitor.extract.article import extract
from monitor.items import Article
from monitor.rules.rules import build_view, match, parse_rules
from monitor.text import normalize

SETTINGS = settings(
    max_examples=200,
    deadline=None,  # a loaded CI machine must not turn a slow example into a failure
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Extraction runs trafilatura on every example: fewer of them, still every shape below.
EXTRACT_SETTINGS = settings(SETTINGS, max_examples=120)
URL = "https://www.zdfheute.de/politik/ausland/genf-100.html"


# --- extraction never raises anything but ExtractionError --------------------------------

# Pieces of pages: real structure, broken structure, hostile text, odd encodings' bytes.
FRAGMENTS = [
    "<html>", "</html>", "<head>", "<body>", "</body>", "<article>", "</article>",
    "<h1>", "</h1>", "<p>", "</p>", "<div class='teaser'>", "</div>", "<figure><figcaption>",
    "</figcaption></figure>", '<meta charset="utf-8">', '<meta charset="x-unknown-7">',
    '<meta charset="utf-16">', '<link rel="canonical" href="javascript:alert(1)">',
    '<meta property="og:url" content="//evil.example/x">', "<title>", "</title>",
    '<script type="application/ld+json">', "</script>", '{"@type": "NewsArticle", "headline": ',
    '"Genf"}', "{[[[", "<!--", "-->", "<![CDATA[", "]]>", "<?xml version='1.0'?>",
    "<svg onload=alert(1)>", "&amp;", "&#0;", "&#x110000;", "&nbsp;", "\u202e", "\u200b",
    "\x00", "\ufeff", "Die Gespräche in Genf dauerten bis tief in die Nacht. ",
    "Präsident Selenskyj sprach von einer möglichen Waffenruhe im Frühjahr. ",
    "02.12.2025 | 3:37 min ", "vor 5 Minuten ", "<" * 50, "<p>" * 200, "<div>" * 300,
]  # fmt: skip


SENTENCE = (
    "Die Delegationen aus Kiew und Moskau verhandelten in Genf bis tief in die Nacht über "
    "eine Waffenruhe, sagte ein Sprecher am Montag. "
)
junk = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=40), max_size=30).map("".join)
# Hostile text that leaves the page's structure standing, so trafilatura gets to work on it.
INLINE = ["&amp;", "&#0;", "&#x202e;", "\u202e", "\u200b", "\ufeff", "<b>", "</b>", "<br>",
          "<svg onload=alert(1)>", "<img src=x onerror=alert(2)>", "<!channel>", "\x00", "\x1b[31m",
          "02.12.2025 | 3:37 min", "\r\n", "Ä" * 300, "x" * 5000]  # fmt: skip
inline = st.lists(st.sampled_from(INLINE) | st.text(max_size=20), max_size=4).map("".join)


@st.composite
def article_pages(draw: st.DrawFn, junk: st.SearchStrategy[str]) -> str:
    """A page that looks enough like an article to reach trafilatura, with junk anywhere."""
    paragraphs = [
        f"<p>{draw(junk)}{SENTENCE * draw(st.integers(1, 4))}{draw(junk)}</p>"
        for _ in range(draw(st.integers(1, 6)))
    ]
    return (
        f"<html><head>{draw(junk)}<title>Genf</title></head><body>{draw(junk)}<article>"
        f"<h1>{draw(junk)}Gespräche in Genf</h1>{''.join(paragraphs)}</article>{draw(junk)}"
        "</body></html>"
    )


def page_bytes() -> st.SearchStrategy[bytes]:
    text = junk | article_pages(junk) | article_pages(inline)
    codec = st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1", "utf-8-sig"])
    encoded = st.tuples(text, codec).map(lambda tc: tc[0].encode(tc[1], "replace"))
    return st.one_of(st.binary(max_size=4000), encoded)


@EXTRACT_SETTINGS
@given(data=page_bytes(), declared=st.sampled_from([None, "utf-8", "latin-1", "bogus", ""]))
def test_extraction_never_raises_anything_but_extraction_error(data: bytes, declared) -> None:
    try:
        article = extract(data, URL, declared)
    except ExtractionError as exc:
        assert str(exc)  # the reason a person reads in crawl_errors
        event(f"refused: {str(exc)[:50]}")
        return
    event("extracted")
    assert isinstance(article, Article)
    assert all(isinstance(p, str) and p for p in article.body)
    assert len(article.fingerprint()) == 64


# --- the diff of A to B, applied to A, gives B --------------------------------------------

VOCABULARY = [
    "Kiew",
    "Moskau",
    "Genf",
    "Waffenstillstand",
    "Gespräche",
    "Delegation",
    "Präsident",
    "Sprecher",
    "sagte",
    "am",
    "Montag",
    "die",
    "der",
    "das",
    "und",
    "nicht",
    "noch",
    "eine",
    "neue",
    "Runde",
    "Korrektur:",
    "Update",
    "„Frieden“",
    "–",
    "Verhandlungen,",
    "Sanktionen.",
    "Europa",
    "Washington",
]
sentences = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=14).map(" ".join)
# Mostly the vocabulary, so two versions share paragraphs and words; some arbitrary text.
paragraphs = sentences | st.text(max_size=30)
bodies = st.lists(paragraphs, max_size=8)


@st.composite
def edited(draw: st.DrawFn, body: list[str]) -> list[str]:
    """`body` after a few editor's moves: insert, delete, reword, move, merge, split."""
    body = list(body)
    for kind in draw(st.lists(st.sampled_from("idrmjs"), max_size=4)):
        if kind == "i" or not body:
            body.insert(draw(st.integers(0, len(body))), draw(paragraphs))
            continue
        i = draw(st.integers(0, len(body) - 1))
        if kind == "d":
            del body[i]
        elif kind == "r":
            words = body[i].split()
            at = draw(st.integers(0, len(words)))
            words[at : at + draw(st.integers(0, 3))] = draw(sentences).split()[:2]
            body[i] = " ".join(words)
        elif kind == "m":
            body.insert(draw(st.integers(0, len(body) - 1)), body.pop(i))
        elif kind == "j" and i + 1 < len(body):
            body[i : i + 2] = [body[i] + " " + body[i + 1]]
        elif kind == "s":
            words = body[i].split()
            cut = draw(st.integers(0, len(words)))
            body[i : i + 1] = [" ".join(words[:cut]), " ".join(words[cut:])]
    return body


@st.composite
def version_pairs(draw: st.DrawFn) -> tuple[Article, Article]:
    old = Article(
        url=URL,
        headline=draw(paragraphs),
        kicker=draw(st.sampled_from(["", "Ukraine-Krieg", "Liveblog"])),
        lead=draw(paragraphs),
        body=draw(bodies),
    )
    new = Article(
        url=URL,
        headline=draw(st.just(old.headline) | paragraphs),
        kicker=draw(st.just(old.kicker) | st.sampled_from(["", "Analyse"])),
        lead=draw(st.just(old.lead) | paragraphs),
        body=draw(edited(old.body) | bodies),
    )
    return old, new


def apply(old: Article, diff: Diff) -> Article:
    """The new version rebuilt from the old one and the ops alone (normalized text)."""
    fields = {name: normalize(getattr(old, name)) for name in ("headline", "kicker", "lead")}
    for op in diff.ops:
        if op.field in fields:
            fields[op.field] = normalize(op.new)  # ops show the published text
    body = rebuild(old.body, [op for op in diff.ops if op.field == "body"], "new")
    body = [normalize(p) for p in body]
    return Article(url=old.url, body=body, **fields)


def normalized(article: Article) -> Article:
    fields = {name: normalize(getattr(article, name)) for name in ("headline", "kicker", "lead")}
    return Article(url=article.url, body=[p for p in map(normalize, article.body) if p], **fields)


@SETTINGS
@given(pair=version_pairs())
def test_the_diff_of_a_to_b_applied_to_a_gives_b(pair: tuple[Article, Article]) -> None:
    old, new = pair
    diff = Diff.from_json(diff_articles(old, new).to_json())  # what the store keeps
    assert apply(old, diff) == normalized(new)
    for op in diff.ops:
        check_runs(op)
    if all(normalize(p) for p in [*old.body, *new.body]):
        # (A blank paragraph is not content to the diff but is to Article.fingerprint();
        # reported to the lead, see the closing note of issue 7.)
        assert diff.is_empty() == (old.fingerprint() == new.fingerprint())


# --- the fingerprint ignores what varies without the words varying -------------------------

LOOKALIKES = {
    '"': "“”„‟«»",
    "'": "‘’‚‛‹›´`",
    "-": "‐‑‒–—―−",
    " ": [" ", "  ", "\u00a0", "\t", "\n", "\u2009", "\u202f", " \u200b"],
}
INVISIBLE = ["\u00ad", "\u200b", "\u2060", "\ufeff"]
TEXT = st.lists(
    st.sampled_from([*VOCABULARY, "Maßnahme", "Zelenskyy's", "„Frieden“", "1990-2000", "é", "ü"]),
    max_size=12,
).map(" ".join)
# A paragraph has words: a blank one is not one (see above).
PARAGRAPH = st.lists(st.sampled_from([*VOCABULARY, "Maßnahme", "é"]), min_size=1, max_size=12).map(
    " ".join
)


@st.composite
def re_rendered(draw: st.DrawFn, text: str) -> str:
    """The same words as another page rendering would give them: other quotes, dashes and
    spaces, invisible soft hyphens and zero-width characters, decomposed accents."""
    out = []
    for char in unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text):
        # Inserted before a base character only: one between a letter and its combining
        # accent would stop them composing, which no renderer does.
        if not unicodedata.combining(char) and draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(INVISIBLE)))
        choices = LOOKALIKES.get(char)
        out.append(draw(st.sampled_from(list(choices))) if choices else char)
    padding = st.sampled_from(["", " ", "\n", "\u00a0"])
    return draw(padding) + "".join(out) + draw(padding)


@st.composite
def renderings(draw: st.DrawFn) -> tuple[Article, Article]:
    headline, kicker, lead = draw(TEXT), draw(TEXT), draw(TEXT)
    body = draw(st.lists(PARAGRAPH, max_size=6))
    first = Article(url=URL, headline=headline, kicker=kicker, lead=lead, body=body)
    second = Article(
        url=URL + "?at_medium=feed",
        headline=draw(re_rendered(headline)),
        kicker=draw(re_rendered(kicker)),
        lead=draw(re_rendered(lead)),
        body=[draw(re_rendered(p)) for p in body],
        byline=draw(st.text(max_size=20)),
        # Noise is kept apart, and the byline is not content.
        noise=draw(st.lists(st.sampled_from(["02.12.2025 | 3:37 min", "vor 5 Minuten"]))),
    )
    return first, second


@SETTINGS
@given(pair=renderings())
def test_the_fingerprint_is_unchanged_by_rendering_noise(pair: tuple[Article, Article]) -> None:
    first, second = pair
    assert first.fingerprint() == second.fingerprint()
    assert diff_articles(first, second).is_empty()


@SETTINGS
@given(pair=renderings(), word=st.sampled_from(["Waffenruhe", "Kiew"]))
def test_the_fingerprint_changes_when_a_word_does(pair, word) -> None:
    first, _ = pair
    changed = Article(**{**first.__dict__, "lead": f"{first.lead} {word}zusatz"})
    assert first.fingerprint() != changed.fingerprint()


# --- rule matching is unchanged by case and diacritics, where promised -----------------------

# Canonical spellings with umlauts, ß and accents: the way a rule's author writes terms.
TERMS = ["Gespräche", "Außenminister", "Selenskyj", "Waffenruhe", "Grünen", "Präsident",
         "Straße", "Éric", "Müller", "Kiew", "Verhandl*", '"nächste Runde"']  # fmt: skip
FILLER = ["die", "in", "Genf", "sagte", "am", "Montag", "und", "nicht", "eine", "Runde", "nächste"]
TEXT_WORDS = [t.strip('"*') for t in TERMS] + ["Verhandlungen", "nächste Runde", *FILLER]


def strip_marks(text: str) -> str:
    kept = (c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", "".join(kept))


def umlauts_spelled_out(text: str) -> str:
    for umlaut, spelled in zip("äöüÄÖÜß", ["ae", "oe", "ue", "Ae", "Oe", "Ue", "ss"], strict=True):
        text = text.replace(umlaut, spelled)
    return text


@st.composite
def case_changed(draw: st.DrawFn, text: str) -> str:
    how = draw(st.sampled_from(["upper", "lower", "swapcase", "title", "random"]))
    if how != "random":
        return getattr(text, how)()
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)


# What the text may become without the rule's verdict changing: every promised folding.
TEXT_FOLDINGS = [strip_marks, umlauts_spelled_out, lambda t: unicodedata.normalize("NFD", t)]


def fires(term: str, text: str, substring: bool) -> bool:
    errors: list[str] = []
    [rule] = parse_rules([{"name": "r", "any": [term], "substring": substring}], errors)
    assert not errors, errors
    article = Article(url=URL, headline="Meldung", body=[text])
    return match(rule, build_view("zdf", ["new"], article, None)) is not None


@SETTINGS
@given(
    term=st.sampled_from(TERMS),
    words=st.lists(st.sampled_from(TEXT_WORDS), min_size=1, max_size=10),
    foldings=st.lists(st.sampled_from(TEXT_FOLDINGS), max_size=3),
    substring=st.booleans(),
    data=st.data(),
)
def test_rule_matching_is_unchanged_by_case_and_diacritics_in_the_text(
    term, words, foldings, substring, data
) -> None:
    text = " ".join(words)
    changed = data.draw(case_changed(text))
    for fold in foldings:
        changed = fold(changed)
    assert fires(term, text, substring) == fires(term, changed, substring), (text, changed)


@SETTINGS
@given(
    term=st.sampled_from(TERMS),
    words=st.lists(st.sampled_from(TEXT_WORDS), min_size=1, max_size=10),
    spelled=st.booleans(),
    data=st.data(),
)
def test_rule_matching_is_unchanged_by_how_the_term_is_cased_or_spelled(
    term, words, spelled, data
) -> None:
    # A term's case never matters, nor ä written as ae (but "Gruenen" does not find "Grunen",
    # which is why the text above keeps its umlauts here).
    text = " ".join(words)
    written = data.draw(case_changed(term))
    written = umlauts_spelled_out(written) if spelled else written
    written = written.replace("SS", "ss") if "ß" in term else written  # ẞ is rare; ss is not
    assert fires(term, text, False) == fires(written, text, False), (term, written, text)


# --- the fast text helpers compute what their plain definitions do --------------------------

# Characters where the shortcuts could go wrong: ASCII and Latin-1, what normalize() replaces or
# drops, combining accents and Hangul jamo (NFC composes them), control characters and odd
# spaces, and the four characters besides its cases that match an ASCII letter case-blind.
ODD_CHARS = (
    "`´\u00ad\u200b\u00a0\u202f\u2026\u201e\u201c\u2013\u0301\u0308\u0338\u1100\u1161\u11a8"
    "\x00\x08\x0b\x0c\x1c\x85\x9f\u2028\u3000\u202a\u2066\u0130\u0131\u017f\u212a\u0958µß"
)
ODD_TEXT = st.text(
    alphabet=st.one_of(st.characters(max_codepoint=0xFF), st.sampled_from(ODD_CHARS)),
    max_size=40,
)
# Words the noise patterns look for, to build lines of.
NOISE_WORDS = ["Newsletter", "WhatsApp", "Push", "abonnieren", "in unserem", "Liveblog", "Ticker",
               "finden Sie", "aufgenommen am", "contributed", "to this report", "Jetzt",
               "unterstützen", "Support us", "donate now", "subscribe now", "22.04.2024",
               "|", "3:37 min", "1", ".", ":"]  # fmt: skip
# Lines each of the patterns with a word shortcut finds.
NOISE_LINES = ["Newsletter hier abonnieren", "Mehr dazu im Liveblog", "In unserem Ticker",
               "Bild, aufgenommen am 1. Mai", "AP contributed to this report.", "Jetzt spenden",
               "Bitte jetzt unterstützen!", "Support us", "Donate now", "Subscribe now",
               "Folgen Sie unserem WhatsApp-Kanal", "Push-Mitteilungen: hier anmelden",
               "Mehr dazu im Ticker"]  # fmt: skip
CASE_BLIND = {"i": "İı", "s": "ſ", "k": "\u212a"}  # what else matches them case-blind (K: Kelvin)
NOISE_TEXT = st.lists(st.one_of(st.sampled_from(NOISE_WORDS), ODD_TEXT), max_size=8).map(" ".join)


def noise_by_its_patterns(text: str) -> bool:
    """`is_noise` by its definition: every pattern tried, no shortcut."""
    patterns = [p if isinstance(p, str) else p.pattern for p in noise._LINE_PATTERNS]
    every_line = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    return (
        not any(ch.isalnum() for ch in text)
        or (len(text) < 2000 and noise._APPEAL.search(text) is not None)
        or (
            len(text) <= 600
            and (every_line.match(text) is not None or noise.TEASER_LINE.search(text) is not None)
        )
    )


@SETTINGS
@given(text=ODD_TEXT)
def test_normalize_is_nfc_then_translation_control_removal_and_single_spaces(text: str) -> None:
    plain = unicodedata.normalize("NFC", text).translate(textlib._TRANSLATE)
    plain = " ".join(textlib._CONTROL.sub("", plain).split())
    assert normalize(text) == plain


@SETTINGS
@given(text=ODD_TEXT)
def test_squash_drops_exactly_what_is_not_a_letter_or_digit(text: str) -> None:
    assert wordslib.letters_and_digits(text) == wordslib._NOT_WORD.sub("", text)


@SETTINGS
@given(text=st.one_of(NOISE_TEXT, st.sampled_from(NOISE_LINES)))
def test_is_noise_gives_what_its_patterns_give(text: str) -> None:
    assert noise._is_noise(text) == noise_by_its_patterns(text)


def test_is_noise_finds_lines_spelled_with_the_odd_twins_of_letters() -> None:
    for line in NOISE_LINES:
        assert noise._is_noise(line), line
        for i, char in enumerate(line):
            for twin in CASE_BLIND.get(char.lower(), ""):
                odd = line[:i] + twin + line[i + 1 :]
                assert noise._is_noise(odd) == noise_by_its_patterns(odd), odd


# --- clock: one backoff for every retry, HTTP dates --------------------------------------


@SETTINGS
@given(base=st.integers(1, 3600), cap=st.integers(1, 86400), attempts=st.integers(1, 40))
def test_backoff_doubles_from_its_base_up_to_its_cap(base: int, cap: int, attempts: int) -> None:
    waits = [backoff(n, base, cap) for n in range(1, attempts + 1)]
    assert waits[0] == min(base, cap)
    assert all(later == min(cap, 2 * wait) for wait, later in pairwise(waits))


@SETTINGS
@given(moment=st.datetimes(datetime(1970, 1, 1), datetime(9999, 1, 1), timezones=st.just(UTC)))
def test_an_http_date_reads_back_as_the_moment_it_names(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    assert parse_http_date(format_datetime(moment, usegmt=True)) == moment
    assert parse_http_date(format_datetime(moment.replace(tzinfo=None))) == moment  # "-0000"
