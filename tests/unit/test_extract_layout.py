"""Page layouts that fooled the extractor: a lead box around the whole text, a headline printed
more than once, update lines above the lead (issue 16, classes 4, 11 and 12)."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from monitor.diff.corrections import is_correction
from monitor.errors import ExtractionError
from monitor.extract.article import extract
from monitor.extract.noise import is_editor_note, is_noise
from monitor.extract.prune import prune

URL = "https://news.example/2026/ferry-service"
LEAD = "The island ferry will stop its night crossings from March, the operator said on Monday."
PARAS = [
    "Fewer than forty passengers a night used the late boats last winter, the operator's figures "
    "show, while the cost of fuel and crews rose by a third.",
    "Residents of the outer villages said the last ferry was their only way home after evening "
    "shifts on the mainland, and asked the council to step in.",
    "The council will discuss a subsidy at its next meeting, a spokesperson said, but warned "
    "that the budget for the coming year was already stretched.",
]


def _page(article: str, head: str = "", description: str = LEAD) -> str:
    meta = f'<meta name="description" content="{description}">' if description else ""
    return (
        f'<html lang="en"><head><title>Ferry ends night crossings</title>{meta}'
        f'<meta property="og:type" content="article"></head><body>{head}{article}</body></html>'
    )


def _paras() -> str:
    return "".join(f"<p>{p}</p>" for p in PARAS)


def test_a_lead_box_around_the_whole_text_stores_the_text_once():
    box = f'<div class="standfirst">{LEAD}<figure><figcaption>The quay</figcaption></figure>'
    html = _page(f"<article><h1>Ferry ends night crossings</h1>{box}{_paras()}</div></article>")
    art = extract(html, URL)
    assert art.lead == LEAD
    text = " ".join([art.lead, *art.body])
    assert all(text.count(p) == 1 for p in PARAS)


def test_a_lead_box_that_opens_with_the_body_is_no_lead():
    box = f'<div class="intro">{"".join(f"{p} " for p in PARAS)}</div>'
    html = _page(f"<article><h1>Ferry ends night crossings</h1>{box}</article>", description="")
    art = extract(html, URL)
    assert " ".join([art.lead, *art.body]).count(PARAS[1]) == 1


def test_the_headline_in_the_article_wins_over_hidden_and_header_copies():
    head = (
        '<header class="site"><h1>Ferry ends night crossings</h1></header>'
        '<div class="mobile-bar" hidden><h1>Ferry ends night crossings</h1></div>'
    )
    article = f"<article><h1>Ferry ends its night crossings</h1><p>{LEAD}</p>{_paras()}</article>"
    art = extract(_page(article, head), URL)
    assert art.headline == "Ferry ends its night crossings"


def test_an_edit_to_the_main_headline_is_seen_when_the_title_stays():
    head = '<header class="sticky"><h1>Ferry ends night crossings</h1></header>'
    before = extract(
        _page(f"<article><h1>Ferry ends night crossings</h1>{_paras()}</article>", head), URL
    )
    after = extract(
        _page(f"<article><h1>Ferry ends all night crossings</h1>{_paras()}</article>", head), URL
    )
    assert before.headline == "Ferry ends night crossings"
    assert after.headline == "Ferry ends all night crossings"


def test_an_update_line_above_the_lead_is_article_text():
    note = "Update, 2:32 p.m.: The operator has agreed to keep one late boat on Fridays."
    html = _page(
        f"<article><h1>Ferry ends night crossings</h1><p>{note}</p><p>{LEAD}</p>{_paras()}</article>"
    )
    art = extract(html, URL)
    assert note in art.body
    assert note not in art.noise
    assert is_correction(note)


def test_an_update_line_above_a_lead_outside_the_body_is_article_text():
    note = "Update, 2:32 p.m.: The operator has agreed to keep one late boat on Fridays."
    header = (
        '<header class="story-head"><h1>Ferry ends night crossings</h1>'
        f'<div class="story-lead"><p><strong>Update, 2:32 p.m.:</strong>{note[18:]}</p>'
        f"<p>{LEAD}</p></div></header>"
    )
    html = _page(f'<article>{header}<div class="article-body">{_paras()}</div></article>')
    before = extract(
        _page(
            f"<article>{header.replace(note[18:], '')}"
            f'<div class="article-body">{_paras()}</div></article>'
        ),
        URL,
    )
    art = extract(html, URL)
    assert art.lead == LEAD
    assert art.body == [note, *PARAS]
    assert before.body == PARAS


def test_prune_keeps_a_correction_box_it_would_drop():
    note = "Correction: An earlier version gave the wrong day for the council meeting."
    root = lxml_html.document_fromstring(
        f"<html><body><main><aside><p>{note}</p></aside><aside><p>Most read</p></aside>"
        f"{_paras()}</main></body></html>"
    )
    prune(root)
    assert [a.text_content() for a in root.iter("aside")] == [note]


def test_update_and_correction_lines_are_notes_and_date_stamps_are_noise():
    notes = [
        "Update, 2:32 p.m.: The operator has agreed to keep one late boat on Fridays.",
        "Aktualisiert um 14:32 Uhr: Die Reederei behält eine späte Fähre am Freitag.",
        "Correction: An earlier version gave the wrong day for the council meeting.",
        "Korrektur: In einer früheren Fassung stand ein falscher Sitzungstag.",
    ]
    stamps = ["Stand: 07.12.2026 14:32", "Updated 5 minutes ago", "Updated: 18 Nov 2026 9:38 pm"]
    assert all(is_editor_note(n) and not is_noise(n) and is_correction(n) for n in notes)
    assert all(is_noise(s) and not is_editor_note(s) for s in stamps)


RELATED = [
    ("Harbour dredging to start in spring", "The channel will be closed for two weeks in April."),
    ("New timetable for the island buses", "Buses will meet every ferry from the first of May on."),
    ("Council votes on parking fees", "Visitors would pay more in summer under the plan."),
    ("Lifeboat crew trains at night", "Volunteers practised a rescue off the northern cliffs."),
]


def _related() -> str:
    boxes = "".join(
        f'<li><h3><a href="/{i}">{title}</a></h3><p>{summary}</p></li>'
        for i, (title, summary) in enumerate(RELATED)
    )
    return f"<ul>{boxes}</ul>"


def test_an_article_beside_related_teasers_is_no_index_page():
    # The text stands in <div>s, not <p>s: the teasers' summaries hold most of the <p> text,
    # but not the text extraction keeps.
    text = "".join(f"<div>{p}</div>" for p in [LEAD, *PARAS])
    html = _page(f"<main><h1>Ferry ends night crossings</h1>{text}{_related()}</main>", "", "")
    html = html.replace('content="article"', 'content="website"')
    art = extract(html, URL)
    assert PARAS[2] in art.body


def test_a_page_of_teasers_is_an_index_page():
    teasers = _related() * 2
    html = _page(f"<main><h1>Island news</h1>{teasers}</main>", "", "").replace(
        'content="article"', 'content="website"'
    )
    with pytest.raises(ExtractionError, match="index page"):
        extract(html, URL)


DEK = "Night crossings end in March as passenger numbers fall and fuel costs rise"


def _headed(head: str, text: str, description: str = LEAD) -> str:
    """A page whose headline box stands above the article, apart from its text."""
    return _page(
        f'<div class="head"><h1>Ferry ends night crossings</h1>{head}</div>'
        f'<article><div class="article-body">{text}</div></article>',
        description=description,
    )


def test_a_subtitle_under_the_headline_leads_the_text():
    head = f'<div><h2 class="dek">{DEK}</h2></div><p class="byline">By Ann Reporter</p>'
    art = extract(_headed(head, f"<p>{LEAD}</p>{_paras()}"), URL)
    assert art.lead == DEK  # in reading order: the lead found below it opens the body
    assert art.body == [LEAD, *PARAS]


def test_a_subtitle_is_the_lead_of_a_page_without_one():
    dek = "Operators say the late boats carried fewer than forty people on most winter nights."
    art = extract(_headed(f'<div class="teaser"><p>{dek}</p></div>', _paras(), ""), URL)
    assert art.lead == dek
    assert art.body == PARAS


@pytest.mark.parametrize(
    "head",
    [
        '<h2 class="dek">Ferry ends night crossings on the island</h2>',  # the headline again
        '<div class="meta"><div class="promo"><p>Chat with our newsroom on your phone and hear '
        "the news as it breaks.</p></div></div>",  # a box in a box: no subtitle
        '<p class="date">Updated 14:32 GMT (09:32 ET) 3 March 2026, 2 minutes ago.</p>',
        f'<p><a href="/other">{DEK}.</a></p>',  # a link to another page
        f'<p class="byline">By Ann Reporter and the night desk of the island paper</p><h2>{DEK}</h2>',
    ],
)
def test_lines_under_the_headline_that_are_no_subtitle_stay_out(head):
    art = extract(_headed(head, f"<p>{LEAD}</p>{_paras()}"), URL)
    assert art.lead == LEAD
    assert art.body == PARAS


def test_a_subtitle_counts_only_on_the_way_to_the_text():
    # Far from the headline, past a long run of other boxes, a sentence is not its subtitle.
    boxes = "".join(f"<div><span>Label {i}</span></div>" for i in range(70))
    art = extract(_headed(f"{boxes}<div><h2>{DEK}</h2></div>", _paras()), URL)
    assert DEK not in [art.lead, *art.body]


def test_a_login_dialog_named_by_its_module_is_no_article_text():
    # zdf.de's video pages carry the "Mein ZDF" login as <article> panels in a closed dialog;
    # the content extractor took their messages ("Passwort geändert") for the text.
    panels = "".join(
        f'<article class="dark-modal"><h2>{title}</h2><p>{text}</p></article>'
        for title, text in [
            ("Password changed", "Your password was changed. You can now sign in with it."),
            ("Registration complete", "Welcome! We have sent you an e-mail to confirm it."),
            ("Check your age", "To watch age-restricted programmes, verify your age now."),
        ]
    )
    dialog = f'<div id="login" data-module="dialog-login"><div>{panels}</div></div>'
    article = f'<div class="page"><h1>Ferry ends night crossings</h1><p>{LEAD}</p>{_paras()}</div>'
    art = extract(_page(article + dialog), URL)
    assert art.body == PARAS
    assert not any("password" in p.lower() for p in art.body)
    # A module merely starting with the letters ("bloginfo") is no dialog.
    info = article.replace(_paras(), f'<div data-module="bloginfo">{_paras()}</div>')
    assert extract(_page(info), URL).body == PARAS
