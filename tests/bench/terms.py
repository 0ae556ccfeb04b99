"""Term scanning on real pages: what the relevance filter and the evaluation of a new article
cost per page with the shipped config's stories and rules (issue 18, item 2).

Usage: python tests/bench/terms.py [--terms shipped|bench] [--repeat N] [--profile] [--limit N]

Each page of ../shared/pages and ../shared/pages-more is extracted once (not timed); then, per
page and as the crawl does it: with the shipped config, the relevance decision of its sources
(`RelevancePipeline._by_rules`: a story's candidates, else the topic rules) and, for the pages
kept, the evaluation of the new article (every rule's `match`, every story's `score`) on a view
of its own, as the store's evaluation makes one; with `make bench`'s terms (its sources keep
every page), the evaluation of every page. Prints CPU ms per page (process time, since the
machine may be shared; median of --repeat runs) and, with --profile, cProfile's top entries
(which inflates the many small calls of scanning several times over).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import statistics
import sys
import time
import tomllib
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import realpages  # noqa: E402
from common import RULE, STORY  # noqa: E402

from monitor.config import load_config  # noqa: E402
from monitor.errors import ExtractionError  # noqa: E402
from monitor.extract.article import extract  # noqa: E402
from monitor.items import Article  # noqa: E402
from monitor.rules.rules import Rule, build_view, match, parse_rules, whole_text  # noqa: E402
from monitor.stories.membership import is_candidate, score  # noqa: E402
from monitor.stories.story import Story, parse_stories  # noqa: E402

SHIPPED = REPO / "config" / "monitor.toml"
# `make bench`'s rule and story (tests/bench/bench.py): the same topic, with /regex/ terms.
BENCH_TERMS = RULE + STORY


def real_articles(limit: int = 0) -> list[Article]:
    """Every saved real page that extracts, extracted once, in a stable order."""
    pages = realpages.saved_pages(realpages.default_dir(), realpages.default_more_dir())
    found = []
    for page in pages[:limit] if limit else pages:
        with contextlib.suppress(ExtractionError):
            found.append(
                extract(page.data(), page.expected.get("url") or f"https://x.test/{page.name}")
            )
    return found


def shipped() -> tuple[list[Story], list[Rule]]:
    """The shipped config's stories and rules."""
    config = load_config(SHIPPED)
    return config.stories, config.rules


def bench_terms() -> tuple[list[Story], list[Rule]]:
    """`make bench`'s story and rule, whose actors are one /regex/."""
    raw, errors = tomllib.loads(BENCH_TERMS), []
    stories, rules = parse_stories(raw["stories"], errors), parse_rules(raw["rules"], errors)
    assert not errors, errors
    return stories, rules


def relevant(article: Article, stories: list[Story], rules: list[Rule]) -> bool:
    """`RelevancePipeline._by_rules` as the crawl runs it, on a view of its own."""
    view = build_view("bench", ["new"], article, None, words_changed=10**6)
    if any(is_candidate(story, whole_text(view)) for story in stories):
        return True
    topic = [replace(r, events=["new"]) for r in rules if r.any or r.all]
    return any(match(rule, view) for rule in topic)


def evaluated(article: Article, stories: list[Story], rules: list[Rule]) -> tuple:
    """What the evaluation of a new article decides: each rule's match, each story's verdict."""
    view = build_view("bench", ["new"], article, None)
    matches = [match(rule, view) for rule in rules]
    verdicts = [score(story, whole_text(view)) for story in stories]
    return matches, verdicts


def decisions(
    articles: list[Article], stories: list[Story], rules: list[Rule], relevance: bool
) -> list[tuple]:
    """Every page's relevance and, for the pages kept, its rule matches and story verdicts.
    Without `relevance` (the sources of `make bench`) every page is kept."""
    found = []
    for article in articles:
        kept = relevant(article, stories, rules) if relevance else True
        found.append((kept, *(evaluated(article, stories, rules) if kept else ((), ()))))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--terms", choices=("shipped", "bench"), default="shipped",
                        help="config/monitor.toml's story and rules, or make bench's")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries")
    args = parser.parse_args(argv)
    articles = real_articles(args.limit)
    stories, rules = shipped() if args.terms == "shipped" else bench_terms()
    relevance = args.terms == "shipped"  # the shipped sources filter with relevance = "rules"
    decisions(articles[:20], stories, rules, relevance)  # warm-up: term compilation, fold tables
    runs = []
    for _ in range(args.repeat):
        start = time.process_time()
        found = decisions(articles, stories, rules, relevance)
        runs.append(time.process_time() - start)
    kept = sum(1 for d in found if d[0])
    members = sum(1 for d in found for v in d[2] if v.member)
    ms, best = (x * 1000 / len(articles) for x in (statistics.median(runs), min(runs)))
    print(f"{len(articles)} pages: {ms:.3f} CPU ms per page (median of {args.repeat}, best {best:.3f}); "
          f"kept {kept}, story members {members}")  # fmt: skip
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(decisions, articles, stories, rules, relevance)
        pstats.Stats(profile).sort_stats("tottime").print_stats(12)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
