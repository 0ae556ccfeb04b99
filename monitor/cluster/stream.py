"""The result stream (`{p}:results`): what crawlers found, on its way to the one writer.

An entry is a fact of one kind: "page" (a crawl.record.Extracted), "listing" (items.Listing),
"error" (items.FetchError) or "redirect" (a chain of URLs). Payloads are pickled: the Redis is
private to one deployment, and every entry names the newsmon version that wrote it, so a writer
never unpickles what another version made (it leaves such entries to a writer of that version).

Publishing a fact and releasing the request's lease is one MULTI: a request is either still
leased (and goes back to the frontier when its lease runs out) or its result is on the stream.
The writers read in a consumer group: an entry stays pending until `done`, and the entries of a
writer that died are taken over after `lease_seconds`.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import redis

from monitor.cluster.keys import WRITERS, Keys

logger = logging.getLogger("newsmon.cluster")

VERSION = version("newsmon")
KINDS = ("page", "listing", "error", "redirect")
# The group's consumer that holds entries of another newsmon version: out of the way of the
# writer that refused them (its own pending entries come first), and taken over by any writer
# after lease_seconds, one of their version if there is one.
PARKED = "refused"
_REFUSED: set[str] = set()  # versions this process said it refused (one line each)


@dataclass
class Fact:
    """One stream entry as a writer reads it; `payload()` unpickles it (same version only)."""

    id: str
    kind: str
    version: str
    data: bytes = field(repr=False)
    lease: str = ""  # the lease the fact released: its article is written once this fact is

    def payload(self) -> Any:
        return pickle.loads(self.data)


def publish(
    server: redis.Redis, keys: Keys, kind: str, payload: Any, lease_id: str | None = None
) -> str:
    """Put one fact on the stream and, in the same transaction, release the request's lease.
    Returns the entry's id."""
    if kind not in KINDS:
        raise ValueError(f"unknown fact kind {kind!r} (known: {', '.join(KINDS)})")
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)

    def queue(pipe: redis.client.Pipeline) -> None:
        pipe.multi()
        fields = {"kind": kind, "version": VERSION, "data": data}
        pipe.xadd(keys.results, {**fields, "lease": lease_id} if lease_id else fields)
        if lease_id:
            pipe.zrem(keys.leases, lease_id)
            pipe.hdel(keys.leased, lease_id)

    entry = server.transaction(queue)[0]
    return _text(entry)


def ensure_group(server: redis.Redis, keys: Keys) -> None:
    """The writers' consumer group (and the stream) unless they exist."""
    try:
        server.xgroup_create(keys.results, WRITERS, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def read(
    server: redis.Redis, keys: Keys, consumer: str, count: int, block_ms: int, claim_after_ms: int
) -> list[Fact]:
    """Up to `count` facts for `consumer`: its own pending entries first (a batch it did not
    finish), then entries idle longer than `claim_after_ms` (a dead writer's), then new ones,
    waiting up to `block_ms` for those. Entries of another newsmon version are refused."""
    stages = (
        lambda: _pending(server, keys, consumer, count),
        lambda: _claimed(server, keys, consumer, count, claim_after_ms),
        lambda: _new(server, keys, consumer, count, block_ms),
    )
    try:
        for stage in stages:
            facts = _accepted(server, keys, stage())
            if facts:
                return facts
    except redis.ResponseError as exc:
        if "NOGROUP" not in str(exc):
            raise
        ensure_group(server, keys)  # a Redis that lost its data: start the group again
    return []


def done(server: redis.Redis, keys: Keys, ids: list[str], leases: Sequence[str] = ()) -> None:
    """The entries are written: acknowledge them and take them off the stream; the articles
    their `leases` were pushed for are no longer pending (the scheduler may push them again)."""
    if not ids:
        return

    def queue(pipe: redis.client.Pipeline) -> None:
        pipe.multi()
        pipe.xack(keys.results, WRITERS, *ids)
        pipe.xdel(keys.results, *ids)
        if leases:
            pipe.hdel(keys.pending, *leases)
            pipe.zrem(keys.pending_since, *leases)

    server.transaction(queue)


def _pending(server: redis.Redis, keys: Keys, consumer: str, count: int) -> list:
    answer = server.xreadgroup(WRITERS, consumer, {keys.results: "0"}, count=count)
    return _entries(answer)


def _claimed(server: redis.Redis, keys: Keys, consumer: str, count: int, idle_ms: int) -> list:
    answer = server.xautoclaim(keys.results, WRITERS, consumer, idle_ms, "0-0", count=count)
    return list(answer[1])


def _new(server: redis.Redis, keys: Keys, consumer: str, count: int, block_ms: int) -> list:
    answer = server.xreadgroup(
        WRITERS, consumer, {keys.results: ">"}, count=count, block=block_ms or None
    )
    return _entries(answer)


def _entries(answer: Any) -> list:
    if isinstance(answer, dict):  # RESP3: {stream: [entries]}
        return [entry for entries in answer.values() for entry in entries[0]]
    return [entry for _, entries in answer or [] for entry in entries]


def _accepted(server: redis.Redis, keys: Keys, entries: list) -> list[Fact]:
    """The facts this writer may write. A deleted entry still pending (its fields gone) is
    finished here; another version's entries are parked for a writer of their version."""
    facts, gone, foreign = [], [], []
    for entry_id, fields in entries:
        if not fields:
            gone.append(_text(entry_id))
            continue
        fact = Fact(
            _text(entry_id),
            _text(fields.get(b"kind", b"")),
            _text(fields.get(b"version", b"")),
            fields.get(b"data", b""),
            _text(fields.get(b"lease", b"")),
        )
        (facts if fact.version == VERSION else foreign).append(fact)
    done(server, keys, gone)
    if foreign:
        _refuse(server, keys, foreign)
    return facts


def _refuse(server: redis.Redis, keys: Keys, foreign: list[Fact]) -> None:
    """Left unacknowledged (a writer of their version can still write them), never unpickled
    here: a newer newsmon's payload may not even load in this one."""
    ids = [fact.id for fact in foreign]
    server.xclaim(keys.results, WRITERS, PARKED, 0, ids, justid=True)
    for found in sorted({fact.version for fact in foreign} - _REFUSED):
        _REFUSED.add(found)
        logger.error(
            "stream entries from newsmon %s refused: this writer runs newsmon %s; they stay on "
            "%s for a writer of their version (run one newsmon version on every machine)",
            found or "(no version)",
            VERSION,
            keys.results,
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
