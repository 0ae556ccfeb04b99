"""Which links of a page are articles, and one regular expression for them: the path prefix
they share and the shape of their last segment (a slug, a slug with a numeric id, a number)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# A slug-and-id segment: "genf-zweite-runde-100.html", "some_story_123456".
_SLUG_ID = re.compile(r"^(?P<slug>.*?[^\W\d_].*?)(?P<sep>[-_])(?P<id>\d+)(?P<ext>\.[a-z]{2,5})?$")
_NUMBER = re.compile(r"^\d+(?P<ext>\.[a-z]{2,5})?$")
_EXT = re.compile(r"(?P<ext>\.(?:html?|php|aspx?|shtml))$")
_ASSETS = re.compile(r"\.(?:css|js|json|xml|rss|png|jpe?g|gif|svg|webp|ico|pdf|mp[34]|zip)$")
_SHARE = 0.9  # a prefix is common when this share of the article links has it


@dataclass
class Inferred:
    """The pattern, the article links it matches and those it does not."""

    pattern: str
    matched: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def looks_like_article(url: str) -> bool:
    """True for a path whose last segment reads as a story: several words, or a long id."""
    path = urlsplit(url).path
    if _ASSETS.search(path.lower()):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    stem = _EXT.sub("", last)
    words = [w for w in re.split(r"[-_]", stem) if w]
    return len(words) >= 3 or re.search(r"\d{5,}", stem) is not None


def infer_pattern(articles: list[str]) -> Inferred | None:
    """A regex for the largest group of same-shaped article links; None without links."""
    paths = sorted({urlsplit(u).path for u in articles if urlsplit(u).path.strip("/")})
    if not paths:
        return None
    prefix = _common_prefix([_segments(p) for p in paths])
    under = [
        p
        for p in paths
        if _segments(p)[: len(prefix)] == prefix and len(_segments(p)) > len(prefix)
    ]
    shapes = Counter(_shape(p) for p in under)
    shape = shapes.most_common(1)[0][0]
    group = [p for p in under if _shape(p) == shape]
    pattern = _regex(prefix, group, shape)
    matched = [u for u in articles if re.search(pattern, u)]
    missed = [u for u in articles if u not in matched]
    return Inferred(pattern, matched, missed)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _common_prefix(all_segments: list[list[str]]) -> list[str]:
    """The longest run of leading segments that most links share (never their last one)."""
    prefix: list[str] = []
    while True:
        depth = len(prefix)
        nexts = Counter(
            s[depth] for s in all_segments if s[:depth] == prefix and len(s) > depth + 1
        )
        if not nexts:
            return prefix
        segment, count = nexts.most_common(1)[0]
        if count < _SHARE * len(all_segments):
            return prefix
        prefix.append(segment)


def _shape(path: str) -> tuple:
    """What kind of last segment a path has, and whether it ends in a slash."""
    last = _segments(path)[-1]
    slash = path.endswith("/")
    if m := _SLUG_ID.match(last):
        return ("slug-id", m["sep"], m["ext"] or "", slash)
    if m := _NUMBER.match(last):
        return ("number", "", m["ext"] or "", slash)
    if m := _EXT.search(last):
        return ("slug", "", m["ext"], slash)
    return ("slug", "", "", slash)


def _char_class(texts: list[str]) -> str:
    """The narrowest readable class of the characters the texts use."""
    chars = set("".join(texts))
    if chars - set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.%"):
        return "[^/]"
    parts = "a-z0-9"
    parts += "A-Z" if chars & set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") else ""
    parts += "%" if "%" in chars else ""
    parts += r"\." if "." in chars else ""
    parts += "_" if "_" in chars else ""
    return f"[{parts}-]"


def _regex(prefix: list[str], group: list[str], shape: tuple) -> str:
    kind, sep, ext, slash = shape
    tails = [_segments(p)[len(prefix) :] for p in group]
    middles = [t[:-1] for t in tails]
    lasts = [t[-1] for t in tails]
    head = "/" + "".join(re.escape(s) + "/" for s in prefix)
    depths = {len(m) for m in middles}
    if depths == {0}:
        middle = ""
    else:
        cls = _char_class([s for m in middles for s in m])
        middle = f"{cls}+/" * depths.pop() if len(depths) == 1 else f"(?:{cls}+/)*"
    if kind == "slug-id":
        ids = {len(_SLUG_ID.match(s)["id"]) for s in lasts}
        digits = rf"\d{{{ids.pop()}}}" if len(ids) == 1 else r"\d+"
        slugs = [_SLUG_ID.match(s)["slug"] for s in lasts]
        last = f"{_char_class(slugs)}+{sep}{digits}"  # - and _ need no escape here
    elif kind == "number":
        last = r"\d+"
    else:
        last = f"{_char_class([s.removesuffix(ext) for s in lasts])}+"
    return head + middle + last + re.escape(ext) + ("/" if slash else "") + "$"
