"""Hostile content and hostile config: what a page or a config can do to newsmon, and can't.

Pages: every field that reaches a message (source, headline, kicker, lead, matched terms,
URL, rule, diff words, correction text, health texts) gets each injection in every format,
by hand and by Hypothesis; then a real crawl of hostile pages delivers real mail and
webhooks, and stores every word. Config: unknown keys, wrong types, regexes that backtrack,
missing files, secrets in the wrong place. Datasette: JSON and CSV never carry the pages.
"""

from __future__ import annotations

import html
import json
import logging
import re
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from conftest import ROOT, SAMPLE_CONFIG, cli_runner, rows
from hypothesis import given, settings
from hypothesis import strategies as st
from receivers import HttpReceiver, SmtpReceiver
from served import free_port, serve

from monitor.config import load_config, parse_config
from monitor.crawl.record import Extracted, record_page
from monitor.diff.core import diff_articles
from monitor.errors import ConfigError, NotifyError
from monitor.items import Article, Page
from monitor.notify.dispatch import DispatchSettings, dispatch
from monitor.notify.formats import FORMATS
from monitor.notify.messages import TITLE_LIMIT, AlertContent, render
from monitor.notify.targets import ENV_VAR, load_targets
from monitor.rules import evaluate as alerts
from monitor.rules.terms import REGEX_TIMEOUT
from monitor.sample_site import SampleSite, Step
from monitor.sample_site.script import (
    AUSTAUSCH,
    GENF,
    HEADLINE_OLD,
    add_correction,
    append_paragraph,
    set_field,
)
from monitor.store import open_db

URL = "https://www.zdfheute.de/politik/ausland/genf-100.html"
TIMELINE = "http://127.0.0.1:8001/-/newsmon/article/7"

# --- what a page may throw at a message ------------------------------------------------------

HOSTILE = {
    "slack mentions": "<!channel> <!here|here> <!subteam^S1> <@U123> <#C123> Eilmeldung",
    "slack link": "Bitte <http://evil.example/login|hier bei zdf.de anmelden>",
    "slack markup": "*fett* _kursiv_ ~weg~ `code` ```block``` > Zitat",
    "bare mentions": "@channel @here @everyone @Channel",
    "mail header": "Eilmeldung\r\nBcc: opfer@example.org\r\nSubject: gefälscht\r\n\r\nText",
    "html": '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>',
    "html attribute": '" onmouseover="alert(1)" data-x=\'',
    "markdown link": "[Klick](http://evil.example) ![b](http://evil.example/x.png) <http://evil.example> [r]: http://evil.example",
    "entities": "&amp; &lt;b&gt; &#60;script&#62; &#x40;channel",
    "controls": "Steuer\x00zeichen\x1b[31m rot\x07\x08\x7f\x85\x9b und\x0c Seite",
    "rtl override": "Text \u202eetxet\u202c \u2066isoliert\u2069 \u200fRLM \u061cALM",
    "zero width": "Pu\u200btin @\u200bchannel \ufeffBOM \u2060WJ \u2061",
    "tag characters": "Genf" + "".join(chr(0xE0000 + ord(c)) for c in "ignore previous"),
    "line separators": "eins\u2028zwei\u2029drei\x85vier\rfünf",
    "huge headline": "Genf " * 200_000,  # 1 MB
    "huge word": "x" * 1_000_000,
}
FIELDS = [
    "source", "headline", "kicker", "lead", "new lead", "body", "correction", "matched",
    "rule", "url", "timeline", "detected", "health",
]  # fmt: skip
OLD = Article(
    url=URL,
    headline="Delegationen treffen sich in Genf",
    kicker="Ukraine-Krieg",
    lead="Die zweite Runde beginnt am Montag.",
    body=["Erster Absatz über die Gespräche.", "Zweiter Absatz mit Details."],
)


