"""Alert messages as people read them: compact, right markers per format, page text inert."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown
import pytest
from apprise import NotifyFormat
from apprise.conversion import convert_between

from monitor.diff.core import diff_articles
from monitor.items import Article
from monitor.notify.formats import FORMATS
from monitor.notify.messages import DIFF_BUDGET, TITLE_LIMIT, AlertContent, label, render

URL = "https://www.zdfheute.de/politik/ausland/genf-gespraeche-100.html"
OLD = Article(
    url=URL,
    headline="Delegationen treffen sich erneut in Genf",
    lead="Die zweite Runde beginnt am Montag.",
    body=["Erster Absatz über die Gespräche.", "Zweiter Absatz mit Details zur Agenda."],
)


def change(headline: str = "Delegationen treffen sich zum dritten Mal in Genf", **fields):
    new = Article(**{**OLD.__dict__, "headline": headline, **fields})
    diff = diff_articles(OLD, new)
    return AlertContent(
        source="zdf",
        categories=diff.categories,
        headline=new.headline,
        url=URL,
        diff=diff,
        matched=["Genf"],
        rule="ukraine-talks",
        detected_at="2026-11-23T10:42:00+00:00",
    )


# --- what a headline change looks like in each format -----------------------------------

MARKERS = [
    ("text", "Delegationen treffen sich [-erneut-] {+zum dritten Mal+} in Genf"),
    ("markdown", "Delegationen treffen sich ~~erneut~~ **zum dritten Mal** in Genf"),
    ("slack", "Delegationen treffen sich ~erneut~ *zum dritten Mal* in Genf"),
    (
        "html",
        'Delegationen treffen sich <del style="color:#a00">erneut</del> '
        '<ins style="color:#070">zum dritten Mal</ins> in Genf',
    ),
]


@pytest.mark.parametrize(("fmt", "expected"), MARKERS)
def test_a_headline_change_shows_removed_and_added_words_in_each_format(fmt, expected):
    title, body = render([change()], fmt)
    assert expected in body
    assert title == "zdf: headline changed – Delegationen treffen sich zum dritten Mal in Genf"


def test_the_slack_message_for_a_headline_change_is_exactly_this():
    assert render([change()], "slack")[1] == (
        "*zdf* · headline changed\n"
        f"*<{URL}|Delegationen treffen sich zum dritten Mal in Genf>*\n"
        "Headline: Delegationen treffen sich ~erneut~ *zum dritten Mal* in Genf\n"
        "Matched: Genf · rule ukraine-talks · 23 Nov 10:42 UTC"
    )


def test_the_plain_text_message_ends_with_the_link_on_its_own_line():
    assert render([change()], "text")[1] == (
        "zdf · headline changed\n"
        "Delegationen treffen sich zum dritten Mal in Genf\n"
        "Headline: Delegationen treffen sich [-erneut-] {+zum dritten Mal+} in Genf\n"
        "Matched: Genf · rule ukraine-talks · 23 Nov 10:42 UTC\n"
        f"{URL}"
    )


def test_the_email_html_becomes_a_text_part_with_its_own_markers():
    # apprise derives the plain-text part of a mail from the HTML; <del>/<ins> vanish there.
    _, body = render([change()], "email")
    assert "<del" in body and "<ins" in body
    text = convert_between(NotifyFormat.HTML, NotifyFormat.TEXT, body)
    assert "Delegationen treffen sich [-erneut-] {+zum dritten Mal+} in Genf" in text
    assert text.splitlines()[-1] == URL


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (["headline"], "headline changed"),
        (["correction"], "correction added"),
        (["body_added"], "paragraph added"),
        (["new"], "new article"),
        (["removed"], "taken down"),
        (["restored", "body_edited"], "back online, text edited"),
        (["headline", "headline", "lead"], "headline changed, lead changed"),
        (["something_else"], "something else"),
    ],
)
def test_labels_say_what_happened_in_words(categories, expected):
    assert label(categories) == expected


def test_a_new_article_shows_its_lead_briefly():
    alert = AlertContent("zdf", ["new"], "Neu", URL, None, ["Genf"], "r", "2026-11-23T10:00:00Z")
    alert.lead = "Wort " * 100
    _, body = render([alert], "text")
    assert "new article" in body and body.count("Wort") == 40 and "Wort …" in body


def test_a_health_alert_sends_its_message_line_by_line():
    alert = AlertContent(
        "zdf",
        ["health"],
        "",
        "",
        None,
        [],
        "",
        "2026-11-23T10:00:00Z",
        message="5 failures\nHTTP 503",
    )
    title, body = render([alert], "slack")
    assert title == "zdf: source health – 5 failures"
    assert body.splitlines()[:3] == ["*zdf* · source health", "5 failures", "HTTP 503"]


# --- several alerts in one message ------------------------------------------------------


def test_several_alerts_become_one_message_grouped_by_article():
    other = AlertContent("tagesschau", ["new"], "Anderer Artikel", "https://t.example/a", None,
                         ["Genf"], "r", "2026-11-23T11:00:00Z", lead="Ein Lead.")  # fmt: skip
    first = change()
    second = change(body=[*OLD.body, "Update 12:00 Uhr: Ein neuer Absatz."])
    second.detected_at = "2026-11-23T12:00:00+00:00"
    title, body = render([first, other, second], "text")
    assert title == "newsmon: 3 alerts on 2 stories (zdf, tagesschau)"
    blocks = body.split("\n\n")
    assert len(blocks) == 2 and blocks[0].startswith("zdf ·") and blocks[1].startswith("tagesschau")
    # Both zdf alerts in one block, oldest first.
    assert blocks[0].index("23 Nov 10:42 UTC · headline changed:") < blocks[0].index("12:00 UTC")


def test_one_change_that_fired_two_rules_is_shown_once_with_both_rules():
    a, b = change(), change()
    b.rule, b.matched = "geneva", ["Delegationen"]
    _, body = render([a, b], "text")
    assert body.count("Headline:") == 1
    assert "Matched: Genf, Delegationen · rule ukraine-talks, geneva" in body


def test_a_long_diff_is_cut_with_a_count_of_what_was_left_out():
    paragraphs = [
        f"Absatz {i} über die Lage in Genf mit vielen weiteren Worten dazu." for i in range(60)
    ]
    alert = change(body=[*OLD.body, *paragraphs])
    for fmt in FORMATS:
        _, body = render([alert], fmt)
        assert re.search(r"…and \d+ more changes", body), fmt
    text = render([alert], "text")[1]
    shown = [line for line in text.splitlines() if line.startswith("¶")]
    assert sum(len(line) for line in shown) <= DIFF_BUDGET
    assert shown[0].startswith("¶3 added")  # in reading order


def test_a_slack_message_never_exceeds_what_a_slack_section_takes():
    alerts = []
    for i in range(40):
        alert = change(body=[*OLD.body, f"Neuer Absatz {i} " + "& < > " * 150])
        alert.url = f"{URL}?n={i}"
        alerts.append(alert)
    _, body = render(alerts, "slack")
    assert len(body) <= 3000
    assert re.search(r"…and \d+ more stories", body)


# --- page text arrives inert ------------------------------------------------------------

INJECTIONS = [
    "<!channel> Eilmeldung",
    "Hallo <@U123> und <!here|here>",
    "Das ist *fett* und _kursiv_ und ~weg~ und `code`",
    "Bitte <http://evil.example|hier klicken>",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "[hier klicken](http://evil.example) und ![bild](http://evil.example/x.png)",
    "Text mit \u202eetxet\u202c und \u2066isoliert\u2069 Richtung",
    "Steuer\x00zeichen\x1b[31m und \x07 Glocke\r\nneue Zeile",
    "Tom & Jerry &amp; &lt;b&gt; @channel @here",
]


def alert_with(text: str) -> AlertContent:
    # The text in the headline (shown whole) and in an added paragraph (shown as a diff).
    return change(headline=text, body=[*OLD.body, f"Absatz mit {text} darin."])


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.hrefs |= {v for k, v in attrs if k in ("href", "src")}


@pytest.mark.parametrize("text", INJECTIONS)
def test_page_text_cannot_make_slack_markup(text):
    _, body = render([alert_with(text)], "slack")
    # The only <…> is our own link to the article; entities are only the three escapes.
    assert re.findall(r"<([^>]*)>", body) == [
        f"{URL}|{m}" for m in re.findall(rf"<{re.escape(URL)}\|([^>]*)>", body)
    ]
    assert set(re.findall(r"&\w+;", body)) <= {"&amp;", "&lt;", "&gt;"}
    assert "*fett*" not in body and "_kursiv_" not in body and "~weg~" not in body
    assert "`" not in body
    assert "@channel" not in body and "@here" not in body


@pytest.mark.parametrize("fmt", ["html", "email"])
@pytest.mark.parametrize("text", INJECTIONS)
def test_page_text_cannot_make_html(fmt, text):
    _, body = render([alert_with(text)], fmt)
    parsed = Tags(body)
    assert parsed.tags <= {"p", "br", "b", "a", "del", "ins", "span"}
    assert parsed.hrefs == {URL}


@pytest.mark.parametrize("text", INJECTIONS)
def test_page_text_cannot_make_markdown(text):
    _, body = render([alert_with(text)], "markdown")
    parsed = Tags(markdown.markdown(body))
    assert parsed.tags <= {"p", "strong", "a"}  # ~~ is not CommonMark: it stays text there
    assert parsed.hrefs == {URL}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", INJECTIONS)
def test_no_control_or_direction_characters_reach_any_format(fmt, text):
    title, body = render([alert_with(text)], fmt)
    for out in (title, body):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_enormous_headline_is_capped(fmt):
    title, body = render([alert_with("Genf " * 2000)], fmt)
    assert len(title) <= TITLE_LIMIT and title.endswith("…")
    assert len(body) < 5000


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "https://x.example/a b", ""]
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_article_link_is_made_only_for_a_plain_http_url(fmt, url):
    alert = change()
    alert.url = url
    _, body = render([alert], fmt)
    assert "javascript:" not in body and "data:" not in body
    assert "href" not in body and "](" not in body and "|Delegationen" not in body


# --- a story's alerts -------------------------------------------------------------------

EVENT = "Delegationen treffen sich in Genf"


def story_new(source: str, n: int, headline: str, role: str = "report", agency: str = "",
              seen: str = "2026-11-23T10:00:00+00:00") -> AlertContent:  # fmt: skip
    """A story's alert on an outlet's new article of event 7."""
    return AlertContent(
        source=source,
        categories=["new"],
        headline=headline,
        url=f"https://{source}.example/genf-{n}.html",
        diff=None,
        matched=["Genf"],
        rule="",
        detected_at="2026-11-23T10:50:00+00:00",
        lead="Ein Lead, der hier nicht gezeigt wird.",
        timeline_url=f"http://127.0.0.1:8001/-/newsmon/article/{n}",
        story="ukraine-talks",
        event_id=7,
        event=EVENT,
        role=role,
        agency=agency,
        seen=seen,
    )


def three_outlets() -> list[AlertContent]:
    # Pending in id order, which is not the order the outlets published in.
    return [
        story_new("ard", 2, "Neue Gesprächsrunde in Genf", "agency", "dpa", "2026-11-23T10:20Z"),
        story_new("zdf", 1, EVENT, "first", "", "2026-11-23T10:00:00+00:00"),
        story_new("spiegel", 3, "Genf: Unterhändler am See", "rewrite", "dpa", "2026-11-23T10:40Z"),
    ]


def test_a_story_alert_names_the_story_and_its_event_instead_of_a_rule():
    alert = change()
    alert.rule, alert.story, alert.event_id = "", "ukraine-talks", 7
    alert.event, alert.role, alert.agency = "Unterhändler beraten in Genf", "agency", "AFP"
    title, body = render([alert], "text")
    assert title == (
        "ukraine-talks · zdf: headline changed – Delegationen treffen sich zum dritten Mal in Genf"
    )
    assert (
        "Matched: Genf · story ukraine-talks · event: Unterhändler beraten in Genf (AFP copy)"
        in body
    )
    assert "rule" not in body
    # An edit stays one article's alert, with its words.
    assert "Headline: Delegationen treffen sich [-erneut-] {+zum dritten Mal+} in Genf" in body


def test_three_outlets_new_articles_of_one_event_fold_into_one_block_in_first_seen_order():
    title, body = render(three_outlets(), "text")
    assert title == f"ukraine-talks: 3 outlets now report – {EVENT}"
    assert body.splitlines() == [
        f"ukraine-talks · 3 outlets now report: {EVENT}",
        f"zdf · {EVENT} (first to report, 23 Nov 10:00 UTC) https://zdf.example/genf-1.html "
        "timeline http://127.0.0.1:8001/-/newsmon/article/1",
        "ard · Neue Gesprächsrunde in Genf (dpa copy, 23 Nov 10:20 UTC) "
        "https://ard.example/genf-2.html timeline http://127.0.0.1:8001/-/newsmon/article/2",
        "spiegel · Genf: Unterhändler am See (rewrites dpa, 23 Nov 10:40 UTC) "
        "https://spiegel.example/genf-3.html timeline http://127.0.0.1:8001/-/newsmon/article/3",
        "Matched: Genf · story ukraine-talks · 23 Nov 10:50 UTC",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_folded_event_reads_the_same_in_every_format(fmt):
    _, body = render(three_outlets(), fmt)
    assert "3 outlets now report:" in body
    assert body.count("outlets now report") == 1
    positions = [body.index(f"https://{s}.example/genf-") for s in ("zdf", "ard", "spiegel")]
    assert positions == sorted(positions)
    for n in (1, 2, 3):
        assert f"http://127.0.0.1:8001/-/newsmon/article/{n}" in body
    assert "Ein Lead" not in body  # one line per outlet: no leads


def test_an_edit_pending_with_the_new_articles_stays_a_block_of_its_own():
    edit = change()
    edit.rule, edit.story, edit.event_id, edit.event = "", "ukraine-talks", 7, EVENT
    edit.url = "https://zdf.example/genf-1.html"
    title, body = render([*three_outlets(), edit], "text")
    assert title == "ukraine-talks: 4 alerts on 3 articles (zdf, ard, spiegel)"
    fold, edited = body.split("\n\n")
    assert fold.startswith("ukraine-talks · 3 outlets now report:") and "Headline:" not in fold
    assert edited.startswith("zdf · headline changed")
    assert "Headline: Delegationen treffen sich [-erneut-] {+zum dritten Mal+} in Genf" in edited


def test_only_new_articles_of_one_event_from_two_or_more_outlets_fold():
    one, two = story_new("zdf", 1, "Eins"), story_new("zdf", 2, "Zwei")
    _, body = render([one, two], "text")  # one outlet, two articles: no "outlets now report"
    assert "outlets now report" not in body and body.count("zdf · new article") == 2
    other = story_new("ard", 3, "Drei")
    other.event_id = 8  # another event of the story
    _, body = render([one, other], "text")
    assert "outlets now report" not in body
    rule_alert = story_new("ard", 3, "Drei")
    rule_alert.story, rule_alert.rule = "", "talks"  # a rule's alert has no story
    _, body = render([one, rule_alert], "text")
    assert "outlets now report" not in body


def test_a_rule_and_the_story_firing_on_one_new_article_show_it_once():
    by_rule = story_new("zdf", 1, EVENT, "first")
    by_rule.story, by_rule.event_id, by_rule.rule, by_rule.matched = "", None, "talks", ["Waffe"]
    alerts = [by_rule, *three_outlets()]
    _, body = render(alerts, "text")
    assert body.count("https://zdf.example/genf-1.html") == 1
    assert "Matched: Waffe, Genf · rule talks · story ukraine-talks" in body


HOSTILE = [
    "<!channel> *fett* _k_ ~weg~ `code` @here",
    "<script>alert(1)</script><a href=http://evil.example>x</a>",
    "[hier](http://evil.example) ![b](http://evil.example/x.png) \u202eetxet\u202c",
]


def hostile_fold(text: str) -> list[AlertContent]:
    alerts = three_outlets()
    for alert in alerts:
        alert.headline, alert.event, alert.agency = f"{alert.headline} {text}", text, text
    alerts[1].source = text
    return alerts


def fold_links() -> set[str]:
    return {a.url for a in three_outlets()} | {a.timeline_url for a in three_outlets()}


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_headlines_in_a_fold_stay_text_in_slack(text):
    _, body = render(hostile_fold(text), "slack")
    links = {m.split("|")[0] for m in re.findall(r"<([^>]*)>", body)}
    assert links == fold_links()
    assert set(re.findall(r"&\w+;", body)) <= {"&amp;", "&lt;", "&gt;"}
    assert "*fett*" not in body and "~weg~" not in body and "`" not in body
    assert "@here" not in body and "<!channel>" not in body


@pytest.mark.parametrize("fmt", ["html", "email"])
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_headlines_in_a_fold_make_no_html(fmt, text):
    _, body = render(hostile_fold(text), fmt)
    parsed = Tags(body)
    assert parsed.tags <= {"p", "br", "b", "a", "del", "ins", "span"}
    assert parsed.hrefs == fold_links()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_headlines_in_a_fold_make_no_markdown(text):
    _, body = render(hostile_fold(text), "markdown")
    parsed = Tags(markdown.markdown(body))
    assert parsed.tags <= {"p", "strong", "a"}
    assert parsed.hrefs == fold_links()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_headlines_in_a_fold_leave_no_direction_marks(fmt, text):
    title, body = render(hostile_fold(text), fmt)
    for out in (title, body):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_fold_of_many_outlets_keeps_to_the_size_limit_and_says_how_many_were_left_out(fmt):
    alerts = [
        story_new(f"outlet{i}", i, "Genf " * 80, seen=f"2026-11-23T10:{i:02d}:00+00:00")
        for i in range(60)
    ]
    title, body = render(alerts, fmt)
    assert len(title) <= TITLE_LIMIT
    assert "60 outlets now report" in body
    limit = 2900 if fmt == "slack" else 20000
    assert len(body) <= limit
    left = re.search(r"…and (\d+) more outlets", body)
    assert left is not None
    shown = set(re.findall(r"outlet(\d+)\.example", body))
    assert shown == {str(i) for i in range(len(shown))}  # the first to appear are kept
    assert len(shown) + int(left.group(1)) == 60
