"""Noise inside the article body: a "read more" line added, an inline ad rotated.
Neither may alert. Makers as in `noise`."""

from __future__ import annotations

import random

from lxml import html

from change_check import wording
from change_check.locate import Located

Pair = tuple[html.HtmlElement, html.HtmlElement]


def _slot(loc: Located) -> html.HtmlElement | None:
    """The body paragraph after which a line goes: the second, on pages with three or more."""
    body = loc.body_paragraphs()
    return body[1] if len(body) >= 3 else None


def read_more(loc: Located, rng: random.Random) -> Pair | None:
    after = _slot(loc)
    if after is None:
        return None
    label = "Mehr zum Thema:" if wording.lang_of(loc.lang) == "de" else "Read more:"
    line = html.fragment_fromstring(
        f'<p><strong>{label}</strong> <a href="/related/4711">'
        f"{wording.headline(loc.lang, rng)}</a></p>"
    )
    fork = loc.fork()
    fork.find(after).addnext(line)
    return loc.root, fork.root


def inline_ad(loc: Located, rng: random.Random) -> Pair | None:
    after = _slot(loc)
    if after is None:
        return None
    label = "Anzeige" if wording.lang_of(loc.lang) == "de" else "Advertisement"
    pair = []
    for n in (0, 1):
        box = html.fragment_fromstring(
            f'<div class="ad ad-inarticle" data-ad-slot="article-1">'
            f'<span class="ad-label">{label}</span><p>{wording.ad_copy(loc.lang, n)}</p></div>'
        )
        fork = loc.fork()
        fork.find(after).addnext(box)
        pair.append(fork.root)
    return pair[0], pair[1]
