"""Noise inside the article: ad boxes, comment counters, video cards, a body split in parts.
Every page here is original text written for these tests."""

from __future__ import annotations

from lxml import html

from monitor.extract.article import extract
from monitor.extract.boxes import is_ad_naming
from monitor.extract.liveblog import _long
from monitor.extract.noise import is_call_label, is_noise
from monitor.extract.prune import prune
from monitor.extract.words import overlap, similarity, word_set

URL = "https://news.example.org/2025/06/library-hours.html"
P = [
    "The council voted on Tuesday evening to extend the opening hours of the central library.",
    "Members said that many residents had asked for later hours to borrow books after work.",
    "The new hours apply on weekdays only, while the weekend schedule stays as it was before.",
    "A spokesperson added that two more staff would be hired to cover the evening shifts.",
    "The change takes effect next month and will be reviewed after a trial of half a year.",
]


def _page(article: str) -> str:
    return (
        "<html><head><title>Library hours extended</title></head><body>"
        '<header><a href="/">Home</a></header><main><article>'
        f"<h1>Library hours extended</h1>{article}</article></main><footer>Contact</footer>"
        "</body></html>"
    )


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def _text(article: str) -> list[str]:
    found = extract(_page(article), URL)
    return [found.lead, *found.body] if found.lead else found.body


def test_an_ad_box_named_by_its_attributes_is_not_body_text() -> None:
    for marker in ('data-ad-slot="mid-1"', 'class="ad-slot"', 'id="inline-ad"', 'class="ads"'):
        box = f"<div {marker}><p>Fresh lemonade, two for one at every corner shop this week!</p></div>"
        assert _text(_paragraphs(P[:2]) + box + _paragraphs(P[2:])) == P


def test_a_box_labelled_as_an_ad_is_not_body_text() -> None:
    for label in ("Anzeige", "Advertisement", "Sponsored", "Werbung"):
        box = (
            f"<div><span>{label}</span><p>Sunny holidays by the lake, book now and save.</p></div>"
        )
        assert _text(_paragraphs(P[:2]) + box + _paragraphs(P[2:])) == P


def test_words_like_ad_inside_other_names_do_not_mark_an_ad() -> None:
    assert is_ad_naming("class", "ad-slot") and is_ad_naming("data-ad-unit", "x")
    assert is_ad_naming("class", "teaser inline-ad")
    assert not is_ad_naming("class", "article-header thread load-more")
    assert not is_ad_naming("class", "no-ads ad-free")
    assert not is_ad_naming("data-adaptive", "1")


def test_a_comment_counter_beside_the_headline_is_not_the_lead() -> None:
    assert is_noise("12 comments") and is_noise("Kommentare (3)")
    assert not is_noise("12 comments were sent to the council before the vote.")
    counter = '<a class="comment-count" href="#comments">12 comments</a>'
    assert _text(counter + _paragraphs(P)) == P


def test_video_cards_after_the_article_are_not_body_text() -> None:
    cards = "".join(
        f'<div class="video-teaser"><a href="/v/{n}">A short clip about the town fair {n}</a>'
        f"<span>0{n}:31</span><span>0{n}.05.2025</span></div>"
        for n in (1, 2)
    )
    page = _page(_paragraphs(P) + f"<section><h2>Videos</h2>{cards}</section>")
    root = html.fromstring(page)
    prune(root)
    assert "town fair" not in root.text_content() and "01:31" not in root.text_content()
    assert _text(_paragraphs(P) + f"<section><h2>Videos</h2>{cards}</section>") == P


def test_a_bare_time_outside_video_boxes_stays() -> None:
    entry = '<div class="entry"><span>14:32</span><p>The mayor opened the fair.</p></div>'
    root = html.fromstring(_page(_paragraphs(P) + entry))
    prune(root)
    assert "14:32" in root.text_content()


def test_a_body_split_over_sibling_containers_is_kept_whole_and_in_order() -> None:
    first = _paragraphs([P[0], P[1], f"{P[0]} {P[1]}"])
    article = (
        f'<div class="article-body">{first}</div>'
        '<div class="promo"><img src="/p.jpg"><span>Photo: a reader</span></div>'
        f'<div class="article-body">{_paragraphs(P[2:])}</div>'
    )
    page = _page(article).replace("<main><article>", "<div>").replace("</article></main>", "</div>")
    found = extract(page, URL)
    text = [found.lead, *found.body] if found.lead else found.body
    assert text == [P[0], P[1], f"{P[0]} {P[1]}", *P[2:]]


def test_a_body_split_over_wrapped_sections_is_kept_whole_with_its_headings() -> None:
    # One module per section, the text in a named box beside the section's heading, pictures
    # between the modules: the modules are joined, then the section boxes inside them.
    sections = [("Harbour works", P[:2]), ("Night service", P[2:3]), ("What comes next", P[3:])]
    modules = "<div class='module module-pictures'><img src='/p.jpg'></div>".join(
        f'<div class="module module-text"><div class="section"><div class="heading"><h2>{h}</h2>'
        f'</div><div class="entry-text">{_paragraphs(ps)}</div></div></div>'
        for h, ps in sections
    )
    page = _page(modules).replace("<main><article>", "<div>").replace("</article></main>", "</div>")
    found = extract(page, URL)
    text = [found.lead, *found.body] if found.lead else found.body
    expected = [line for h, ps in sections for line in (h, *ps)]
    assert [t for t in text if t in expected] == [t for t in expected if t in text]
    assert all(p in text for p in P)
    root = html.fromstring(page)
    prune(root)
    assert len(root.find_class("module-text")) == 1 and len(root.find_class("section")) == 1


def test_a_live_blog_entry_in_a_script_without_spaces_is_long_enough() -> None:
    entry = html.fromstring("<div><p>市の図書館は来月から夜九時まで開館します。</p></div>")
    assert _long(entry)
    assert not _long(html.fromstring("<div><p>速報</p></div>"))


def test_lines_with_and_without_the_words_of_the_slow_patterns() -> None:
    # The slow patterns run only on lines that hold one of their words.
    assert is_noise("Unabhängiger Journalismus kostet Geld. Jetzt unterstützen")
    assert is_noise("Aktuelle Meldungen finden Sie in unserem Liveblog.")
    assert is_noise("Foto: Archiv")  # a plain pattern, no slow word
    assert not is_noise(P[0])
    # "ſ" matches "s" case-blind, so such a line is tried against every pattern
    assert is_noise("Jetzt unterſtützen")
    assert is_noise("---")
    assert not is_noise("Sie sagte: Wir bleiben, die Wahl ist erst im Herbst entschieden.")


def test_a_description_is_compared_by_its_prepared_word_set() -> None:
    described = word_set("Der Rat verlängert die Öffnungszeiten der Bibliothek.")
    same = "Die Öffnungszeiten der Bibliothek verlängert der Rat"
    assert overlap(word_set(same), described) == similarity(
        same, "Der Rat verlängert die Öffnungszeiten der Bibliothek."
    )
    assert overlap(word_set(same), described) == 1.0
    assert overlap(set(), described) == 0.0


def test_call_label_is_normalized_and_kept_short():
    assert is_call_label("  Jetzt\u00a0 abonnieren ")  # spaces as a menu prints them
    assert is_call_label("Join our channel")
    assert not is_call_label("Harbour map")
    assert not is_call_label("Subscribe " + "x" * 200)  # a long text is no button's label
