"""extract(): one page in, one Article out. Every page here is a small original snippet."""

from __future__ import annotations

import contextlib
import json
import logging
import random

import pytest
from lxml import etree

from monitor.errors import ExtractionError, NewsmonError
from monitor.extract import body as bodylib
from monitor.extract import maintext
from monitor.extract.article import extract
from monitor.extract.noise import is_noise
from monitor.text import normalize

URL = "https://www.zdfheute.de/politik/ausland/waffenruhe-gespraeche-genf-100.html"

KICKER = "Gespräche in Genf"
HEADLINE = "Delegationen vertagen sich nach zähem Verhandlungstag"
LEAD = (
    "Zwölf Stunden saßen die Unterhändler zusammen, am Ende stand nur ein Termin für die "
    "nächste Runde. Beide Seiten sprechen trotzdem von Fortschritten."
)
BODY = [
    "Die Gespräche in einem Hotel am Genfer See begannen am Morgen mit einer Verspätung von "
    "zwei Stunden, weil eine Delegation später als geplant eintraf.",
    "Wo die Verhandlungen stocken",
    "Strittig bleibt vor allem, wer eine mögliche Waffenruhe überwachen soll. Diplomaten "
    "sprechen von drei Modellen, die auf dem Tisch liegen.",
    "Wir sind weiter als vor einer Woche, aber noch nicht am Ziel.",
    "Olga Petrenko, Vermittlerin",
    "Am Abend verließen die Delegationen das Hotel ohne gemeinsame Erklärung. Ein Sprecher "
    "kündigte an, man werde sich in der kommenden Woche erneut treffen.",
    'In Kiew titelte eine Zeitung auf Russisch "Женева: второй раунд", auf Deutsch etwa: '
    "Genf, zweite Runde.",
]
CAPTION = "V.l.: Olga Petrenko, Mark Beispiel und Jean Exemple, aufgenommen am 01.12.2025 in Genf"
TEASERS = [
    ("Was eine Waffenruhe bedeuten würde", "Ein Überblick über die Modelle.", "01.12.2025", "3:37"),
    ("Stimmen aus Kiew", "Viele hoffen, wenige trauen den Zusagen.", "30.11.2025", "2:05"),
    ("Genf als Bühne", "Warum die Stadt am See immer wieder Gastgeber ist.", "29.11.2025", "4:12"),
]


def teaser_box(title: str, description: str, day: str, duration: str, cls: str) -> str:
    return (
        f'<div class="{cls}q8w"><div><figure><img src="/v.jpg" alt="">'
        f'<button aria-label="Video abspielen"></button></figure></div>'
        f"<span>{title}</span><span>{description}</span><span>{day} | {duration} min</span><hr></div>"
    )


def zdf_page(
    *,
    teasers: list[tuple[str, str, str, str]] = TEASERS,
    reltime: str = "vor 5 Minuten",
    body: list[str] = BODY,
    cls: str = "r1nj4qn5",
    json_ld: bool = True,
    charset: str = "utf-8",
) -> str:
    """A page shaped like a zdfheute.de article, with generated class names that vary by `cls`."""
    boxes = [teaser_box(*t, cls=cls) for t in teasers] + ["", ""]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": f"{KICKER}: {HEADLINE}",
        "description": LEAD,
        "datePublished": "2025-12-02T14:05:00+01:00",
        "dateModified": "2025-12-02T16:30:00+01:00",
        "author": {"@type": "Person", "name": "Jana Beispiel"},
        "publisher": {"@type": "Organization", "name": "ZDFheute"},
    }
    head_ld = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if json_ld else ""
    return f"""<!DOCTYPE html><html lang="de"><head><meta charset="{charset}">
<title>Waffenruhe: Unterhändler in Genf vertagen sich nach zwölf Stunden - ZDFheute</title>
<link rel="canonical" href="{URL}">
<meta property="og:title" content="Waffenruhe: Unterhändler in Genf vertagen sich nach zwölf Stunden">
<meta property="og:site_name" content="ZDFheute"><meta property="og:type" content="article">
{head_ld}</head><body>
<header class="{cls}h"><nav><ul><li><a href="/">Startseite</a></li>
<li><a href="/politik">Politik</a></li></ul></nav></header>
<main><div class="{cls}t"><h1 class="{cls}a"><span class="{cls}k">{KICKER}</span><span>:</span>
<span class="{cls}b">{HEADLINE}</span></h1>
<div class="{cls}m"><span>von Jana Beispiel</span>
<time datetime="2025-12-02T14:05:00+01:00">02.12.2025 | 14:05</time><span>{reltime}</span>
<div><button aria-label="Teilen"></button><span>|</span><button aria-label="Merken"></button></div>
</div><p class="{cls}l">{LEAD}</p></div>
<div data-testid="text-module" class="{cls}x">
<figure><img src="/genf.jpg" alt=""><figcaption><div>{CAPTION}</div><div>Quelle: Reuters</div>
</figcaption></figure>
<div class="{cls}w"><p>{body[0]}</p></div>
<div class="{cls}w"><h2><span>{body[1]}</span></h2></div>
<div class="{cls}w"><p>{body[2]}</p></div>
{boxes[0]}
<div class="{cls}w"><figure><blockquote><p>{body[3]}</p></blockquote>
<figcaption><p>{body[4]}</p></figcaption></figure></div>
<div class="{cls}w"><p>{body[5]}</p></div>
{boxes[1]}
{"".join(f'<div class="{cls}w"><p>{p}</p></div>' for p in body[6:])}
{"".join(boxes[2:])}
<div class="{cls}w"><p><em>Aktuelle Meldungen zu den Gesprächen finden Sie jederzeit
in unserem Liveblog:</em></p></div>
<div data-testid="content-module"><article><h3><span>Waffenruhe</span><span>:</span>
<a href="/politik/ausland/ukraine-russland-konflikt-blog-102.html">Alle Entwicklungen</a></h3>
<div>Gespräche, Reaktionen und die Lage an der Front.</div><div>Liveblog</div></article></div>
<div class="{cls}s">Quelle: dpa, AFP</div>
<div class="{cls}w"><p>Über dieses Thema berichtete das ZDFheute journal am 02.12.2025
ab 21:45 Uhr.</p></div>
</div>
<section><h2>Mehr zum Thema</h2><article data-testid="s-teaser"><h3><span>Analyse</span>
<span>:</span><a href="/politik/ausland/garantien-100.html">Was Garantien wert sind</a></h3>
<div>von Max Muster</div></article></section>
</main><footer><nav><a href="/impressum">Impressum</a><a href="/datenschutz">Datenschutz</a></nav>
</footer></body></html>"""


