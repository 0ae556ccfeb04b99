"""Extraction quality on saved real pages, scored as `tests/realpages.py` prints it.

Runs when $NEWSMON_REAL_PAGES is set (and then fails if the directory is
missing: a CI job that asked for the check must not pass silently) or when
../shared/pages exists beside the repository; otherwise it is skipped.
Each outlet is its own test, so a report names every outlet below its floor.
The pages-more sample (a fixed dozen, several languages) follows the same rule, with
$NEWSMON_MORE_PAGES or `pages-more` beside the real pages.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import pytest
import realpages

HEADLINE_SHARE = 0.95
MEAN_F1 = 0.97
OUTLET_F1 = 0.90

# Outlets whose reference text is wrong by the design (DESIGN.md, sites.md), checked page by
# page against the saved HTML. Each holds a floor just under today's score instead of
# OUTLET_F1, so a regression still fails; `test_every_exception_is_still_needed` drops an
# entry once the outlet passes. Correcting the reference files would make these go away.
REFERENCE_DISAGREES: dict[str, tuple[float, str]] = {}


def _pages_dir() -> Path:
    wanted = os.environ.get(realpages.ENV)
    directory = realpages.default_dir()
    if wanted and not directory.is_dir():
        pytest.fail(f"{realpages.ENV}={wanted} is not a directory")
    if not directory.is_dir():
        pytest.skip(f"no real pages at {directory} (set {realpages.ENV} to run this check)")
    return directory


def _outlets() -> list[str]:
    directory = realpages.default_dir()
    return realpages.outlets(directory) if directory.is_dir() else ["(no pages)"]


@pytest.fixture(scope="module")
def scores() -> list[realpages.PageScore]:
    found = realpages.score_dir(_pages_dir())
    if not found:
        pytest.fail("the real-page directory holds no <name>.html with <name>.json")
    return found


def _f1(group: list[realpages.PageScore]) -> float:
    return statistics.mean(s.f1 for s in group)


def test_every_real_page_extracts_without_error(scores):
    failed = {s.name: s.error for s in scores if s.error}
    assert not failed


def test_headlines_match_on_at_least_95_percent_of_pages(scores):
    misses = [s.name for s in scores if not s.headline_ok]
    assert 1 - len(misses) / len(scores) >= HEADLINE_SHARE, misses


def test_mean_body_f1_is_at_least_0_97(scores):
    assert statistics.mean(s.f1 for s in scores) >= MEAN_F1


@pytest.mark.parametrize("outlet", _outlets())
def test_the_outlet_body_f1_reaches_its_floor(scores, outlet):
    group = realpages.by_outlet(scores)[outlet]
    floor, reason = REFERENCE_DISAGREES.get(outlet, (OUTLET_F1, ""))
    precision = statistics.mean(s.precision for s in group)
    recall = statistics.mean(s.recall for s in group)
    print(f"{outlet}: F1 {_f1(group):.3f} (precision {precision:.3f}, recall {recall:.3f})")
    assert _f1(group) >= floor, f"{outlet}: F1 {_f1(group):.3f} below {floor} {reason}".strip()


def test_every_exception_is_still_needed(scores):
    outlets = realpages.by_outlet(scores)
    passing = [
        name for name in REFERENCE_DISAGREES if name in outlets and _f1(outlets[name]) >= OUTLET_F1
    ]
    assert not passing, f"remove from REFERENCE_DISAGREES: {passing}"


# A fixed sample of ../shared/pages-more, by name prefix: bodies in en, de, ru, id and snippet
# pages in en, de, es, fr, pl. Floors hold newsmon just under its score when issue 16 was
# taken up (before any fix); raise them as extraction improves.
MORE_SAMPLE = ("7a457a4f", "9a440270", "57b4dafd", "3c6d3381", "7837c9d6", "0a3108e5",
               "vice.com.amazon", "de.induux.com", "schlosswirtjuval", "eluniversal.com-senador",
               "soundofscience.fr", "Eurostat__Polska", "85439e26",
               "042bb7b5",
               # issue 16, English: a slideshow's captions, a list beside a picture, a subheading
               # above the lead, an author's bio after the text.
               "economictimes.indiatimes.com.slideshow", "parallels.com.desktop",
               "rutgers.edu.robot", "a078b365")  # fmt: skip
MORE_FLOORS = {
    "bodies/*": {"f1": 0.95},
    "snippets/*": {"snippets": 0.93, "headline": 0.6},
    # WSJ's paywall teaser (042bb7b5, issue 16 class 5) is in the sample: 0.78 when it is lost.
    "*/en": {"f1": 0.89, "snippets": 1.0, "headline": 1.0},
    "*/de": {"f1": 0.99, "snippets": 1.0},
    "*/ja": {"f1": 0.99},  # text without spaces (issue 16, class 2)
}


def _more_dir() -> Path:
    directory = realpages.default_more_dir()
    asked = os.environ.get(realpages.ENV) or os.environ.get(realpages.MORE_ENV)
    if asked and not directory.is_dir():
        pytest.fail(f"no pages-more at {directory} (set {realpages.MORE_ENV})")
    if not directory.is_dir():
        pytest.skip(f"no pages-more at {directory} (set {realpages.MORE_ENV} to run this check)")
    return directory


@pytest.fixture(scope="module")
def more_sample() -> list[realpages.Compared]:
    pages = realpages.saved_pages(realpages.default_dir(), _more_dir())
    chosen = [p for p in pages if p.source != "pages" and p.name.startswith(MORE_SAMPLE)]
    found = {
        prefix: [p.name for p in chosen if p.name.startswith(prefix)] for prefix in MORE_SAMPLE
    }
    assert all(len(names) == 1 for names in found.values()), found
    return realpages.compare(chosen, ("newsmon",))


def test_no_page_of_the_pages_more_sample_is_refused(more_sample):
    refused = {r.name: r.scores["newsmon"].refused for r in more_sample}
    assert not {name: why for name, why in refused.items() if why}


@pytest.mark.parametrize("group", MORE_FLOORS)
def test_the_pages_more_group_reaches_its_floors(more_sample, group):
    stats = realpages.group_stats(realpages.groups(more_sample)[group], "newsmon")
    print(f"{group}: {stats}")
    below = {m: stats[m] for m, floor in MORE_FLOORS[group].items() if (stats[m] or 0) < floor}
    assert not below, f"{group} below its floors {MORE_FLOORS[group]}: {below}"
