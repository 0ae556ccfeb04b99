"""monitor.diff.interstitial on walls written for the tests and on articles: what is a wall,
what is not (the real-page score is in tests/integration/test_interstitials.py)."""

from __future__ import annotations

import dataclasses

import pytest
from tricky_pages import WALLS

from monitor.diff.interstitial import generic_title, lost, recognize, recognize_page
from monitor.items import Article

STORED = Article(
    url="http://127.0.0.1/a-100.html",
    headline="Stadtrat beschließt Haushalt",
    lead="Der Stadtrat hat am Dienstag den Haushalt beschlossen.",
    body=["Die Opposition stimmte dagegen, weil die Mittel für Schulen nicht reichen."],
    byline="Jana Berger",
    published="2026-11-24T10:00:00+01:00",
    canonical_url="http://127.0.0.1/a-100.html",
)


@pytest.mark.parametrize("name", WALLS)
def test_each_written_wall_is_its_kind_against_a_short_stored_article(name):
    kind, page = WALLS[name]
    assert (wall := recognize_page(page, STORED)) is not None and wall.kind == kind


def test_a_short_article_and_its_edit_are_articles():
    edited = dataclasses.replace(STORED, headline="Stadtrat beschließt Haushalt mit Mehrheit")
    assert recognize(STORED) is None and recognize(edited, STORED) is None


def test_an_article_about_cookies_is_not_a_consent_wall():
    page = dataclasses.replace(STORED, headline="EU prüft Regeln für Cookies")
    assert recognize(page) is None and recognize(page, STORED) is None


def test_a_long_page_is_an_article_whatever_it_quotes():
    page = dataclasses.replace(STORED, body=["Alle akzeptieren Cookies, Fehler 404. " * 60])
    assert recognize(page, STORED) is None


def test_generic_titles_and_lost_structure():
    assert generic_title("Page not found") == "soft_404"
    assert generic_title("Just a moment...") == "bot_check"
    assert generic_title("Stadtrat beschließt Haushalt") is None
    bare = Article(url="", headline="Hinweis", body=["Kurz."])
    assert {"published", "byline", "canonical_url", "headline"} <= set(lost(bare, STORED))