# --- the ZDF-like page -----------------------------------------------------------------------


def test_zdf_page_yields_exactly_its_headline_kicker_lead_and_body():
    article = extract(zdf_page().encode(), URL)
    assert article.kicker == KICKER
    assert article.headline == HEADLINE
    assert article.lead == LEAD
    assert article.body == BODY
    assert article.byline == "Jana Beispiel"
    assert article.published == "2025-12-02T14:05:00+01:00"
    assert article.modified == "2025-12-02T16:30:00+01:00"
    assert article.canonical_url == URL
    assert article.language == "de"
    assert article.site_name == "ZDFheute"


def test_video_teasers_never_reach_the_body():
    article = extract(zdf_page().encode(), URL)
    text = " ".join(article.paragraphs())
    for title, description, day, duration in TEASERS:
        assert title not in text and description not in text
        assert f"{day} | {duration} min" in article.noise
        assert title in article.noise


@pytest.mark.parametrize(
    "line",
    [
        CAPTION,
        "Quelle: Reuters",
        "Aktuelle Meldungen zu den Gesprächen finden Sie jederzeit in unserem Liveblog:",
        "Quelle: dpa, AFP",
        "Über dieses Thema berichtete das ZDFheute journal am 02.12.2025 ab 21:45 Uhr.",
        "Alle Entwicklungen",
    ],
)
def test_captions_promos_and_source_lines_are_kept_apart_as_noise(line):
    article = extract(zdf_page().encode(), URL)
    assert line in article.noise
    assert line not in article.paragraphs()


def test_site_chrome_is_not_kept_as_noise():
    article = extract(zdf_page().encode(), URL)
    assert "Impressum" not in article.noise and "Startseite" not in article.noise


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param({"teasers": TEASERS[::-1]}, id="teasers rotated"),
        pytest.param({"teasers": TEASERS[1:]}, id="a teaser dropped"),
        pytest.param(
            {"teasers": [("Neu: Die Nacht danach", "Was bleibt.", "02.12.2025", "1:58"), *TEASERS]},
            id="a teaser added",
        ),
        pytest.param({"teasers": []}, id="no teasers"),
        pytest.param({"reltime": "vor 7 Minuten"}, id="relative time moved on"),
        pytest.param({"cls": "c10o8fzf"}, id="class names of a new deploy"),
    ],
)
def test_noise_churn_leaves_the_fingerprint_alone(variant):
    base = extract(zdf_page(reltime="vor 3 Minuten").encode(), URL)
    churned = extract(zdf_page(**variant).encode(), URL)
    assert churned.fingerprint() == base.fingerprint()
    assert churned.body == base.body


def test_an_edited_paragraph_changes_the_fingerprint():
    edited = [*BODY[:5], BODY[5].replace("kommenden Woche", "kommenden Tagen"), *BODY[6:]]
    base = extract(zdf_page().encode(), URL)
    changed = extract(zdf_page(body=edited).encode(), URL)
    assert changed.fingerprint() != base.fingerprint()


def test_a_page_given_as_text_reads_like_the_same_page_as_bytes():
    assert extract(zdf_page(), URL) == extract(zdf_page().encode(), URL)


# --- pages without JSON-LD -------------------------------------------------------------------

