"""The plain data between the parts: what a fetch yields, what extraction makes of it, and what
the pipeline hands the store to write (a decision, the facts a spider found on its way).

Plain dataclasses only: this module imports nothing of newsmon but monitor.text, so every
part may import it.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import asdict, dataclass, field
from functools import cached_property

from monitor.text import normalize, words

_PUNCTUATION = string.punctuation + "«»‹›…·"


@dataclass
class Entry:
    """One entry of a live blog: an event with its own key and time."""

    # Stable across edits: the page's id for it, else a hash of its minute and first words
    # (monitor.extract.liveblog), and the stored entry's key once matched with it.
    key: str
    published: str | None = None
    headline: str = ""
    text: str = ""
    removed: bool = False  # set on the stored entry a change reports gone from the page

    def line(self) -> str:
        """The entry as one paragraph of the blog's stored text."""
        when = (self.published or "")[11:16]
        return " · ".join(p for p in (when, self.headline, self.text) if p)

    def words(self) -> list[str]:
        """The words an entry is known by: its text's (its title's when it has none), case and
        punctuation aside; a title added later is not among them."""
        folded = (w.strip(_PUNCTUATION).casefold() for w in words(self.text or self.headline))
        return [w for w in folded if w]


@dataclass
class Article:
    """One cleaned rendering of an article page.

    `headline`, `kicker`, `lead` and `body` are the content: they make the
    fingerprint. `noise` is what surrounds the article on the page (video
    teasers, captions, promos, source lines, related lists); it is kept for a
    person to look at and never enters the fingerprint.
    """

    url: str
    headline: str = ""
    kicker: str = ""
    lead: str = ""
    body: list[str] = field(default_factory=list)
    byline: str = ""
    published: str | None = None
    modified: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    site_name: str = ""
    noise: list[str] = field(default_factory=list)
    # Set for a live blog: its entries in the order they happened (the body is made of them).
    entries: list[Entry] = field(default_factory=list)

    def fingerprint(self) -> str:
        """A hash of the content only, stable under whitespace, quote, dash and Unicode form."""
        sealed = self.__dict__.get("_fingerprint")
        if sealed is not None:
            return sealed
        # Blank paragraphs are not content: the diff ignores them, so must the fingerprint.
        parts = [self.headline, self.kicker, self.lead, *(p for p in self.body if normalize(p))]
        joined = "\x1f".join(normalize(p) for p in parts)
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()

    def seal(self) -> Article:
        """Remember the fingerprint of this finished article (computed in the worker that
        extracted it, so the main process does not hash the text again). Edit no field after."""
        self.__dict__.pop("_fingerprint", None)  # hash the fields as they are now
        self.__dict__["_fingerprint"] = self.fingerprint()
        return self

    def paragraphs(self) -> list[str]:
        """Lead and body as one list, the way a reader sees the text."""
        return ([self.lead] if self.lead else []) + list(self.body)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Page:
    """What the spider hands to the pipelines: one HTTP outcome for one article URL.

    `status` is the HTTP status that reached the spider (200, 304, 404, 410);
    `article_id` is set when this was a revisit of a known article.
    """

    url: str
    source: str
    status: int
    body: bytes = field(default=b"", repr=False)  # pages are large; logs need the URL
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    request_url: str | None = None
    article_id: int | None = None
    live: bool = False  # listed under a source's live_blogs: read it as a stream

    @cached_property
    def raw_hash(self) -> str:
        """sha256 of the body as fetched; computed once for the same-bytes check and the store."""
        return hashlib.sha256(self.body).hexdigest()

    @cached_property
    def raw_size(self) -> int:
        """Bytes fetched; kept when the store batch lets the body go (monitor.crawl.pipelines)."""
        return len(self.body)


@dataclass
class Fetched:
    """A page and what the pipeline made of it: what the store writes a page's outcome from."""

    page: Page
    article_id: int | None = None  # the stored article it belongs to, when already known
    article: Article | None = None  # None: not a 200, or the same bytes or signature as stored
    packed: bytes | None = field(default=None, repr=False)  # the body zlib-compressed, to store
    signature: str | None = None  # monitor.extract.signature of the body, when it was computed


@dataclass
class Version:
    """A stored version, as a fetched article is compared with it."""

    id: int
    fingerprint: str
    article: Article


@dataclass
class Change:
    """One change row as the store writes it: what changed, for people and for programs."""

    categories: list[str]
    text: str = ""  # the readable diff, or a sentence where there is no diff
    ops: str | None = None  # the word-level diff as JSON (monitor.diff.core.Diff.to_json)
    words_added: int = 0
    words_removed: int = 0
    headline: str | None = None  # None: the article's headline as stored
    added: Entry | None = None  # a live blog's entry it reports (remembered with the change)
    edited: Entry | None = None  # a live blog's entry it reports edited (its text replaced)


@dataclass
class Decision:
    """What a fetched page is, compared with what the store holds (monitor.diff.decide); the
    store writes it as it is."""

    # new | changed | returned | unchanged | not_modified | removed | restored | gone, or
    # dropped/<reason>: nothing written but what counts a soft 404
    kind: str
    changes: list[Change] = field(default_factory=list)  # change rows to write, in order
    version: bool = False  # the fetched article is stored as a new version
    returned_to: int | None = None  # the page shows this earlier version again (no new row)


@dataclass
class Listing:
    """A listing (feed, sitemap, section page) as fetched: its validators for the next request."""

    url: str
    source: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchError:
    """A request of a crawl that failed, with a reason a person can act on."""

    run_id: str
    source: str
    url: str
    reason: str
