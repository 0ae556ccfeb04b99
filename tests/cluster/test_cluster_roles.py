"""The cluster's acceptance test: every role as its own process (one scheduler, one writer, three
crawlers) on a real redis-server, the sample site's story told step by step, alerts to a real
local webhook, and four stretches of the story, each ending in the exactly-once check
(tests/cluster_harness.py: every version, change and alert once, nothing extra):

1. all roles up;
2. one crawler killed (SIGKILL) while requests are leased: its leases run out (lease_seconds),
   the scheduler puts them back and another crawler fetches them;
3. the writer killed while stream entries are pending, then restarted: it writes its own
   pending entries again, and those it had committed are skipped (cluster_applied). A send may
   repeat only if it was in flight at the kill: the message the hook got last before the kill,
   as in tests/system/test_crash.py; any other repeat fails;
4. Redis restarted (its append-only file keeps frontier, leases, stream): the roles say it is
   unreachable at most once per interval and go on.

The figures are printed (`pytest -s`).
"""

from __future__ import annotations

import itertools
import re
import signal
import time

import redis
from cluster_harness import Role, check, expected_changes, settled, write_config
from conftest import wait_for
from harness import STEPS, SlowHook, query, seen

from monitor.cluster import frontier
from monitor.cluster.keys import WRITERS, Keys
from monitor.sample_site import SampleSite

KEYS = Keys("acceptance")
# The story's steps told in each stretch (13 in all).
STRETCHES = (4, 3, 3, 3)
REAPED = re.compile(r"reaped=(\d+)")
PENDING = (KEYS.results, WRITERS, "-", "+")


class Cluster:
    """The five role processes, the site, the hook and what the story has published."""

    def __init__(self, tmp_path, site: SampleSite, hook: SlowHook, redis_url: str) -> None:
        self.site, self.hook = site, hook
        self.db = tmp_path / "monitor.db"
        config = write_config(tmp_path, site, redis_url)
        self.writer = Role("writer", config, tmp_path / "writer.log", hook)
        self.scheduler = Role("scheduler", config, tmp_path / "scheduler.log", hook)
        self.crawlers = [
            Role("crawler", config, tmp_path / f"crawler-{n}.log", hook) for n in range(3)
        ]
        self.client = redis.Redis.from_url(redis_url)
        self.articles = set(site.published_paths())

    @property
    def roles(self) -> list[Role]:
        return [self.writer, self.scheduler, *self.crawlers]

    def start(self) -> None:
        self.writer.start()  # it makes the database: the scheduler opens it after
        wait_for(lambda: "newsmon writer" in self.writer.text(), 60, "the writer's start")
        self.scheduler.start()
        for crawler in self.crawlers:
            crawler.start()

    def tell(self, steps: int) -> None:
        """The next `steps` of the story, each once the last one's changes are stored; then
        until everything is stored, evaluated and sent."""
        for _ in range(steps):
            self._stored(60)
            self.site.advance()
            self.articles |= set(self.site.published_paths())
        self._stored(60)
        expected = sum(expected_changes(self.site, self.articles).values())
        wait_for(lambda: settled(self.db, self.hook, expected), 60, "every alert sent")

    def _stored(self, timeout: float) -> None:
        if not self.site.step_index:  # the first crawl: every published article new
            new = len(self.articles)
            wait_for(lambda: settled(self.db, self.hook, new, 0), timeout, "the first crawl")
            return
        step = self.site.steps[self.site.step_index - 1].name
        wait_for(lambda: seen(self.db, self.site), timeout, f"the changes of step {step!r}")

    def check(self) -> int:
        return check(self.db, self.site, self.hook, self.articles, self.writer.runs)

    def logs(self) -> str:
        return "\n".join(f"--- {r.log.name}\n{r.text()[-2000:]}" for r in self.roles)


def test_the_cluster_stores_and_alerts_every_change_once_through_kills_and_a_redis_restart(
    redis_server, tmp_path
):
    began = time.monotonic()
    with SampleSite(steps=STEPS) as site, SlowHook() as hook:
        cluster = Cluster(tmp_path, site, hook, redis_server.url)
        cluster.start()
        try:
            figures = _story(cluster, redis_server)
            codes = [role.stop() for role in cluster.roles if role.proc.poll() is None]
        finally:
            for role in cluster.roles:
                if role.proc.poll() is None:
                    role.proc.kill()
        logs = cluster.logs()
    assert codes == [0] * 4, logs
    for role in cluster.roles:
        assert "Traceback" not in role.text(), f"{role.log.name}:\n{role.text()[-4000:]}"
    print(
        f"\ncluster acceptance: {time.monotonic() - began:.0f} s, {len(cluster.articles)} "
        f"articles, {site.step_index} steps; {figures}"
    )


def _story(cluster: Cluster, redis_server) -> dict:
    first, second, third, fourth = STRETCHES
    cluster.tell(first)
    assert cluster.check() == 0

    answered, tries = _kill_a_crawler(cluster)
    cluster.tell(second)
    assert cluster.check() == 0
    back, reaped = answered()
    assert back and reaped >= 1, "the killed crawler's requests did not come back"

    pending = _kill_the_writer(cluster)
    cluster.tell(third)
    repeated = cluster.check()  # only the send in flight at the kill may repeat
    assert repeated <= 1

    outage = _restart_redis(cluster, redis_server)
    cluster.tell(fourth)
    repeated = cluster.check()
    assert repeated <= 1
    _said_once_per_interval(cluster, outage)
    return {
        "tries to freeze a lease holder": tries,
        "leases reaped": reaped,
        "writer pending at its kill": pending,
        "repeats": repeated,
    }


