"""Measure `monitor.extract.article` on saved real pages, beside trafilatura alone.

Usage: python tests/realpages.py [DIR] [--more DIR] [--only LANG|SOURCE] [--json OUT]

DIR holds `<name>.html` with `<name>.json` (`url`, `publisher`, `lang`, `title`, `body`); it
defaults to $NEWSMON_REAL_PAGES, else ../shared/pages beside the repository. --more holds
`bodies/` and `snippets/` (`<name>.html.gz` with `<name>.json`, see its README); it defaults to
$NEWSMON_MORE_PAGES, else `pages-more` beside DIR. The pages are measuring data, not part of
the repository. Prints, per source of expectation and per language, newsmon beside
trafilatura (body token F1, snippet accuracy, headline match), then the pages newsmon refuses
that trafilatura extracts. --json writes every page's scores, for before/after comparisons.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere, without installing the package
    sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402
from lxml import html  # noqa: E402

from monitor.errors import ExtractionError  # noqa: E402
from monitor.extract.article import extract  # noqa: E402
from monitor.extract.decode import decode_html  # noqa: E402
from monitor.items import Article  # noqa: E402
from monitor.text import normalize  # noqa: E402

ENV = "NEWSMON_REAL_PAGES"
MORE_ENV = "NEWSMON_MORE_PAGES"
SOURCES = ("pages", "bodies", "snippets")
TOOLS = ("newsmon", "trafilatura")
_WORD = re.compile(r"\w+")


def default_dir() -> Path:
    """$NEWSMON_REAL_PAGES, else ../shared/pages next to the repository."""
    return Path(os.environ.get(ENV) or REPO.parent / "shared" / "pages")


def default_more_dir() -> Path:
    """$NEWSMON_MORE_PAGES, else `pages-more` beside the real-page directory."""
    return Path(os.environ.get(MORE_ENV) or default_dir().parent / "pages-more")


# --- The newsmon-only check over ../shared/pages (tests/integration/test_real_pages.py) ---


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


def bag_scores(got: Counter, expected: Counter) -> tuple[float, float, float]:
    """Precision, recall and F1 of one token multiset against another."""
    overlap = sum((got & expected).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(expected.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def body_scores(got: str, expected: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the word bag of `got` against `expected`."""
    return bag_scores(tokens(got), tokens(expected))


def _same(a: str, b: str) -> bool:
    """Equal after normalization, ignoring case and spacing ("Kicker:Headline" = "Kicker: Headline")."""
    return "".join(normalize(a).casefold().split()) == "".join(normalize(b).casefold().split())


def shown_headlines(article: Article) -> list[str]:
    """The headline alone, and after its kicker."""
    if not article.kicker:
        return [article.headline]
    k, h = article.kicker, article.headline
    return [h, f"{k}: {h}", f"{k} {h}"]


def _matches(shown: list[str], expected_title: str, page_h1s: list[str]) -> bool:
    """A shown headline equals the expected title or one of the page's h1s: the expected
    title is sometimes og:title, a longer search-engine title, and the `<h1>` equally right."""
    return any(_same(s, t) for s in shown for t in [expected_title, *page_h1s] if s and t)


def _h1s(data: bytes) -> list[str]:
    root = html.document_fromstring(
        decode_html(data).encode("utf-8"), parser=html.HTMLParser(encoding="utf-8")
    )
    return [normalize(h.text_content()) for h in root.iter("h1")]


def score_page(html_path: Path) -> PageScore:
    """Extract one saved page and compare it with its expected `.json`."""
    page = _saved(html_path, html_path.with_suffix(".json"), "pages")
    data = page.data()
    reading = read_newsmon(data, page.expected["url"])
    s = score_reading(page, reading, _h1s(data))
    outlet = page.expected.get("publisher") or page.name
    return PageScore(page.name, outlet, bool(s.headline), s.precision or 0.0,
                     s.recall or 0.0, s.f1 or 0.0, s.ms, s.refused)  # fmt: skip


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


# --- newsmon beside trafilatura over ../shared/pages and ../shared/pages-more ---


@dataclass
class Saved:
    """One saved page and what it is expected to give."""

    name: str
    source: str  # pages, bodies or snippets: which expectation the page carries
    lang: str
    path: Path
    expected: dict

    def data(self) -> bytes:
        raw = self.path.read_bytes()
        return gzip.decompress(raw) if self.path.suffix == ".gz" else raw


