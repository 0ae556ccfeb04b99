"""Variants that differ from the page only by noise: none of them may alert.

Each maker takes a located page and a seeded random generator and returns (original, variant)
roots, or None when the page has nothing of the kind to vary.
"""

from __future__ import annotations

import random
import re

from lxml import html

from change_check import wording
from change_check.locate import WORD, Located, replace_in

Pair = tuple[html.HtmlElement, html.HtmlElement]
_TIME = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b[Vv]or \d+ \w+|\b\d+ (?:min|mins|minutes?|hours?|hrs?|days?) ago\b|\b\d+\s?(?:Min|min)\.?"
)
_NUMBER = re.compile(r"\d+")
_SKIP = {"script", "style", "noscript", "template"}
_NAV = re.compile(r"nav|menu|footer|breadcrumb", re.I)


def _shift_last_digit(m: re.Match) -> str:
    text = m.group(0)
    i = max(i for i, ch in enumerate(text) if ch.isdigit())
    return text[:i] + str((int(text[i]) + 3) % 10) + text[i + 1 :]


def _words(el: html.HtmlElement) -> int:
    return len(el.text_content().split())


def _outside_links(loc: Located, root: html.HtmlElement, fork) -> list[html.HtmlElement]:
    """Links outside the article body with at least four words: teasers."""
    found = []
    for a in loc.root.iter("a"):
        if loc.outside(a) and _words(a) >= 4 and not any(x.tag == "h1" for x in a.iterancestors()):
            found.append(fork.find(a))
    return found


def teaser_replaced(loc: Located, rng: random.Random) -> Pair | None:
    fork = loc.fork()
    links = _outside_links(loc, fork.root, fork)
    for a in links[:8]:
        for child in list(a):
            a.remove(child)
        a.text = wording.headline(loc.lang, rng)
    return (loc.root, fork.root) if links else None


def teaser_reordered(loc: Located, rng: random.Random) -> Pair | None:
    """Up to three lists of teasers outside the article body, their items in reverse order."""
    boxes = []
    for box in loc.root.iter("ul", "ol", "div", "section", "aside"):
        items = [c for c in box if isinstance(c.tag, str)]
        linked = [c for c in items if any(_words(a) >= 3 for a in c.iter("a"))]
        if len(items) >= 3 and len(linked) == len(items) and loc.outside(box):
            boxes.append(box)
    fork = loc.fork()
    copies = [fork.find(box) for box in boxes[:3]]  # all found before any is reordered
    for copy in copies:
        kids = [c for c in copy if isinstance(c.tag, str)]
        for kid in kids:
            copy.remove(kid)  # tails go with their element: text between stays in order
        copy.extend(kids[::-1])
    return (loc.root, fork.root) if copies else None


def timestamps(loc: Located, rng: random.Random) -> Pair | None:
    fork = loc.fork()
    changed = 0
    for t in loc.root.iter("time"):
        if loc.outside(t):
            copy = fork.find(t)
            if copy.get("datetime"):
                copy.set("datetime", _TIME.sub(_shift_last_digit, copy.get("datetime")))
            changed += replace_in(copy, _TIME, _shift_last_digit)
    for el in loc.root.find("body").iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP or not loc.outside(el):
            continue
        if el.tag != "time" and el.text and _TIME.search(el.text):
            copy = fork.find(el)
            copy.text = _TIME.sub(_shift_last_digit, copy.text)
            changed += 1
    return (loc.root, fork.root) if changed else None


def comment_counts(loc: Located, rng: random.Random) -> Pair | None:
    """Counters in boxes named for comments; a counter beside the headline where none is."""
    fork = loc.fork()
    changed = 0
    for el in loc.root.find("body").iter():
        name = f"{el.get('class', '')} {el.get('id', '')}" if isinstance(el.tag, str) else ""
        if "comment" in name.lower() and loc.outside(el) and el.text and _NUMBER.search(el.text):
            copy = fork.find(el)
            copy.text = _NUMBER.sub(lambda m: str(int(m.group(0)) + 4), copy.text, count=1)
            changed += 1
    if changed:
        return loc.root, fork.root
    anchor = loc.h1 if loc.h1 is not None and loc.outside(loc.h1) else loc.container
    if anchor is None or anchor.getparent() is None:
        return None
    word = "Kommentare" if wording.lang_of(loc.lang) == "de" else "comments"
    pair = []
    for count in (12, 17):
        fork = loc.fork()
        counter = html.fragment_fromstring(
            f'<a class="comment-count" href="#comments">{count} {word}</a>'
        )
        fork.find(anchor).addnext(counter)
        pair.append(fork.root)
    return pair[0], pair[1]


