"""Probe one outlet page: its feeds and news sitemaps, its article links and a link pattern
for them, and what extraction makes of a few articles. Only the named site is fetched."""

from __future__ import annotations

import re
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from monitor.errors import ExtractionError
from monitor.extract.article import extract
from monitor.items import Article
from monitor.probe import page as pagelib
from monitor.probe.fetch import Fetcher, ProbeError
from monitor.probe.pattern import Inferred, infer_pattern, looks_like_article
from monitor.urls import normalize_url, same_site


@dataclass
class Listing:
    """A feed or sitemap looked at: what it is, how many article links it has, or why not."""

    url: str
    kind: str | None = None
    links: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Trial:
    """One article fetched and extracted: the article, or the reason there is none."""

    url: str
    article: Article | None = None
    reason: str = ""
    feeds: list[str] = field(default_factory=list)  # the feeds the article page announces


@dataclass
class Proposal:
    url: str
    feeds: list[Listing] = field(default_factory=list)
    sitemaps: list[Listing] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # the page's links that are no article
    inferred: Inferred | None = None
    trials: list[Trial] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)  # article links robots.txt forbids

    @property
    def allowed_domains(self) -> list[str]:
        return [(urlsplit(self.url).hostname or "").removeprefix("www.")]

    def usable(self, kind: str) -> list[str]:
        listings = self.feeds if kind == "feed" else self.sitemaps
        return [x.url for x in listings if x.kind == kind]

    @property
    def false_matches(self) -> list[str]:
        """The page's non-article links the pattern would take for articles."""
        pattern = self.inferred.pattern if self.inferred else ""
        return [u for u in self.others if pattern and re.search(pattern, u)]


def probe(url: str, fetcher: Fetcher, trials: int = 3) -> Proposal:
    """Look at `url` and what it links; ProbeError when it is no page with article links."""
    page = fetcher.get(url)
    if not page.ok:
        raise ProbeError(f"{url}: answered HTTP {page.status}")
    root = pagelib.parse_html(page.body) if page.is_html else None
    if root is None:
        raise ProbeError(f"{url}: not an HTML page ({page.content_type or 'no content type'})")
    proposal = Proposal(page.url)
    robots = _robots(fetcher, page.url)
    announced = pagelib.announced_feeds(root, page.url)
    feeds = announced or pagelib.guessed_listings(page.url, pagelib.FEED_PATHS)
    proposal.feeds = _listings(fetcher, feeds, want="feed", quiet=not announced)
    sitemaps = pagelib.robots_sitemaps(robots.text) if robots else []
    named = bool(sitemaps)
    sitemaps = sitemaps or pagelib.guessed_listings(page.url, pagelib.SITEMAP_PATHS)
    proposal.sitemaps = _listings(fetcher, sitemaps, want="news sitemap", quiet=not named)
    links = [u for u in pagelib.page_links(root, page.url) if same_site(page.url, u)]
    _sort_links(proposal, links, robots, fetcher.user_agent)
    if not proposal.articles:
        raise ProbeError(
            f"{url}: no article links found ({len(links)} link(s) on the page, none like an "
            "article; give a section or home page that lists articles)"
        )
    proposal.trials = [_trial(fetcher, u) for u in _to_try(proposal, links, trials)]
    if not proposal.usable("feed"):  # article pages often announce the feed their section lacks
        more = [f for t in proposal.trials for f in t.feeds]
        proposal.feeds += _listings(fetcher, list(dict.fromkeys(more)), want="feed", quiet=False)
        _sort_links(proposal, links, robots, fetcher.user_agent)
    return proposal


@dataclass
class _Robots:
    text: str
    parser: urllib.robotparser.RobotFileParser


def _robots(fetcher: Fetcher, url: str) -> _Robots | None:
    parts = urlsplit(url)
    try:
        answer = fetcher.get(urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", "")))
    except ProbeError:
        return None
    if not answer.ok:
        return None
    text = answer.body.decode("utf-8", "replace")
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    return _Robots(text, parser)


def _listings(fetcher: Fetcher, urls: list[str], want: str, quiet: bool) -> list[Listing]:
    """Each URL fetched and read; `quiet`: guesses that are not there are left out."""
    found = []
    for url in urls:
        if not fetcher.allowed(url):
            found.append(Listing(url, note="on another site: not checked"))
            continue
        try:
            answer = fetcher.get(url)
        except ProbeError as exc:
            found.append(Listing(url, note=str(exc).removeprefix(f"{url}: ")))
            continue
        kind = pagelib.listing_kind(answer.body) if answer.ok else None
        if kind is None:
            if not quiet:
                found.append(Listing(url, note=f"HTTP {answer.status}, not a feed or sitemap"))
            continue
        links = pagelib.listing_links(answer.body, kind)
        note = "" if kind == want else f"not added: a {kind}, not a {want}"
        found.append(Listing(normalize_url(url), kind if kind == want else None, links, note))
    return found


def _sort_links(
    proposal: Proposal, links: list[str], robots: _Robots | None, user_agent: str
) -> None:
    """Article links (from the listings and the page), the page's other links, the pattern."""
    # Feeds belong to the page's section or outlet; a sitemap may list a whole site, so it
    # gives no article links here and is kept only when the pattern fits most of its links.
    listed = [normalize_url(u) for x in proposal.feeds if x.kind for u in x.links]
    candidates = [u for u in listed if same_site(proposal.url, u)]
    candidates += [u for u in links if looks_like_article(u)]
    candidates = list(dict.fromkeys(candidates))
    can = robots.parser.can_fetch if robots else (lambda _ua, _url: True)
    proposal.forbidden = [u for u in candidates if not can(user_agent, u)]
    proposal.articles = [u for u in candidates if u not in proposal.forbidden]
    chosen = set(candidates)
    proposal.others = [u for u in links if u not in chosen and u != normalize_url(proposal.url)]
    proposal.inferred = infer_pattern(proposal.articles)
    for sitemap in proposal.sitemaps:
        _judge_sitemap(sitemap, proposal.inferred)


def _judge_sitemap(sitemap: Listing, inferred: Inferred | None) -> None:
    if not sitemap.kind or not sitemap.links:
        return
    fits = sum(1 for u in sitemap.links if inferred and re.search(inferred.pattern, u))
    if fits * 2 < len(sitemap.links):
        sitemap.kind = None
        sitemap.note = f"not added: {fits} of its {len(sitemap.links)} links match link_pattern"


def _to_try(proposal: Proposal, links: list[str], count: int) -> list[str]:
    """The first `count` article links the pattern matches, the page's own first."""
    matched = proposal.inferred.matched if proposal.inferred else []
    ordered = [u for u in links if u in matched] + matched
    return list(dict.fromkeys(ordered))[:count]


def _trial(fetcher: Fetcher, url: str) -> Trial:
    try:
        answer = fetcher.get(url)
    except ProbeError as exc:
        return Trial(url, reason=str(exc).removeprefix(f"{url}: "))
    if not answer.ok:
        return Trial(url, reason=f"HTTP {answer.status}")
    if not answer.is_html:
        return Trial(url, reason=f"not HTML ({answer.content_type})")
    trial = Trial(url)
    root = pagelib.parse_html(answer.body)
    trial.feeds = pagelib.announced_feeds(root, answer.url) if root is not None else []
    try:
        trial.article = extract(answer.body, answer.url, answer.charset)
    except ExtractionError as exc:
        trial.reason = str(exc)
    return trial
