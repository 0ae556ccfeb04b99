"""A year of watching the ten default outlets, generated straight into the real schema.

`Year.grow(db, until)` adds the articles born up to the fraction `until` of the year, with their
versions (paragraphs stored once through monitor.store.paragraphs, the FTS rows through the
schema's own triggers), one change per version, live blogs
and their entries, alerts, story members and events, and the crawl runs; executemany in one
transaction per chunk. Text is made of generated words (no outlet's text): ~600 words per
article, an edit replaces or adds one to three paragraphs. Raw HTML is kept as the shipped
[retention] keeps it after its hourly prune: only versions of the last 30 days, RAW_BYTES each
(the median zlib size of the real pages in ../shared/pages).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from monitor import clock
from monitor.diff.core import diff_articles
from monitor.items import Article
from monitor.revisit import RevisitSettings, next_check_at
from monitor.store.paragraphs import paragraph_ids

SOURCES = [
    "zdf", "tagesschau", "dw", "spiegel", "deutschlandfunk",
    "zeit", "ntv", "bbc", "guardian", "kyivindependent",
]  # fmt: skip
START = datetime(2025, 12, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
ARTICLES = 800_000  # per year, every article kept
EDITS_MEAN = 2.1  # edits per article: 800,000 x 3.1 = 2.5 million versions and changes
LIVE_BLOGS = 60  # per year, each with thousands of entries
LIVE_SHOWN = 40  # entries a live blog page shows (its stored body)
RAW_BYTES = 51_000
RAW_DAYS = 30  # [retention] raw_max_age
STORY = "ukraine-talks"
RUN_EVERY = timedelta(minutes=2)  # the daemon revisits what is due every 2 minutes
MEMBER_SHARE, ALERT_SHARE = 0.08, 0.03
STORY_WORDS = ["Ukraine", "Waffenruhe", "Genf", "Verhandlungen", "Witkoff", "Selenskyj", "Kreml"]


def _word(rng: random.Random) -> str:
    syllables = ["ka", "ber", "lo", "min", "te", "sch", "ran", "vo", "del", "gu", "ost", "ne"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


@dataclass
class Pool:
    """Generated words and paragraphs that every article is assembled from."""

    rng: random.Random
    words: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.words = [_word(self.rng) for _ in range(6000)]
        # A paragraph is four of 60,000 sentences: 10^19 paragraphs, none repeated by chance,
        # made four times faster than word by word (the 100 % build's Python half).
        self.sentences = [self.sentence(self.rng.randint(8, 16)) for _ in range(60_000)]
        self.paragraphs = [self.paragraph() for _ in range(6000)]

    def sentence(self, n: int) -> str:
        words = self.rng.choices(self.words, k=n)
        if self.rng.random() < 0.15:
            words[self.rng.randrange(n)] = self.rng.choice(STORY_WORDS)
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.rng.choices(self.sentences, k=4))


@dataclass
class Ids:
    article: int = 0
    version: int = 0
    change: int = 0
    event: int = 0


@dataclass
class Year:
    """The generator's state between steps: what exists so far."""

    seed: int = 20251201
    scale: float = 1.0
    done: float = 0.0
    ids: Ids = field(default_factory=Ids)
    revisit: RevisitSettings = field(default_factory=RevisitSettings)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.pool = Pool(self.rng)
        self.raw = [self.rng.randbytes(RAW_BYTES + i * 97) for i in range(16)]
        self.diffs = [self._template() for _ in range(200)]

    def _template(self) -> tuple[str, str, int, int]:
        """A real diff (readable text, ops JSON, words) of one generated edit."""
        body = self.rng.sample(self.pool.paragraphs, 12)
        new = list(body)
        for _ in range(self.rng.randint(1, 3)):
            new[self.rng.randrange(len(new))] = self.pool.paragraph()
        diff = diff_articles(Article(url="x", body=body), Article(url="x", body=new))
        return diff.readable(), diff.to_json(), diff.words_added, diff.words_removed

    def now(self) -> datetime:
        return START + YEAR * self.done

    def grow(self, db, until: float) -> dict[str, int]:
        """Add everything born between the last step and `until` (a fraction of the year)."""
        begin, end = START + YEAR * self.done, START + YEAR * until
        for name, table in (("article", "articles"), ("version", "versions"),
                            ("change", "changes"), ("event", "events")):  # fmt: skip
            top = db.execute(f"select max(id) from {table}").fetchone()[0] or 0
            setattr(self.ids, name, max(top, getattr(self.ids, name)))  # the pipeline adds rows
        n = round(ARTICLES * self.scale * (until - self.done))
        born = sorted(begin + (end - begin) * self.rng.random() for _ in range(n))
        lives = max(1, round(LIVE_BLOGS * self.scale * (until - self.done)))
        live = set(self.rng.sample(range(n), min(lives, n)))
        rows = Rows()
        for k, at in enumerate(born):
            self._article(rows, at, end, k in live)
        self._runs(rows, begin, end)
        self.done = until
        rows.write(db)
        return rows.counts()

    def _article(self, rows: Rows, born: datetime, end: datetime, live: bool) -> None:
        rng, ids = self.rng, self.ids
        ids.article += 1
        aid, source = ids.article, rng.choice(SOURCES)
        if live:
            entries = rng.randint(1500, 5000)
            times = self._times(born, end, entries // 3, days=20)
            rows.entries += self._entries(aid, born, times, entries)
            body = [self.pool.paragraph()[:300] for _ in range(LIVE_SHOWN)]
        else:
            times = self._times(born, end, min(int(rng.expovariate(1 / EDITS_MEAN)), 60), days=3)
            # Every article its own paragraphs (outlets do not share text, agency copy aside):
            # drawn from the shared pool, articles would share them and flatter the store.
            body = [self.pool.paragraph() for _ in range(rng.randint(10, 14))]
        headline = self.pool.sentence(8)
        first_vid = ids.version + 1
        for number, at in enumerate(times, 1):
            if number > 1:
                for _ in range(rng.randint(1, 3)):
                    body[rng.randrange(len(body))] = self.pool.paragraph()  # a new text
            self._version(rows, aid, source, number, at, headline, body, end)
        last = times[-1]
        nxt = next_check_at(end, clock.iso(born), None, clock.iso(last), self.revisit)
        rows.articles.append(
            (aid, source, f"https://{source}.example/a/{aid}.html", "live", headline,
             clock.iso(born), clock.iso(last), clock.iso(born), clock.iso(end), clock.iso(last),
             len(times) * 4, len(times), ids.version, f'"{aid}-{len(times)}"', nxt,
             "liveblog" if live else "article")
        )  # fmt: skip
        if rng.random() < MEMBER_SHARE or live:
            self._member(rows, aid, source, born, first_vid, ids.change - len(times) + 1)

    def _times(self, born: datetime, end: datetime, edits: int, days: int) -> list[datetime]:
        span = min(end - born, timedelta(days=days))
        return [born, *sorted(born + span * self.rng.random() ** 3 for _ in range(edits))]

    def _version(self, rows: Rows, aid, source, number, at, headline, body, end) -> None:
        ids, rng = self.ids, self.rng
        ids.version += 1
        ids.change += 1
        fresh = end - at < timedelta(days=RAW_DAYS)
        raw = rng.choice(self.raw) if fresh else None
        rows.versions.append(
            (ids.version, aid, number, clock.iso(at), f"{aid:x}{number:x}", headline, "Thema",
             body[0][:240], "Redaktion", clock.iso(at), "de", raw,
             RAW_BYTES * 6 if fresh else None, 200)
        )  # fmt: skip
        rows.bodies.append((ids.version, list(body)))
        readable, ops, added, removed = rng.choice(self.diffs) if number > 1 else ("", None, 0, 0)
        kind = "body_edited" if number > 1 else "new"
        rows.changes.append(
            (ids.change, aid, source, ids.version - 1 if number > 1 else None, ids.version,
             clock.iso(at), kind, json.dumps([kind]), headline, readable, ops, added, removed,
             clock.iso(at))
        )  # fmt: skip
        if rng.random() < ALERT_SHARE:
            rows.alerts.append(
                (f"witkoff:{ids.change}:newsroom", "change", "witkoff", ids.change, aid,
                 ids.version, source, "newsroom", "sent", clock.iso(at), clock.iso(at), 1,
                 clock.iso(at + timedelta(seconds=30)), '["Witkoff"]')
            )  # fmt: skip

    def _entries(self, aid: int, born: datetime, times: list[datetime], n: int) -> list[tuple]:
        stamps = [times[i * len(times) // n] for i in range(n)]
        return [
            (aid, f"e{aid}-{i}", clock.iso(t), self.pool.sentence(6), self.pool.paragraph()[:400],
             clock.iso(t), clock.iso(times[-1]))
            for i, t in enumerate(stamps)
        ]  # fmt: skip

    def _member(self, rows: Rows, aid, source, born, vid, change_id) -> None:
        ids = self.ids
        if not rows.events or self.rng.random() < 0.35:
            ids.event += 1
            rows.events.append((ids.event, STORY, "Ereignis", clock.iso(born), aid, source))
        event = ids.event
        rows.members.append(
            (STORY, aid, source, clock.iso(born), vid, change_id, 6.0, '["Genf"]', "{}")
        )
        rows.event_articles.append((event, STORY, aid, source, clock.iso(born), "report"))

    def _runs(self, rows: Rows, begin: datetime, end: datetime) -> None:
        for source in SOURCES:
            at = begin
            while at < end:
                stamp, done = clock.iso(at), clock.iso(at + timedelta(seconds=4))
                rows.runs.append((stamp, source, stamp, done, 4.0, 40, 40, 34, 6, 0, 1, 5, 0, 0,
                                  0, "{}", '{"200": 6, "304": 34}', "finished"))  # fmt: skip
                at += RUN_EVERY / self.scale  # a crawl (listing or revisits) per source


@dataclass
class Rows:
    articles: list[tuple] = field(default_factory=list)
    versions: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)
    alerts: list[tuple] = field(default_factory=list)
    entries: list[tuple] = field(default_factory=list)
    members: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    event_articles: list[tuple] = field(default_factory=list)
    runs: list[tuple] = field(default_factory=list)
    bodies: list[tuple[int, list[str]]] = field(default_factory=list)  # (version id, paragraphs)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.__dict__.items()}

    def write(self, db) -> None:
        conn = db.conn
        with db.atomic():
            for table, columns in COLUMNS.items():
                values = getattr(self, table)
                marks = ", ".join("?" * len(columns.split(",")))
                target = TABLES.get(table, table)
                conn.executemany(f"insert into {target} ({columns}) values ({marks})", values)
            self._bodies(db)
        conn.execute(
            "update events set articles = (select count(*) from event_articles e "
            "where e.event_id = events.id), outlets = 1, first_source = 'zdf' "
            "where articles = 0"
        )
        conn.commit()

    def _bodies(self, db) -> None:
        """Each version's paragraphs as the store keeps them: every distinct text once."""
        texts = list(dict.fromkeys(t for _, body in self.bodies for t in body))
        ids = dict(zip(texts, paragraph_ids(db, texts), strict=True))
        db.conn.executemany(
            "insert into version_paragraphs (version_id, position, paragraph_id) values (?, ?, ?)",
            ((vid, n, ids[t]) for vid, body in self.bodies for n, t in enumerate(body)),
        )


TABLES = {"members": "story_members", "runs": "crawl_runs", "versions": "version_rows"}
COLUMNS = {
    "articles": "id, source, url, status, headline, published, modified, first_seen, "
    "last_checked, last_changed, checks, versions, current_version, etag, next_check_at, kind",
    "versions": "id, article_id, number, fetched_at, fingerprint, headline, kicker, lead, "
    "byline, published, language, raw_html, raw_size, http_status",
    "changes": "id, article_id, source, from_version, to_version, detected_at, kind, categories, "
    "headline, diff, ops, words_added, words_removed, evaluated_at",
    "alerts": "key, kind, rule, change_id, article_id, version_id, source, tag, status, "
    "created_at, not_before, attempts, sent_at, matched",
    "entries": "article_id, key, published, headline, text, first_seen, last_seen",
    "members": "story, article_id, source, joined_at, version_id, change_id, score, terms, fields",
    "events": "id, story, headline, first_seen, first_article_id, first_source",
    "event_articles": "event_id, story, article_id, source, seen, role",
    "runs": "run_id, source, started_at, finished_at, seconds, requests, responses, not_modified, "
    "fetched, new, changed, unchanged, removed, restored, errors, dropped, statuses, finish_reason",
}
