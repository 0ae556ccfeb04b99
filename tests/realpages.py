"""Measure `monitor.extract.article` on saved real pages: headline match, body token F1, speed.

Usage: python tests/realpages.py [DIR]

DIR holds `<name>.html` with `<name>.json` (`url`, `publisher`, `title`, `body`).
It defaults to $NEWSMON_REAL_PAGES, else ../shared/pages beside the repository.
The pages are measuring data, not part of the repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere, without installing the package
    sys.path.insert(0, str(REPO))

from lxml import html  # noqa: E402

from monitor.errors import ExtractionError  # noqa: E402
from monitor.extract.article import extract  # noqa: E402
from monitor.extract.decode import decode_html  # noqa: E402
from monitor.items import Article  # noqa: E402
from monitor.text import normalize  # noqa: E402

ENV = "NEWSMON_REAL_PAGES"
_WORD = re.compile(r"\w+")


def default_dir() -> Path:
    """$NEWSMON_REAL_PAGES, else ../shared/pages next to the repository."""
    return Path(os.environ.get(ENV) or REPO.parent / "shared" / "pages")


@dataclass
class PageScore:
    name: str
    outlet: str
    headline_ok: bool
    precision: float
    recall: float
    f1: float
    ms: float
    error: str = ""


def tokens(text: str) -> Counter:
    """Bag of lowercase word tokens of normalized text."""
    return Counter(_WORD.findall(normalize(text).casefold()))


def body_scores(got: str, expected: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the word bag of `got` against `expected`."""
    g, e = tokens(got), tokens(expected)
    overlap = sum((g & e).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(g.values()), overlap / sum(e.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def _same(a: str, b: str) -> bool:
    """Equal after normalization, ignoring case and spacing ("Kicker:Headline" = "Kicker: Headline")."""
    return "".join(normalize(a).casefold().split()) == "".join(normalize(b).casefold().split())


def headline_ok(article: Article, expected_title: str, page_h1s: list[str]) -> bool:
    """The headline (alone, or after its kicker) equals the expected title or one of the page's h1s.

    The expected title is sometimes og:title, a longer search-engine title; the
    page's own `<h1>` is then an equally right answer.
    """
    shown = [article.headline]
    if article.kicker:
        shown += [f"{article.kicker}: {article.headline}", f"{article.kicker} {article.headline}"]
    return any(_same(s, t) for s in shown for t in [expected_title, *page_h1s] if s and t)


def score_page(html_path: Path) -> PageScore:
    """Extract one saved page and compare it with its expected `.json`."""
    expected = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
    data = html_path.read_bytes()
    outlet = expected.get("publisher") or html_path.stem
    start = time.perf_counter()
    try:
        article = extract(data, expected["url"])
    except ExtractionError as exc:
        ms = (time.perf_counter() - start) * 1000
        return PageScore(html_path.stem, outlet, False, 0.0, 0.0, 0.0, ms, str(exc))
    ms = (time.perf_counter() - start) * 1000
    root = html.document_fromstring(
        decode_html(data).encode("utf-8"), parser=html.HTMLParser(encoding="utf-8")
    )
    h1s = [normalize(h.text_content()) for h in root.iter("h1")]
    got = "\n\n".join(article.paragraphs())
    precision, recall, f1 = body_scores(got, expected["body"])
    ok = headline_ok(article, expected["title"], h1s)
    return PageScore(html_path.stem, outlet, ok, precision, recall, f1, ms)


def score_dir(directory: Path) -> list[PageScore]:
    """Score every page in `directory`, after one warm-up extraction (imports, caches)."""
    pages = sorted(directory.glob("*.html"))
    if pages:
        with contextlib.suppress(ExtractionError):
            extract(pages[0].read_bytes(), "https://example.org/warm-up")
    return [score_page(p) for p in pages if p.with_suffix(".json").exists()]


def outlets(directory: Path) -> list[str]:
    """The outlets of the saved pages, read from their `.json` files without extracting anything."""
    names = set()
    for path in directory.glob("*.json"):
        if path.with_suffix(".html").exists():
            expected = json.loads(path.read_text(encoding="utf-8"))
            names.add(expected.get("publisher") or path.stem)
    return sorted(names)


def by_outlet(scores: list[PageScore]) -> dict[str, list[PageScore]]:
    groups: dict[str, list[PageScore]] = defaultdict(list)
    for s in scores:
        groups[s.outlet].append(s)
    return dict(sorted(groups.items()))


def summary(scores: list[PageScore]) -> dict[str, float]:
    """Headline match share, mean precision/recall/F1, worst outlet F1, mean and median ms."""
    outlets = by_outlet(scores)
    return {
        "pages": len(scores),
        "headline": sum(s.headline_ok for s in scores) / len(scores),
        "precision": statistics.mean(s.precision for s in scores),
        "recall": statistics.mean(s.recall for s in scores),
        "f1": statistics.mean(s.f1 for s in scores),
        "worst_outlet_f1": min(statistics.mean(s.f1 for s in g) for g in outlets.values()),
        "ms_mean": statistics.mean(s.ms for s in scores),
        "ms_median": statistics.median(s.ms for s in scores),
    }


def main(argv: list[str]) -> int:
    directory = Path(argv[1]) if len(argv) > 1 else default_dir()
    if not directory.is_dir():
        print(f"Error: no page directory at {directory} (pass DIR or set {ENV})", file=sys.stderr)
        return 2
    scores = score_dir(directory)
    if not scores:
        print(f"Error: no <name>.html with <name>.json in {directory}", file=sys.stderr)
        return 2
    print(
        f"{'outlet':<24} {'pages':>5} {'headline':>8} {'prec':>6} {'recall':>6} {'F1':>6} {'ms':>6}"
    )
    for outlet, group in by_outlet(scores).items():
        heads = sum(s.headline_ok for s in group)
        print(
            f"{outlet[:24]:<24} {len(group):>5} {heads:>4}/{len(group):<3} "
            f"{statistics.mean(s.precision for s in group):>6.3f} "
            f"{statistics.mean(s.recall for s in group):>6.3f} "
            f"{statistics.mean(s.f1 for s in group):>6.3f} "
            f"{statistics.mean(s.ms for s in group):>6.1f}"
            + (f"  error: {group[0].error}" if any(s.error for s in group) else "")
        )
    total = summary(scores)
    print(
        f"\n{total['pages']} pages: headline match {total['headline']:.1%}, "
        f"mean precision {total['precision']:.3f}, recall {total['recall']:.3f}, "
        f"F1 {total['f1']:.3f}, worst outlet F1 {total['worst_outlet_f1']:.3f}, "
        f"{total['ms_mean']:.1f} ms per page (median {total['ms_median']:.1f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