@dataclass
class Reading:
    """What one tool read from a page: headline candidates, body, and all the article text."""

    headlines: list[str]
    body: str
    text: str
    ms: float
    refused: str = ""  # why there is no body: the ExtractionError, or "empty body"


@dataclass
class Score:
    """One tool's scores on one page; None where the page's expectation does not say."""

    headline: bool | None
    precision: float | None
    recall: float | None
    f1: float | None
    snippets_ok: int
    snippets: int
    ms: float
    refused: str


@dataclass
class Compared:
    name: str
    source: str
    lang: str
    scores: dict[str, Score] = field(default_factory=dict)


def saved_pages(pages_dir: Path, more_dir: Path) -> list[Saved]:
    """The pages of both folders (either may be missing) with their `.json`, in a stable order."""
    found = []
    for path in sorted(pages_dir.glob("*.html")):
        if (meta := path.with_suffix(".json")).exists():
            found.append(_saved(path, meta, "pages"))
    for source in ("bodies", "snippets"):
        for path in sorted((more_dir / source).glob("*.html.gz")):
            meta = path.with_name(path.name.removesuffix(".html.gz") + ".json")
            if meta.exists():
                found.append(_saved(path, meta, source))
    return found


def _saved(path: Path, meta: Path, source: str) -> Saved:
    expected = json.loads(meta.read_text(encoding="utf-8"))
    return Saved(meta.stem, source, expected.get("lang") or "und", path, expected)


def read_newsmon(data: bytes, url: str) -> Reading:
    """What newsmon stores: kicker, headline, lead and body paragraphs (noise is not text)."""
    start = time.perf_counter()
    try:
        article = extract(data, url)
    except ExtractionError as exc:
        return Reading([], "", "", _ms(start), str(exc))
    ms = _ms(start)
    body = "\n\n".join(p for p in article.paragraphs() if p.strip())
    text = "\n\n".join(p for p in [article.kicker, article.headline, body] if p)
    return Reading(shown_headlines(article), body, text, ms, "" if body else "empty body")


def read_trafilatura(data: bytes, url: str) -> Reading:
    """trafilatura as a plain user calls it: extract() for the body, its metadata's title."""
    start = time.perf_counter()
    body = (
        trafilatura.extract(
            data, url=url, favor_precision=False, include_comments=False, include_tables=True
        )
        or ""
    )
    title = trafilatura.extract_metadata(trafilatura.load_html(data), default_url=url).title or ""
    ms = _ms(start)
    text = "\n\n".join(p for p in [title, body] if p)
    return Reading([title], body, text, ms, "" if body.strip() else "empty body")


READERS = {"newsmon": read_newsmon, "trafilatura": read_trafilatura}


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _collapse(text: str) -> str:
    return " ".join(text.split())


def score_reading(page: Saved, reading: Reading, h1s: list[str]) -> Score:
    """Score a reading by the rules of the page's folder (see each folder's README)."""
    exp = page.expected
    title = exp.get("title")
    headline = _matches(reading.headlines, title, h1s) if title else None
    prf: tuple[float | None, ...] = (None, None, None)
    if page.source == "pages":  # as the newsmon-only check scores it: normalized word tokens
        prf = body_scores(reading.body, exp["body"])
    elif page.source == "bodies":  # README: lower-cased, whitespace-split tokens
        prf = bag_scores(
            Counter(reading.body.lower().split()), Counter(exp["body"].lower().split())
        )
    text = _collapse(reading.text)
    found = sum(_collapse(s) in text for s in exp.get("with", []))
    absent = sum(_collapse(s) not in text for s in exp.get("without", []))
    total = len(exp.get("with", [])) + len(exp.get("without", []))
    return Score(headline, *prf, found + absent, total, reading.ms, reading.refused)


def compare_page(page: Saved, tools: tuple[str, ...] = TOOLS) -> Compared:
    """Every tool's reading of one page, scored the same way."""
    data, url = page.data(), page.expected.get("url") or "https://example.org/article"
    # ../pages' titles are sometimes og:title: the page's own <h1> is then right too (README).
    h1s = _h1s(data) if page.source == "pages" else []
    result = Compared(page.name, page.source, page.lang)
    for tool in tools:
        result.scores[tool] = score_reading(page, READERS[tool](data, url), h1s)
    return result


