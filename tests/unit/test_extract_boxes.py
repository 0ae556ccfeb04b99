"""Boxes around pictures, bios and sign-up forms that took article text with them, or stayed
when they were not article text (issue 16: galleries, author bios, subheadings, short posts)."""

from __future__ import annotations

from lxml import html as lxml_html

from monitor.extract.article import extract
from monitor.extract.boxes import text_len, text_of, widget_boxes
from monitor.extract.media import gallery_captions, media_boxes

URL = "https://news.example/2026/harbour-lights"
LEAD = "The old harbour will switch its street lamps to a softer light this spring, the town said."
PARAS = [
    "The new lamps use less power and throw less glare onto the water, where fishing crews "
    "complained for years that they could not see the channel markers at night.",
    "Residents on the quay asked for the change after a survey last autumn, and the town "
    "council agreed to pay for it from the maintenance budget without raising fees.",
    "Work starts in April and should take about six weeks, a spokesperson said, with one side "
    "of the quay kept open for walkers and cyclists throughout.",
]
CAPTIONS = [
    "The east pier at dusk, where the first of the new lamps went up in a trial last month.",
    "A lamp post on the quay with the old orange bulb still in place before the work begins.",
    "Fishing boats moored under the harbour wall, lit only by the lamps of the promenade.",
    "The lighthouse keeper's cottage, which keeps its own lantern as a listed building.",
]


def _page(article: str, description: str = LEAD) -> str:
    meta = f'<meta name="description" content="{description}">' if description else ""
    return (
        f'<html lang="en"><head><title>Harbour lights</title>{meta}'
        f'<meta property="og:type" content="article"></head><body>{article}</body></html>'
    )


def _paras() -> str:
    return "".join(f"<p>{p}</p>" for p in PARAS)


def _text(art) -> str:
    return " ".join([art.lead, *art.body])


def _figure(i: int, caption: str) -> str:
    return f'<figure><img src="/p{i}.jpg"><figcaption>{caption}</figcaption></figure>'


def test_a_gallery_keeps_its_captions_as_its_text():
    slides = "".join(_figure(i, c) for i, c in enumerate(CAPTIONS))
    art = extract(_page(f"<article><h1>Harbour lights</h1><p>{LEAD}</p>{slides}</article>"), URL)
    assert all(caption in _text(art) for caption in CAPTIONS)


def test_an_article_with_a_few_pictures_keeps_its_captions_out():
    pictures = "".join(_figure(i, c) for i, c in enumerate(CAPTIONS[:3]))
    article = f"<article><h1>Harbour lights</h1><p>{LEAD}</p>{pictures}{_paras()}{_paras()}"
    art = extract(_page(f"{article}</article>"), URL)
    assert PARAS[2] in _text(art)
    assert not any(caption in _text(art) for caption in CAPTIONS)


def test_teaser_cards_with_pictures_are_no_gallery():
    cards = "".join(
        f'<figure><img src="/t{i}.jpg"><figcaption><a href="/t{i}">{c}</a></figcaption></figure>'
        for i, c in enumerate(CAPTIONS)
    )
    art = extract(_page(f"<article><h1>Harbour lights</h1><p>{LEAD}</p>{cards}</article>"), URL)
    assert not any(caption in _text(art) for caption in CAPTIONS)


def test_an_author_bio_box_is_not_article_text():
    bio = (
        '<div class="contrib-bio"><p>Mara Lindqvist has reported on coastal towns for a decade '
        "and writes about boats, weather and local councils.</p></div>"
    )
    art = extract(
        _page(f"<article><h1>Harbour lights</h1><p>{LEAD}</p>{_paras()}{bio}</article>"), URL
    )
    assert PARAS[2] in _text(art)
    assert "Mara Lindqvist" not in _text(art)


def test_an_author_tooltip_above_the_text_is_not_the_lead():
    tooltip = (
        '<div class="author-tooltip__bio">Mara Lindqvist has reported on coastal towns for a '
        "decade and writes about boats, weather and the work of local councils.</div>"
    )
    header = f"<header><h1>Harbour lights</h1>{tooltip}</header>"
    art = extract(_page(f"<article>{header}{_paras()}</article>", description=""), URL)
    assert "Mara Lindqvist" not in _text(art)
    assert PARAS[0] in _text(art)


def test_a_subheading_above_the_declared_lead_stays_in_the_body():
    heading = "<h3>Softer street lamps planned for the old harbour this spring</h3>"
    art = extract(_page(f"<article><h1>Harbour lights</h1>{heading}<p>{LEAD}</p>{_paras()}"), URL)
    assert art.lead == LEAD
    assert "Softer street lamps planned for the old harbour this spring" in art.body


def test_a_short_label_above_the_declared_lead_still_goes():
    art = extract(_page(f"<article><h1>Harbour lights</h1><h3>Town news</h3><p>{LEAD}</p>"), URL)
    assert "Town news" not in art.body


def _media_boxes(markup: str) -> list[str | None]:
    """The classes of the media boxes found in `markup`, set in a page's <main>."""
    root = lxml_html.fromstring(f"<html><body><main>{markup}</main></body></html>")
    return [b.get("class") for b in media_boxes(root, set())]


def test_a_picture_beside_a_list_is_no_caption_box():
    row = (
        '<div class="row"><div class="col"><img src="/lamp.jpg"></div><div class="col">'
        "<ul><li>Less glare on the water</li><li>Half the power</li></ul></div></div>"
    )
    assert _media_boxes(row) == []