PLAIN = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>Talks resume in Geneva | Example News</title>
<meta property="og:site_name" content="Example News">
</head><body><nav><a href="/">Home</a><a href="/world">World</a></nav>
<article><header><h1>Negotiators return to Geneva for a second round</h1>
<p>Both delegations arrived on Monday, and both say they expect a long week of work.</p>
<p>By Sam Placeholder</p><time datetime="2025-12-08T09:30:00Z">8 December 2025</time></header>
<p>The second round of talks opened in the same hotel as the first, with the same mediators
and a shorter list of open questions.</p>
<figure><img src="/hotel.jpg" alt=""><figcaption>The hotel by the lake (Picture: Example)</figcaption></figure>
<h2>What is on the table</h2>
<p>Officials said the monitoring of a ceasefire line would come first, followed by an exchange
of prisoners that both sides had agreed on in principle.</p>
<p>Neither side gave a date for a joint statement.</p>
<aside><h3>Related</h3><ul><li><a href="/a">Round one ends without a deal</a></li>
<li><a href="/b">Who the mediators are</a></li></ul></aside>
</article><footer><a href="/about">About us</a></footer></body></html>"""


def test_a_page_without_json_ld_still_yields_the_article():
    article = extract(PLAIN.encode(), "https://news.example.org/world/geneva-round-two")
    assert article.headline == "Negotiators return to Geneva for a second round"
    assert article.kicker == ""
    assert article.lead == (
        "Both delegations arrived on Monday, and both say they expect a long week of work."
    )
    assert article.body == [
        "The second round of talks opened in the same hotel as the first, with the same "
        "mediators and a shorter list of open questions.",
        "What is on the table",
        "Officials said the monitoring of a ceasefire line would come first, followed by an "
        "exchange of prisoners that both sides had agreed on in principle.",
        "Neither side gave a date for a joint statement.",
    ]
    assert article.byline == "Sam Placeholder"
    assert article.published == "2025-12-08T09:30:00+00:00"
    assert article.language == "en"
    assert article.site_name == "Example News"
    assert "The hotel by the lake (Picture: Example)" in article.noise
    assert "Round one ends without a deal" in article.noise


def test_the_lead_is_never_repeated_as_the_first_body_paragraph():
    lead = "Both delegations arrived on Monday, and both say they expect a long week of work."
    page = PLAIN.replace("<p>The second round", f"<p>{lead}</p><p>The second round")
    article = extract(page, "https://news.example.org/world/geneva-round-two")
    assert article.lead.startswith("Both delegations arrived")
    assert article.body[0].startswith("The second round")


@pytest.mark.parametrize("page", [zdf_page(), PLAIN], ids=["zdf", "plain"])
def test_every_text_field_is_normalized_and_no_paragraph_is_empty(page):
    article = extract(page, URL)
    for text in [article.headline, article.kicker, article.lead, article.byline, *article.body]:
        assert text == normalize(text)
    assert all(article.body) and all(article.noise)


# --- kickers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("h1", "kicker", "headline"),
    [
        ("<h1><span>Genf</span><span>:</span><span>Neue Runde</span></h1>", "Genf", "Neue Runde"),
        ("<h1><span>Genf</span><span>: </span><span>Neue Runde</span></h1>", "Genf", "Neue Runde"),
        ("<h1> <span>Genf</span> <span>Neue Runde</span> </h1>", "Genf", "Neue Runde"),
        (
            "<h1><span> Politik <span>:</span></span><span>Neue Runde</span></h1>",
            "Politik",
            "Neue Runde",
        ),
        (
            '<h1><span>Genf</span><span aria-hidden="true"> - </span><span>Neue Runde</span></h1>',
            "Genf",
            "Neue Runde",
        ),
        ("<h1><span><span>Genf</span><span>Neue Runde</span></span></h1>", "Genf", "Neue Runde"),
        ("<h1>Genf: Neue Runde</h1>", "", "Genf: Neue Runde"),
        ("<h1><em>Neue</em> Runde in Genf</h1>", "", "Neue Runde in Genf"),
        ("<h1><span>Neue Runde in Genf</span></h1>", "", "Neue Runde in Genf"),
        (
            "<h1><span>Eine Runde,</span><span>die keiner wollte</span></h1>",
            "",
            "Eine Runde, die keiner wollte",
        ),
        ("<hgroup><p>Genf</p><h1>Neue Runde</h1></hgroup>", "Genf", "Neue Runde"),
    ],
)
def test_the_kicker_is_split_off_the_h1(h1, kicker, headline):
    page = f"""<html><head><meta property="og:type" content="article"></head><body><article>{h1}
    <p>Die Delegationen treffen sich am Montag erneut in Genf, diesmal mit einer kürzeren Liste
    offener Fragen und denselben Vermittlern wie in der ersten Runde der Gespräche.</p>
    </article></body></html>"""
    article = extract(page, "https://example.org/a")
    assert (article.kicker, article.headline) == (kicker, headline)


def test_the_h1_that_matches_the_json_ld_headline_wins_over_a_teaser_h1():
    page = f"""<html><head><script type="application/ld+json">
    {{"@type": "NewsArticle", "headline": "Neue Runde in Genf"}}</script></head><body>
    <div><h1>Newsletter abonnieren</h1></div><article><h1>Neue Runde in Genf</h1>
    <p>{BODY[0]} {BODY[2]}</p></article></body></html>"""
    assert extract(page, "https://example.org/a").headline == "Neue Runde in Genf"


def test_og_title_is_the_last_resort_for_the_headline():
    page = f"""<html><head><meta property="og:title" content="Neue Runde in Genf">
    <meta property="og:type" content="article"></head><body><div><p>{BODY[0]}</p>
    <p>{BODY[2]}</p></div></body></html>"""
    assert extract(page, "https://example.org/a").headline == "Neue Runde in Genf"


# --- encodings -------------------------------------------------------------------------------


def test_utf8_page_declaring_latin1_keeps_umlauts_and_cyrillic():
    data = zdf_page(charset="iso-8859-1").encode("utf-8")
    article = extract(data, URL, encoding="iso-8859-1")
    assert article.headline == HEADLINE  # "zähem"
    assert article.body[-1] == BODY[-1]  # "Женева: второй раунд"


def test_a_real_latin1_page_is_decoded_with_its_declared_charset():
    german = [p for p in BODY if p.isascii() or "Женева" not in p]
    page = zdf_page(body=[*german, german[-1]], charset="windows-1252").encode("cp1252")
    article = extract(page, URL)
    assert article.headline == HEADLINE
    assert "Diplomaten sprechen von drei Modellen" in " ".join(article.body)


def test_utf8_page_with_a_stray_byte_is_still_read_as_utf8():
    data = zdf_page(charset="windows-1252").encode("utf-8").replace(b"<main>", b"<main>\xff", 1)
    article = extract(data, URL, encoding="windows-1252")
    assert article.headline == HEADLINE
    assert article.body[-1] == BODY[-1]


def test_a_page_cut_off_inside_a_character_is_still_read_as_utf8():
    data = zdf_page().encode("utf-8")
    cut = data[: data.rindex("Женева".encode()) + 1]
    article = extract(cut, URL, encoding="iso-8859-1")
    assert article.headline == HEADLINE


def test_text_fields_keep_the_published_characters():
    page = """<html><head><meta property="og:type" content="article"></head><body><article>
    <h1>\u201eGenf\u201c\u00a0\u2013 die zweite Runde</h1>
    <p>Die Unterh\u0061\u0308ndler \u2013 es sind zw\u00f6lf \u2013 sprechen von \u201eFortschritt\u201c,
    sagte ein Sprecher am Montag in Genf, wo sich beide Seiten wieder treffen.</p>
    </article></body></html>"""
    article = extract(page, "https://example.org/a")
    # Only what rendering does: NFC, one space for each run of whitespace, no soft hyphen.
    assert article.headline == "\u201eGenf\u201c\u00a0\u2013 die zweite Runde"
    assert article.body[0].startswith(
        "Die Unterhändler \u2013 es sind zwölf \u2013 sprechen von \u201eFortschritt\u201c, sagte"
    )
    assert normalize(article.headline) == '"Genf" - die zweite Runde'


# --- not articles ----------------------------------------------------------------------------

INDEX = """<!DOCTYPE html><html lang="de"><head><meta property="og:type" content="website">
<title>Politik - Beispiel</title></head><body><nav><a href="/">Start</a></nav><main>
<h1>Politik</h1><ul><li><a href="/a">Neue Runde in Genf</a></li><li><a href="/b">Haushalt
beschlossen</a></li><li><a href="/c">Wahl in Sachsen</a></li></ul></main></body></html>"""


TEASER_FRONT = "".join(
    f'<li><a href="/politik/{i}">{title}</a><p>{summary}</p></li>'
    for i, (title, summary, _, _) in enumerate(TEASERS * 2)
)
TEASER_FRONT = f"""<html><head><title>Politik</title></head><body><main><h1>Politik</h1>
<ul>{TEASER_FRONT}</ul></main></body></html>"""


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty bytes"),
        pytest.param("", id="empty string"),
        pytest.param(b"  \n\t ", id="whitespace"),
        pytest.param(random.Random(7).randbytes(4096), id="garbage bytes"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(200), id="a PNG served as HTML"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", id="a PDF served as HTML"),
        pytest.param(b"just some words, no markup at all", id="plain text"),
        pytest.param(b"<html><body></body></html>", id="an empty document"),
        pytest.param(INDEX.encode(), id="a section front, not an article"),
        pytest.param(TEASER_FRONT.encode(), id="a list of teasers with summaries"),
        pytest.param(None, id="not even text"),
    ],
)
def test_pages_that_are_not_articles_raise_extraction_error(data):
    with pytest.raises(ExtractionError):
        extract(data, "https://example.org/x")


def test_extraction_error_is_a_newsmon_error():
    assert issubclass(ExtractionError, NewsmonError)


@pytest.mark.parametrize("seed", range(20))
def test_hostile_input_raises_nothing_but_extraction_error(seed):
    rng = random.Random(seed)
    page = zdf_page().encode()
    cut = page[: rng.randrange(len(page))]
    noisy = bytearray(page)
    for _ in range(50):
        noisy[rng.randrange(len(noisy))] = rng.randrange(256)
    nested = b"<div>" * 5000 + b"text" + b"</span>" * 10
    for data in (cut, bytes(noisy), nested, rng.randbytes(rng.randrange(1, 3000))):
        with contextlib.suppress(ExtractionError):  # anything else fails the test
            extract(data, "https://example.org/x", encoding=rng.choice([None, "utf-8", "bogus"]))


# --- identity and dates ----------------------------------------------------------------------


def page_with_head(head: str) -> str:
    return f"""<html><head>{head}<meta property="og:type" content="article"></head><body>
    <article><h1>Neue Runde in Genf</h1><p>{BODY[0]}</p><p>{BODY[2]}</p></article></body></html>"""


@pytest.mark.parametrize(
    ("head", "page_url", "expected"),
    [
        (
            '<link rel="canonical" href="https://www.zdfheute.de/a-100.html">',
            "https://www.zdfheute.de/a-100.html?utm_source=feed",
            "https://www.zdfheute.de/a-100.html",
        ),
        (
            '<link rel="canonical" href="/politik/a-100.html">',
            "https://www.zdfheute.de/x",
            "https://www.zdfheute.de/politik/a-100.html",
        ),
        (
            '<meta property="og:url" content="https://zdfheute.de/a-100.html">',
            "https://www.zdfheute.de/a-100.html?ref=rss",
            "https://zdfheute.de/a-100.html",
        ),
        (
            '<meta property="og:url" content="https://aggregator.example.com/zdf/a-100">',
            "https://www.zdfheute.de/a-100.html",
            None,
        ),
        (
            '<link rel="canonical" href="https://mirror.example.net/a">'
            '<meta property="og:url" content="https://www.zdfheute.de/a-100.html">',
            "https://www.zdfheute.de/a-100.html?x=1",
            "https://www.zdfheute.de/a-100.html",
        ),
        (
            '<link rel="canonical" href="https://www.zdfheute.de/">',
            "https://www.zdfheute.de/a-100.html",
            None,
        ),
        ("", "https://www.zdfheute.de/a-100.html", None),
    ],
)
def test_canonical_url_comes_from_the_page_only_when_it_is_on_the_same_site(
    head, page_url, expected
):
    assert extract(page_with_head(head), page_url).canonical_url == expected


@pytest.mark.parametrize(
    "ld",
    [
        pytest.param(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebPage", "datePublished": "2020-01-01T00:00:00Z"},
                    {
                        "@type": "NewsArticle",
                        "headline": "Neue Runde in Genf",
                        "datePublished": "2025-12-02T14:05:00+01:00",
                        "dateModified": "2025-12-02T16:30:00+01:00",
                        "inLanguage": "de-DE",
                    },
                ],
            },
            id="inside @graph",
        ),
        pytest.param(
            [
                {"@type": "BreadcrumbList", "itemListElement": []},
                {
                    "@type": ["ReportageNewsArticle"],
                    "headline": "Neue Runde in Genf",
                    "datePublished": "2025-12-02T13:05:00Z",
                    "dateModified": "2025-12-02T15:30:00Z",
                },
            ],
            id="in a list",
        ),
    ],
)
def test_dates_come_from_the_json_ld_article_wherever_it_sits(ld):
    head = (
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        '<meta property="article:published_time" content="2019-05-05T05:05:05Z">'
    )
    article = extract(page_with_head(head), "https://example.org/a")
    assert article.published in ("2025-12-02T14:05:00+01:00", "2025-12-02T13:05:00+00:00")
    assert article.modified in ("2025-12-02T16:30:00+01:00", "2025-12-02T15:30:00+00:00")


def test_dates_fall_back_to_meta_tags_and_then_to_time_elements():
    meta = '<meta property="article:published_time" content="2025-12-02T14:05:00+0100">'
    assert extract(page_with_head(meta), "https://e.org/a").published == "2025-12-02T14:05:00+01:00"
    timed = page_with_head("").replace(
        "</h1>", '</h1><time datetime="2025-12-03T08:00:00+01:00">3. Dezember</time>'
    )
    assert extract(timed, "https://e.org/a").published == "2025-12-03T08:00:00+01:00"


def test_broken_json_ld_is_ignored():
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
    assert extract(page_with_head(head), "https://e.org/a").headline == "Neue Runde in Genf"


# --- lines judged by their words -------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "noise"),
    [
        ("22.04.2024 | 3:37 min", True),
        ("Quelle: dpa, AFP", True),
        ("Über dieses Thema berichtete ZDFheute live am 22.04.2024 ab 19:00 Uhr.", True),
        ("Stand: 28.04.2023 12:00 Uhr", True),
        ("vor 5 Minuten", True),
        ("5 minutes ago", True),
        ("V.l.: Anna Beispiel, Bernd Muster, aufgenommen am 02.12.2025 in Genf", True),
        ("Mehr zum Thema", True),
        ("READ MORE: Talks collapse after six hours", True),
        ("Folgen Sie uns auf WhatsApp", True),
        ("Teilen", True),
        ("|", True),
        ("More than 200 people were evacuated from the area on Monday.", False),
        ("Follow-up talks on the ceasefire will be held next week.", False),
        ("Die Quelle des Streits liegt in der Frage der Gebiete.", False),
        ("Über die Gespräche berichtete die Zeitung am Montag ausführlich.", False),
        ("Das Team lädt die Aufnahmen auf WhatsApp und Telegram hoch.", False),
        ("Die Waffenruhe soll um 12:00 Uhr beginnen.", False),
        ("Über den Vorfall berichtete die Polizei am Montag um 14:00 Uhr.", False),
        ("Die Stadt berichtete im Liveblog über die Lage am Hafen.", False),
        ("Mehr zur Lage lesen Sie in unserem Liveblog:", True),
        ("Link zum YouTube-Inhalt", True),
        ("Join us on WhatsApp", True),
        ("For more stories like this, check our news page.", True),
        ("Reporting by Sam Placeholder in Geneva; Editing by Jane Doe", True),
        ("Jane Doe in Kyiv contributed to this report.", True),
        ("This site is protected by reCAPTCHA and the Google Privacy Policy apply.", True),
        ("(dmk)", True),
        ("(dpa/jbo)", True),
        ("(FDP)", False),
        ("Reporting by the agency showed that the talks had stalled.", False),
        ("Die Delegation will dem Vorschlag beitreten, sagte ein Sprecher.", False),
    ],
)
def test_lines_are_judged_by_their_words(line, noise):
    assert is_noise(line) is noise


# --- boxes beside the text, recognised by their structure -------------------------------------

QUOTE = "Wir sind weiter als vor einer Woche, aber noch nicht am Ziel der Gespräche."
SAID = f'"{QUOTE[:-1]}", sagte die Vermittlerin Olga Petrenko am Abend vor dem Hotel in Genf.'


def boxed_page(box: str, *, head: str = "", region: str = "article") -> str:
    """An article with `box` set between its second and third paragraph."""
    return f"""<html lang="de"><head><meta property="og:type" content="article">{head}</head>
    <body><{region}><h1>Neue Runde in Genf</h1><p>{BODY[0]}</p><p>{SAID}</p>{box}
    <p>{BODY[2]}</p><p>{BODY[5]}</p></{region}></body></html>"""


def body_and_noise(page: str) -> tuple[str, list[str]]:
    article = extract(page, "https://example.org/genf")
    return " ".join(article.paragraphs()), article.noise


@pytest.mark.parametrize(
    "box",
    [
        pytest.param(
            f"<blockquote><p>{QUOTE}</p><footer><cite>Olga Petrenko</cite></footer></blockquote>",
            id="blockquote",
        ),
        pytest.param(
            f'<blockquote data-kind="pull"><div><div>{QUOTE}</div><div>Olga Petrenko</div>'
            "<div>Vermittlerin</div></div></blockquote>",
            id="blockquote of divs",
        ),
        pytest.param(
            f"<figure><blockquote><p>{QUOTE}</p></blockquote>"
            "<figcaption>Olga Petrenko, Vermittlerin</figcaption></figure>",
            id="quote box in a figure",
        ),
    ],
)
def test_a_pull_quote_that_repeats_the_text_is_noise(box):
    text, noise = body_and_noise(boxed_page(box))
    assert text.count("noch nicht am Ziel") == 1  # only the sentence in the text
    assert QUOTE in noise


def test_a_quote_box_said_only_once_stays_article_text():
    box = (
        "<figure><blockquote><p>Niemand verlässt den Tisch, bevor die Karte gezeichnet ist.</p>"
        "</blockquote><figcaption>Mark Beispiel, Unterhändler</figcaption></figure>"
    )
    article = extract(boxed_page(box), "https://example.org/genf")
    assert "Niemand verlässt den Tisch, bevor die Karte gezeichnet ist." in article.body
    assert "Mark Beispiel, Unterhändler" in article.body


def test_a_picture_set_in_a_paragraph_with_a_styled_caption_is_noise():
    caption = "Olga Petrenko und Mark Beispiel vor dem Hotel am See"
    box = f'<p><img src="/see.jpg" width="1200" height="640" alt=""><br><em>{caption}</em></p>'
    text, noise = body_and_noise(boxed_page(box))
    assert "Mark Beispiel vor dem Hotel" not in text
    assert caption in noise


def test_an_icon_inside_a_sentence_leaves_the_sentence_in_the_body():
    box = '<p><img src="/pin.svg" width="12" alt=""> Das Hotel liegt direkt am Ufer des Sees.</p>'
    text, _ = body_and_noise(boxed_page(box))
    assert "Das Hotel liegt direkt am Ufer des Sees." in text


def test_a_poll_is_noise():
    box = (
        "<div><p>Sollten die Gespräche an einem neutralen Ort weitergehen?</p><div>"
        + "".join(
            f'<label><input type="radio" name="umfrage-7"><span>{answer}</span></label>'
            for answer in ("Ja, unbedingt.", "Nein.", "Weiß nicht.")
        )
        + "</div></div>"
    )
    text, noise = body_and_noise(boxed_page(box))
    assert "neutralen Ort" not in text and "unbedingt" not in text
    assert "Sollten die Gespräche an einem neutralen Ort weitergehen?" in noise


def test_a_sign_up_box_around_an_e_mail_form_is_noise():
    box = (
        "<div><h2>Der Genf-Newsletter</h2><h3>Jeden Morgen das Wichtigste zu den Gesprächen</h3>"
        '<form action="/nl"><input type="text" name="mm" placeholder="Ihre E-Mail-Adresse">'
        '<button type="submit">Los</button></form></div>'
    )
    text, noise = body_and_noise(boxed_page(box))
    assert "Jeden Morgen" not in text and "Newsletter" not in text
    assert "Jeden Morgen das Wichtigste zu den Gesprächen" in noise


def test_a_promo_box_around_a_call_to_subscribe_is_noise():
    box = (
        "<div><div>Unabhängig bleiben!</div><p>Unsere Reporter sind in Genf, solange verhandelt"
        " wird. Das kostet Geld, und wir finanzieren uns durch unsere Leserinnen und Leser.</p>"
        '<button><a href="/abo">Jetzt abonnieren</a></button></div>'
    )
    text, noise = body_and_noise(boxed_page(box))
    assert "Unsere Reporter" not in text
    assert any(line.startswith("Unsere Reporter sind in Genf") for line in noise)


def test_a_call_to_subscribe_inside_a_sentence_leaves_the_sentence_in_the_body():
    box = (
        '<p>Wer mitreden will, kann <a href="/forum">sich im Forum anmelden</a> und abonnieren.</p>'
    )
    box += '<p>Bürger können <a href="/liste">sign up</a> for the updates at the town hall.</p>'
    text, _ = body_and_noise(boxed_page(box))
    assert "Wer mitreden will" in text and "for the updates at the town hall" in text


def test_a_list_of_labelled_links_and_the_box_title_are_noise():
    box = (
        "<div><p>Haben Sie Fragen zu den Gesprächen?</p><ul><li><strong>Liveblog:</strong> "
        '<a href="/blog">Alle Entwicklungen im Überblick</a></li><li><strong>Hintergrund:</strong>'
        ' <a href="/karte">Wo die Linie verlaufen soll</a></li></ul></div>'
    )
    text, noise = body_and_noise(boxed_page(box))
    assert "Haben Sie Fragen" not in text and "Wo die Linie" not in text
    assert "Haben Sie Fragen zu den Gesprächen?" in noise


@pytest.mark.parametrize("attribute", ["data-aqa", "data-module", "data-track-module"])
def test_a_box_named_in_a_data_attribute_is_noise(attribute):
    box = (
        f'<section {attribute}="embed-more-topic"><div>Read more</div><ol>'
        '<li><a href="/a">Round one ends without a deal</a></li>'
        "<li><div>Advertisement</div><div>Story continues below</div></li></ol></section>"
    )
    text, noise = body_and_noise(boxed_page(box))
    assert "Round one" not in text and "Story continues" not in text
    assert "Round one ends without a deal" in noise


def test_styled_runs_split_by_an_empty_spacer_do_not_run_together():
    box = (
        "<div><span><b>Was auf dem Tisch liegt</b></span><span></span><span></span>"
        "<span><i>Drei Modelle für die Überwachung einer Waffenruhe werden beraten.</i></span></div>"
    )
    text, _ = body_and_noise(boxed_page(box))
    assert "liegtDrei" not in text
    assert "Was auf dem Tisch liegt" in text


def test_subheadings_between_kept_paragraphs_survive_a_page_without_article_markup():
    paragraphs = [p for p in BODY if len(p) > 80] * 2
    text = "".join(
        f"<p>{p} Absatz {i}.</p>" + (f"<h2>Zwischentitel {i}</h2>" if i % 2 else "")
        for i, p in enumerate(paragraphs)
    )
    page = f"""<html><head><meta property="og:type" content="article"></head><body>
    <div id="frame"><div class="col"><h1>Neue Runde in Genf</h1><div class="txt">{text}</div>
    </div></div></body></html>"""
    article = extract(page, "https://example.org/genf")
    for i in (1, 3):
        heading = article.body.index(f"Zwischentitel {i}")
        assert article.body[heading - 1].endswith(f"Absatz {i}.")
        assert article.body[heading + 1].endswith(f"Absatz {i + 1}.")


def test_the_json_ld_alternative_headline_is_not_repeated_as_body_text():
    ld = {"@type": "NewsArticle", "headline": "Neue Runde in Genf"}
    ld["alternativeHeadline"] = "Waffenruhe: Die Unterhändler treffen sich in Genf noch einmal"
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    box = (
        "<h2><span>Waffenruhe</span><span>Die Unterhändler treffen sich in Genf noch einmal</span>"
    )
    page = boxed_page("", head=head).replace("</h1>", f"</h1>{box}</h2>")
    text, _ = body_and_noise(page)
    assert "Unterhändler treffen" not in text


# --- trafilatura's fast mode, used only where its full mode would agree -----------------------

SHORT_PAGE = """<html><head><meta property="og:type" content="article"></head><body><article>
<h1>Kurz</h1><p>Ein kurzer Text über die Gespräche in Genf, mehr nicht.</p></article></body></html>"""
# Three paragraphs in <main>, and twice their words in boxes beside it: readability, which the
# full mode consults, might take the boxes.
RAIL_PAGE = f"""<html><head><meta property="og:type" content="article"></head><body><main>
<h1>Neue Runde in Genf</h1><p>{BODY[0]}</p><p>{BODY[2]}</p><p>{BODY[5]}</p></main>
<div>{"".join(f"<div><span>{p}</span></div>" for p in BODY * 3)}</div></body></html>"""


def trafilatura_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record trafilatura's runs during extraction: "fast" or "full"."""
    runs: list[str] = []
    real = maintext.trafilatura.bare_extraction

    def spy(*args, **kwargs):
        runs.append("fast" if isinstance(kwargs.get("options"), maintext._FastProbe) else "full")
        return real(*args, **kwargs)

    monkeypatch.setattr(maintext.trafilatura, "bare_extraction", spy)
    return runs


