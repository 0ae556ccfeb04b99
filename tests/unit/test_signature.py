"""The page signature: equal for what changes on every request, different for anything else."""

from __future__ import annotations

import pytest
from churning import PARAGRAPHS, URL, page

from monitor.crawl.workers import prepare
from monitor.extract.article import extract
from monitor.extract.signature import signature

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
    assert prepare(page(), URL, None, False).signature is None
    made = prepare(page(), URL, None, False, sign=True)
    assert made.signature == BASE and made.packed
    assert made.article.headline == "Gespräche in Genf gehen weiter"


def test_new_bytes_of_the_same_text_are_signed_and_an_edit_is_diffed_instead():
    stored = extract(page(), URL)
    churned = page(nonce="n7", ago="vor 3 Minuten")
    made = prepare(churned, URL, None, False, False, stored)
    assert made.signature == signature(churned, URL, None) and made.diff is None
    assert made.article.fingerprint() == stored.fingerprint()
    made = prepare(page(headline="Neue Runde"), URL, None, False, False, stored)
    assert made.signature is None and "headline" in made.diff.categories
    assert made.article.headline == "Neue Runde"
