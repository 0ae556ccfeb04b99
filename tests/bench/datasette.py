"""Datasette response times over a month of coverage: python tests/bench/datasette.py.

Generates a database of 1,000 articles and 10,000 changes through the store's own
`record_page` of the crawl (so versions, ops, FTS rows and compressed pages are what a crawl writes),
spread over 30 days on four outlets, a third of the articles an agency text another outlet
ran a few hours before, with the alerts the rules make of them, one story of every article
(its members and events written hour by hour, as the crawls would) and a month of crawl runs.
Then starts `newsmon serve` on it and times, for each canned query (its HTML page, which
renders every diff cell, and its JSON), the changes-per-outlet overview, the timeline page of
the most changed and of a typical article, the list of stories, the story's page and its Atom
feed: the median of REQUESTS requests after one warm-up. Exits 1 when a median reaches
LIMIT_MS.

    python tests/bench/datasette.py [--articles 1000] [--changes 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from served import free_port, serve  # noqa: E402

from monitor import clock, store  # noqa: E402
from monitor.config import parse_config  # noqa: E402
from monitor.crawl.record import Extracted, record_page  # noqa: E402
from monitor.items import Article, Page  # noqa: E402
from monitor.rules import evaluate as alerts  # noqa: E402

LIMIT_MS = 300
REQUESTS = 7
SOURCES = {
    "zdf": "https://www.zdfheute.de/politik/ausland/{slug}-100.html",
    "tagesschau": "https://www.tagesschau.de/ausland/europa/{slug}-102.html",
    "world": "https://news.example.org/world/europe/{slug}",
    "dlf": "https://www.deutschlandfunk.de/{slug}-100.html",
}
# Words to build original sentences from: the vocabulary of the story, not any outlet's text.
SUBJECTS = [
    "Die Delegationen",
    "Die Vermittler",
    "Der Außenminister",
    "Die Regierung in Kiew",
    "Der Kreml",
    "Die europäischen Partner",
    "Ein Sprecher der Schweizer Gastgeber",
    "Beobachter in Genf",
    "Die US-Unterhändler",
    "Diplomaten beider Seiten",
]
VERBS = [
    "berieten am Abend über",
    "legten einen Entwurf vor zu",
    "äußerten sich zurückhaltend über",
    "sprachen von Fortschritten bei",
    "forderten Garantien für",
    "lehnten Zugeständnisse ab bei",
    "verwiesen auf offene Fragen zu",
    "kündigten weitere Gespräche an über",
]
OBJECTS = [
    "eine Waffenruhe entlang der Front",
    "den Austausch von Gefangenen",
    "Sicherheitsgarantien für die Ukraine",
    "ein Moratorium für Angriffe auf Kraftwerke",
    "die Überwachung einer Feuerpause",
    "den Verlauf einer künftigen Kontrolllinie",
    "humanitäre Korridore im Osten",
    "den Zeitplan für eine zweite Verhandlungsrunde",
    "die Rolle internationaler Beobachter",
]
TAILS = [
    "Einzelheiten wurden zunächst nicht bekannt.",
    "Eine Einigung gilt als nicht absehbar.",
    "Die Gespräche sollen am Montag fortgesetzt werden.",
    "Beide Seiten betonten, es gebe noch viel zu klären.",
    "Eine gemeinsame Erklärung blieb aus.",
]
RULES = [
    {
        "name": "ukraine-talks",
        "any": ["Waffenruhe", "Feuerpause", "Sicherheitsgarantie*", "Verhandlung*", "Moratorium"],
        "events": ["new", "changed"],
        "min_words": 3,
        "notify": ["newsroom"],
    },
    {"name": "corrections-and-takedowns", "events": ["correction", "removed"], "notify": ["desk"]},
]
# One story over the month: nearly every article is a member, the worst case of its page.
STORY = "geneva-talks"
STORIES = [
    {
        "name": STORY,
        "terms": [
            "Waffenruhe*",
            "Feuerpause",
            "Sicherheitsgarantie*",
            "Verhandlung*",
            "Moratorium*",
            "Gespräche",
            "Delegation*",
            "Vermittler",
            "Gefangene*",
        ],
        "require": ["Kiew", "Kreml", "Ukraine", "Genf"],
        "notify": ["newsroom"],
        "rate_limit": "15m",
    }
]
AGENCY_SHARE = 0.3  # of new articles: another outlet's agency text, run again
AGENCY_HOURS = 6  # how recent that text is


# Sentences of words drawn one at a time (a bench needs text, not prose): two articles share
# five words in a row (what the story's grouping takes for copied text) only when one copies
# the other. Each article's happening has its own place, person and number.
VOCABULARY = """
die der das und mit von über nach bei für gegen seit noch nicht bereits erneut zunächst offenbar
demnach wohl vorsichtig ausdrücklich inzwischen schließlich weiterhin kaum berieten sprachen
forderten lehnten verwiesen kündigten legten betonten warnten hofften zögerten prüften verlangten
bestätigten bestritten meldeten erwarteten begrüßten lange zähe offene strittige technische
humanitäre militärische politische neue zweite waffenruhe feuerpause gespräche verhandlungen
delegation vermittler entwurf papier garantien gefangene korridore front kontrolllinie beobachter
zeitplan runde erklärung einigung fortschritte fragen zugeständnisse kraftwerke angriffe
moratorium sprecher
"""
# Nouns in lower case too: a capitalised word is a name to the grouping, and names every
# article shares would make one event of them all.
WORDS = VOCABULARY.split()
PLACES = ["Genf", "Riad", "Istanbul", "Doha", "Ankara", "Wien", "Oslo", "Bern", "Rom", "Kairo"]
PEOPLE = ["Lindqvist", "Maraval", "Oyelaran", "Brandauer", "Kowalczyk", "Haddad", "Vukovic"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 15))]
    return " ".join([words[0].capitalize(), *words[1:]]) + "."


def happening(rng: random.Random) -> str:
    """The facts of one happening: a place, a person, a number."""
    place, person = rng.choice(PLACES), rng.choice(PEOPLE)
    return f"In {place} sagte Botschafterin {person}, {rng.randint(12, 980)} Gefangene seien frei."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))


def new_article(rng: random.Random, source: str, n: int) -> Article:
    slug = f"ukraine-gespraeche-{n:04d}"
    url = SOURCES[source].format(slug=slug)
    return Article(
        url=url,
        canonical_url=url,
        headline=f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}",
        kicker="Verhandlungen in Genf",
        lead=f"{happening(rng)} {paragraph(rng)}",
        body=[paragraph(rng) for _ in range(rng.randint(8, 14))],
        byline="Redaktion",
        language="de",
    )


def agency_copy(rng: random.Random, original: Article, source: str, n: int) -> Article:
    """The agency text `original` ran, on another outlet: its own URL and kicker, the same
    headline, lead and paragraphs (an outlet trims the last one now and then)."""
    url = SOURCES[source].format(slug=f"ukraine-gespraeche-{n:04d}")
    body = list(original.body)
    if len(body) > 4 and rng.random() < 0.5:
        body.pop()
    return Article(
        **{**original.__dict__, "url": url, "canonical_url": url, "body": body, "byline": "dpa"}
    )


def first_text(
    rng: random.Random,
    recent: list[tuple[datetime, str, Article]],
    at: datetime,
    source: str,
    n: int,
) -> Article:
    """A new article: now and then an agency text another outlet ran in the last hours."""
    others = [a for t, s, a in recent if s != source and at - t < timedelta(hours=AGENCY_HOURS)]
    if others and rng.random() < AGENCY_SHARE:
        return agency_copy(rng, rng.choice(others), source, n)
    return new_article(rng, source, n)


def edit(rng: random.Random, article: Article) -> Article:
    """One realistic edit: a reworded headline, a new lead, a paragraph added, removed or
    reworded, or a correction note."""
    body = list(article.body)
    action = rng.choices(
        ["headline", "lead", "append", "insert", "reword", "remove", "correction"],
        [12, 8, 30, 10, 30, 6, 4],
    )[0]
    headline, lead = article.headline, article.lead
    if action == "headline":
        headline = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    elif action == "lead":
        lead = paragraph(rng)
    elif action == "append":
        body.append(paragraph(rng))
    elif action == "insert":
        body.insert(rng.randrange(len(body) + 1), paragraph(rng))
    elif action == "reword" and body:
        i = rng.randrange(len(body))
        words = body[i].split()
        j = rng.randrange(len(words))
        words[j : j + 3] = rng.choice(OBJECTS).split()
        body[i] = " ".join(words)
    elif action == "remove" and len(body) > 3:
        del body[rng.randrange(len(body))]
    else:
        body.append(
            f"Korrektur: In einer früheren Fassung hieß es, {rng.choice(SUBJECTS).lower()} "
            f"habe {rng.choice(OBJECTS)} abgelehnt. Das war falsch."
        )
    return Article(**{**article.__dict__, "headline": headline, "lead": lead, "body": body})


def page_html(article: Article) -> bytes:
    """A news page of ordinary size around the article: navigation, teasers, footer."""
    chrome = "".join(f'<li><a href="/thema/{i}">Thema {i}</a></li>' for i in range(60))
    text = "".join(f"<p>{p}</p>" for p in article.body)
    html = (
        f"<!doctype html><html lang=de><head><title>{article.headline}</title>"
        f'<link rel="canonical" href="{article.canonical_url}"></head><body>'
        f"<nav><ul>{chrome}</ul></nav><article><p class=kicker>{article.kicker}</p>"
        f"<h1>{article.headline}</h1><p class=lead>{article.lead}</p>{text}</article>"
        f"<aside>{chrome}</aside><footer>{chrome}</footer></body></html>"
    )
    return html.encode("utf-8")


def generate(db_path: Path, n_articles: int, n_changes: int, seed: int = 20261124) -> None:
    rng = random.Random(seed)
    end = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    start = end - timedelta(days=30)
    moment = [start]
    clock.now = lambda: clock.iso(moment[0])  # the store stamps rows with this clock
    db = store.open_db(db_path)
    for source, pattern in SOURCES.items():
        store.ensure_source(db, source, "news", {"feeds": [pattern.format(slug="rss")]})

    # Every event, then applied in time order as a crawl would: (time, article, action).
    events: list[tuple[datetime, int, str]] = []
    born = [start + timedelta(seconds=rng.uniform(0, 29 * 86400)) for _ in range(n_articles)]
    # Edits per article: a long tail, as in a news story (most articles are edited a few
    # times, a few live stories dozens of times).
    weights = [rng.paretovariate(1.3) for _ in range(n_articles)]
    edits_left = n_changes - n_articles
    counts = [int(edits_left * w / sum(weights)) for w in weights]
    counts[0] += edits_left - sum(counts)
    for a in range(n_articles):
        events.append((born[a], a, "new"))
        # Edits within three days of publication, most of them in the first hours.
        span = min(end - born[a], timedelta(days=3))
        for at in sorted(born[a] + span * rng.random() ** 3 for _ in range(counts[a])):
            events.append((at, a, "edit"))
    # A few takedowns, each restored later: turn two consecutive edits into a pair.
    edits_at = [i for i, e in enumerate(events) if e[2] == "edit"]
    for i in rng.sample(edits_at, k=len(edits_at) // 100):
        if i + 1 < len(events) and events[i + 1][1] == events[i][1] and events[i + 1][2] == "edit":
            events[i] = (events[i][0], events[i][1], "removed")
            events[i + 1] = (events[i + 1][0], events[i + 1][1], "restored")
    events.sort(key=lambda e: e[0])

    config = parse_config(
        {
            "newsmon": {"database": str(db_path)},
            "sources": [{"name": s, "feeds": [p.format(slug="rss")]} for s, p in SOURCES.items()],
            "rules": RULES,
            "stories": STORIES,
        },
        Path("bench.toml"),
    )
    sources = list(SOURCES)
    texts: dict[int, Article] = {}
    recent: list[tuple[datetime, str, Article]] = []
    began = time.monotonic()
    hour = start
    for k, (at, a, action) in enumerate(events):
        moment[0] = at
        source = sources[a % len(sources)]
        if at - hour >= timedelta(hours=1):
            # The rules and the story look at what the last hour's crawls stored, at its time.
            alerts.evaluate(db, config, at)
            hour = at
        if action == "new":
            texts[a] = first_text(rng, recent, at, source, a)
            recent = [*recent[-50:], (at, source, texts[a])]
        elif action == "edit":
            texts[a] = edit(rng, texts[a])
        article = texts[a]
        status = 404 if action == "removed" else 200
        body = page_html(article)
        page = Page(article.url, source, status, body)
        record_page(db, Extracted(page, article=article if status == 200 else None))
        if k % 2000 == 0:
            print(f"  {k:>6} / {len(events)} events ({time.monotonic() - began:.0f} s)", flush=True)

    runs(db, rng, start, end)
    alerts.evaluate(db, config, end)
    # Delivery outcomes: most sent soon after the change, some waiting, a few dead.
    db.execute(
        "update alerts set created_at = (select detected_at from changes where id = change_id)"
    )
    for alert_id, created in db.execute("select id, created_at from alerts").fetchall():
        status = rng.choices(["sent", "pending", "dead"], [90, 7, 3])[0]
        sent = clock.iso(datetime.fromisoformat(created) + timedelta(seconds=rng.uniform(2, 90)))
        db["alerts"].update(
            alert_id,
            {
                "status": status,
                "sent_at": sent if status == "sent" else None,
                "attempts": 8 if status == "dead" else 0,
                "last_error": "HTTP 500 from the webhook" if status == "dead" else None,
            },
        )
    db.execute("vacuum")
    db.close()


def runs(db, rng: random.Random, start: datetime, end: datetime) -> None:
    """A month of crawl runs, every 10 minutes per source, with some failures and errors."""
    rows, errors = [], []
    for source in SOURCES:
        at = start
        while at < end:
            failed = rng.random() < 0.01
            rows.append(
                {
                    "run_id": clock.iso(at),
                    "source": source,
                    "started_at": clock.iso(at),
                    "finished_at": clock.iso(at + timedelta(seconds=4)),
                    "seconds": 4.0,
                    "requests": 40,
                    "responses": 0 if failed else 40,
                    "fetched": 0 if failed else rng.randint(0, 6),
                    "not_modified": 0 if failed else 34,
                    "new": 0,
                    "changed": 0,
                    "unchanged": 0,
                    "removed": 0,
                    "restored": 0,
                    "dropped": "{}",
                    "errors": 40 if failed else 0,
                    "statuses": "{}" if failed else '{"200": 6, "304": 34}',
                    "finish_reason": "finished",
                }
            )
            if failed:
                errors.append(
                    {
                        "run_id": clock.iso(at),
                        "source": source,
                        "url": SOURCES[source].format(slug="rss"),
                        "at": clock.iso(at),
                        "reason": "TimeoutError: took longer than 30 s",
                    }
                )
            at += timedelta(minutes=10)
    db["crawl_runs"].insert_all(rows)
    db["crawl_errors"].insert_all(errors)


def timed(url: str) -> tuple[float, int]:
    """Milliseconds and bytes of one GET."""
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        size = len(response.read())
        assert response.status == 200, url
    return (time.perf_counter() - began) * 1000, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="Generate into (or reuse) DIR/monitor.db.")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="newsmon-bench-datasette-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "monitor.db"
    if not db_path.exists():
        print(f"generating {args.articles} articles and {args.changes} changes in {db_path}")
        began = time.monotonic()
        generate(db_path, args.articles, args.changes)
        print(f"  done in {time.monotonic() - began:.0f} s")

    import sqlite3

    with sqlite3.connect(db_path) as conn:
        counts = {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("articles", "versions", "changes", "alerts", "crawl_runs", "story_members")
        }
        counts["events"], counts["events of 2+ outlets"] = conn.execute(
            "select count(*), count(*) filter (where outlets > 1) from events"
        ).fetchone()
        busiest, most = conn.execute(
            "select article_id, count(*) from changes group by 1 order by 2 desc limit 1"
        ).fetchone()
        per_article = sorted(
            conn.execute("select article_id, count(*) from changes group by 1").fetchall(),
            key=lambda r: r[1],
        )
        typical, usual = per_article[len(per_article) // 2]
        rule = "ukraine-talks"
    size_mb = db_path.stat().st_size / 1e6
    print(", ".join(f"{n:,} {t}" for t, n in counts.items()) + f"; {size_mb:.0f} MB")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    q = "/monitor/{}"
    pages = [
        ("latest_changes", q.format("latest_changes"), {}),
        ("headline_edits", q.format("headline_edits"), {}),
        ("corrections", q.format("corrections"), {}),
        ("takedowns", q.format("takedowns"), {}),
        ("article_history", q.format("article_history"), {"article": busiest}),
        ("alerts_by_status sent", q.format("alerts_by_status"), {"status": "sent"}),
        ("alerts_by_status dead", q.format("alerts_by_status"), {"status": "dead"}),
        ("source_health", q.format("source_health"), {}),
        ("rule_matches", q.format("rule_matches"), {"rule": rule}),
        ("rule_matches, a story", q.format("rule_matches"), {"rule": STORY}),
        ("story_articles", q.format("story_articles"), {"story": STORY}),
    ]
    results = []
    with serve(db_path, port):
        targets = []
        for name, path, params in pages:
            query = urllib.parse.urlencode(params)
            targets.append((f"{name} (HTML)", f"{base}{path}?{query}"))
            shape = urllib.parse.urlencode({**params, "_shape": "array"})
            targets.append((f"{name} (JSON)", f"{base}{path}.json?{shape}"))
        targets += [
            (f"timeline, busiest article ({most} changes)", f"{base}/-/newsmon/article/{busiest}"),
            (f"timeline, typical article ({usual} changes)", f"{base}/-/newsmon/article/{typical}"),
            ("changes per outlet (30 days)", f"{base}/-/newsmon/story"),
            ("changes per outlet, one rule", f"{base}/-/newsmon/story?rule={rule}"),
            ("stories", f"{base}/-/newsmon/stories"),
            (
                f"story page ({counts['story_members']} members)",
                f"{base}/-/newsmon/stories/{STORY}",
            ),
            ("story feed (Atom)", f"{base}/-/newsmon/stories/{STORY}.atom"),
        ]
        for name, url in targets:
            timed(url)  # warm-up: Datasette's first look at the schema, SQLite's page cache
            samples = [timed(url) for _ in range(REQUESTS)]
            times = [ms for ms, _ in samples]
            results.append((name, statistics.median(times), max(times), samples[0][1]))

    width = max(len(name) for name, *_ in results)
    print(f"\n{'page':<{width}}  median ms  max ms      bytes")
    for name, median, worst, size in results:
        flag = "" if median < LIMIT_MS else f"  over {LIMIT_MS} ms"
        print(f"{name:<{width}}  {median:>9.1f}  {worst:>6.1f}  {size:>9,}{flag}")
    slow = [r for r in results if r[1] >= LIMIT_MS]
    print(
        f"\n{len(results) - len(slow)} of {len(results)} under {LIMIT_MS} ms (median of {REQUESTS})"
    )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