def full_mode_only(page: str, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as patch:
        patch.setattr(maintext, "_FAST_GATE", False)
        return extract(page, URL)


def test_trafilatura_fast_mode_stands_on_a_page_where_the_full_mode_agrees(monkeypatch):
    """Fails after a trafilatura upgrade: check `monitor.extract.maintext._full_agrees` against
    the new version's cascade (core.trafilatura_sequence, external.compare_extraction), then
    move `_FAST_GATE`'s version."""
    runs = trafilatura_runs(monkeypatch)
    article = extract(zdf_page(), URL)
    assert runs == ["fast"]
    assert article == full_mode_only(zdf_page(), monkeypatch)


def test_the_fast_mode_keeps_no_backup_tree_and_the_full_mode_keeps_its_own(monkeypatch):
    """The backup copy of the cleaned tree is read only by the full mode's comparison: the
    fast mode does without it (a fourth copy of a large page in memory)."""
    backups = []
    prepare = maintext.trafilatura.core._prepare_tree

    def spy(tree, options, url):
        cleaned, backup = prepare(tree, options, url)
        backups.append((isinstance(options, maintext._FastProbe), backup is not None))
        return cleaned, backup

    monkeypatch.setattr(maintext.trafilatura.core, "_prepare_tree", spy)
    extract(RAIL_PAGE, URL)
    assert (True, False) in backups and (False, True) in backups
    assert all(kept != fast for fast, kept in backups)


@pytest.mark.parametrize("page", [RAIL_PAGE, SHORT_PAGE], ids=["long", "short"])
def test_only_the_full_mode_copies_the_whole_cleaned_tree(page, monkeypatch, caplog):
    """trafilatura copies the cleaned tree for its rescue of wild text after a short main pass,
    which the fast mode never keeps: the full mode runs after it on such a page. The fast
    attempt ends quietly."""
    runs = trafilatura_runs(monkeypatch)
    copied = []
    real = maintext.deepcopy

    def spy(element, memo=None):
        if element.getparent() is None:
            copied.append((runs[-1], element.tag))
        return real(element, memo)

    monkeypatch.setattr(maintext, "deepcopy", spy)
    article = extract(page, URL)
    assert runs == ["fast", "full"]
    assert copied == [("full", "html")]
    assert article == full_mode_only(page, monkeypatch)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(SHORT_PAGE, id="short text: the fast mode rescues wild text differently"),
        pytest.param(RAIL_PAGE, id="more text beside the article: readability might win"),
    ],
)
def test_trafilatura_full_mode_decides_where_the_fast_mode_could_differ(page, monkeypatch):
    runs = trafilatura_runs(monkeypatch)
    article = extract(page, URL)
    assert runs == ["fast", "full"]
    assert article == full_mode_only(page, monkeypatch)


