"""Interstitials served with status 200 in an article's place: a consent wall, a paywall stub,
a bot check or a "page not found" page once is nothing (a drop with its reason); a soft 404 on
three checks in a row takes the article down, and its return restores it. Recognition is also
scored on real article pages (../shared/pages, ../shared/pages-more when present): none may be
taken for an interstitial."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
import realpages
from conftest import rows
from tricky_pages import WALLS, TrickySite, article, config_for, crawl

from monitor.diff.interstitial import recognize, recognize_page
from monitor.errors import ExtractionError
from monitor.extract.page import extract_page

TEXT = [
    "Die Delegationen beider Seiten sind am Morgen in Genf eingetroffen und wollen bis zum "
    "Abend über einen Zeitplan für weitere Treffen sprechen.",
    "Vermittler aus der Schweiz nennen die Stimmung sachlich; Einzelheiten sollen erst nach "
    "dem Ende der Runde bekannt werden, hieß es am Nachmittag.",
]
SHORT = [  # 30 words
    "Der Stadtrat hat am Dienstag den Haushalt für das kommende Jahr beschlossen. Die "
    "Opposition stimmte dagegen, weil die Mittel für Schulen aus ihrer Sicht nicht reichen."
]
ONCE = ["consent_de", "consent_en", "paywall_de", "paywall_en", "bot_en", "bot_de"]
ONCE += ["soft404_de", "soft404_en"]
CRAWLS = 5


HOME = "http://127.0.0.1"  # the articles' canonical URLs (the port aside)
GONE = "/politik/abkommen-200.html"
HAUSHALT = "/politik/haushalt-300.html"


def _once(name: str, path: str, n: int) -> tuple[int, bytes]:
    """The article, but the wall on the second request."""
    headline = f"Genf: Gespräche gehen weiter ({name})"
    return 200, WALLS[name][1] if n == 1 else article(headline, TEXT, HOME + path)


def _gone(n: int) -> tuple[int, bytes]:
    """The article, then "page not found" on three checks, then the article again."""
    if 1 <= n <= 3:
        return 200, WALLS["soft404_de"][1]
    return 200, article("Abkommen unterzeichnet", TEXT, HOME + GONE)


def _short(n: int) -> tuple[int, bytes]:
    return 200, WALLS["consent_de"][1] if n else article(
        "Haushalt beschlossen", SHORT, HOME + HAUSHALT
    )


SCRIPT = {}
for i, name in enumerate(ONCE):
    path = f"/politik/{name.replace('_', '-')}-1{i:02d}.html"
    SCRIPT[path] = lambda n, k=name, p=path: _once(k, p, n)
SCRIPT[GONE] = _gone
SCRIPT[HAUSHALT] = _short


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("interstitials")
    with TrickySite(SCRIPT) as site:
        config, db = config_for(site, tmp)
        codes = [crawl(config, db).returncode for _ in range(CRAWLS)]
        asked = dict(site.asked)
    return codes, asked, db


def _of(db: Path, path: str) -> dict:
    art = rows(db, "select * from articles where url like ?", [f"%{path}"])[0]
    changes = rows(db, "select kind from changes where article_id = ? order by id", [art["id"]])
    alerts = rows(db, "select count(*) n from alerts where article_id = ?", [art["id"]])
    return {**art, "changes": [c["kind"] for c in changes], "alerts": alerts[0]["n"]}


def test_each_crawl_asked_every_page(crawled):
    codes, asked, _ = crawled
    assert codes == [0] * CRAWLS
    assert asked == dict.fromkeys(SCRIPT, CRAWLS)


@pytest.mark.parametrize("path", [p for p in SCRIPT if "-1" in p])
def test_a_one_off_interstitial_makes_no_version_change_or_alert(crawled, path):
    *_, db = crawled
    art = _of(db, path)
    assert art["versions"] == 1
    assert art["changes"] == ["new"]
    assert art["alerts"] == 1  # the new article's
    assert art["status"] == "live"
    assert art["signature"] is None or not art["signature"].startswith("soft404:")


def test_each_one_off_is_counted_as_a_drop_with_its_reason(crawled):
    *_, db = crawled
    dropped = Counter()
    for run in rows(db, "select dropped from crawl_runs"):
        dropped.update(json.loads(run["dropped"] or "{}"))
    expected = Counter(f"interstitial_{WALLS[name][0]}" for name in ONCE)
    expected["interstitial_consent"] += CRAWLS - 1  # the short article's wall, every time after
    expected["interstitial_soft_404"] += 2  # the two soft 404s before the third takes it down
    assert {k: v for k, v in dropped.items() if k.startswith("interstitial")} == expected


def test_a_soft_404_on_three_checks_in_a_row_is_removed_and_its_return_restored(crawled):
    *_, db = crawled
    art = _of(db, GONE)
    assert art["changes"] == ["new", "removed", "restored"]
    assert art["versions"] == 1
    assert art["status"] == "live"
    removed = rows(db, "select diff from changes where kind = 'removed'")[0]["diff"]
    assert "3 checks in a row" in removed


def test_a_short_article_behind_a_consent_wall_is_refused(crawled):
    *_, db = crawled
    art = _of(db, HAUSHALT)
    assert (art["versions"], art["changes"], art["alerts"]) == (1, ["new"], 1)
    text = rows(db, "select body from versions where article_id = ?", [art["id"]])[0]["body"]
    assert len(text.split()) >= 30 and "Cookies" not in text


# --- recognition scored on pages: walls we wrote, real articles ------------------------------


def _recognized(data: bytes, url: str) -> str | None:
    try:
        page = extract_page(data, url)
    except ExtractionError:
        wall = recognize_page(data)
        return wall.kind if wall else None
    wall = recognize(page) or recognize(page, page)
    return wall.kind if wall else None


@pytest.mark.parametrize("name", WALLS)
def test_every_written_wall_is_recognized_as_its_kind(name):
    kind, page = WALLS[name]
    assert _recognized(page, "http://127.0.0.1/politik/genf-100.html") == kind


def _real_pages() -> list[tuple[str, bytes, str]]:
    """Our own articles, and the real pages beside the repository when they are there."""
    ours = [(f"ours-{i}", article(h, t), "http://127.0.0.1/a-100.html")
            for i, (h, t) in enumerate([("Genf", TEXT), ("Haushalt", SHORT),
                                        ("Cookies: EU prüft neue Regeln", SHORT)])]  # fmt: skip
    root = realpages.default_dir()
    found = sorted(root.glob("*.html")) + sorted((root.parent / "pages-more").rglob("*.html.gz"))
    for path in found:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        meta = path.with_name(path.name.removesuffix(".gz").removesuffix(".html") + ".json")
        url = json.loads(meta.read_text()).get("url") if meta.exists() else None
        ours.append((path.name, data, url or "http://example.org/article"))
    return ours


def test_no_real_article_is_taken_for_an_interstitial():
    pages = _real_pages()
    taken = [name for name, data, url in pages if _recognized(data, url)]
    print(f"{len(pages)} article pages, {len(taken)} taken for an interstitial")
    assert len(pages) >= 3
    assert taken == []
