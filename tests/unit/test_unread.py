"""What extraction never reads is emptied before parsing: scripts but JSON-LD, style sheets."""

from __future__ import annotations

from churning import PARAGRAPHS, URL, page

from monitor.extract.article import extract
from monitor.extract.signature import signature
from monitor.extract.unread import empty_unread


def test_scripts_and_style_sheets_are_emptied_and_everything_around_them_kept():
    text = (
        "<head><script nonce='n1' src='/a.js'>var p = '<p>not text</p>';</script>"
        '<style media="all">.x{color:red}</style></head>'
        "<body><p>Eins</p><script>x()</script> zwei <scripture>Psalm</scripture></body>"
    )
    assert empty_unread(text) == (
        "<head><script></script><style></style></head>"
        "<body><p>Eins</p><script></script> zwei <scripture>Psalm</scripture></body>"
    )


def test_json_ld_is_kept_whatever_the_case_of_its_type():
    for kind in ("application/ld+json", "application/LD+JSON"):
        text = f'<script type="{kind}">{{"headline": "Genf"}}</script><script>x()</script>'
        assert empty_unread(text) == (
            f'<script type="{kind}">{{"headline": "Genf"}}</script><script></script>'
        )


def test_an_unclosed_script_is_left_to_the_parser():
    text = "<p>Eins</p><script>var a = 1; <p>zwei</p>"
    assert empty_unread(text) is text


def test_a_page_reads_the_same_with_its_scripts_as_without():
    """A script that holds markup-like text (a framework's state, a template) and a style sheet
    add nothing to the article; JSON-LD still gives the metadata."""
    state = '{"html": "<p>Ein Absatz nur im Skript, den kein Leser sieht.</p>"}'
    article = extract(page(state=state), URL)
    assert article.headline == "Gespräche in Genf gehen weiter"
    assert article.body == [
        p.removeprefix("<p>") for p in PARAGRAPHS.removesuffix("</p>").split("</p>")
    ]
    assert not any("nur im Skript" in p for p in [*article.body, *article.noise])


def test_a_json_ld_type_in_capitals_is_part_of_the_signature():
    """Its content is metadata extraction reads: a change to it is a change."""

    def signed(headline: str) -> str:
        raw = page(ld_headline=headline).replace(b"application/ld+json", b"application/LD+JSON")
        return signature(raw, URL, None)

    assert signed("Neue Runde in Genf") != signed("Gespräche in Genf gehen weiter")