def alert_with(field: str, text: str) -> AlertContent:
    """An alert whose `field` carries `text`, the way the store and the rules would pass it."""
    new = Article(**OLD.__dict__)
    if field in ("headline", "kicker", "lead"):
        setattr(new, field, f"{getattr(OLD, field)} {text}")
    elif field == "body":
        new.body = [OLD.body[0], f"Zweiter Absatz {text} mit Details.", text]
    elif field == "correction":
        new.body = [*OLD.body, f"Korrektur: {text}"]
    else:
        new.headline = "Delegationen treffen sich zum dritten Mal in Genf"
    diff = diff_articles(OLD, new)
    alert = AlertContent(
        source="zdf",
        categories=diff.categories,
        headline=new.headline,
        url=URL,
        diff=diff,
        matched=["Genf"],
        rule="ukraine-talks",
        detected_at="2026-11-23T10:42:00+00:00",
        timeline_url=TIMELINE,
    )
    if field == "new lead":
        alert.categories, alert.diff, alert.lead = ["new"], None, text
    elif field == "source":
        alert.source = text
    elif field == "matched":
        alert.matched = ["Genf", text]
    elif field == "rule":
        alert.rule = text
    elif field == "url":
        alert.url = URL + "?x=" + text
    elif field == "timeline":
        alert.timeline_url = TIMELINE + text
    elif field == "detected":
        alert.detected_at = text
    elif field == "health":
        alert.categories, alert.diff, alert.headline, alert.url = ["health"], None, "", ""
        alert.message = f"3 failures in a row at {URL}{text}\nHTTP 503: {text}"
    return alert


# Characters no message may carry: controls (newline aside), bidi controls, invisible ones.
_FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2061-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]|(?<!@)\u2060"
)
_STYLES = {"color:#a00", "color:#070", "display:none;mso-hide:all"}