def test_a_picture_with_its_caption_is_a_caption_box():
    box = '<div class="pic"><img src="/lamp.jpg"><div>The new lamp, seen from the pier.</div></div>'
    assert _media_boxes(box) == ["pic"]


def test_the_text_beside_an_icon_is_no_caption():
    # A feature card (jodel.com's moderation steps, parallels.com's features): an icon, a
    # title and a sentence of the page's own text. A photo in the same card has a caption.
    card = (
        '<div class="card"><img src="/assets/5e99_Shield-Icon.png"><h3>Step one</h3>'
        "<p>Every post is checked against a list of banned words before it is shown.</p></div>"
    )
    assert _media_boxes(card) == []
    assert _media_boxes(card.replace("Shield-Icon.png", "quay.jpg")) == ["card"]


def test_a_caption_box_is_judged_by_its_text_as_read_not_its_length_in_the_markup():
    # Whitespace collapses: a short caption laid out over many lines is still a caption; a
    # picture set in a long text (settled from the text's start) is not.
    caption = "The new lamp,\n" + " " * 4000 + "\n seen from the pier."
    long_text = " ".join(PARAS * 20)
    boxes = (
        f'<div class="pic"><img src="/lamp.jpg"><div>{caption}</div></div>'
        f'<div class="story"><img src="/quay.jpg"><div>{long_text}</div></div>'
    )
    assert _media_boxes(boxes) == ["pic"]


def test_a_sign_up_form_does_not_take_a_short_post_along():
    post = (
        "<p>A reader sent us a picture of the harbour at night, with the first of the softer "
        "lamps lit along the quay. Click through for the full set.</p>"
    )
    form = (
        '<div class="signup"><p>Get our weekly letter</p><form><input type="email" name="email">'
        "</form></div>"
    )
    root = lxml_html.fromstring(f'<html><body><div id="story">{post}{form}</div></body></html>')
    assert [b.get("class") for b in widget_boxes(root, set())] == ["signup"]
    art = extract(_page(f'<h1>Harbour lights</h1><div id="story">{post}{form}</div>', ""), URL)
    assert "first of the softer lamps" in _text(art)
    assert "weekly letter" not in _text(art)


def test_gallery_captions_weigh_their_text_against_the_page_text():
    slides = "".join(_figure(i, c) for i, c in enumerate(CAPTIONS[:3]))
    figures = lxml_html.fromstring(f"<div>{slides}</div>").findall("figure")
    said = sum(text_len(f) for f in figures)
    # The captions outweigh a page text one character shorter than theirs, not one as long.
    assert gallery_captions(figures, said - 1) == set(figures)
    assert gallery_captions(figures, said) == set()
    assert gallery_captions(figures[:2], 0) == set()  # two pictures are no gallery


def test_text_of_reads_a_leaf_and_a_box_as_text_content_does():
    root = lxml_html.fromstring(
        "<div><a>Harbour map</a><p>Lamps <b>dim</b> at <!-- note -->ten</p><span></span></div>"
    )
    for el in root.iter():
        if isinstance(el.tag, str):
            assert text_of(el) == el.text_content()
    assert text_of(root.find("span")) == ""
    assert text_of(root.find("p")) == "Lamps dim at ten"


OTHER_POSTS = [
    (
        "Choir sings the tide tables at the lifeboat station",
        "A choir of forty set the weekly tide tables to music and sang them on the slipway.",
    ),
    (
        "Bakery on the quay turns a hundred this summer",
        "The family that runs it plans a week of free buns and an exhibition of old photos.",
    ),
    (
        "Night ferry timetable returns after the winter",
        "Crossings at ten and midnight come back in May, with a new stop at the island pier.",
    ),
    (
        "Seals spotted in the inner harbour for the first time",
        "Volunteers counted six of them resting on the pontoons early on Sunday morning.",
    ),
]


def _cards(wrapper: str, href: str = "/2026/{i}") -> str:
    cards = "".join(
        f'<div class="card"><h2><a href="{href.format(i=i)}">{title}</a></h2>'
        f'<a href="{href.format(i=i)}"><img src="/c{i}.jpg"></a><p>{text}</p>'
        f'<h3><a href="{href.format(i=i)}">READ THE REST</a></h3></div>'
        for i, (title, text) in enumerate(OTHER_POSTS)
    )
    return f"<div {wrapper}>{cards}</div>"


def test_teaser_cards_for_other_posts_after_a_short_article_stay_out_of_its_text():
    story = f'<div id="text"><p>{LEAD}</p><p>{PARAS[0]}</p></div>'
    art = extract(_page(f"<h1>Harbour lights</h1>{story}{_cards('class=more')}"), URL)
    assert PARAS[0] in _text(art)
    assert not any(text in _text(art) for _, text in OTHER_POSTS)


def test_sections_of_a_roundup_that_open_with_linked_headings_stay_in_its_text():
    # The same cards inside the box the page names as its text: the article's own picks.
    story = f"<p>{LEAD}</p>{_cards('class=card-list', 'https://shop.example/{i}')}"
    art = extract(_page(f'<h1>Harbour lights</h1><div class="post-content">{story}</div>'), URL)
    assert all(text in _text(art) for _, text in OTHER_POSTS)


def test_cards_that_link_to_places_on_the_page_stay_in_its_text():
    story = f'<div id="text"><p>{LEAD}</p>{_cards("class=entries", "#entry-{i}")}</div>'
    art = extract(_page(f"<h1>Harbour lights</h1>{story}"), URL)
    assert all(text in _text(art) for _, text in OTHER_POSTS)