def _kill_a_crawler(cluster: Cluster):
    """SIGKILL a crawler while it holds leases: it is frozen (SIGSTOP) as soon as requests are
    leased, and the leases still held a second later, when the live crawlers have long answered
    theirs, are its own. The killed crawler becomes cluster.crawlers[0]. Returns a function
    saying whether each of those came back and was answered, and how many leases the scheduler
    reaped since; and how many tries it took.

    Each try freezes the next crawler in turn. An idle crawler asks for requests on Scrapy's
    5 s heartbeat, and the scheduler's revisits come on its 1 s tick: the first crawler to ask
    drains them, so one crawler whose heartbeat falls just after another's can hold none for
    minutes (CI once saw 60 s of tries on one crawler fail). Some crawler asks first."""
    before = len(REAPED.findall(cluster.scheduler.text()))
    deadline = time.monotonic() + 60
    for attempt in itertools.count():
        victim = cluster.crawlers[attempt % len(cluster.crawlers)]
        wait_for(lambda: _leases(cluster), deadline - time.monotonic(), "leased requests", 0.01)
        victim.proc.send_signal(signal.SIGSTOP)
        held = _leases(cluster)
        time.sleep(1.0)
        if held := held & _leases(cluster):
            break
        victim.proc.send_signal(signal.SIGCONT)
    victim.kill()
    cluster.crawlers.remove(victim)
    cluster.crawlers.insert(0, victim)

    def answered() -> tuple[bool, int]:
        reaped = sum(int(n) for n in REAPED.findall(cluster.scheduler.text())[before:])
        queued = {entry.split(b" ", 1)[0] for entry in cluster.client.zrange(KEYS.frontier, 0, -1)}
        return not (held & (_leases(cluster) | queued)), reaped

    return answered, attempt + 1


def _leases(cluster: Cluster) -> set[bytes]:
    return set(cluster.client.hkeys(KEYS.leased))


def _kill_the_writer(cluster: Cluster) -> str:
    """SIGKILL the writer while it has read stream entries it has not acknowledged, and start
    it again; how many were pending, how many of them it had committed."""

    def pending() -> int:
        return cluster.client.xpending(KEYS.results, WRITERS)["pending"]

    # Revisits come every 2 s: the writer has a batch in hand within a few seconds. It is
    # frozen (SIGSTOP) first, so the kill lands while the batch is still in its hands. The
    # count is read once it has really stopped, and after an acknowledgement it sent just
    # before could have reached Redis: a writer still running on the other core acked its
    # batch between the signal and the count once (CI, 1 pending, 0 after the kill).
    writer = cluster.writer.proc
    deadline = time.monotonic() + 60
    while True:
        wait_for(pending, deadline - time.monotonic(), "a batch in the writer's hands", 0.005)
        writer.send_signal(signal.SIGSTOP)
        wait_for(lambda: _state(writer.pid) == "T", 10, "the writer stopped", 0.001)
        time.sleep(0.05)
        if count := pending():
            break
        writer.send_signal(signal.SIGCONT)
    cluster.writer.kill()
    assert pending() == count  # what it read stays pending for the next writer
    ids = {e["message_id"].decode() for e in cluster.client.xpending_range(*PENDING, count)}
    # Committed before the kill (to be skipped) or not (to be written): either is exactly once.
    committed = ids & {r["entry"] for r in query(cluster.db, "select entry from cluster_applied")}
    cluster.writer.start()
    return f"{count} pending, {len(committed)} of them committed"


def _state(pid: int) -> str:
    """A process's state letter from /proc (T: stopped by a signal)."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def _restart_redis(cluster: Cluster, redis_server) -> tuple[float, float]:
    """Redis stopped and started again (its append-only file kept); the outage's span."""
    wait_for(lambda: frontier.in_flight(cluster.client, KEYS) >= 1, 60, "leased requests", 0.01)
    down = time.monotonic()
    redis_server.restart()
    return down, time.monotonic()


def _said_once_per_interval(cluster: Cluster, outage: tuple[float, float]) -> None:
    """Each role said Redis was unreachable at most once per interval of its own (crawlers:
    heartbeat_seconds = 1 s; the writer: its retry, 10 s; the scheduler: once per outage)."""
    seconds = outage[1] - outage[0] + 2  # the outage, and a connect timeout on each side
    for role in [cluster.writer, cluster.scheduler, *cluster.crawlers[1:]]:
        lines = [line for line in role.text().splitlines() if "unreachable" in line]
        interval = {"crawler": 1.0, "writer": 10.0, "scheduler": seconds}[role.role]
        assert len(lines) <= seconds / interval + 1, (role.log.name, lines)
        assert all("redis://127.0.0.1:" in line for line in lines), lines
        if lines and role.role == "crawler":  # and said so when it could reach Redis again
            assert "reachable again" in role.text().rsplit("unreachable", 1)[1], role.log.name