class Html(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.hrefs: set[str] = set()
        self.styles: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attrs.add(name)
            if name in ("href", "src"):
                self.hrefs.add(value or "")
            if name == "style":
                self.styles.add(value or "")


LINKS = (URL, TIMELINE.rsplit("/", 1)[0])  # the article, its timeline (any article id)


def leaks(fmt: str, title: str, body: str, links: tuple[str, ...] = LINKS) -> list[str]:
    """Every way this message could act on its reader's client; [] when it is inert.
    `links`: what the message may link to (URL prefixes)."""
    found = []
    if re.search("[\r\n\u2028\u2029]", title) or len(title) > TITLE_LIMIT:
        found.append(f"title is not one short line: {title[:80]!r}")
    for part, text in (("title", title), ("body", body)):
        if bad := _FORBIDDEN.search(text):
            found.append(f"{part} carries {bad.group()!r}")
    if fmt == "slack":
        for inside in re.findall(r"<([^>]*)>", body):
            target, _, _ = inside.partition("|")
            if not target.startswith(links) or re.search(r"[\s<>|]", target):
                found.append(f"slack control sequence <{inside[:60]}>")
        if len(body) > 3000:
            found.append(f"slack section of {len(body)} characters")
    if fmt in ("slack", "markdown", "text") and re.search(
        r"@(channel|here|everyone)\b", body, re.I
    ):
        found.append("a live @channel/@here/@everyone")
    if fmt in ("html", "email"):
        parsed = Html(body)
        found += [f"tag <{t}>" for t in parsed.tags - {"p", "br", "b", "a", "del", "ins", "span"}]
        found += [f"attribute {a}" for a in parsed.attrs - {"href", "style"}]
        found += [f"link {h[:60]}" for h in parsed.hrefs if not h.startswith(links)]
        found += [f"style {s}" for s in parsed.styles - _STYLES]
    if fmt == "markdown":
        parsed = Html(markdown.markdown(body))
        found += [f"markdown made <{t}>" for t in parsed.tags - {"p", "strong", "a", "em"}]
        found += [f"markdown link {h[:60]}" for h in parsed.hrefs if not h.startswith(links)]
    return found


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("name", list(HOSTILE))
def test_no_field_of_a_message_lets_page_text_act_in_any_format(field: str, name: str) -> None:
    alert = alert_with(field, HOSTILE[name])
    for fmt in FORMATS:
        title, body = render([alert], fmt)
        assert leaks(fmt, title, body) == [], (fmt, body[:3000])
        assert len(body) < 25_000, fmt  # a megabyte of page is a few lines of message
        assert "Delegationen" in title or field in ("health", "new lead") or name.startswith("huge")


def test_controls_that_break_lines_still_separate_words() -> None:
    title, body = render([alert_with("health", HOSTILE["line separators"])], "text")
    assert "eins zwei drei vier fünf" in title
    assert "eins" in body and "fünf" in body and "dreivier" not in body


# Text a page could hold: markup characters of every format, controls, bidi, invisible.
_ALPHABET = st.sampled_from(
    [
        *"<>!@|*_~`[]()#&;:/\\\"'=-+. \n\r\t",
        *["\x00", "\x1b", "\x85", "\u202e", "\u2066", "\u200b", "\u2060", "\ufeff", "\U000e0041"],
        *["channel", "here", "everyone", "http://", "https://evil.example", "javascript:"],
        *["script", "Genf", "ä", "ß", "\u0301", "1."],
    ]
)
page_text = st.lists(_ALPHABET, max_size=40).map("".join)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(field=st.sampled_from(FIELDS), text=page_text)
def test_any_text_in_any_field_renders_inert_in_every_format(field: str, text: str) -> None:
    alert = alert_with(field, text)
    for fmt in FORMATS:
        title, body = render([alert], fmt)
        assert leaks(fmt, title, body) == [], (fmt, body)


# --- real delivery: the e-mail header and the Slack payload ----------------------------------


def stored_alert(db, headline: str, url: str = URL, source: str = "zdf") -> int:
    """A change row and its alert, as the store and the rules write them."""
    article_id = db["articles"].insert({"source": source, "url": url, "headline": "h"}).last_pk
    diff = diff_articles(OLD, Article(**{**OLD.__dict__, "headline": headline}))
    change_id = (
        db["changes"]
        .insert(
            {
                "article_id": article_id,
                "source": source,
                "detected_at": "2026-11-23T10:42:00+00:00",
                "kind": "headline",
                "categories": json.dumps(diff.categories),
                "headline": headline,
                "ops": diff.to_json(),
            }
        )
        .last_pk
    )
    row = {"key": f"r:{change_id}", "kind": "change", "rule": "ukraine-talks", "tag": "newsroom"}
    row |= {"change_id": change_id, "article_id": article_id, "source": source}
    row |= {"matched": json.dumps(["Genf"]), "created_at": "2026-11-23T10:42:00+00:00"}
    row |= {"not_before": "2026-11-23T10:42:00+00:00", "status": "pending"}
    return db["alerts"].insert(row).last_pk


def deliver(db, targets) -> None:
    def content(row: dict) -> AlertContent:
        return alerts.content_for(db, row, "http://127.0.0.1:8001")

    now = datetime(2026, 11, 23, 11, tzinfo=UTC)
    dispatch(db, targets, content, DispatchSettings(), now=now)


def test_a_headline_cannot_add_mail_headers_or_markup_to_a_real_mail(db):
    headline = HOSTILE["mail header"] + " " + HOSTILE["html"] + HOSTILE["rtl override"]
    alert_id = stored_alert(db, headline)
    with SmtpReceiver() as smtp:
        deliver(db, load_targets(None, {ENV_VAR: f"newsroom={smtp.url()}"}))
    (mail,) = smtp.messages
    assert db["alerts"].get(alert_id)["status"] == "sent"
    assert mail["Bcc"] is None and mail["To"] == "desk@example.com"
    assert mail.get_all("Subject") == [mail["Subject"]] and "gefälscht" in mail["Subject"]
    assert not re.search("[\r\n\u202e]", str(mail["Subject"]))
    html = mail.get_body(("html",)).get_content()
    assert "<script" not in html and "&lt;script&gt;" in html
    text = mail.get_body(("plain",)).get_content()
    assert "\u202e" not in text and "Bcc: opfer@example.org" in text  # shown, not obeyed


def test_a_headline_cannot_ping_or_link_in_a_real_slack_payload(db, slack_posts):
    headline = HOSTILE["slack mentions"] + " " + HOSTILE["slack link"] + " " + HOSTILE["zero width"]
    stored_alert(db, headline)
    slack = "slack://T0SECRET1/B0SECRET2/Sl4ckTokenSecretValue123?footer=no&image=no"
    deliver(db, load_targets(None, {ENV_VAR: f"newsroom={slack}"}))
    ((_, _, payload),) = slack_posts
    blocks = payload["attachments"][0]["blocks"]
    header, section = blocks[0]["text"], blocks[1]["text"]
    # The header is plain text to Slack (apprise escapes it): nothing in it can act.
    assert header["type"] == "plain_text" and "<" not in header["text"]
    assert leaks("text", html.unescape(header["text"]), "") == []
    assert section["type"] == "mrkdwn" and leaks("slack", "", section["text"]) == []
    assert "&lt;!channel&gt;" in section["text"] and "@\u2060channel" in section["text"]


# --- a real crawl of hostile pages: what the reader gets, and that nothing is lost ----------

HEADLINE = "Genf: <!channel> *Waffenruhe* \u202eetxet\u202c [Klick](http://evil.example) <script>x</script> & Co"
PARAGRAPH = (
    "Die Verhandlungen über eine Waffenruhe gehen weiter <http://evil.example|zdf.de> "
    "@here \u200bPu\u200btin " + "Wort " * 3000
)
CORRECTION = (
    "In einer früheren Fassung stand <b onmouseover=alert(1)>falsch</b>: @everyone \u2066Genf\u2069"
)
HOSTILE_STEPS = [
    Step("headline", "A hostile headline.", set_field(GENF, "headline", HEADLINE_OLD, HEADLINE)),
    Step("paragraph", "A hostile, long paragraph.", append_paragraph(GENF, PARAGRAPH)),
    Step("correction", "A hostile correction.", add_correction(AUSTAUSCH, CORRECTION)),
]


HOSTILE_RULE = """
[[rules]]
name = "hostile-edits"
any = ["Genf", "Waffenruhe", "Fassung"]
events = ["changed", "correction", "headline"]
notify = ["newsroom"]
"""


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    """The sample site crawled while its pages turn hostile, alerts mailed and posted for real."""
    tmp = tmp_path_factory.mktemp("hostile")
    db_path = tmp / "monitor.db"
    # The sample config with one rule for the edits only: apprise spaces mails 5.5 s apart,
    # and the first crawl's dozens of new articles would take minutes to mail.
    config = tmp / "sample.toml"
    sources = SAMPLE_CONFIG.read_text(encoding="utf-8").split("\n[[rules]]", 1)[0]
    config.write_text(sources + HOSTILE_RULE, encoding="utf-8")
    with SampleSite(steps=HOSTILE_STEPS) as site, SmtpReceiver() as smtp, HttpReceiver() as http:
        run = cli_runner(site, db_path)
        env = f"newsroom={smtp.url()} newsroom={http.url()} admin={http.url('/admin')}"
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(ENV_VAR, env)
            outputs = [run("crawl", config=config)]
            for _ in HOSTILE_STEPS:
                site.advance()
                outputs.append(run("crawl", "--all", config=config))
    for result in outputs:
        assert result.code == 0, result.err
    yield db_path, smtp, http, "\n".join(r.out + r.err for r in outputs)


def test_hostile_pages_reach_mail_and_webhook_inert(hostile_crawl):
    db_path, smtp, http, _ = hostile_crawl
    subjects = [str(m["Subject"]) for m in smtp.messages]
    assert len(subjects) == 3, subjects  # the headline, the paragraph, the correction
    assert "<!channel> *Waffenruhe* etxet [Klick](http://evil.example)" in subjects[0]
    for mail in smtp.messages:
        assert mail["Bcc"] is None and not re.search("[\r\n\u202e]", str(mail["Subject"]))
        html = mail.get_body(("html",)).get_content()
        assert leaks("email", "", html, links=("http://127.0.0.1:",)) == [], html[:2000]
    posted = [r.json() for r in http.requests if r.path == "/hook"]
    assert len(posted) == len(smtp.messages)  # every alert went to both newsroom targets
    for body in posted:
        assert not _FORBIDDEN.search(body["title"] + body["message"])
        assert "@channel" not in body["message"] and "@everyone" not in body["message"]
        assert len(body["message"]) < 25_000
    statuses = rows(db_path, "select status, count(*) as n from alerts group by status")
    assert {r["status"] for r in statuses} == {"sent"}


def test_hostile_pages_are_stored_word_for_word(hostile_crawl):
    db_path, *_ = hostile_crawl
    (genf,) = rows(db_path, "select id from articles where url like ?", [f"%{GENF}"])
    versions = rows(
        db_path,
        "select headline, body from versions where article_id = ? order by number",
        [genf["id"]],
    )
    # Only the message is cleaned: the store keeps the page's words, markup and all.
    assert "<!channel> *Waffenruhe*" in versions[-1]["headline"]
    assert "[Klick](http://evil.example) <script>x</script> & Co" in versions[-1]["headline"]
    assert "<http://evil.example|zdf.de> @here" in versions[-1]["body"]
    assert versions[-1]["body"].count("Wort") >= 3000
    categories = rows(db_path, "select categories from changes where article_id = ?", [genf["id"]])
    assert [json.loads(c["categories"]) for c in categories][-2:] == [["headline"], ["body_added"]]
    notes = rows(db_path, "select body from versions where body like '%früheren Fassung%'")
    assert notes and "<b onmouseover=alert(1)>falsch</b>: @everyone" in notes[-1]["body"]


# --- Datasette: JSON and CSV carry a link to the stored page, never the page -----------------


@pytest.fixture(scope="module")
def datasette(hostile_crawl):
    db_path, *_ = hostile_crawl
    port = free_port()
    with serve(db_path, port):
        yield f"http://127.0.0.1:{port}", db_path


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


@pytest.mark.parametrize(
    "path",
    [
        "/monitor/version_rows.json",
        "/monitor/version_rows.json?_shape=array",
        "/monitor/version_rows.json?_shape=arrays",
        "/monitor/version_rows.json?_shape=objects",
        "/monitor/version_rows.json?_shape=object",
        "/monitor/version_rows.json?_shape=array&_nl=on",
        "/monitor/version_rows.json?_col=raw_html",
        "/monitor/version_rows/{id}.json",
        "/monitor.json?sql=select+id,+raw_html+from+version_rows&_shape=array",
        "/monitor/version_rows.csv",
        "/monitor/version_rows.csv?_col=raw_html&_size=max",
    ],
)
def test_json_and_csv_give_a_link_to_each_stored_page_instead_of_the_page(datasette, path):
    base, db_path = datasette
    version = rows(db_path, "select id, length(raw_html) as size from version_rows order by id")[0]
    status, _, body = get(base + path.format(id=version["id"]))
    text = body.decode("utf-8")
    assert status == 200
    assert "$base64" not in text and "eJ" not in text  # zlib data starts "x\x9c": base64 "eJ"
    links = re.findall(r"http://127\.0\.0\.1:\d+/monitor[^\s\"]*\.blob\?[^\s\"]*", text)
    assert links, text[:500]
    status, kind, blob = get(links[0].replace("&amp;", "&"))
    assert status == 200 and kind.startswith("application/binary")
    assert len(blob) in {
        r["size"] for r in rows(db_path, "select length(raw_html) as size from version_rows")
    }
    if "json" in path and "_nl" not in path:
        cells = re.findall(r'\{"\$blob": "[^"]+", "bytes": (\d+)\}', text)
        assert cells and all(int(n) > 100 for n in cells)


def test_a_person_still_gets_the_page_as_text_and_the_timeline_shows_hostile_text_inert(datasette):
    base, db_path = datasette
    (genf,) = rows(db_path, "select id from articles where url like ?", [f"%{GENF}"])
    version = rows(
        db_path, "select id from versions where article_id = ? order by number", [genf["id"]]
    )[-1]
    status, kind, page = get(f"{base}/-/newsmon/raw/{version['id']}")
    assert status == 200 and kind.startswith("text/plain") and b"<html" in page.lower()
    status, _, timeline = get(f"{base}/-/newsmon/article/{genf['id']}")
    assert status == 200 and b"<script>x</script>" not in timeline
    assert b"&lt;script&gt;x&lt;/script&gt;" in timeline


# --- hostile config ------------------------------------------------------------------------

SECRET = "Sl4ckTokenSecretValue123"


def problems(tmp_path: Path, text: str) -> str:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    return message


SOURCE = '[[sources]]\nname = "zdf"\nfeeds = ["http://127.0.0.1/rss"]\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SOURCE + "fedds = []\n", "At 'sources.zdf.fedds': unknown key; did you mean 'feeds'?"),
        ("[crawl]\ntimout = 5\n", "At 'crawl.timout': unknown key; did you mean 'timeout'?"),
        ("[notify]\napprise_confg = 'a.yml'\n", "At 'notify.apprise_confg': unknown key; did you mean 'apprise_config'?"),
        ('[[rules]]\nname = "r"\nenevts = ["new"]\n', "At 'rules.r.enevts': unknown key; did you mean 'events'?"),
        ("[revisit]\ntier = []\n", "At 'revisit.tier': unknown key; did you mean 'tiers'?"),
        ('[[rules]]\nname = "r"\norigin = "x"\n', "At 'rules.r.origin': unknown key (known: all, any,"),
        ("[sources]\nname = 1\n", "At 'sources': must be an array of tables"),
        ('[crawl]\nretries = "3"\n', "At 'crawl.retries': expected int, got str '3'"),
        ("[crawl]\ndownload_delay = true\n", "At 'crawl.download_delay': expected float, got bool True"),
        ('[[rules]]\nname = "r"\nany = "Genf"\n', "At 'rules.r.any': expected list, got str 'Genf'"),
        ('[[rules]]\nname = "r"\nmin_words = 1.5\n', "At 'rules.r.min_words': expected int, got float 1.5"),
        ('[[rules]]\nname = "r"\nany = ["/Selensk(yj/"]\n', "At 'rules.r.any[0]': not a valid regular expression: missing )"),
        ('[[rules]]\nname = "r"\nany = ["/(a|aa)+$/"]\n', "At 'rules.r.any[0]': regular expression /(a|aa)+$/ did not finish"),
        ('[[rules]]\nname = "r"\nnone = ["/(?:Genf|G|enf)+$/"]\n', "At 'rules.r.none[0]': regular expression /(?:Genf|G|enf)+$/ did not finish"),
        (SOURCE + 'link_pattern = "(["\n', "At 'sources.zdf.link_pattern': not a valid regular expression"),
        ('[[rules]]\nname = "r"\nsources = ["zfd"]\n', "At 'rules.r.sources': no source named 'zfd' (known: none)"),
        ("[notify]\napprise_config = '/nonexistent/apprise.yml'\n", "At 'notify.apprise_config': no such file '/nonexistent/apprise.yml' (copy config/apprise.example.yml)"),
        ("[notify]\napprise_config = '/tmp'\n", "At 'notify.apprise_config': '/tmp' is a directory"),
    ],
    ids=[
        "a misspelt source key gets the closest one", "a misspelt crawl key", "a misspelt notify key",
        "a misspelt rule key", "a misspelt revisit key", "a rule's internal field is not a key",
        "a table where an array belongs", "a string where a number belongs", "a boolean is not a number",
        "a string where a list belongs", "a fraction is not a count", "a broken regex",
        "a regex that backtracks on letters", "a regex that backtracks on words", "a broken link pattern",
        "a rule for an unknown source", "a missing apprise file", "a directory for the apprise file",
    ],
)  # fmt: skip
def test_a_hostile_config_says_where_and_what_to_do(tmp_path, text, expected):
    assert expected in problems(tmp_path, text)


