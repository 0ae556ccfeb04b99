"""Live blogs: a stream of entries, not an article.

A live blog page is extracted like any article (headline, kicker, noise) and then
read for its entries, each with a key that survives edits, its own time, a title
and its text. The key is the page's id for the entry, else its minute and first words
(`text_key`): never its position, which a deleted neighbour moves, nor its title, which
an editor may add later.

The entries are the ones the page shows (`page_entries`): a page's JSON-LD `LiveBlogPosting`
often lists many more (`liveBlogUpdate`: the whole day, while the page shows the latest ten)
and in a text of its own, so it never replaces the page; it only keys and dates the entries
it matches by id, opening words or title. The shown entries are the largest run of sibling
elements that each carry an `id` and a `<time>` (how tickers anchor their entries for
sharing), or the run of siblings the JSON-LD's entries are found in. Only a page that shows
none of them (a stream rendered by script) is read from its JSON-LD. Generated class names
are never used to find entries.

The body of a live blog is its entries in the order they happened, so moving a
pinned entry to the top, or rotating teasers around the stream, changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lxml import html

from monitor.extract import pagemeta
from monitor.extract.words import weight
from monitor.items import Entry
from monitor.text import normalize, tidy

LIVE_TYPES = frozenset({"LiveBlogPosting"})
# In the bytes of every page with a JSON-LD live blog: a page without them is not parsed a
# second time to look for one.
MARKER = b"LiveBlogPosting"
_OUTSIDE = {"nav", "header", "footer", "aside"}
_MIN_ENTRY_WORDS = 5
# The opening words that key an entry without an id, with its minute: enough to tell apart two
# entries of one minute, few enough that an edit further on leaves the key alone.
_KEY_WORDS = 8


def blog_node(root: html.HtmlElement) -> dict | None:
    """The page's JSON-LD `LiveBlogPosting`, or None."""
    nodes = pagemeta.json_ld_nodes(root)
    return next((n for n in nodes if pagemeta.node_types(n) & LIVE_TYPES), None)


@dataclass
class Listed:
    """One `liveBlogUpdate` of the JSON-LD: what keys and dates an entry the page shows."""

    ident: str | None  # None when several different entries carry it
    published: str | None
    headline: str
    text: str

    def opening(self) -> str:
        return _folded(self.text or self.headline, _KEY_WORDS)


def listed_updates(blog: dict | None) -> list[Listed]:
    """The entries a `LiveBlogPosting`'s `liveBlogUpdate` lists, as the JSON-LD orders them."""
    updates = (blog or {}).get("liveBlogUpdate")
    if isinstance(updates, dict):
        updates = [updates]
    read = []
    for update in updates if isinstance(updates, list) else []:
        if not isinstance(update, dict):
            continue
        text = pagemeta.clean(update.get("articleBody") or update.get("text"))
        headline = pagemeta.clean(update.get("headline") or update.get("name"))
        published = pagemeta.iso_date(update.get("datePublished") or update.get("dateCreated"))
        ident = update.get("@id") or update.get("url")
        if text or headline:
            read.append(
                Listed(ident if isinstance(ident, str) else None, published, headline, text)
            )
    shared = _shared_idents(read)
    for listed in read:
        listed.ident = None if listed.ident in shared else listed.ident
    return read


def entries_from_json_ld(blog: dict | None) -> list[Entry]:
    """Entries listed in a `LiveBlogPosting`'s `liveBlogUpdate`, oldest first."""
    found = [
        Entry(_key(u.ident, u.published, u.headline, u.text), u.published, u.headline, u.text)
        for u in listed_updates(blog)
    ]
    return _in_order(found)


def _shared_idents(read: list[Listed]) -> set:
    """Ids that several different entries carry (the blog's own URL as every entry's `url`):
    they name none of them. A pinned entry listed twice is one entry, not a sharing."""
    contents: dict[str, set] = {}
    for u in read:
        if u.ident is not None:
            contents.setdefault(u.ident, set()).add((u.published, u.headline, u.text))
    return {ident for ident, seen in contents.items() if len(seen) > 1}


def page_entries(root: html.HtmlElement, blog: dict | None) -> list[Entry]:
    """The entries the page shows, keyed and dated by the JSON-LD entries they are; the
    JSON-LD's list itself only when the page shows none of its entries."""
    listed = listed_updates(blog)
    openings = [u.opening() for u in listed if u.opening()]
    marked = _marked_run(root)
    run, hits = _matched_run(root, openings) if openings else ([], 0)
    if hits <= sum(_hits(element, openings) == 1 for element in marked):
        run = marked
    if len(run) < 2 and not hits:
        return entries_from_json_ld(blog)
    free = list(listed)
    return _in_order([_shown_entry(element, free) for element in run])


def entries_from_markup(root: html.HtmlElement) -> list[Entry]:
    """The largest run of sibling elements with an `id` and a `<time>`, as entries."""
    run = _marked_run(root)
    return _in_order([_shown_entry(element, []) for element in run]) if len(run) >= 2 else []


def _marked_run(root: html.HtmlElement) -> list[html.HtmlElement]:
    best: list[html.HtmlElement] = []
    for parent in _content_parents(root):
        run = [child for child in parent if _entry_like(child)]
        if len(run) > len(best):
            best = run
    return best