def consent_banner(loc: Located, rng: random.Random) -> Pair | None:
    fork = loc.fork()
    de = wording.lang_of(loc.lang) == "de"
    title = "Wir respektieren Ihre Privatsphäre" if de else "We value your privacy"
    text = (
        "Wir und unsere Partner speichern Informationen auf Ihrem Gerät."
        if de
        else "We and our partners store information on your device."
    )
    banner = html.fragment_fromstring(
        f'<div id="consent-layer" class="cmp-banner" role="dialog"><h2>{title}</h2>'
        f"<p>{text}</p><button>{'Alle akzeptieren' if de else 'Accept all'}</button>"
        f"<button>{'Einstellungen' if de else 'Settings'}</button></div>"
    )
    fork.body().insert(0, banner)
    return loc.root, fork.root


def scripts(loc: Located, rng: random.Random) -> Pair | None:
    pair = []
    for token in ("a81f3c", "9e04bd"):
        fork = loc.fork()
        for s in fork.root.iter("script"):
            if "ld+json" not in (s.get("type") or ""):
                s.text = (s.text or "") + f"/*{token}*/"
            if s.get("nonce") is not None:
                s.set("nonce", token)
        state = html.fragment_fromstring(f'<script nonce="{token}">window.__s="{token}"</script>')
        fork.body().append(state)
        pair.append(fork.root)
    return pair[0], pair[1]


def _ad_box(slot: str, label: str, copy: str) -> html.HtmlElement:
    return html.fragment_fromstring(
        f'<div class="ad" data-ad-slot="{slot}"><span class="ad-label">{label}</span>'
        f'<a href="https://ads.example.net/c?id={slot}">{copy}</a></div>'
    )


def ad_slots(loc: Located, rng: random.Random) -> Pair | None:
    """Ad boxes before the article body and at the page's end, their copy rotated."""
    if loc.container is None or loc.container.getparent() is None:
        return None
    label = "Anzeige" if wording.lang_of(loc.lang) == "de" else "Advertisement"
    pair = []
    for n in (0, 1):
        fork = loc.fork()
        fork.find(loc.container).addprevious(_ad_box("top", label, wording.ad_copy(loc.lang, n)))
        fork.body().append(_ad_box("side", label, wording.ad_copy(loc.lang, n + 1)))
        pair.append(fork.root)
    return pair[0], pair[1]


def query_strings(loc: Located, rng: random.Random) -> Pair | None:
    pair = []
    for token in ("nl0412", "sm0977"):
        fork = loc.fork()
        changed = 0
        for a in fork.root.iter("a"):
            href = a.get("href")
            if href and not href.startswith(("#", "javascript:", "mailto:")):
                joint = "&" if "?" in href else "?"
                a.set("href", f"{href}{joint}utm_source={token}&ref={token[:2]}")
                changed += 1
        pair.append(fork.root)
    return (pair[0], pair[1]) if changed else None


def nav_footer(loc: Located, rng: random.Random) -> Pair | None:
    """One word of every label in navigation and footer boxes outside the article body."""
    fork = loc.fork()
    changed = 0
    for box in loc.root.find("body").iter():
        if not isinstance(box.tag, str) or not loc.outside(box):
            continue
        name = f"{box.get('class', '')} {box.get('id', '')} {box.get('role', '')}"
        if box.tag in ("nav", "footer") or _NAV.search(name) or "contentinfo" in name:
            for a in fork.find(box).iter("a"):
                changed += replace_in(a, WORD, lambda m: wording.new_word(m.group(0), rng))
    return (loc.root, fork.root) if changed else None
