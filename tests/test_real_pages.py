"""Extraction quality on saved real pages, scored as `tests/realpages.py` prints it.

Runs when $NEWSMON_REAL_PAGES is set (and then fails if the directory is
missing: a CI job that asked for the check must not pass silently) or when
../shared/pages exists beside the repository; otherwise it is skipped.
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

# Outlets whose reference text disagrees with what newsmon deliberately extracts.
# Each holds a lower floor instead of OUTLET_F1, so a regression still fails;
# `test_every_exception_is_still_needed` drops an entry once the outlet passes.
REFERENCE_DISAGREES = {
    "ZDF": (
        0.84,
        "the reference keeps the Datawrapper consent notice (noise here) twice, drops the "
        "quote boxes (body here, as the design asks) and runs list items together",
    ),
    "WDR": (0.80, "the reference lost the paragraphs under three subheadings; we keep them"),
    "Metro": (
        0.53,
        "the reference drops two fact boxes (a 3,000-word transcript); prose boxes stay",
    ),
    "Gamestar": (0.70, "the reference drops every bullet list; prose lists are article text here"),
}


def _pages_dir() -> Path:
    wanted = os.environ.get(realpages.ENV)
    directory = realpages.default_dir()
    if wanted and not directory.is_dir():
        pytest.fail(f"{realpages.ENV}={wanted} is not a directory")
    if not directory.is_dir():
        pytest.skip(f"no real pages at {directory} (set {realpages.ENV} to run this check)")
    return directory


@pytest.fixture(scope="module")
def scores() -> list[realpages.PageScore]:
    found = realpages.score_dir(_pages_dir())
    if not found:
        pytest.fail("the real-page directory holds no <name>.html with <name>.json")
    return found


def test_every_real_page_extracts_without_error(scores):
    failed = {s.name: s.error for s in scores if s.error}
    assert not failed


def test_headlines_match_on_at_least_95_percent_of_pages(scores):
    misses = [s.name for s in scores if not s.headline_ok]
    assert 1 - len(misses) / len(scores) >= HEADLINE_SHARE, misses


def test_mean_body_f1_is_at_least_0_97(scores):
    assert statistics.mean(s.f1 for s in scores) >= MEAN_F1


def test_no_outlet_scores_below_its_floor(scores):
    low = {}
    for outlet, group in realpages.by_outlet(scores).items():
        f1 = statistics.mean(s.f1 for s in group)
        floor = REFERENCE_DISAGREES.get(outlet, (OUTLET_F1, ""))[0]
        if f1 < floor:
            low[outlet] = round(f1, 3)
    assert not low


def test_every_exception_is_still_needed(scores):
    outlets = realpages.by_outlet(scores)
    passing = [
        name
        for name in REFERENCE_DISAGREES
        if name in outlets and statistics.mean(s.f1 for s in outlets[name]) >= OUTLET_F1
    ]
    assert not passing, f"remove from REFERENCE_DISAGREES: {passing}"
