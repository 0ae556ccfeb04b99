"""Issue 16, class 1: the stored text is the published text; only comparisons normalize."""

from __future__ import annotations

from monitor.diff.core import diff_articles, diff_paragraphs, word_diff
from monitor.diff.render import render_text
from monitor.extract.article import extract
from monitor.extract.signature import signature
from monitor.items import Article
from monitor.rules.terms import FoldedText, compile_term
from monitor.text import normalize, tidy

URL = "https://example.org/politik/runde"

PAGE = """<html lang="de"><head><meta property="og:type" content="article">
<title>{q}Zweite Runde{q2} in Genf</title></head><body><article>
<h1>{q}Zweite Runde{q2} in Genf</h1>
<p>Die Delegationen trafen sich am Montag{dash}nach einer Pause von zwei Wochen{dash}wieder
am Genfer See, wie ein Sprecher der Vermittler mitteilte.</p>
<p>{q}Wir sind weiter als gedacht{q2}, sagte er{ell} Der n\u00e4chste Termin sei offen, es
gehe um 10\u00a0Punkte und um den Abzug schwerer Waffen aus der Pufferzone im Osten.</p>
<p>Beobachter rechnen nicht vor dem Herbst mit einer Einigung, schrieb die Zeitung; die
Gespr\u00e4che seien dennoch ein Fortschritt, hie\u00df es aus beiden Lagern am Abend.</p>
</article></body></html>"""

CURLY = PAGE.format(q="\u201e", q2="\u201c", dash=" \u2013 ", ell="\u2026")
PLAIN = PAGE.format(q='"', q2='"', dash=" - ", ell="...")


def test_tidy_keeps_typography_and_collapses_only_whitespace() -> None:
    text = "  \u201eJa\u201c,\u00a0sagte sie \u2013\n\t10\u00a0km\u2026 Bundes\u00adamt  "
    assert tidy(text) == "\u201eJa\u201c,\u00a0sagte sie \u2013 10\u00a0km\u2026 Bundesamt"
    assert tidy("\u00a0") == ""  # a paragraph of a no-break space is empty
    assert tidy("e\u0301") == "\u00e9"  # NFC: the same character either way
    assert normalize(tidy(text)) == normalize(text)


def test_extraction_stores_the_published_characters() -> None:
    article = extract(CURLY, URL)
    assert article.headline == "\u201eZweite Runde\u201c in Genf"
    assert "Montag \u2013 nach" in article.body[0] or "Montag \u2013 nach" in article.lead
    text = " ".join([article.lead, *article.body])
    assert "\u201eWir sind weiter als gedacht\u201c, sagte er\u2026" in text
    # trafilatura hands the body over with plain spaces; the page's no-break space is put back.
    assert "10\u00a0Punkte" in text


FRENCH = """<html lang="fr"><head><meta property="og:type" content="article">
<title>Un parcours de dix kilom\u00e8tres</title></head><body><article>
<h1>Un parcours de dix kilom\u00e8tres</h1>
<p>Le trac\u00e9 mesure 10{nb}km et longe{sp}le port, a indiqu\u00e9 l\u2019organisatrice devant
les b\u00e9n\u00e9voles r\u00e9unis sur la place du march\u00e9 ce samedi matin.</p>
<p>\u00ab{nn}Nous attendons mille coureurs{nn}\u00bb, a-t-elle ajout\u00e9 avant de d\u00e9tailler
les horaires du d\u00e9part, fix\u00e9 \u00e0 neuf heures sur le quai principal.</p>
<p>La mairie a publi\u00e9 la liste des rues ferm\u00e9es{sp}: elle vaut pour toute la matin\u00e9e
et sera rappel\u00e9e par des panneaux install\u00e9s la veille au soir.</p>
</article></body></html>"""


def test_the_body_keeps_no_break_spaces_and_the_fingerprint_ignores_them() -> None:
    printed = extract(FRENCH.format(nb="\u00a0", nn="\u202f", sp="\u00a0"), URL)
    plain = extract(FRENCH.format(nb=" ", nn=" ", sp=" "), URL)
    text = "\n".join([printed.lead, *printed.body])
    assert "10\u00a0km et longe\u00a0le port" in text
    assert "\u00ab\u202fNous attendons mille coureurs\u202f\u00bb" in text
    assert "ferm\u00e9es\u00a0: elle" in text
    assert "\u00a0" not in "".join(plain.body) and "\u202f" not in "".join(plain.body)
    assert [normalize(p) for p in printed.body] == [normalize(p) for p in plain.body]
    assert printed.fingerprint() == plain.fingerprint()
    assert diff_articles(plain, printed).is_empty()