@pytest.mark.parametrize(
    "text",
    [
        f'[notify]\napprise_config = "slack://T0SECRET1/B0SECRET2/{SECRET}"\n',
        f'[notify]\ndatasette_url = "mailto://user:{SECRET}@mail.example.org"\n',
        f'[notify]\ndatasette_url = "https://user:{SECRET}@ds.example.org/?token={SECRET}"\n',
        f'{SOURCE}sitemaps = ["tgram://{SECRET}/123456"]\n',
        f'[notify]\nadmin_tag = "slack://T0/B0/{SECRET}"\nmax_attempts = "json://h/{SECRET}"\n',
        f'[revisit]\nchange_boost = "discord://1234/{SECRET}"\n',
        f'[[rules]]\nname = "r"\nany = ["slack://T0/B0/{SECRET}", 5]\nrate_limit = "mailto://u:{SECRET}@h"\n',
    ],
    ids=[
        "a slack URL as the apprise file", "a mail URL as the Datasette address",
        "a web URL with password and token", "a telegram URL as a sitemap",
        "URLs in the wrong type", "a URL as a revisit duration", "URLs in a rule",
    ],
)  # fmt: skip
def test_a_notification_url_in_the_wrong_key_is_never_echoed(tmp_path, text):
    message = problems(tmp_path, text)
    assert SECRET not in message and "At '" in message