# --- what the sorting of blocks keeps at the end, twice, and in table cells --------------------

QUESTION = "Was hat Sie an der Arbeit als Vermittlerin zuerst gereizt?"


def interview_page(answers: list[str], closing: str = "") -> str:
    """An interview that asks the same question of several people, then an optional last block."""
    parts = "".join(f"<h2>Gesprächspartnerin {i}</h2><p>{QUESTION}</p><p>{a}</p>"
                    for i, a in enumerate(answers, 1))  # fmt: skip
    return f"""<html lang="de"><head><meta property="og:type" content="article"></head><body>
    <article><h1>Drei Stimmen aus Genf</h1><p>{BODY[0]}</p>{parts}{closing}</article>
    </body></html>"""


def test_a_question_asked_again_further_on_is_kept_every_time():
    answers = [BODY[2], BODY[5], SAID]
    article = extract(interview_page(answers), "https://example.org/stimmen")
    assert article.body.count(QUESTION) == 3
    assert [p for p in article.body if p in answers] == answers


def test_a_block_printed_twice_in_a_row_is_kept_once():
    doubled = f"<p>{BODY[2]}</p><p>{BODY[2]}</p>"
    article = extract(boxed_page(doubled), "https://example.org/genf")
    assert article.body.count(BODY[2]) == 1


