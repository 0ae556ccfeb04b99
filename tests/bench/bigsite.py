"""A big generated news site for `make bench`: 1,000 articles of realistic size on 127.0.0.1.

Three outlet shapes (a ZDF-like Next.js page, a tagesschau-like server-rendered page, an
English page), each 50-300 KB like real article pages: a head with meta, og: and JSON-LD
NewsArticle, inline CSS, an SVG sprite, a mega menu, a 400-1,500-word body with subheads,
figures, captions and video teasers ("DD.MM.YYYY | m:ss min"), related lists, teaser rails,
a footer and the inline JSON state blobs real pages carry. Every word comes from a seeded
generator of German- and English-like text; nothing is copied from any outlet.

Discovery: a news sitemap per German outlet and an RSS feed for the English one.

The server runs in its own process (`python tests/bench/bigsite.py`), so its CPU is never
counted with the crawler's. Pages are rendered to bytes once at start; a request is a dict
lookup plus a write, with ETag/Last-Modified and 304s. Two controls:

- churn: a seeded share of the ZDF-like pages (default 10 % of all articles) change bytes on
  every request (a script nonce and a "vor N Minuten" line), as real ZDF pages do. They send
  no validators, so neither a 304 nor the raw-hash skip can spare their extraction; only the
  fingerprint tells that nothing changed.
- POST /_control/edit: a seeded 10 % of articles get a body edit (a sentence reworded or a
  sentence added), with a new ETag, Last-Modified, dateModified and sitemap lastmod.
  POST /_control/reset restores the originals. GET /_control/stats counts requests.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import random
import re
import sys
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

OUTLETS = ("zdf", "tagesschau", "world")
SITE_NAMES = {"zdf": "ZDFheute", "tagesschau": "tagesschau.de", "world": "World Report"}
NONCE, RELTIME = "@@nonce@@", "@@reltime@@"  # holes filled per request on churn pages


def _split(text: str) -> list[str]:
    return text.split()


# --- words ---------------------------------------------------------------------------------
# Common function words and generic news stems; content words are compounds of the stems or
# syllable-built names, so the text reads German- or English-like without meaning anything.

DE_DET = _split("der die das den dem des ein eine einen einem einer")
DE_PREP = _split("in mit nach bei von aus über unter vor für gegen zwischen seit trotz wegen")
DE_CONJ = _split("und aber während weil obwohl nachdem sodass denn")
DE_ADV = _split("bereits nun jedoch zunächst offenbar bislang erneut zudem kaum wohl noch")
DE_VERB = _split(
    "sagte erklärte betonte forderte kündigte bestätigte verlangte kritisierte warnte "
    "berichtete verhandelte vereinbarte prüfte lehnte beriet plante meldete"
)
DE_ADJ = _split(
    "neue erste weitere mögliche offene schwierige lange kurze europäische zentrale "
    "vorläufige umstrittene gemeinsame deutliche zweite letzte"
)
DE_STEM = _split(
    "Frieden Gespräch Waffen Ruhe Regierung Sicherheit Garantie Grenze Vertrag "
    "Minister Energie Hafen Wahl Haushalt Gericht Gipfel Runde Plan Delegation "
    "Truppen Front Stadt Land Bund Rat Kommission Bericht Woche Frage Entwurf "
    "Vorschlag Hilfe Lieferung Markt Preis Gas Strom Bahn Straße Schule Arbeit Kosten "
    "Steuer Partei Ausschuss Sprecher Botschaft Wirtschaft Verhandlung Abkommen "
    "Gefangene Austausch Kontrolle"
)
EN_DET = _split("the a an this that their its")
EN_PREP = _split("in with after at from over under before for against between since despite")
EN_CONJ = _split("and but while because although after so")
EN_ADV = _split("already now however initially apparently so far again also hardly still")
EN_VERB = _split(
    "said explained stressed demanded announced confirmed called criticised warned "
    "reported negotiated agreed examined rejected discussed planned"
)
EN_ADJ = _split(
    "new first further possible open difficult long short European central "
    "provisional disputed joint clear second last"
)
EN_STEM = _split(
    "talks ceasefire government security guarantee border treaty minister energy port "
    "election budget court summit round plan delegation troops front city council "
    "commission report week question draft proposal aid delivery market price gas "
    "power rail road school labour cost tax party committee spokesperson embassy "
    "economy official diplomat negotiator agreement deadline sanction parliament "
    "prisoner exchange"
)
SYLLABLES = _split(
    "ba ber da del en er fa gen hal ka ler lin ma mar no ra ren sa ste ta ter vo wal"
)
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})  # URL slugs, as outlets do
TOPIC_DE = ["Waffenruhe", "Verhandlungen", "Kiew", "Genf", "Sicherheitsgarantien", "Ukraine"]
TOPIC_EN = ["ceasefire", "negotiations", "Kyiv", "Geneva", "security guarantees", "Ukraine"]


class Words(random.Random):
    """A seeded source of German- or English-like words, sentences and paragraphs."""

    def __init__(self, seed: int, lang: str) -> None:
        super().__init__(seed)
        self.lang = lang
        de = lang == "de"
        self.det, self.prep, self.conj = (
            (DE_DET, DE_PREP, DE_CONJ) if de else (EN_DET, EN_PREP, EN_CONJ)
        )
        self.adv, self.verb, self.adj = (
            (DE_ADV, DE_VERB, DE_ADJ) if de else (EN_ADV, EN_VERB, EN_ADJ)
        )
        self.stem = DE_STEM if de else EN_STEM
        self.topic = TOPIC_DE if de else TOPIC_EN

    def noun(self) -> str:
        first = self.choice(self.stem)
        if self.random() < 0.35:  # compounds: "Grenzkontrolle", "budget committee"
            second = self.choice(self.stem)
            return f"{first}{second.lower()}" if self.lang == "de" else f"{first} {second}"
        return first

    def name(self) -> str:
        def part() -> str:
            text = "".join(self.choice(SYLLABLES) for _ in range(self.randint(2, 3)))
            return text.capitalize()

        return f"{part()} {part()}"

    def clause(self, topical: bool) -> list[str]:
        words = [self.choice(self.det), self.choice(self.adj), self.noun(), self.choice(self.verb)]
        for _ in range(self.randint(1, 3)):
            words += [self.choice(self.prep), self.choice(self.det), self.noun()]
            if self.random() < 0.3:
                words.append(self.choice(self.adv))
        if topical and self.random() < 0.25:
            words += [self.choice(self.prep), self.choice(self.topic)]
        if self.random() < 0.15:
            words.append(str(self.randint(2, 480)))
        return words

    def sentence(self, topical: bool = False) -> str:
        words = self.clause(topical)
        if self.random() < 0.4:
            words[-1] += ","
            words += [self.choice(self.conj), *self.clause(topical)]
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, words: int, topical: bool) -> str:
        out: list[str] = []
        while sum(len(s.split()) for s in out) < words:
            out.append(self.sentence(topical))
        return " ".join(out)

    def title(self, low: int, high: int) -> str:
        words = [self.noun(), self.choice(self.prep), self.choice(self.det), self.noun()]
        while len(words) < self.randint(low, high):
            words += [self.choice(self.conj), self.noun()]
        text = " ".join(words)
        return text[0].upper() + text[1:]


# --- stories -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Story:
    index: int
    outlet: str
    lang: str
    path: str
    section: str
    kicker: str
    headline: str
    lead: str
    byline: str
    caption: str
    paragraphs: tuple[str, ...]
    subheads: tuple[str, ...]  # one before every fourth paragraph
    published: datetime
    modified: datetime
    target_kb: int
    churn: bool
    related: tuple[int, ...] = ()
    rail: tuple[int, ...] = ()

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in (self.lead, *self.paragraphs))


def make_stories(count: int = 1000, seed: int = 1, churn: float = 0.1) -> list[Story]:
    """`count` articles, a third per outlet; `churn` of all of them are churning ZDF-like pages."""
    now = datetime.now(UTC).replace(microsecond=0)
    stories = []
    for index in range(count):
        outlet = OUTLETS[index % 3]
        lang = "en" if outlet == "world" else "de"
        w = Words(seed * 1_000_003 + index, lang)
        topical = w.random() < 0.4
        total = w.randint(400, 1500)
        lead = w.paragraph(w.randint(25, 40), topical)
        paragraphs: list[str] = []
        used = len(lead.split())
        while used < total:
            paragraphs.append(w.paragraph(min(w.randint(40, 110), total - used), topical))
            used += len(paragraphs[-1].split())
        headline = w.title(6, 11)
        slug = "-".join(headline.lower().translate(_ASCII).replace(",", "").split()[:6])
        slug = "".join(ch for ch in slug if ch.isascii() and (ch.isalnum() or ch == "-"))
        section = w.choice(["politik/ausland", "politik/deutschland", "wirtschaft"])
        path = {
            "zdf": f"/zdf/{section}/{slug}-{index:04d}-100.html",
            "tagesschau": f"/tagesschau/{section.split('/')[-1]}/{slug}-{index:04d}-102.html",
            "world": f"/world/europe/{slug}-{index:04d}",
        }[outlet]
        published = now - timedelta(minutes=w.randint(5, 20 * 60))
        stories.append(
            Story(
                index=index,
                outlet=outlet,
                lang=lang,
                path=path,
                section=section,
                kicker=w.title(1, 2) if outlet != "world" else "",
                headline=headline,
                lead=lead,
                byline=w.name(),
                caption=w.sentence(),
                paragraphs=tuple(paragraphs),
                subheads=tuple(w.title(3, 6) for _ in range(len(paragraphs) // 4)),
                published=published,
                modified=published + timedelta(minutes=w.randint(0, 30)),
                target_kb=w.randint(50, 300),
                churn=False,
            )
        )
    pick = random.Random(seed * 7919)
    zdf = [s.index for s in stories if s.outlet == "zdf"]
    churning = set(pick.sample(zdf, min(len(zdf), round(churn * count))))
    by_outlet = {o: [s.index for s in stories if s.outlet == o] for o in OUTLETS}
    for i, story in enumerate(stories):
        peers = [p for p in by_outlet[story.outlet] if p != story.index] or [story.index]
        stories[i] = replace(
            story,
            churn=story.index in churning,
            related=tuple(pick.sample(peers, min(4, len(peers)))),
            rail=tuple(pick.choices(peers, k=40)),
        )
    return stories


def edited_indices(count: int, seed: int = 1, share: float = 0.1) -> list[int]:
    """The seeded articles the edit switch changes; the benchmark checks exactly these."""
    return sorted(random.Random(seed * 104729).sample(range(count), round(share * count)))


def edit_story(story: Story, seed: int = 1) -> Story:
    """One sentence of a body paragraph reworded (even index) or one sentence added (odd)."""
    w = Words(seed * 31337 + story.index, story.lang)
    paragraphs = list(story.paragraphs)
    at = w.randrange(len(paragraphs))
    sentences = paragraphs[at].split(". ")
    if story.index % 2 == 0:
        n = w.randrange(len(sentences))
        sentences[n] = w.sentence().rstrip(".") + ("." if n == len(sentences) - 1 else "")
        paragraphs[at] = ". ".join(sentences)
    else:
        paragraphs[at] = f"{paragraphs[at]} {w.sentence()}"
    return replace(
        story, paragraphs=tuple(paragraphs), modified=story.modified + timedelta(hours=1)
    )


# --- markup --------------------------------------------------------------------------------
def esc(text: str) -> str:
    return escape(text, quote=True)


UTILITIES = _split(
    "flex items-center items-start gap-2 md:gap-4 text-sm md:text-base font-semibold "
    "leading-snug text-neutral-900 dark:text-neutral-100 hover:underline focus-visible:outline-2 "
    "px-4 py-2 lg:px-0 grid grid-cols-12 col-span-12 md:col-span-8 relative overflow-hidden "
    "rounded-md aspect-video object-cover w-full h-auto"
)


@functools.lru_cache(maxsize=4096)
def cls(outlet: str, role: str) -> str:
    """A build-generated class name plus utility classes, as CSS-in-JS and Tailwind builds emit."""
    digest = hashlib.blake2b(f"{outlet}:{role}".encode(), digest_size=5).digest()
    utilities = [UTILITIES[(b * 7 + i) % len(UTILITIES)] for i, b in enumerate(digest)]
    return " ".join([f"{role[:2]}-{digest.hex()}", *dict.fromkeys(utilities)])


def jsonld(data: dict) -> str:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/ld+json">{body}</script>'


def de_date(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y %H:%M")


@dataclass
class Kit:
    """What every outlet's renderer needs: the story, its peers, the base URL and a generator."""

    story: Story
    stories: list[Story]
    base: str
    w: Words = field(init=False)

    def __post_init__(self) -> None:
        self.w = Words(self.story.index * 7 + 3, self.story.lang)

    def c(self, role: str) -> str:
        return cls(self.story.outlet, role)

    @property
    def canonical(self) -> str:
        return self.base + self.story.path

    def head(self, extra: str = "") -> list[str]:
        s, site = self.story, SITE_NAMES[self.story.outlet]
        title = f"{s.kicker}: {s.headline}" if s.kicker else s.headline
        image = f"{self.base}/{s.outlet}/assets/{s.index}~1280x720.jpg"
        article = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": self.canonical},
            "headline": s.headline,
            "description": s.lead,
            "image": [image],
            "datePublished": s.published.isoformat(),
            "dateModified": s.modified.isoformat(),
            "author": {"@type": "Person", "name": s.byline},
            "publisher": {"@type": "Organization", "name": site},
            "inLanguage": s.lang,
        }
        crumbs = {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": i, "item": {"@id": u, "name": n}}
                for i, (n, u) in enumerate(
                    [(site, f"{self.base}/{s.outlet}/"), (s.section, self.canonical)], 1
                )
            ],
        }
        preload = "".join(
            f'<link rel="preload" as="script" href="/{s.outlet}/static/chunks/{self.asset(n)}.js"/>'
            for n in range(12)
        )
        return [
            f'<!DOCTYPE html><html lang="{s.lang}"><head><meta charset="utf-8"/>',
            '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
            f"<title>{esc(title)} | {site}</title>{preload}",
            f'<meta name="description" content="{esc(s.lead)}"/>',
            f'<link rel="canonical" href="{esc(self.canonical)}"/>',
            '<meta property="og:type" content="article"/>',
            f'<meta property="og:title" content="{esc(title)}"/>',
            f'<meta property="og:description" content="{esc(s.lead)}"/>',
            f'<meta property="og:url" content="{esc(self.canonical)}"/>',
            f'<meta property="og:site_name" content="{site}"/>',
            f'<meta property="og:image" content="{esc(image)}"/>',
            '<meta name="twitter:card" content="summary_large_image"/>',
            f'<meta name="twitter:title" content="{esc(title)}"/>',
            f'<meta name="robots" content="index, follow, max-image-preview:large"/>{extra}',
            jsonld(crumbs),
            jsonld(article),
            f"<style>{self.css(self.story.target_kb * 80)}</style>",
            f'<script nonce="{NONCE}">{self.analytics()}</script></head>',
        ]

    def asset(self, n: int) -> str:
        return hashlib.sha1(f"{self.story.outlet}{n}".encode()).hexdigest()[:16]

    def css(self, size: int) -> str:
        """Critical CSS, as real pages inline it: a few thousand generated rules."""
        w, rules, length = self.w, [], 0
        props = (
            "display:flex",
            "margin:0 auto",
            "padding:4px 8px",
            "color:#1a1a1a",
            "font-size:1.125rem",
            "line-height:1.5",
            "grid-template-columns:repeat(12,1fr)",
            "border-bottom:1px solid #ddd",
            "position:relative",
            "max-width:1280px",
        )
        while length < size:
            rule = (
                f".{w.choice(SYLLABLES)}{w.randint(0, 99999):05x}{{{';'.join(w.sample(props, 3))}}}"
            )
            rules.append(rule)
            length += len(rule)
        return "".join(rules)

    def analytics(self) -> str:
        s = self.story
        data = {
            "page": {
                "type": "article",
                "id": f"{s.outlet}-{s.index}",
                "section": s.section,
                "title": s.headline,
                "published": s.published.isoformat(),
                "nonce": NONCE,
            },
            "consent": {"vendors": [self.asset(n) for n in range(60)]},
            "ads": {
                "slots": [{"id": f"ad-{n}", "sizes": [[300, 250], [728, 90]]} for n in range(12)]
            },
        }
        return (
            "window.dataLayer=window.dataLayer||[];window.dataLayer.push("
            + json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
            + ");(function(w,d){var s=d.createElement('script');s.async=1;"
            "s.src='/static/analytics.js';d.head.appendChild(s)})(window,document);"
        )

    def sprite(self) -> str:
        w = self.w
        symbols = []
        for n in range(40):
            points = " ".join(f"{w.uniform(0, 24):.2f} {w.uniform(0, 24):.2f}" for _ in range(30))
            symbols.append(
                f'<symbol id="icon-{n}" viewBox="0 0 24 24"><path d="M{points}Z"/></symbol>'
            )
        return f'<svg style="display:none" aria-hidden="true">{"".join(symbols)}</svg>'

    def open(self, *roles: str) -> str:
        """Layout wrappers: real pages nest the text 10-20 elements deep in grid and module divs."""
        return "".join(f'<div class="{self.c(role)}">' for role in roles)

    def icon(self) -> str:
        """An inline SVG arrow, as teaser cards carry."""
        w = self.w
        points = " ".join(f"{w.uniform(0, 24):.2f} {w.uniform(0, 24):.2f}" for _ in range(12))
        return (
            f'<svg class="{self.c("icon")}" viewBox="0 0 24 24" aria-hidden="true" '
            f'focusable="false"><path fill="currentColor" d="M{points}Z"/></svg>'
        )

    def mega_nav(self, links: int) -> str:
        w, out = self.w, []
        for group in range(links // 15):
            items = "".join(
                f'<li class="{self.c("nav-li")}"><a href="/{self.story.outlet}/{w.choice(self.w.stem).lower()}'
                f'-{group}-{n}" class="{self.c("nav-a")}">{esc(w.noun())}</a></li>'
                for n in range(15)
            )
            out.append(
                f'<li class="{self.c("nav-group")}"><span>{esc(w.noun())}</span><ul>{items}</ul></li>'
            )
        return f'<nav aria-label="Hauptnavigation" class="{self.c("nav")}"><ul>{"".join(out)}</ul></nav>'

    def srcset(self, key: str) -> str:
        sizes = (240, 384, 640, 768, 1024, 1280)
        return ", ".join(
            f"/{self.story.outlet}/img/{key}~{n}x{n * 9 // 16}.jpg {n}w" for n in sizes
        )

    def teaser(self, other: Story, video: bool) -> str:
        """A teaser card for another article; a video card carries "DD.MM.YYYY | m:ss min"."""
        w, c = self.w, self.c
        tracking = json.dumps(
            {
                "id": other.index,
                "title": other.headline,
                "section": other.section,
                "position": w.randint(1, 99),
                "list": "rail",
                "algorithm": "recommendation-ctr-v3",
                "variant": f"ab-{w.randint(1, 4)}",
                "recoId": f"{w.getrandbits(64):016x}",
            },
            ensure_ascii=False,
        )
        meta = (
            f'<span class="{c("t-meta")}">{other.published:%d.%m.%Y} | '
            f"{w.randint(0, 9)}:{w.randint(0, 59):02d} min</span>"
            if video
            else f'<span class="{c("t-meta")}">{de_date(other.published)}</span>'
        )
        # The whole card is one link, as on real pages, short text and date included.
        return (
            f"{self.open('grid-item', 'card')}"
            f'<article class="{c("teaser")}" data-tracking="{esc(tracking)}">'
            f'<a href="{other.path}" class="{c("t-a")}"><picture class="{c("t-pic")}">'
            f'<img src="/{other.outlet}/img/{other.index}~640x360.jpg" '
            f'srcset="{self.srcset(str(other.index))}" sizes="(min-width: 1024px) 33vw, 100vw" '
            f'alt="{esc(other.caption)}" loading="lazy"/></picture>{self.open("t-c", "t-body")}'
            f'<h3 class="{c("t-h")}"><span class="{c("t-k")}">{esc(other.kicker or other.section)}'
            f'</span><span class="{c("t-t")}">{esc(other.headline)}</span></h3>'
            f'<p class="{c("t-p")}">{esc(other.lead[:160])}</p>{meta}</div></div>{self.icon()}</a>'
            "</article></div></div>"
        )

    def rail(self, budget: int, video: bool) -> str:
        """Teaser rails until `budget` bytes are used: what makes a real page 100-300 KB."""
        out, used, n = [], 0, 0
        while used < budget:
            other = self.stories[self.story.rail[n % len(self.story.rail)]]
            card = self.teaser(other, video and n % 3 == 0)
            if n % 3 == 0:  # three cards to a row
                card = ("</div></div>" if n else "") + self.open("row", "row-inner") + card
            out.append(card)
            used += len(card)
            n += 1
        out.append("</div></div>" if n else "")
        head = "Mehr Nachrichten" if self.story.lang == "de" else "More news"
        return f'<section class="{self.c("rail")}"><h2>{head}</h2>{"".join(out)}</section>'

    def state_blob(self, budget: int) -> str:
        """The page state as inline JSON (Next.js and the like repeat the whole article)."""
        s = self.story
        teasers: list[dict] = []
        state = {
            "buildId": self.asset(99),
            "nonce": NONCE,
            "page": "/article/[slug]",
            "article": {
                "headline": s.headline,
                "kicker": s.kicker,
                "lead": s.lead,
                "paragraphs": list(s.paragraphs),
                "byline": s.byline,
                "modified": s.modified.isoformat(),
            },
            "teasers": teasers,
        }
        used, n = len(json.dumps(state, ensure_ascii=False)), 0
        while used < budget:
            other = self.stories[s.rail[n % len(s.rail)]]
            item = {
                "id": other.index,
                "url": other.path,
                "title": other.headline,
                "text": other.lead,
                "image": self.srcset(str(other.index)),
                "n": n,
            }
            teasers.append(item)
            used += len(json.dumps(item, ensure_ascii=False))
            n += 1
        body = json.dumps(state, ensure_ascii=False).replace("</", "<\\/")
        return f'<script id="__NEXT_DATA__" type="application/json">{body}</script>'

    def scripts(self) -> str:
        return "".join(
            f'<script nonce="{NONCE}" src="/{self.story.outlet}/static/chunks/{self.asset(n)}.js" async></script>'
            for n in range(12)
        )

    def footer(self, links: int) -> str:
        items = "".join(
            f'<li><a href="/{self.story.outlet}/service/{n}">{esc(self.w.noun())}</a></li>'
            for n in range(links)
        )
        note = (
            "Ein generierter Beispielartikel für den Benchmark von newsmon."
            if self.story.lang == "de"
            else "A generated sample article for newsmon's benchmark."
        )
        return f'<footer class="{self.c("footer")}"><ul>{items}</ul><p>{note}</p></footer>'

    def body_blocks(self, para: str, sub: str, every: int, video: list[str]) -> list[str]:
        """The article body: paragraphs, a subhead before every fourth, video boxes between."""
        s, out = self.story, []
        for n, text in enumerate(s.paragraphs):
            if n and n % 4 == 0 and n // 4 - 1 < len(s.subheads):
                out.append(sub.format(esc(s.subheads[n // 4 - 1])))
            out.append(para.format(esc(text)))
            if video and n % every == every - 1:
                out.append(video[(n // every) % len(video)])
        return out


def render_zdf(kit: Kit) -> str:
    s, c, w = kit.story, kit.c, kit.w
    budget = s.target_kb * 1024
    videos = [
        f'<div class="{c("video")}"><div class="{c("player")}"><img src="/zdf/video/{s.index}-{n}.jpg" alt=""/>'
        f'<button aria-label="Video abspielen"></button></div><span class="{c("v-t")}">{esc(w.title(4, 7))}</span>'
        f'<span class="{c("v-d")}">{esc(w.sentence())}</span>'
        f'<span class="{c("v-m")}">{s.published:%d.%m.%Y} | {w.randint(1, 9)}:{w.randint(0, 59):02d} min</span></div>'
        for n in range(3)
    ]
    top = [
        *kit.head(),
        f'<body><div id="__next">{kit.sprite()}<header class="{c("header")}">',
        f'<a href="/zdf/" aria-label="ZDFheute Startseite">ZDFheute</a>{kit.mega_nav(150)}</header>',
        f'<main id="main">{kit.open("page", "layout", "grid", "col-main", "module")}',
        f'<article class="{c("article")}"><div class="{c("top")}"><h1 class="{c("h1")}">',
        f'<span class="{c("kicker")}">{esc(s.kicker)}</span><span class="{c("colon")}">:</span>',
        f'<span class="{c("headline")}">{esc(s.headline)}</span></h1>',
        f'<div class="{c("meta")}"><span>von {esc(s.byline)}</span><time dateTime="{s.published.isoformat()}">',
        f'{de_date(s.published)}</time><span class="{c("ago")}">{RELTIME}</span>',
        '<button aria-label="Teilen"></button><button aria-label="Merken"></button></div>',
        f'<p class="{c("lead")}">{esc(s.lead)}</p></div>',
        f'<figure class="{c("fig")}"><img src="/zdf/img/{s.index}~1280x720.jpg" srcset="{kit.srcset(str(s.index))}" alt=""/>',
        f"<figcaption>{esc(s.caption)}<small>Quelle: Beispielbild</small></figcaption></figure>",
        *kit.body_blocks(
            f'<div class="{c("wrap")}"><p class="{c("p")}">{{}}</p></div>',
            f'<h2 class="{c("h2")}">{{}}</h2>',
            3,
            videos,
        ),
        f'<div class="{c("source")}">Quelle: dpa, Reuters</div>',
        f'<p class="{c("bc")}">Über dieses Thema berichtete das ZDFheute journal am {s.published:%d.%m.%Y} ab 21:45 Uhr.</p>',
        f"</article></div></div>{kit.open('col-side', 'module')}",
        f'<section class="{c("more")}"><h2>Mehr zum Thema</h2>',
        *(kit.teaser(kit.stories[i], video=False) for i in s.related),
        "</section>",
    ]
    used = sum(map(len, top))
    bottom_fixed = kit.footer(40) + kit.scripts()
    blob = kit.state_blob(int(budget * 0.3))
    rail = kit.rail(budget - used - len(bottom_fixed) - len(blob), video=True)
    end = ["</div>" * 5, "</main>", kit.footer(40), "</div>", blob, kit.scripts(), "</body></html>"]
    return "".join([*top, rail, *end])


def render_tagesschau(kit: Kit) -> str:
    s, c = kit.story, kit.c
    budget = s.target_kb * 1024
    more = "".join(
        f'<li><a href="{kit.stories[i].path}">{esc(kit.stories[i].headline)}</a></li>'
        for i in s.related[:3]
    )
    top = [
        *kit.head(),
        f'<body>{kit.sprite()}<header class="{c("header")}"><a href="/tagesschau/">tagesschau.de</a>',
        f"{kit.mega_nav(120)}</header>",
        f"<main>{kit.open('page', 'layout', 'grid', 'col-main', 'module')}",
        f'<article class="container content-wrapper__group"><div class="{c("seitenkopf")}">',
        f'<h1 class="seitenkopf__headline"><span class="seitenkopf__topline">{esc(s.kicker)}</span>',
        f'<span class="seitenkopf__headline--text">{esc(s.headline)}</span></h1>',
        f'<p class="metatextline">Stand: {de_date(s.modified)} Uhr</p></div>',
        f'<p class="textabsatz"><strong>{esc(s.lead)}</strong></p>',
        f'<p class="textabsatz">Von {esc(s.byline)}, ARD-Studio</p>',
        f'<div class="absatzbild"><img src="/tagesschau/img/{s.index}.jpg" srcset="{kit.srcset(str(s.index))}" alt=""/>',
        f'<p class="absatzbild__info__text">{esc(s.caption)} Bild: Beispielbild</p></div>',
        *kit.body_blocks(
            '<p class="textabsatz">{}</p>', '<h2 class="meldung__subhead">{}</h2>', 6, []
        ),
        f'<div class="teaser-xs"><h2>Mehr zum Thema</h2><ul>{more}</ul></div>',
        '<p class="textabsatz">Dieses Thema im Programm: Das Erste | tagesschau | 20:00 Uhr</p>',
        f"</article></div></div>{kit.open('col-side', 'module')}",
        f'<aside class="{c("meistgelesen")}"><h2>Meistgelesen</h2>',
        *(kit.teaser(kit.stories[i], video=False) for i in s.related),
        "</aside>",
    ]
    used = sum(map(len, top))
    tail = kit.footer(60) + kit.scripts()
    blob = (
        '<script type="application/json" id="ts-config">'
        + json.dumps({"teasers": [kit.stories[i].lead for i in s.rail]}, ensure_ascii=False)
        + "</script>"
    )
    rail = kit.rail(budget - used - len(tail) - len(blob), video=False)
    return "".join([*top, rail, "</div>" * 5, "</main>", tail, blob, "</body></html>"])


def render_world(kit: Kit) -> str:
    s, c = kit.story, kit.c
    budget = s.target_kb * 1024
    related = kit.stories[s.related[0]]
    top = [
        *kit.head(),
        f'<body>{kit.sprite()}<header class="{c("header")}"><a href="/world/">World Report</a>',
        f"{kit.mega_nav(90)}</header><main>{kit.open('page', 'layout', 'grid', 'col-main')}",
        f'{kit.open("module")}<article class="{c("article")}"><h1 class="{c("h1")}">'
        f"{esc(s.headline)}</h1>",
        f'<div class="{c("standfirst")}"><p>{esc(s.lead)}</p></div>',
        f'<address class="{c("byline")}">By {esc(s.byline)}</address>',
        f'<time dateTime="{s.published.isoformat()}">{s.published:%a %d %b %Y %H.%M} GMT</time>',
        f'<figure><img src="/world/img/{s.index}.jpg" srcset="{kit.srcset(str(s.index))}" alt=""/>',
        f"<figcaption>{esc(s.caption)} (Photo: Sample Agency)</figcaption></figure>",
        f'<div class="{c("body")}" data-gu-name="body">',
        *kit.body_blocks("<p>{}</p>", "<h2>{}</h2>", 5, []),
        f'<aside class="{c("rich-link")}"><p>Related: <a href="{related.path}">{esc(related.headline)}</a></p></aside>',
        "</div>",
        f'<div class="{c("epic")}"><p>Independent reporting takes time and money. If you can, '
        "please consider a contribution. Support us</p></div>",
        f"</article></div></div>{kit.open('col-side', 'module')}",
        f'<aside class="{c("most-viewed")}"><h2>Most viewed</h2>',
        *(kit.teaser(kit.stories[i], video=False) for i in s.related),
        "</aside>",
    ]
    used = sum(map(len, top))
    tail = kit.footer(50) + kit.scripts()
    blob = kit.state_blob(int(budget * 0.25)).replace("__NEXT_DATA__", "gu-config")
    rail = kit.rail(budget - used - len(tail) - len(blob), video=False)
    return "".join([*top, rail, "</div>" * 5, "</main>", tail, blob, "</body></html>"])


RENDERERS = {"zdf": render_zdf, "tagesschau": render_tagesschau, "world": render_world}


def render(story: Story, stories: list[Story], base: str) -> str:
    return RENDERERS[story.outlet](Kit(story, stories, base))


# --- listings ------------------------------------------------------------------------------
def news_sitemap(stories: list[Story], base: str) -> str:
    entries = "".join(
        f"<url><loc>{esc(base + s.path)}</loc><lastmod>{s.modified.isoformat()}</lastmod>"
        f"<news:news><news:publication><news:name>{SITE_NAMES.get(s.outlet, s.outlet)}</news:name>"
        f"<news:language>{s.lang}</news:language></news:publication>"
        f"<news:publication_date>{s.published.isoformat()}</news:publication_date>"
        f"<news:title>{esc(s.headline)}</news:title></news:news></url>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{entries}</urlset>'
    )


def rss(stories: list[Story], base: str) -> str:
    items = "".join(
        f"<item><title>{esc(s.headline)}</title><link>{esc(base + s.path)}</link>"
        f"<description>{esc(s.lead)}</description><guid>{esc(base + s.path)}</guid>"
        f"<pubDate>{format_datetime(s.published, usegmt=True)}</pubDate></item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>World Report</title><link>{base}/world/</link>{items}</channel></rss>"
    )


LISTINGS = {
    "/zdf/news-sitemap.xml": ("zdf", news_sitemap),
    "/tagesschau/news-sitemap.xml": ("tagesschau", news_sitemap),
    "/world/rss.xml": ("world", rss),
}


# --- the server ----------------------------------------------------------------------------
@dataclass
class Resource:
    """A pre-rendered response. A churning page is split at its holes, filled per request."""

    chunks: list[bytes]
    holes: list[str]
    content_type: str
    etag: str | None
    last_modified: str | None

    @classmethod
    def page(cls, text: str, story: Story) -> Resource:
        if not story.churn:  # a static page: fixed nonce, no relative time, validators
            data = text.replace(NONCE, f"n{story.index:06d}").replace(RELTIME, "").encode()
            return cls.static(data, "text/html; charset=utf-8", story.modified)
        pieces = re.split(r"@@(nonce|reltime)@@", text)
        return cls(
            [p.encode() for p in pieces[::2]], pieces[1::2], "text/html; charset=utf-8", None, None
        )

    @classmethod
    def static(cls, data: bytes, content_type: str, modified: datetime) -> Resource:
        etag = '"' + hashlib.blake2b(data, digest_size=8).hexdigest() + '"'
        return cls([data], [], content_type, etag, format_datetime(modified, usegmt=True))

    def body(self, counter: int) -> bytes:
        if not self.holes:
            return self.chunks[0]
        nonce = hashlib.blake2b(counter.to_bytes(8, "big"), digest_size=8).hexdigest().encode()
        minutes = counter % 59 + 1
        ago = ("vor 1 Minute" if minutes == 1 else f"vor {minutes} Minuten").encode()
        out = [self.chunks[0]]
        for hole, chunk in zip(self.holes, self.chunks[1:], strict=True):
            out += [nonce if hole == "nonce" else ago, chunk]
        return b"".join(out)

    @property
    def size(self) -> int:
        return sum(map(len, self.chunks))


class BigSite:
    """The generated site's state: stories, pre-rendered resources, the edit switch, counters."""

    def __init__(self, base: str, count: int = 1000, seed: int = 1, churn: float = 0.1) -> None:
        self.base, self.seed = base, seed
        self.stories = make_stories(count, seed, churn)
        self.current = list(self.stories)
        self.resources: dict[str, Resource] = {}
        self.lock = threading.Lock()
        self.counter = 0
        self.stats = {"requests": 0, "not_modified": 0, "bytes": 0, "connections": 0}
        self.edited: list[int] = []
        for story in self.stories:
            self.resources[story.path] = Resource.page(render(story, self.stories, base), story)
        self._listings()
        robots = f"User-agent: *\nAllow: /\nSitemap: {base}/zdf/news-sitemap.xml\n".encode()
        self.resources["/robots.txt"] = Resource.static(
            robots, "text/plain", self.stories[0].published
        )

    def _listings(self) -> None:
        for path, (outlet, make) in LISTINGS.items():
            chosen = [s for s in self.current if s.outlet == outlet]
            newest = max(s.modified for s in chosen)
            self.resources[path] = Resource.static(
                make(chosen, self.base).encode(), "application/xml; charset=utf-8", newest
            )

    def edit(self, share: float = 0.1) -> list[str]:
        """Edit the seeded share of articles; the same call twice changes nothing more."""
        indices = edited_indices(len(self.stories), self.seed, share)
        with self.lock:
            for i in indices:
                story = edit_story(self.stories[i], self.seed)
                self.current[i] = story
                self.resources[story.path] = Resource.page(
                    render(story, self.stories, self.base), story
                )
            self.edited = indices
            self._listings()
        return [self.stories[i].path for i in indices]

    def reset(self) -> None:
        with self.lock:
            for i in self.edited:
                story = self.stories[i]
                self.current[i] = story
                self.resources[story.path] = Resource.page(
                    render(story, self.stories, self.base), story
                )
            self.edited = []
            self._listings()

    def sizes(self) -> list[int]:
        return [self.resources[s.path].size for s in self.stories]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as every crawler and browser uses
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.site.lock:
            self.server.site.stats["connections"] += 1  # keep-alive reuse shows as few

    def do_GET(self) -> None:
        site = self.server.site
        path = urlsplit(self.path).path
        if path == "/_control/stats":
            return self._send(200, json.dumps(site.stats).encode(), "application/json")
        resource = site.resources.get(path)
        if resource is None:
            return self._send(404, b"not found", "text/plain")
        with site.lock:
            site.counter += 1
            site.stats["requests"] += 1
            counter = site.counter
        tag = self.headers.get("If-None-Match")
        since = self.headers.get("If-Modified-Since")
        fresh = (tag is not None and tag == resource.etag) or (
            tag is None and since is not None and since == resource.last_modified
        )
        if resource.etag and fresh:
            site.stats["not_modified"] += 1
            return self._send(304, b"", None, resource)
        body = resource.body(counter)
        site.stats["bytes"] += len(body)
        self._send(200, body, resource.content_type, resource)

    def do_POST(self) -> None:
        site = self.server.site
        url = urlsplit(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path == "/_control/edit":
            share = float(parse_qs(url.query).get("share", ["0.1"])[0])
            return self._send(
                200, json.dumps({"edited": site.edit(share)}).encode(), "application/json"
            )
        if url.path == "/_control/reset":
            site.reset()
            return self._send(200, b"{}", "application/json")
        self._send(404, b"not found", "text/plain")

    def _send(
        self, status: int, body: bytes, content_type: str | None, resource: Resource | None = None
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if resource is not None and resource.etag:
            self.send_header("ETag", resource.etag)
            self.send_header("Last-Modified", resource.last_modified)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    site: BigSite


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--churn", type=float, default=0.1, help="share of all articles that churn")
    args = parser.parse_args(argv)
    server = _Server(("127.0.0.1", args.port), _Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    server.site = BigSite(base, args.articles, args.seed, args.churn)
    sizes = sorted(server.site.sizes())
    print(
        f"READY {base} pages={len(sizes)} kb_min={sizes[0] // 1024} "
        f"kb_median={sizes[len(sizes) // 2] // 1024} kb_max={sizes[-1] // 1024} "
        f"churning={sum(s.churn for s in server.site.stories)}",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.5)


if __name__ == "__main__":
    sys.exit(main())