def test_config_check_shows_every_problem_and_no_secret(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'{SOURCE}feds = []\n[notify]\napprise_config = "slack://T0/B0/{SECRET}"\n'
        '[[rules]]\nname = "r"\nany = ["/(a|aa)+$/"]\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(path), "config", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "3 problem(s)" in output, output
    assert "did you mean 'feeds'?" in output and "slack://…" in output
    assert "backtracks catastrophically" in output and SECRET not in output


def test_a_missing_config_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match=r"no such config file .*pass --config"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"version: 1\nurls:\n  - slack://T0/B0/{SECRET}:\n    - tag: [a\n", ":5: not valid YAML"),
        (f"version: 1\nurls:\n  - 'slack://T0/B0/{SECRET}\n", "not valid YAML"),
        (f"version: 1\nurls:\n  - json://h/ok\n  - nosuch://{SECRET}\n", ":4: apprise cannot use URL #2 (nosuch://…)"),
        (f"version: 1\nurls:\n  - json://h/x:\n      token: {SECRET}\n      tag: [a, b\n", "not valid YAML"),
        (f"\t- slack://T0/B0/{SECRET}\n", "not valid YAML"),
        ("version: 1\nurls: {}\n", "`urls:` must be a list"),
    ],
    ids=["an unclosed list", "an unclosed quote", "an unknown scheme", "a token option", "a tab", "a mapping"],
)  # fmt: skip
def test_a_broken_apprise_file_names_its_line_never_its_tokens(tmp_path, text, expected):
    path = tmp_path / "apprise.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NotifyError) as info:
        load_targets(path, {})
    assert str(info.value).startswith(str(path)) and expected in str(info.value)
    assert SECRET not in str(info.value)