@pytest.mark.parametrize(
    ("kind", "text", "kept"),
    [
        pytest.param("head", "Noch mehr Genf-Meldungen", False, id="a box title: noise"),
        pytest.param("head", "Eine Einigung ist in Sicht.", True, id="a sentence: text"),
    ],
)
def test_a_heading_left_at_the_end_is_text_only_when_it_is_a_sentence(kind, text, kept):
    found = [maintext.Block("p", p, 0.0, i) for i, p in enumerate(BODY[:3:2])]
    body, noise, _ = bodylib.sort([*found, maintext.Block(kind, text, 0.0, 2)], [HEADLINE])
    assert (text in body) is kept
    assert (text in noise) is not kept


def test_a_list_inside_a_table_cell_is_read_as_the_cells_text():
    row = etree.fromstring(
        "<row><cell><head>Dolmetscher</head><p>Wer übersetzt, wenn die Delegationen tagen.</p>"
        "</cell><cell><list><item>Zwei pro Seite</item></list></cell></row>"
    )
    lines = [text for text, _ in maintext._lines(row)]
    assert lines == ["Dolmetscher", "Wer übersetzt, wenn die Delegationen tagen.", "Zwei pro Seite"]


PAYWALL = """<html><head><meta property="og:type" content="article"><title>Ein Hafen wird kleiner</title>
</head><body><main><h1>Ein Hafen wird kleiner</h1><div class="column"><div class="snippet">
<div class="teaser-body"><p>Der alte Fischereihafen soll in den kommenden Jahren um ein Drittel schrumpfen,
weil die Flotte seit Langem kleiner wird und die Kais verfallen.</p>
<p>Die Stadt plant an seiner Stelle Wohnungen, einen Park und eine neue Promenade entlang des Wassers,
die Bauarbeiten sollen im Fr\u00fchjahr beginnen.</p></div>
<div class="login"><span>Den ganzen Text lesen</span><a href="/abo">Subscribe</a></div>
</div></div></main></body></html>"""


def test_a_paywall_teaser_stays_when_its_subscribe_box_is_removed():
    article = extract(PAYWALL, "https://example.org/hafen")
    text = " ".join([article.lead, *article.body])
    assert "um ein Drittel schrumpfen" in text
    assert "eine neue Promenade" in text
    assert "Subscribe" not in text


def test_a_tables_blank_text_and_presentational_attributes_go_after_parsing_its_text_stays():
    from monitor.extract.article import _parse

    cells = "".join(f'\n  <td width="20" valign="top" class="c">Zelle {k}</td>' for k in range(3))
    page = f'<html><body><table border="1">\n<tr>{cells}\n</tr>\n</table></body></html>'
    root = _parse(page.encode(), None)
    table = root.find(".//table")
    assert table.get("border") is None and table.text is None
    assert [c.attrib for c in table.iter("td")] == [{"class": "c"}] * 3
    assert all(c.tail is None for c in table.iter("td", "tr"))
    assert [c.text for c in table.iter("td")] == ["Zelle 0", "Zelle 1", "Zelle 2"]
