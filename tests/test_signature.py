"""The page signature: equal for what changes on every request, different for anything else."""

from __future__ import annotations

import pytest

from monitor.crawl.workers import prepare
from monitor.extract.article import extract
from monitor.extract.signature import signature

URL = "https://www.zdfheute.de/politik/ausland/gespraeche-100.html"
PARAGRAPHS = "".join(
    f"<p>Absatz {n}: Die Delegationen verhandeln in Genf weiter über eine Waffenruhe, "
    f"und beide Seiten nennen die Gespräche konstruktiv, aber schwierig.</p>"
    for n in range(1, 6)
)


def page(
    nonce: str = "a1b2c3",
    ago: str = "vor 5 Minuten",
    state: str = '{"build":"x1"}',
    css: str = ".r1nj4qn5{color:red}",
    headline: str = "Gespräche in Genf gehen weiter",
    paragraphs: str = PARAGRAPHS,
    ld_headline: str = "Gespräche in Genf gehen weiter",
    testid: str = "article-body",
) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{headline}</title>'
        f'<script nonce="{nonce}" type="application/ld+json">'
        f'{{"@type":"NewsArticle","headline":"{ld_headline}"}}</script>'
        f'<script nonce="{nonce}">window.__STATE__={state}</script>'
        f"<style nonce='{nonce}'>{css}</style></head><body><main><article>"
        f'<h1>{headline}</h1><time datetime="2026-11-24T10:00:00+01:00">24.11.2026</time>'
        f"<span>{ago}</span><div data-testid='{testid}'>{paragraphs}</div>"
        f"</article></main></body></html>"
    ).encode()


BASE = signature(page(), URL, None)


@pytest.mark.parametrize(
    "churn",
    [
        {"nonce": "zz99"},
        {"ago": "vor 17 Minuten"},
        {"ago": "vor einer Stunde"},
        {"ago": " Aktualisiert vor 2 Stunden "},
        {"ago": "3 hours ago"},
        {"state": '{"build":"x2","requestId":"8f3e"}'},
        {"css": ".c10o8fzf{color:blue}"},
    ],
)
def test_what_changes_on_every_request_keeps_the_signature(churn):
    assert signature(page(**churn), URL, None) == BASE


@pytest.mark.parametrize(
    "edit",
    [
        {"headline": "Gespräche in Genf gehen weiter – vorerst"},
        {"paragraphs": PARAGRAPHS.replace("Absatz 3", "Absatz drei")},
        {"paragraphs": PARAGRAPHS + "<p>Am Abend: vor 5 Minuten endete die Sitzung.</p>"},
        {"ld_headline": "Neue Runde in Genf"},
        {"testid": "related-teasers"},
        {"paragraphs": PARAGRAPHS.replace("<p>", "<div>", 1).replace("</p>", "</div>", 1)},
    ],
)
def test_any_other_difference_gives_a_new_signature(edit):
    assert signature(page(**edit), URL, None) != BASE


def test_only_a_relative_time_alone_between_tags_is_masked():
    sentence = "<p>Der Gipfel begann vor {} Minuten in Genf.</p>"
    one = page(paragraphs=PARAGRAPHS + sentence.format(5))
    other = page(paragraphs=PARAGRAPHS + sentence.format(6))
    assert signature(one, URL, None) != signature(other, URL, None)
    assert signature(page(ago="vor 5 Minuten Lesezeit"), URL, None) != BASE


def test_elements_whose_names_only_start_like_script_are_hashed():
    one = page(paragraphs=PARAGRAPHS + "<scripture>Psalm 23</scripture>")
    other = page(paragraphs=PARAGRAPHS + "<scripture>Psalm 24</scripture>")
    assert signature(one, URL, None) != signature(other, URL, None)


def test_url_and_declared_encoding_are_part_of_the_signature():
    assert signature(page(), URL + "?x=1", None) != BASE
    assert signature(page(), URL, "iso-8859-1") != BASE


def test_pages_with_equal_signatures_extract_to_the_same_text():
    one, other = page(), page(nonce="q", ago="vor 9 Minuten", state="{}", css="")
    assert one != other
    first, second = extract(one, URL), extract(other, URL)
    assert first.fingerprint() == second.fingerprint()
    assert (first.headline, first.lead, first.body) == (second.headline, second.lead, second.body)


def test_prepare_signs_only_when_asked():
    assert prepare(page(), URL, None, False)[2] is None
    article, packed, found, _ = prepare(page(), URL, None, False, sign=True)
    assert found == BASE and article.headline == "Gespräche in Genf gehen weiter" and packed


def extract_stage(tmp_path, stored_signature: str):
    """The extract pipeline over a real store that knows the article, signed as given."""
    import asyncio
    from types import SimpleNamespace

    from scrapy.utils.test import get_crawler

    from monitor import store
    from monitor.crawl.pipelines import ExtractPipeline
    from monitor.items import Page

    db = store.open_db(tmp_path / "monitor.db")
    first = Page(url=URL, source="zdf", status=200, body=page())
    first.article = extract(first.body, URL)
    with db.atomic():
        store.record_page(db, first)
    db.execute("update articles set signature = ?", [stored_signature])
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    crawler.spider = SimpleNamespace(db=db, source=SimpleNamespace(name="zdf"))
    stage = ExtractPipeline(crawler)

    def run(body: bytes) -> Page:
        fetched = Page(url=URL, source="zdf", status=200, body=body)
        return asyncio.run(stage.process_item(fetched))

    return run, crawler.stats


def test_a_churning_page_with_the_stored_signature_is_not_extracted(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSMON_WORKERS", "0")  # extraction, if any, in this process
    run, stats = extract_stage(tmp_path, BASE)
    churned = run(page(nonce="n2", ago="vor 8 Minuten"))
    assert churned.article is None and churned.signature == BASE
    assert stats.get_value("newsmon/same_signature") == 1
    edited = run(page(headline="Neue Runde in Genf"))
    assert edited.article is not None and edited.article.headline == "Neue Runde in Genf"
    assert edited.signature not in (None, BASE)
    assert stats.get_value("newsmon/same_signature") == 1


def test_new_bytes_of_the_same_text_are_signed_and_an_edit_is_diffed_instead():
    stored = extract(page(), URL)
    churned = page(nonce="n7", ago="vor 3 Minuten")
    article, _, found, diff = prepare(churned, URL, None, False, False, stored)
    assert found == signature(churned, URL, None) and diff is None
    assert article.fingerprint() == stored.fingerprint()
    article, _, found, diff = prepare(page(headline="Neue Runde"), URL, None, False, False, stored)
    assert found is None and "headline" in diff.categories and article.headline == "Neue Runde"