def test_an_apprise_file_that_is_missing_or_a_directory_says_so(tmp_path):
    for path, expected in ((tmp_path / "nope.yml", "cannot read it"), (tmp_path, "cannot read it")):
        with pytest.raises(NotifyError, match=expected) as info:
            load_targets(path, {})
        assert "[notify] apprise_config" in str(info.value)


@pytest.mark.parametrize(
    "value",
    [
        f"newsroom=slack://T0/B0/{SECRET} admin=nosuch://{SECRET}",
        f"newsroom slack://T0/B0/{SECRET}",
        f"=slack://T0/B0/{SECRET}",
        f"newsroom=mailto://user:{SECRET}@",
        f"news room=json://h/{SECRET}",
    ],
)
def test_a_malformed_apprise_environment_never_echoes_a_token(value):
    with pytest.raises(NotifyError) as info:
        load_targets(None, {ENV_VAR: value})
    assert str(info.value).startswith(ENV_VAR) and SECRET not in str(info.value)


# --- a regex that runs long on one page: reported, and no other rule or change waits -------------


def test_a_regex_that_runs_out_of_time_is_reported_and_stops_nothing(tmp_path, caplog):
    config_path = tmp_path / "monitor.toml"
    raw = {
        "newsmon": {"database": str(tmp_path / "monitor.db")},
        "sources": [{"name": "zdf", "feeds": ["http://127.0.0.1/rss"]}],
        "rules": [
            # Harmless on every sentence, exponential on one long run of word characters:
            # the load-time trial passes it, the time limit stops it on the hostile page.
            {"name": "slow", "any": ["/(\\w+\\s?)+$/"], "notify": ["newsroom"]},
            {"name": "genf", "any": ["Genf"], "notify": ["newsroom"]},
        ],
    }
    config = parse_config(raw, config_path)
    db = open_db(config.database)
    hostile = Article(
        URL, "Gespräche in Genf", body=["Genf " + "x" * 20_000 + "!"], canonical_url=URL
    )
    calm = Article(URL + "?2", "Gespräche in Genf", body=["Nichts Neues aus Genf"])
    for article in (hostile, calm):
        page = Page(url=article.url, source="zdf", status=200, body=b"<html>")
        record_page(db, Extracted(page, article=article))
    caplog.set_level(logging.WARNING, logger="newsmon.rules")
    created = alerts.evaluate(db, config)
    fired = rows(config.database, "select rule, article_id from alerts order by id")
    assert [r["rule"] for r in fired].count("genf") == 2  # the other rule, on both changes
    assert created == len(fired)
    assert (
        rows(config.database, "select count(*) as n from changes where evaluated_at is null")[0][
            "n"
        ]
        == 0
    )
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "newsmon.rules"]
    assert warning.startswith(
        f"rule 'slow' ({config_path}: rules.slow): regular expression /(\\w+\\s?)+$/"
    )
    assert f"gave up after {REGEX_TIMEOUT:g} s on {URL} " in warning
    db.close()
