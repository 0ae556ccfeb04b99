"""A page leaves nothing behind in the process that extracted it: no reference cycle keeps its
tree alive until the garbage collector runs, and no cache keeps its lines after the worker is
done with it. Every page here is original text."""

from __future__ import annotations

import gc

import trafilatura.utils

from monitor import text
from monitor.crawl.workers import prepare
from monitor.extract.page import extract_page

URL = "https://news.example.org/2026/12/fahrplan-1.html"
PARAGRAPH = (
    "<p>Die Stadtwerke legen am Montag einen neuen Fahrplan vor, der {n} Linien betrifft und "
    "nach Angaben der Verkehrsbetriebe vor allem die Abendstunden dichter takten soll.</p>"
)
# Lists, a quote, a table, a line break, links and a teaser box that pruning removes: every
# walk over the tree that extraction makes.
PAGE = (
    "<!DOCTYPE html><html lang='de'><head><title>Neuer Fahrplan</title>"
    "<script>window.state = {};</script></head><body><main><article>"
    "<h1>Neuer Fahrplan für die Stadt</h1>"
    + "".join(PARAGRAPH.format(n=n) for n in range(3, 9))
    + "<ul><li>Linie 3 fährt alle zehn Minuten.</li><li>Linie 5 fährt <a href='/5'>länger</a>."
    "</li></ul><blockquote><p>Wir haben auf die Fahrgäste gehört, sagte die Sprecherin.</p>"
    "</blockquote><table><tr><td>Linie</td><td>Takt</td></tr><tr><td>3</td><td>10 min</td>"
    "</tr></table><p>Der Plan gilt ab Januar.<br>Er wird im Sommer überprüft.</p>"
    "<div data-testid='related-teasers'><a href='/a'><h3>Mehr zum Thema</h3>"
    "<p>Busse im Test</p></a></div></article></main></body></html>"
).encode()


def test_extraction_leaves_no_reference_cycles():
    # Until nothing is left: collecting an earlier test's Scrapy crawler runs pydispatch's
    # weak-reference callbacks, and they leave cycles of their own for the next collection.
    while gc.collect():
        pass
    gc.disable()
    try:
        article = extract_page(PAGE, URL)
        found = gc.collect()
    finally:
        gc.enable()
    assert "Linie 3 fährt alle zehn Minuten." in article.body
    assert found == 0, "extraction left reference cycles: they hold the page's tree"


def test_a_worker_forgets_the_lines_of_a_page_it_is_done_with():
    made = prepare(PAGE, URL, None, False)
    assert made.article.headline == "Neuer Fahrplan für die Stadt"
    for cache in (text._tidy_short, text._normalize_short, trafilatura.utils.trim):
        assert cache.cache_info().currsize == 0, cache
