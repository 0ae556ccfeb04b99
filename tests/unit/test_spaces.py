"""The paragraphs whose no-break spaces are put back after extraction."""

from lxml import html

from monitor.extract.spaces import restore, spaced_blocks

NB = "\u00a0"


def _root(body: str) -> html.HtmlElement:
    return html.document_fromstring(
        f"<html><head><title>t{NB}x</title></head><body>{body}</body></html>"
    )


def test_only_paragraphs_inside_a_block_count_and_in_page_order() -> None:
    root = _root(
        f"<script>var a = '{NB}';</script><span>loose{NB}text</span>"
        f"<div><section><p>first{NB}one</p><p>plain one</p></section>"
        f"<ul><li>second <b>bold{NB}word</b> item</li></ul></div>"
    )
    assert list(spaced_blocks(root).items()) == [
        ("first one", f"first{NB}one"),
        ("second bold word item", f"second bold{NB}word item"),
    ]


def test_text_after_a_paragraph_is_read_with_that_paragraph() -> None:
    # lxml keeps the text after </p> on the p, so that paragraph is the one read
    root = _root(f"<div><p>alpha beta</p>gamma{NB}delta</div>")
    assert spaced_blocks(root) == {"alpha beta": "alpha beta"}


def test_a_page_without_such_spaces_gives_nothing_and_restore_keeps_paragraphs() -> None:
    root = _root("<div><p>no special space here</p></div>")
    assert spaced_blocks(root) == {}
    assert restore(["10 km away"], {"it is 10 km away": f"it is 10{NB}km away"}) == [
        f"10{NB}km away"
    ]