def compare(pages: list[Saved], tools: tuple[str, ...] = TOOLS) -> list[Compared]:
    """Score every page with every tool, after one warm-up of each (imports, caches)."""
    if pages:
        for tool in tools:
            READERS[tool](pages[0].data(), "https://example.org/warm-up")
    return [compare_page(p, tools) for p in pages]


def group_stats(results: list[Compared], tool: str) -> dict[str, float | int | None]:
    """Mean body F1, snippet accuracy, headline share, refusals and mean ms of one tool."""
    scores = [r.scores[tool] for r in results]
    f1s = [s.f1 for s in scores if s.f1 is not None]
    heads = [s.headline for s in scores if s.headline is not None]
    snippets = sum(s.snippets for s in scores)
    return {
        "pages": len(scores),
        "f1": statistics.mean(f1s) if f1s else None,
        "snippets": sum(s.snippets_ok for s in scores) / snippets if snippets else None,
        "headline": sum(heads) / len(heads) if heads else None,
        "refused": sum(bool(s.refused) for s in scores),
        "ms": statistics.mean(s.ms for s in scores) if scores else 0.0,
    }


def groups(results: list[Compared]) -> dict[str, list[Compared]]:
    """Per source and language, each source whole, each language over all sources, and all."""
    found: dict[str, list[Compared]] = defaultdict(list)
    for r in results:
        for key in (f"{r.source}/{r.lang}", f"{r.source}/*", f"*/{r.lang}", "*/*"):
            found[key].append(r)

    def order(key: str) -> tuple:
        source, lang = key.split("/")
        rank = SOURCES.index(source) if source in SOURCES else len(SOURCES)
        return rank, lang == "*", -len(found[key]), lang

    return {key: found[key] for key in sorted(found, key=order)}


def refused_by_newsmon_only(results: list[Compared]) -> list[Compared]:
    """Pages newsmon refuses (error or empty body) that trafilatura extracts."""
    return [
        r for r in results if r.scores["newsmon"].refused and not r.scores["trafilatura"].refused
    ]


def _cell(value: float | None) -> str:
    return f"{value:6.3f}" if value is not None else "     -"


def print_table(results: list[Compared], tools: tuple[str, ...]) -> None:
    """One row per group; each measure shows its tools side by side (newsmon first)."""
    names = " ".join(f"{t[:4]:>6}" for t in tools)
    print(f"{'source/lang':<13} {'pages':>5} | body F1 {names} | snippets {names} | "
          f"headline {names} | refused")  # fmt: skip
    for key, group in groups(results).items():
        stats = [group_stats(group, t) for t in tools]
        cells = [" ".join(_cell(s[m]) for s in stats) for m in ("f1", "snippets", "headline")]
        refused = "/".join(str(s["refused"]) for s in stats)
        print(f"{key:<13} {len(group):>5} |         {cells[0]} |          {cells[1]} | "
              f"         {cells[2]} | {refused}")  # fmt: skip


def print_report(results: list[Compared], tools: tuple[str, ...], seconds: float) -> None:
    print_table(results, tools)
    if "trafilatura" in tools:
        refused = refused_by_newsmon_only(results)
        print(f"\n{len(refused)} pages newsmon refuses that trafilatura extracts:")
        for r in refused:
            print(f"  {r.source}/{r.name} [{r.lang}]: {r.scores['newsmon'].refused}")
    ms = {t: group_stats(results, t)["ms"] for t in tools}
    per_tool = ", ".join(f"{t} {v:.1f} ms per page" for t, v in ms.items())
    print(f"\n{len(results)} pages in {seconds:.1f} s ({per_tool})")


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="realpages.py", description=__doc__.split("\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, help=f"../shared/pages (${ENV})")
    parser.add_argument("--more", type=Path, help=f"../shared/pages-more (${MORE_ENV})")
    parser.add_argument("--only", action="append", help="a language or source; repeatable")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write per-page scores here")
    parser.add_argument("--newsmon-only", action="store_true", help="skip trafilatura")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _args(argv[1:])
    pages_dir, more_dir = args.dir or default_dir(), args.more or default_more_dir()
    pages = saved_pages(pages_dir, more_dir)
    pages = [p for p in pages if not args.only or {p.lang, p.source} & set(args.only)]
    if not pages:
        print(f"Error: no page with its .json in {pages_dir} or {more_dir}", file=sys.stderr)
        return 2
    tools = ("newsmon",) if args.newsmon_only else TOOLS
    start = time.perf_counter()
    results = compare(pages, tools)
    print_report(results, tools, time.perf_counter() - start)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
