"""A whole cluster under the sample site's story, as tests/cluster/test_cluster_roles.py runs it:
one scheduler, one writer and three crawlers as their own `newsmon run --role` processes on a
real redis-server, the crash test's story, config and slow webhook (tests/harness.py), each
process's output in its own log, and the exactly-once check of what the store and the webhook
hold."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from conftest import start_newsmon
from harness import (
    CONFIG,
    TEXT_EDITS,
    Message,
    Run,
    SlowHook,
    all_sent,
    in_flight_sends,
    query,
    url_path,
)

from monitor.notify.messages import label
from monitor.sample_site import SampleSite
from monitor.sample_site.script import changes_of

# Short enough that a dead crawler's requests come back, and Redis's absence is said, within
# seconds. A fetch of the sample site takes milliseconds: a live crawler's lease never runs out.
CLUSTER = """
[cluster]
redis = "{redis}"
prefix = "acceptance"
lease_seconds = 3
tick_seconds = 1
heartbeat_seconds = 1
"""


def write_config(directory: Path, site: SampleSite, redis_url: str) -> Path:
    path = directory / "cluster.toml"
    db = directory / "monitor.db"
    path.write_text(CONFIG.format(db=db, base=site.base_url) + CLUSTER.format(redis=redis_url))
    return path


@dataclass
class Role:
    """One `newsmon run --role ROLE` process at a time; each run's output appended to `log`."""

    role: str
    config: Path
    log: Path
    hook: SlowHook
    runs: list[Run] = field(default_factory=list)
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            out.write(f"=== run {len(self.runs) + 1}\n".encode())
            self.runs.append(Run(time.monotonic()))
            self.proc = start_newsmon(
                "--config",
                str(self.config),
                "run",
                "--role",
                self.role,
                env={"NEWSMON_APPRISE_URLS": f"newsroom,admin={self.hook.url}"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        self.runs[-1].killed = time.monotonic()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        # A message sent just before the kill reaches the hook a moment later: this run's.
        time.sleep(0.2)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def text(self) -> str:
        return self.log.read_text(errors="replace")


def expected_changes(site: SampleSite, articles: set[str]) -> Counter:
    """(path, kind) of every change the steps applied so far make: each article once as new,
    each scripted edit once."""
    scripted = Counter(
        (path, cats[0]) for step in site.steps[: site.step_index] for path, cats in changes_of(step)
    )
    return Counter({(path, "new"): 1 for path in articles}) + Counter(
        {pair: n for pair, n in scripted.items() if pair[1] != "new"}
    )


def settled(db: Path, hook: SlowHook, expected: int, quiet: float = 1.5) -> bool:
    """Every expected change stored, evaluated and sent, and the hook quiet `quiet` s."""
    if not db.exists():
        return False
    done = all_sent(db, expected)
    last = hook.messages[-1].arrived if hook.messages else 0.0
    return done and time.monotonic() - last >= quiet


def check(db: Path, site: SampleSite, hook: SlowHook, articles: set[str], writer: list[Run]):
    """Every version, change and alert exactly once; a repeated send only the one in flight when
    a writer was killed. Returns how many sends were repeated."""
    assert query(db, "pragma integrity_check")[0]["integrity_check"] == "ok"
    changes = query(
        db, "select c.kind, a.url from changes c join articles a on a.id = c.article_id"
    )
    found = Counter((url_path(c["url"]), c["kind"]) for c in changes)
    expected = expected_changes(site, articles)
    assert found == expected, (found - expected, expected - found)

    text_edits = sum(n for (_, kind), n in expected.items() if kind in TEXT_EDITS)
    versions = query(db, "select count(*) as n from versions")[0]["n"]
    assert versions == len(articles) + text_edits
    per_article = query(
        db,
        "select a.url, a.versions, count(v.id) as stored from articles a "
        "left join versions v on v.article_id = a.id group by a.id",
    )
    assert all(r["versions"] == r["stored"] for r in per_article), per_article
    return _alerts_once(db, hook, writer, len(changes))


def _alerts_once(db: Path, hook: SlowHook, writer: list[Run], changes: int) -> int:
    alerts = query(
        db,
        "select al.id, al.status, al.delivered_to, al.attempts, ch.categories, ar.url "
        "from alerts al join changes ch on ch.id = al.change_id "
        "join articles ar on ar.id = al.article_id where al.kind = 'change'",
    )
    assert len(alerts) == changes
    assert {a["status"] for a in alerts} == {"sent"}
    assert all(len(json.loads(a["delivered_to"])) == 1 for a in alerts)
    assert not [a for a in alerts if a["attempts"]]  # no send failed: a repeat is no retry
    by_key = {(a["url"], label(json.loads(a["categories"]))): a["id"] for a in alerts}
    received: dict[int, list[Message]] = {a["id"]: [] for a in alerts}
    for message in hook.messages:
        for what in message.labels if message.url else ():  # no url: a health message
            received[by_key[(message.url, what)]].append(message)
    assert not [key for key, alert_id in by_key.items() if not received[alert_id]]
    in_flight = in_flight_sends(hook, writer)
    repeated = 0
    for alert_id, messages in received.items():
        for earlier in messages[:-1]:
            assert id(earlier) in in_flight, f"alert {alert_id} was sent twice without a kill"
            repeated += 1
    return repeated
