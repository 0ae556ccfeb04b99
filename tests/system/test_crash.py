"""Crash safety: `newsmon run` killed with SIGKILL at random moments while the sample site's story
changes, restarted each time, loses nothing and repeats only sends that were in flight.

The daemon crawls the sample site every 3 s and sends every change to a real HTTP endpoint that
takes a moment to answer, so a kill lands, depending on the seeded draw, in start-up, a crawl
(fetching, extracting, storing), the evaluation of changes, or a send. Between kills the story
moves on by one scripted edit now and then. At the end the daemon runs until nothing is left
to do, and the test checks:

- the database passes `PRAGMA integrity_check`;
- every article has exactly one `new` change, and every scripted edit exactly its change (and
  its version, when it changes the text) - nothing missed, nothing twice, nothing extra;
- every alert reached the endpoint at least once, its row says sent to that one target with no
  failed attempt, and every repeat was the last message its daemon sent before it was killed
  (the one send in flight when the process died).

The figures are printed (`pytest -s` shows them). CI runs NEWSMON_CRASH_KILLS (default 40)
kills; a longer run with another seed:

    NEWSMON_CRASH_KILLS=100 NEWSMON_CRASH_SEED=7 .venv/bin/pytest -s -p no:cacheprovider \
        tests/system/test_crash.py -k sigkill

Below it, the two tests of "one dispatcher per database" (monitor.notify.lease).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ROOT, newsmon_argv, newsmon_env, wait_for
from harness import (
    ANSWER_DELAY,
    CONFIG,
    STEPS,
    TEXT_EDITS,
    Daemon,
    Message,
    Run,
    SlowHook,
    all_sent,
    in_flight_sends,
    parse,
    query,
    seen,
    url_path,
)
from receivers import HttpReceiver

from monitor.notify.lease import Lease, LeaseLost
from monitor.notify.messages import label
from monitor.sample_site import SampleSite
from monitor.sample_site.script import changes_of, held_back
from monitor.store import open_db

KILLS = int(os.environ.get("NEWSMON_CRASH_KILLS", "40"))
SEED = int(os.environ.get("NEWSMON_CRASH_SEED", "20261125"))
# Where a kill aims, drawn per run: a moment of start-up, of a crawl (fetching, extracting,
# storing), of sending, or any moment. A crawl and a send are aimed at by waiting for the first
# request the site (the hook) gets, then a random moment more; "any" is a random delay.
TARGETS = ("start-up", "crawl", "send", "any", "any")
KILL_AFTER = (0.2, 4.5)  # seconds after the start, for "any"

FORKSERVER_EOF = re.compile(
    r"Traceback \(most recent call last\):\n"
    r"  File \"<string>\", line 1, in <module>\n"
    r"  File \"[^\"]*/multiprocessing/forkserver\.py\", line \d+, in main\n"
    r"(?:  .*\n)*?"
    r"EOFError\n"
)


# --- the daemon, killed -----------------------------------------------------------------------


@dataclass
class Harness(Daemon):
    """The daemon killed at a drawn moment, and what it was doing then, seen from outside."""

    hits_before: int = 0

    def wait(self, target: str, rng: random.Random) -> None:
        """Until a moment of `target` (see TARGETS); at most 6 s when it does not come."""
        run = self.runs[-1]
        if target == "start-up":
            delay = rng.uniform(0.05, 1.0)
        elif target == "any":
            delay = rng.uniform(*KILL_AFTER)
        else:
            began = self.site_hits() if target == "crawl" else len(self.hook.messages)
            deadline = run.started + 6
            while time.monotonic() < deadline:
                now = self.site_hits() if target == "crawl" else len(self.hook.messages)
                if now != began:
                    break
                time.sleep(0.01)
            delay = rng.uniform(0, 0.6 if target == "crawl" else ANSWER_DELAY)
            delay += time.monotonic() - run.started
        # The last stretch is watched: did the site get requests in it (a crawl runs)?
        rest = run.started + delay - time.monotonic()
        time.sleep(max(0.0, rest - 0.3))
        self.hits_before = self.site_hits()
        time.sleep(max(0.0, min(rest, 0.3)))

    def kill(self) -> None:
        run = self.runs[-1]
        run.phase = self.phase()
        run.killed = time.monotonic()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.copier.join(10)
        # A message written just before the kill is read by the hook a moment later; it must
        # count as this run's, not the next one's.
        time.sleep(0.2)

    def phase(self) -> str:
        """What the daemon was doing, as seen from outside, when the kill came."""
        last = self.log.read_text(errors="replace").rsplit("=== run", 1)[-1]
        if "newsmon running" not in last:
            return "start-up"
        if self.hook.answering:
            return "sending"
        if self.site_hits() != self.hits_before:
            return "crawling"
        return "storing/evaluating/idle"

    def site_hits(self) -> int:
        return sum(self.site.hits(p) for p in self.paths)

    @property
    def paths(self) -> list[str]:
        if not hasattr(self, "_paths"):
            self._paths = [*self.site.state.articles, "/zdf/rss/nachrichten"]
        return self._paths


# --- the test ---------------------------------------------------------------------------------


def test_sigkill_at_random_moments_loses_no_version_and_no_alert(tmp_path):
    rng = random.Random(SEED)
    db = tmp_path / "monitor.db"
    scripted = {category for step in STEPS for _, category in step.expected}
    assert scripted >= TEXT_EDITS | {"new", "removed", "restored"}, scripted
    with SampleSite(steps=STEPS) as site, SlowHook() as hook:
        config = tmp_path / "monitor.toml"
        config.write_text(CONFIG.format(db=db, base=site.base_url))
        articles = set(site.published_paths())
        steps = len(site.steps)
        # The kills after which the story moves on by one edit (it lands while the daemon is
        # down). An edit waits until the previous one was stored: two edits the monitor never
        # saw apart (a takedown and the return) are one change, or none, by design.
        advance_after = set(rng.sample(range(KILLS), min(steps, KILLS)))
        harness = Harness(config, tmp_path / "daemon.log", hook, site)
        began = time.monotonic()
        due = 0
        for number in range(KILLS):
            harness.start()
            harness.wait(rng.choice(TARGETS), rng)
            harness.kill()
            due += number in advance_after
            if due and seen(db, site):
                site.advance()
                due -= 1
        edits_while_down = site.step_index
        harness.start()
        try:
            while site.step_index < steps:  # the rest of the story, with the daemon up
                last = site.steps[site.step_index - 1].name if site.step_index else "start"
                wait_for(lambda: seen(db, site), 60, what=f"the changes of step {last!r}")
                site.advance()
            articles |= set(site.published_paths())
            quiet = wait_until_done(db, hook, site, len(articles), timeout=120)
        finally:
            code = harness.stop()
        seconds = time.monotonic() - began
        log = harness.log.read_text(errors="replace")
        assert code == 0, log[-3000:]
        assert quiet, "the daemon did not finish its work:\n" + log[-3000:]

    figures = check(db, site, hook, harness.runs, articles)
    phases = Counter(run.phase for run in harness.runs if run.killed)
    print(
        f"\ncrash test (seed {SEED}): {figures['kills']} kills in {seconds:.0f} s "
        f"({', '.join(f'{n} {p}' for p, n in phases.most_common())}); "
        f"{edits_while_down} of {steps} edits made while the daemon was down; "
        f"versions expected {figures['versions_expected']}, found {figures['versions_found']}; "
        f"changes expected {figures['changes_expected']}, found {figures['changes_found']}; "
        f"alerts expected {figures['alerts']}, delivered {figures['delivered']}, "
        f"duplicated {figures['duplicated']} (from {figures['in_flight']} send(s) in flight "
        "at a kill)"
    )
    assert figures["kills"] == KILLS
    # The kills landed in more than one kind of moment: the draw is not degenerate.
    assert len(phases) >= 3, phases
    # Python's fork server prints this when the daemon is killed while handing it a job: the
    # fork server's own complaint about its dead parent, not newsmon's. Any other traceback fails.
    ours = FORKSERVER_EOF.sub("", log)
    assert "Traceback" not in ours, ours[ours.index("Traceback") - 2000 :][:5000]


def wait_until_done(db: Path, hook: SlowHook, site: SampleSite, articles: int, timeout: float):
    """Until every scripted change is stored, evaluated and sent, and the hook is quiet 2 s."""
    # One change per article a step edits; a published article's "new" is counted in `articles`.
    held = len(held_back(site.steps))
    expected = sum(len(changes_of(s)) for s in site.steps) + articles - held
    deadline = time.monotonic() + timeout
    heard, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if len(hook.messages) != heard:
            heard, since = len(hook.messages), time.monotonic()
        done = all_sent(db, expected)
        if done and time.monotonic() - since >= 2:
            return True
    return False


def check(db: Path, site: SampleSite, hook: SlowHook, runs: list[Run], articles: set[str]):
    assert query(db, "pragma integrity_check")[0]["integrity_check"] == "ok"

    # Every article once as new; every scripted edit exactly once; nothing else.
    changes = query(
        db,
        "select c.id, c.kind, c.categories, a.url from changes c join articles a "
        "on a.id = c.article_id order by c.id",
    )
    found = Counter((url_path(c["url"]), c["kind"]) for c in changes)
    # One change per article a step edits, of the kind of its first category.
    scripted = Counter((p, cats[0]) for step in site.steps for p, cats in changes_of(step))
    expected = Counter({(path, "new"): 1 for path in articles}) + Counter(
        {pair: n for pair, n in scripted.items() if pair[1] != "new"}
    )
    assert found == expected, (found - expected, expected - found)

    # A version per article, and one per scripted edit of the text (not takedowns, returns).
    text_edits = sum(n for (_, cat), n in scripted.items() if cat in TEXT_EDITS)
    versions_expected = len(articles) + text_edits
    versions_found = query(db, "select count(*) as n from versions")[0]["n"]
    assert versions_found == versions_expected
    per_article = query(
        db,
        "select a.url, a.versions, count(v.id) as stored from articles a "
        "left join versions v on v.article_id = a.id group by a.id",
    )
    assert all(r["versions"] == r["stored"] for r in per_article), per_article

    # One alert per change (one rule, one tag); all sent, the target's id recorded once.
    alerts = query(
        db,
        "select al.id, al.status, al.delivered_to, al.attempts, ch.categories, ar.url "
        "from alerts al join changes ch on ch.id = al.change_id "
        "join articles ar on ar.id = al.article_id where al.kind = 'change'",
    )
    assert len(alerts) == len(changes)
    assert {a["status"] for a in alerts} == {"sent"}
    assert all(len(json.loads(a["delivered_to"])) == 1 for a in alerts)
    assert not [a for a in alerts if a["attempts"]]  # no send failed: a repeat is no retry
    by_key = {(a["url"], label(json.loads(a["categories"]))): a["id"] for a in alerts}
    assert len(by_key) == len(alerts)

    # Deliveries per alert, from what the hook received.
    received: dict[int, list[Message]] = {a["id"]: [] for a in alerts}
    for message in hook.messages:
        if not message.url:
            continue  # a source-health message (admin tag)
        for what in message.labels:
            received[by_key[(message.url, what)]].append(message)
    missing = [key for key, alert_id in by_key.items() if not received[alert_id]]
    assert not missing, missing

    # A repeat is only ever the message in flight at a kill: the last one its run received.
    in_flight = in_flight_sends(hook, runs)
    duplicated = 0
    repeated_sends = set()
    for alert_id, messages in received.items():
        for earlier in messages[:-1]:
            assert id(earlier) in in_flight, f"alert {alert_id} was repeated without a kill"
            repeated_sends.add(id(earlier))
        duplicated += len(messages) - 1
    return {
        "kills": sum(1 for r in runs if r.killed),
        "versions_expected": versions_expected,
        "versions_found": versions_found,
        "changes_expected": sum(expected.values()),
        "changes_found": len(changes),
        "alerts": len(alerts),
        "delivered": sum(1 for m in received.values() if m),
        "duplicated": duplicated,
        "in_flight": len(repeated_sends),
    }


# --- one dispatcher per database --------------------------------------------------------------


def test_a_crawl_run_by_hand_beside_the_daemon_never_sends_what_the_daemon_sends(tmp_path):
    db = tmp_path / "monitor.db"
    with SampleSite(steps=STEPS) as site, HttpReceiver() as receiver:
        config = tmp_path / "monitor.toml"
        config.write_text(CONFIG.format(db=db, base=site.base_url))
        env = newsmon_env(NEWSMON_APPRISE_URLS=f"newsroom,admin={receiver.url()}")
        command = newsmon_argv("--config", str(config))
        receiver.refuse("hang")  # the daemon's first send hangs: it holds the outbox meanwhile
        daemon = subprocess.Popen(
            [*command, "run"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            assert receiver.hanging.wait(60), "the daemon sent nothing"
            try:
                by_hand = subprocess.run(
                    [*command, "crawl"],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
            except subprocess.TimeoutExpired:
                pytest.fail("the crawl sent (and waits on the target) while the daemon sends")
            finally:
                receiver.recover()
            wait_for(lambda: not query(db, "select id from alerts where status != 'sent'"), 60)
        finally:
            daemon.send_signal(signal.SIGTERM)
            _, daemon_log = daemon.communicate(timeout=60)
    assert by_hand.returncode == 0, by_hand.stderr[-3000:]
    assert f"Outbox busy: pid {daemon.pid} on " in by_hand.stderr
    assert daemon.returncode == 0, daemon_log[-3000:]
    received = Counter(
        (message.url, what)
        for message in (parse(r.body, 0.0) for r in receiver.requests)
        for what in message.labels
    )
    alerts = query(db, "select count(*) as n from alerts where kind = 'change'")[0]["n"]
    # The send that hung was in flight: on a slow machine it passes its deadline and is sent
    # again (the one repeat the outbox allows). Nothing else may arrive twice.
    hung = {(m.url, what) for m in [parse(receiver.requests[0].body, 0.0)] for what in m.labels}
    repeated = {key for key, n in received.items() if n > 1}
    assert len(received) == alerts, received.most_common(3)
    assert repeated <= hung and max(received.values()) <= 2, received.most_common(3)


def test_the_outbox_lease_has_one_holder_and_a_dead_holders_lease_ends(tmp_path):
    path = tmp_path / "monitor.db"
    db = open_db(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        mine = Lease(db)
        assert mine.acquire().startswith(f"pid {holder.pid} on ")  # alive: busy
    finally:
        holder.kill()  # SIGKILL: no release
        holder.wait()
    assert mine.acquire() is None  # its pid is gone: the lease is ours at once
    mine.renew()

    # A holder on another host cannot be checked: only its lease's end frees the outbox.
    later = datetime.now(UTC) + timedelta(seconds=60)
    other = {"owner": "elsewhere:7:abcd", "host": "elsewhere", "pid": 7, "until": later}
    db["dispatch_lease"].update("outbox", {**other, "until": later.isoformat()})
    with pytest.raises(LeaseLost):
        mine.renew()  # taken over (as after a stall longer than the lease)
    assert mine.acquire() == f"pid 7 on elsewhere (since {query(path, SINCE)[0]['since']})"
    db["dispatch_lease"].update("outbox", {"until": datetime.now(UTC).isoformat()})
    assert mine.acquire() is None
    mine.release()
    assert not query(path, "select * from dispatch_lease")
    db.close()


HOLD = """
import sys, time
from monitor.notify.lease import Lease
from monitor.store import open_db
assert Lease(open_db(sys.argv[1])).acquire() is None
print("held", flush=True)
time.sleep(120)  # holding the lease until the test kills this process
"""
SINCE = "select since from dispatch_lease"