def test_the_fingerprint_and_the_diff_ignore_typography() -> None:
    curly, plain = extract(CURLY, URL), extract(PLAIN, URL)
    assert curly.body != plain.body or curly.lead != plain.lead  # the texts differ as stored
    assert curly.fingerprint() == plain.fingerprint()
    assert diff_articles(plain, curly).is_empty()
    # The upgrade path: databases hold normalized text; a fetch with curly quotes is no change.
    stored = Article(
        url=URL,
        headline=normalize(curly.headline),
        lead=normalize(curly.lead),
        body=[normalize(p) for p in curly.body],
    )
    assert stored.fingerprint() == curly.fingerprint()
    assert diff_articles(stored, curly).is_empty()


def test_the_signature_ignores_typography_but_not_words() -> None:
    assert signature(CURLY.encode(), URL, "utf-8") == signature(PLAIN.encode(), URL, "utf-8")
    edited = CURLY.replace("zwei Wochen", "drei Wochen")
    assert signature(edited.encode(), URL, "utf-8") != signature(CURLY.encode(), URL, "utf-8")


def test_a_word_diff_shows_the_original_words() -> None:
    old = 'Er sagte: "Wir kommen - vielleicht."'
    new = "Er sagte: \u201eWir kommen \u2013 sicher.\u201c"
    runs = word_diff(old, new)
    assert [(r.op, r.text) for r in runs] == [
        ("=", "Er sagte: \u201eWir kommen \u2013"),
        ("-", 'vielleicht."'),
        ("+", "sicher.\u201c"),
    ]


def test_a_paragraph_diff_keeps_the_published_text() -> None:
    old = ["Der Rat tagt am Montag.", 'Er sagte: "Nein."']
    new = ["Der Rat tagt am Dienstag.", "Er sagte: \u201eNein.\u201c"]
    ops = diff_paragraphs(old, new)
    assert len(ops) == 1  # the quotes alone are no edit
    assert ops[0].new == "Der Rat tagt am Dienstag."
    added = diff_paragraphs(old, [*new, "Neu: \u201eJa\u201c \u2013 sagt sie\u2026"])
    assert added[-1].op == "added"
    assert added[-1].new == "Neu: \u201eJa\u201c \u2013 sagt sie\u2026"


def test_a_headline_edit_renders_the_new_quotes() -> None:
    old = Article(url=URL, headline='"Zweite Runde" in Genf')
    new = Article(url=URL, headline="\u201eDritte Runde\u201c in Genf")
    diff = diff_articles(old, new)
    assert diff.categories == ["headline"]
    text = render_text(diff.categories, diff.ops, (diff.words_added, diff.words_removed))
    assert "\u201eDritte" in text and '"Zweite' in text


def test_rules_match_published_text_with_plain_terms() -> None:
    term = compile_term("don't", False)
    folded = FoldedText([_Seg("body[0]", "We don\u2019t know \u2013 yet\u2026")], ["body"])
    assert folded.hits(term, frozenset({"body"}))
    phrase = compile_term('"zweite runde"', False)
    folded = FoldedText([_Seg("headline", "\u201eZweite Runde\u201c in Genf")], ["headline"])
    assert folded.hits(phrase, frozenset({"headline"}))


class _Seg:
    def __init__(self, field: str, text: str) -> None:
        self.field, self.text, self.spans = field, text, None


def test_text_already_spaced_comes_back_as_it_is_and_odd_spacing_is_still_folded() -> None:
    # Most lines need no change: the quick path returns them; any odd space takes the long one.
    assert tidy("Der Rat tagte am Montag.") == "Der Rat tagte am Montag."
    assert tidy("Der Rat  tagte ") == "Der Rat tagte"
    assert tidy(" \u201eJa\u201c") == "\u201eJa\u201c"
    assert tidy("10\u00a0km  weit\u00ad") == "10\u00a0km weit"
    assert normalize("Der Rat tagte am Montag.") == "Der Rat tagte am Montag."
    assert normalize("\u201eJa\u201c \u2013 sagte sie") == '"Ja" - sagte sie'
    assert normalize(" a  b ") == "a b"
    assert normalize("10\u00a0km\u2009weit") == "10 km weit"
    assert normalize("\u00ad") == ""
