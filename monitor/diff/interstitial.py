"""Pages served in an article's place that are not the article: consent walls, paywall stubs,
bot checks and "page not found" pages answered with status 200. Pure recognition from the
page's own signals: its wording (German and English, the languages of the outlets we read, with
a few Ukrainian ones), a generic headline, and what the stored version had that the page lacks
(date, byline, canonical URL, most of its words).

A wall is short: a page of more than MAX_WORDS words is an article, whatever it quotes. Within
that, one phrase of a kind is enough beside a generic headline; otherwise it takes two distinct
phrases of the same kind, and (for a stored article) a page that lost some of its structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import html

from monitor.items import Article
from monitor.text import normalize

MAX_WORDS = 250
_PARSE_LIMIT = 2_000_000  # bytes of a raw page worth parsing for its wording

# Checked in this order: a bot check says "cookies" too, a paywall stub "sign in" too.
_PHRASES = {
    "bot_check": [
        r"verify(?:ing)? (?:that )?you are (?:a )?human",
        r"are you a robot",
        r"not a robot",
        r"checking (?:if the site connection is secure|your browser)",
        r"just a moment",
        r"enable javascript and cookies",
        r"captcha",
        r"unusual traffic",
        r"attention required",
        r"kein roboter",
        r"ungewöhnlichen datenverkehr",
        r"sicherheitsüberprüfung",
        r"überprüfung ihres browsers",
        r"access denied",
    ],
    "soft_404": [
        r"page not found",
        r"(?:could not|couldn't|can't|cannot) (?:be )?find (?:that|this|the) page",
        r"page (?:you are|you're) looking for",
        r"(?:could not|couldn't) be found",
        r"(?:error|fehler) 404",
        r"\b404\b",
        r"seite (?:wurde )?nicht gefunden",
        r"seite gibt es (?:leider )?nicht",
        r"nicht mehr verfügbar",
        r"no longer available",
        r"(?:zur|to the) (?:startseite|home ?page)",
        r"сторінку не знайдено",
        r"страница не найдена",
        r"seite existiert nicht",
    ],
    "paywall": [
        r"subscribe to (?:continue|keep) reading",
        r"already a subscriber",
        r"sign in to keep reading",
        r"(?:jetzt )?weiterlesen mit",
        r"bereits (?:ein )?abo(?:nnent)?",
        r"jetzt abonnieren",
        r"for subscribers",
        r"subscriber[- ]only",
        r"unlimited access",
        r"abo abschließen",
        r"(?:hier|jetzt) anmelden",
        r"exklusiv für abonnenten",
        r"plus-artikel",
        r"monatlich kündbar",
    ],
    "consent": [
        r"(?:alle )?akzeptieren",
        r"accept all",
        r"reject all",
        r"manage (?:preferences|cookies)",
        r"einstellungen verwalten",
        r"(?:wir|we) (?:und|and) unsere? partner",
        r"cookies",
        r"(?:ihre|your) (?:einwilligung|zustimmung|consent)",
        r"we value your privacy",
        r"datenschutz-?einstellungen",
        r"privacy settings",
        r"zustimmen",
        r"ablehnen",
        r"werbefrei",
        r"pur-abo",
    ],
}
_PATTERNS = {kind: re.compile("|".join(f"(?:{p})" for p in ps)) for kind, ps in _PHRASES.items()}
# Headlines no article has: the whole headline is one of these.
_TITLES = {
    "bot_check": r"just a moment\.*|attention required!?.*|access denied|security check|"
    r"sicherheitsüberprüfung|checking your browser|are you a robot\??",
    "soft_404": r"(?:error |fehler )?404.*|.*(?:page|seite) (?:wurde )?nicht gefunden.*|"
    r".*page not found.*|not found|nicht gefunden|.*seite gibt es (?:leider )?nicht.*|"
    r"sorry, we couldn't find that page",
    "paywall": r"subscribe to continue reading|this article is for subscribers|"
    r"(?:jetzt )?(?:weiterlesen|abonnieren).*",
    "consent": r"privacy settings|cookie settings|datenschutz-?einstellungen|"
    r"we value your privacy|wir brauchen ihre zustimmung|cookies? (?:und|&|and) .*",
}
_TITLE_PATTERNS = {kind: re.compile(rf"(?:{p})") for kind, p in _TITLES.items()}
_WORD = re.compile(r"\w{4,}")


@dataclass
class Interstitial:
    """What a page is instead of the article, and the signals that said so."""

    kind: str  # consent | paywall | bot_check | soft_404
    why: str


def _fold(text: str) -> str:
    return normalize(text).casefold().replace("’", "'")


def phrases(text: str) -> dict[str, int]:
    """Distinct phrases of each kind in `text`."""
    folded = _fold(text)
    found = {kind: len(set(p.findall(folded))) for kind, p in _PATTERNS.items()}
    return {kind: n for kind, n in found.items() if n}


def generic_title(headline: str) -> str | None:
    """The kind whose generic headline `headline` is, or None."""
    folded = _fold(headline).strip(" .!")
    for kind, pattern in _TITLE_PATTERNS.items():
        if folded and pattern.fullmatch(folded):
            return kind
    return None


def lost(page: Article, stored: Article | None) -> list[str]:
    """What the stored version had that the page lacks: its structure and metadata."""
    if stored is None:
        return []
    gone = [
        name
        for name in ("published", "byline", "canonical_url")
        if getattr(stored, name) and not getattr(page, name)
    ]
    old, new = _words(stored), _words(page)
    if new * 2 < old:
        gone.append(f"words ({new} of {old})")
    if stored.headline and not set(_WORD.findall(_fold(stored.headline))) & set(
        _WORD.findall(_fold(page.headline))
    ):
        gone.append("headline")
    return gone


def _words(article: Article) -> int:
    return len(" ".join(article.paragraphs()).split())


def recognize(page: Article, stored: Article | None = None) -> Interstitial | None:
    """The interstitial `page` is, compared with the article's `stored` version (None: a page
    of no stored article); None when it is an article."""
    text = " ".join([page.headline, page.kicker, *page.paragraphs()])
    if len(text.split(maxsplit=MAX_WORDS)) > MAX_WORDS:  # stops splitting past the limit
        return None
    found, title, gone = phrases(text), generic_title(page.headline), lost(page, stored)
    for kind in _PATTERNS:
        n = found.get(kind, 0)
        if n and title == kind:
            return Interstitial(kind, f"headline {page.headline!r}, {n} phrase(s)")
        if n >= 2 and (stored is None or gone):
            return Interstitial(kind, f"{n} phrases; lost: {', '.join(gone) or '-'}")
    return None


def recognize_page(body: bytes, stored: Article | None = None) -> Interstitial | None:
    """`recognize` for a raw page the extractor refused (too little text to be an article):
    its <title> or first <h1> as the headline and its visible text as the body."""
    if not body or len(body) > _PARSE_LIMIT:
        return None
    try:
        root = html.document_fromstring(body)
    except (ValueError, html.etree.ParserError):
        return None
    for node in root.xpath("//script|//style|//noscript|//template"):
        node.drop_tree()
    title = normalize(root.findtext(".//title") or "")
    heading = root.xpath("string(//h1)").strip()
    text = normalize(root.text_content())
    for headline in dict.fromkeys(h for h in (heading, title) if h):
        found = recognize(Article(url="", headline=headline, body=[text]), stored)
        if found is not None:
            return found
    return None
