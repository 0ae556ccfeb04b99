"""Live blogs: a stream of entries, not an article.

A live blog page is extracted like any article (headline, kicker, noise) and then
read for its entries, each with a key that survives edits, its own time, a title
and its text. The key is the page's id for the entry, else its minute and first words
(`text_key`): never its position, which a deleted neighbour moves, nor its title, which
an editor may add later. The entries come from the page's JSON-LD `LiveBlogPosting`
(`liveBlogUpdate`) when it lists them, else from the markup: the largest run of
sibling elements that each carry an `id` and a `<time>` (how tickers anchor
their entries for sharing). Generated class names are never used.

The body of a live blog is its entries in the order they happened, so moving a
pinned entry to the top, or rotating teasers around the stream, changes nothing.
"""

from __future__ import annotations

import hashlib

from lxml import html

from monitor.extract import pagemeta
from monitor.items import Entry
from monitor.text import normalize

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


def entries_from_json_ld(blog: dict | None) -> list[Entry]:
    """Entries listed in a `LiveBlogPosting`'s `liveBlogUpdate`, oldest first."""
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
            read.append((ident, published, headline, text))
    shared = _shared_idents(read)
    found = [Entry(_key(None if i in shared else i, p, h, t), p, h, t) for i, p, h, t in read]
    return _in_order(found)


def _shared_idents(read: list[tuple]) -> set:
    """Ids that several different entries carry (the blog's own URL as every entry's `url`):
    they name none of them. A pinned entry listed twice is one entry, not a sharing."""
    contents: dict[object, set] = {}
    for ident, *content in read:
        if isinstance(ident, str):
            contents.setdefault(ident, set()).add(tuple(content))
    return {ident for ident, seen in contents.items() if len(seen) > 1}


def entries_from_markup(root: html.HtmlElement) -> list[Entry]:
    """The largest run of sibling elements with an `id` and a `<time>`, as entries."""
    best: list[html.HtmlElement] = []
    for parent in root.iter():
        if not isinstance(parent.tag, str) or _outside_content(parent):
            continue
        run = [child for child in parent if _entry_like(child)]
        if len(run) > len(best):
            best = run
    if len(best) < 2:
        return []
    found = []
    for element in best:
        time = next(element.iter("time"))
        published = pagemeta.iso_date(time.get("datetime"))
        heading = next((h for h in element.iter("h2", "h3", "h4")), None)
        headline = normalize(heading.text_content()) if heading is not None else ""
        paragraphs = [normalize(p.text_content()) for p in element.iter("p")]
        text = " ".join(p for p in paragraphs if p)
        found.append(
            Entry(_key(element.get("id"), published, headline, text), published, headline, text)
        )
    return _in_order(found)


def _entry_like(element: html.HtmlElement) -> bool:
    if not isinstance(element.tag, str) or not element.get("id"):
        return False
    if next(element.iter("time"), None) is None:
        return False
    return len(element.text_content().split()) >= _MIN_ENTRY_WORDS


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
