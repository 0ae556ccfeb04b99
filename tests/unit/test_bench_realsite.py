"""`make bench-real`'s site and report: a real page's local canonical is made absolute on its
outlet (so cycled copies stay distinct articles), and index pages newsmon refuses are set apart."""

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))

from measure import Measure
from realsite import outlet_links
from report import acceptance, baseline_lines

ORIGIN = "https://news.example.org/de/pages/ein-bericht"


def test_relative_and_local_canonical_and_og_url_move_to_the_outlet():
    page = (
        b'<head><link rel="canonical" href="/de/pages/ein-bericht">'
        b"<meta property='og:url' content='http://127.0.0.1:8080/de/pages/ein-bericht?x=1'>"
        b'<link rel="stylesheet" href="/style.css"></head><p>Text bleibt.</p>'
    )
    fixed = outlet_links(page, ORIGIN)
    assert b'<link rel="canonical" href="https://news.example.org/de/pages/ein-bericht">' in fixed
    assert b"content='https://news.example.org/de/pages/ein-bericht?x=1'" in fixed
    assert b'href="/style.css"' in fixed  # other links stay as they are
    assert fixed.endswith(b"<p>Text bleibt.</p>")


def test_a_canonical_on_another_host_stays():
    page = b'<link href="https://other.example.com/a" rel="canonical"><link rel=canonical href="b">'
    fixed = outlet_links(page, ORIGIN)
    assert b"https://other.example.com/a" in fixed
    assert b'href="https://news.example.org/de/pages/b"' in fixed


def measure(case: str, pages: int, **counts) -> Measure:
    base = {"new": 0, "errors": 0, "false_changes": 0, "detected": 0, "edited": 0}
    return Measure(case, pages, 10.0, 10.0, 100.0, 0.0, 1.0, counts={**base, **counts})


def test_index_pages_are_set_apart_from_stored_on_both_sides():
    refused = ["/pages/stadt-254.html", "/more/stadt-707.html"]
    newsmon = [
        measure("cold", 100, new=98, refused=refused),
        measure("recheck", 100),
        measure("edited", 100),
    ]
    stored = acceptance(newsmon, newsmon)[1]
    assert stored == (
        "cold crawl stored 98 of the 98 article pages (the 2 index pages apart), 0 errors",
        True,
    )
    newsmon[0].counts["new"] = 97
    assert acceptance(newsmon, newsmon)[1][1] is False
    plain = measure("cold", 100, new=100, changed=0, unchanged=0)
    plain.counts["new_paths"] = [f"/x-{i}" for i in range(98)] + refused
    assert "100 new (98 article pages, 2 index pages)" in baseline_lines([plain], newsmon)[0]