def _matched_run(root: html.HtmlElement, openings: list[str]) -> tuple[list, int]:
    """The siblings that each hold one JSON-LD entry's opening words, the most of them under
    one parent, with `_alike` siblings; and how many matched."""
    best: list[html.HtmlElement] = []
    best_hits = 0
    for parent in _content_parents(root):
        hits = {c: _hits(c, openings) for c in parent if isinstance(c.tag, str)}
        matched = [c for c, n in hits.items() if n == 1]
        if len(matched) > best_hits:
            best_hits, best = len(matched), _alike(hits, matched)
    return best, best_hits


def _alike(hits: dict, matched: list[html.HtmlElement]) -> list[html.HtmlElement]:
    """The matched siblings and those of the same tag and class that hold no JSON-LD entry:
    entries the JSON-LD leaves out."""
    kinds = {(c.tag, c.get("class")) for c in matched}
    return [
        c
        for c, n in hits.items()
        if n == 1 or (not n and (c.tag, c.get("class")) in kinds and _long(c))
    ]


def _content_parents(root: html.HtmlElement):
    for parent in root.iter():
        if isinstance(parent.tag, str) and not _outside_content(parent):
            yield parent


def _hits(element: html.HtmlElement, openings: list[str]) -> int:
    """How many of the JSON-LD entries' openings the element's text holds."""
    if not openings:
        return 0
    text = f" {_folded(_text(element))} "
    return sum(f" {opening} " in text for opening in openings)


def _shown_entry(element: html.HtmlElement, free: list[Listed]) -> Entry:
    """The entry an element shows, with the key and time of the JSON-LD entry it is (taken
    from `free`), else its own id and `<time>`."""
    time = next(element.iter("time"), None)
    published = pagemeta.iso_date(time.get("datetime")) if time is not None else None
    heading = next((h for h in element.iter("h2", "h3", "h4")), None)
    headline = tidy(heading.text_content()) if heading is not None else ""
    paragraphs = [tidy(p.text_content()) for p in element.iter("p")]
    text = " ".join(p for p in paragraphs if p) or tidy(_text(element))
    listed = _listed_as(element, headline, free)
    ident = element.get("id")
    if listed is not None:
        free.remove(listed)
        ident, published = listed.ident, listed.published or published
        if not headline:
            headline, text = _title_split(text, listed.headline)
    return Entry(_key(ident, published, headline, text), published, headline, text)


def _listed_as(element: html.HtmlElement, headline: str, free: list[Listed]) -> Listed | None:
    """The JSON-LD entry an element is: by its id, its opening words, else its title."""
    ident = element.get("id")
    if ident:
        found = next((u for u in free if u.ident and u.ident.rsplit("#", 1)[-1] == ident), None)
        if found is not None:
            return found
    text = f" {_folded(_text(element))} "
    found = next((u for u in free if u.opening() and f" {u.opening()} " in text), None)
    if found is None and headline:
        found = next(
            (u for u in free if u.headline and _folded(u.headline) == _folded(headline)), None
        )
    return found


def _title_split(text: str, title: str) -> tuple[str, str]:
    """A title the JSON-LD gives that the page prints as the entry's first words, apart."""
    count = len(title.split())
    shown = text.split()
    if title and count < len(shown) and _folded(" ".join(shown[:count])) == _folded(title):
        return " ".join(shown[:count]), " ".join(shown[count:])
    return "", text


def _folded(text: str, limit: int | None = None) -> str:
    """Words as compared: typography folded, case and punctuation aside."""
    return " ".join(Entry("", None, "", normalize(text)).words()[:limit])


def _entry_like(element: html.HtmlElement) -> bool:
    if not isinstance(element.tag, str) or not element.get("id"):
        return False
    if next(element.iter("time"), None) is None:
        return False
    return _long(element)


def _long(element: html.HtmlElement) -> bool:
    # weight(): an entry in Chinese or Japanese holds no spaces between its words.
    return weight(_text(element)) >= _MIN_ENTRY_WORDS


def _text(element: html.HtmlElement) -> str:
    """The element's text with its pieces apart (`text_content` glues a time to a title)."""
    return " ".join(element.itertext())


def _outside_content(element: html.HtmlElement) -> bool:
    return any(a.tag in _OUTSIDE for a in element.iterancestors()) or element.tag in _OUTSIDE


def _key(ident: object, published: str | None, headline: str, text: str) -> str:
    """The page's own id for an entry (its fragment when it is a URL), else `text_key`."""
    if isinstance(ident, str) and ident.strip():
        ident = ident.strip()
        return ident.rsplit("#", 1)[-1] if "#" in ident else ident
    return text_key(Entry("", published, headline, text))


def text_key(entry: Entry) -> str:
    """A key for an entry the page gives no id: its minute and its first words. Neither a
    neighbour deleted nor a title added moves it; a reworded opening does, and
    monitor.diff.entries then finds the stored entry by its text."""
    basis = f"{(entry.published or '')[:16]}\x1f{' '.join(entry.words()[:_KEY_WORDS])}"
    return "h:" + hashlib.sha256(basis.encode()).hexdigest()[:16]


def _in_order(entries: list[Entry]) -> list[Entry]:
    """Oldest first. Pages list newest first, so without times the page order is reversed.
    An entry listed twice (pinned and in the stream) is one; two entries of the same key
    (two of the same minute and opening words) are told apart by a suffix."""
    ordered = sorted(reversed(entries), key=lambda e: e.published or "")
    unique = list({(e.key, e.published, e.headline, e.text): e for e in ordered}.values())
    seen: dict[str, int] = {}
    for entry in unique:
        count = seen.get(entry.key, 0)
        seen[entry.key] = count + 1
        if count:
            entry.key = f"{entry.key}#{count + 1}"
    return unique
