"""An A/B headline test: a page that alternates between two versions already seen is a return,
not an edit. Five crawls of a page that swaps its headline on every request store two versions,
record every flip in the timeline, and alert once for the pair ("alternating")."""

from __future__ import annotations

import json

import pytest
from conftest import rows
from tricky_pages import TrickySite, article, config_for, crawl

A = "Delegationen setzen Gespräche in Genf fort"
B = "Genf: Zweite Verhandlungsrunde beginnt am Montag"
TEXT = [
    "Die Delegationen beider Seiten sind am Morgen in Genf eingetroffen und wollen bis zum "
    "Abend über einen Zeitplan für weitere Treffen sprechen.",
    "Vermittler aus der Schweiz nennen die Stimmung sachlich; Einzelheiten sollen erst nach "
    "dem Ende der Runde bekannt werden.",
]
PATH = "/politik/genf-100.html"
CRAWLS = 5  # new, headline edit, the first flip back, then two more flips: returns


@pytest.fixture(scope="module")
def flapped(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flapping")
    script = {PATH: lambda n: (200, article(B if n % 2 else A, TEXT))}
    with TrickySite(script) as site:
        config, db = config_for(site, tmp)
        codes = [crawl(config, db).returncode for _ in range(CRAWLS)]
        asked = site.asked[PATH]
    return codes, asked, db


def test_every_crawl_asked_the_page_and_exited_cleanly(flapped):
    codes, asked, _ = flapped
    assert codes == [0] * CRAWLS
    assert asked == CRAWLS


def test_two_versions_and_every_flip_recorded_as_a_return(flapped):
    *_, db = flapped
    assert rows(db, "select count(*) n from articles")[0]["n"] == 1
    assert rows(db, "select count(*) n from versions")[0]["n"] == 2
    kinds = [r["kind"] for r in rows(db, "select kind from changes order by id")]
    # v1 new, v2 an ordinary headline edit (nobody knows yet), then the flips: returns.
    assert kinds[:2] == ["new", "headline"]
    assert kinds[2:] == ["alternating"] + ["returned"] * (CRAWLS - 3)
    versions = {r["id"] for r in rows(db, "select id from versions")}
    flips = rows(db, "select from_version, to_version from changes where id > 2 order by id")
    assert all({f["from_version"], f["to_version"]} == versions for f in flips)


def test_the_first_return_says_alternating_between_two_headlines(flapped):
    *_, db = flapped
    first = rows(db, "select headline, diff from changes where kind = 'alternating'")[0]
    assert first["headline"] == f"Alternating between two headlines: {A} / {B}"
    assert "alternating between two headlines" in first["diff"].lower()


def test_the_article_shows_the_headline_last_served(flapped):
    *_, db = flapped
    art = rows(db, "select a.headline, v.headline vh from articles a "
                   "join versions v on v.id = a.current_version")[0]  # fmt: skip
    assert art["headline"] == art["vh"] == (B if (CRAWLS - 1) % 2 else A)


def test_the_pair_alerts_once_and_later_flips_never(flapped):
    *_, db = flapped
    alerts = rows(db, "select c.categories from alerts a join changes c on c.id = a.change_id")
    categories = [json.loads(a["categories"]) for a in alerts]
    # The new article, its first headline edit (nobody knows yet), the first flip back.
    assert categories == [["new"], ["headline"], ["alternating"]]
