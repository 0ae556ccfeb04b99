"""Events: which articles of one story, from different outlets, report the same happening.

Pure: a Grouper holds one story's recent articles (Doc) with the event each was put in, and
`place` says where a new one goes, with the evidence. Signals, cheapest and surest first:
- near-duplicate text (rensa's MinHash LSH finds candidates, shared shingles decide): agency
  copy that outlets shortened or edited still shares long passages; an agency credit on
  either side (monitor.stories.agency) lets a smaller share count;
- rewritten copy within the story's window: shared specific features (names, numbers, dates;
  monitor.stories.features), each weighted by how rare it is among the story's recent articles,
  since what every article of the story names ("Ukraine") says nothing about the event.
  Different calendar days or different key numbers, and time apart, count against.
Nothing is downloaded or learned: the rarity counts are the story's own.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress
from operator import attrgetter

from rensa import RMinHash, RMinHashLSH

from monitor.clock import parse_time
from monitor.stories.agency import agencies
from monitor.stories.features import Features, features

WINDOW = 172800  # seconds: a story's default window
NUM_PERM, BANDS, SEED = 128, 64, 14  # two rows a band: pairs sharing a tenth of shingles meet
# Near-duplicate: the share of the shorter text's shingles the other holds, and at least so
# many shingles (a sentence or two), verbatim alone or with an agency credit.
VERBATIM, CREDITED, MIN_SHARED = 0.5, 0.2, 12
# Rewrite: the summed rarity of shared features, and its share of the smaller side's total.
MIN_SCORE, MIN_RATIO = 5.0, 0.25
CONTEXT = 0.5  # a feature outside the headline and lead counts this much on each side
# ... and the headlines and leads of the two must share something specific themselves: a report
# that mentions another happening as context (a strike "as talks went on in Geneva") is not it.
MIN_CORE = 3.0
PRIOR = 12  # pseudo-articles that name nothing: the first few articles' features are not rare
DAY_CONFLICT, NUMBER_CONFLICT, LATE = 0.45, 0.7, 0.3  # how much evidence against weighs


@dataclass
class Doc:
    """One article as grouping sees it."""

    article_id: int
    source: str
    seen: str  # ISO time: published, or first seen
    headline: str
    lead: str = ""
    body: list[str] = field(default_factory=list)
    credit: str = ""  # byline and source lines: "Quelle: dpa, AFP, ZDF"
    language: str = ""


@dataclass
class Evidence:
    """Why an article was put with another: the kind of match, with which article, how strongly."""

    kind: str  # verbatim | credit+near-duplicate | rewrite
    article_id: int
    score: float
    names: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    shared: int = 0  # shingles shared (near-duplicates)

    def to_json(self) -> dict:
        found = {"kind": self.kind, "article_id": self.article_id, "score": round(self.score, 3)}
        if self.shared:
            found["shared"] = self.shared
        for key in ("names", "numbers", "dates"):
            if getattr(self, key):
                found[key] = getattr(self, key)
        return found


@dataclass
class Placement:
    """Where a new article goes: an existing event (its key), or None for a new one."""

    event: Hashable | None
    role: str  # first | agency (agency copy) | rewrite (of credited copy) | report (own)
    agency: str  # the agency credited, or ""
    evidence: Evidence | None = None


@dataclass
class _Probe:
    """The article being placed, with everything comparing it needs (its text included)."""

    doc: Doc
    moment: datetime
    feats: Features
    keys: set[str]
    agencies: list[str]
    minhash: RMinHash
    salient: set[str]
    # What placing it found that adding it needs: (the Grouper's version, each slot's shares)
    scored: tuple[int, list[complex]] | None = None


@dataclass(slots=True)
class _Held:
    """A held article, compact: what comparing a probe with it reads, not its text."""

    article_id: int
    moment: datetime
    top: tuple[str, ...]  # feature keys of its headline and lead
    rest: tuple[str, ...]  # its other feature keys
    shingles: array  # its distinct shingle hashes (4 bytes each)
    dates: tuple[str, ...]
    weekdays: tuple[str, ...]
    salient: tuple[str, ...]
    agencies: tuple[str, ...]
    size: float  # its features, a headline's counting whole, the rest's CONTEXT
    event: Hashable | None = None
    slot: int = -1


_real, _imag = attrgetter("real"), attrgetter("imag")


def _moment(seen: str) -> datetime:
    return parse_time(seen) or datetime.fromtimestamp(0, UTC)


def _salient(numbers: set[str]) -> set[str]:
    """The numbers that tell events apart: not small counts, not years."""
    return {n for n in numbers if len(n) >= 2 and not (len(n) == 4 and n[:2] in ("19", "20"))}


class Grouper:
    """One story's recent articles and their events.

    A held article keeps no text: its feature keys (interned, so shared with every article
    naming them), its shingle hashes; the LSH holds its MinHash bands. `tops` and `rests` list
    the slots holding a key in the headline and lead, or elsewhere. A held article's summed
    rarity is its size times log(N + 1 + PRIOR) less `_common[slot]`, its keys' summed
    log(df + 1), kept up to date as articles come and go (placing one computes the change)."""

    def __init__(self, window: int = WINDOW) -> None:
        self.window = window
        self.held: list[_Held | None] = []  # by slot; a pruned article's slot is reused
        self.lsh = RMinHashLSH(VERBATIM, NUM_PERM, BANDS)
        self.df: Counter[str] = Counter()
        self.tops: dict[str, list[int]] = {}
        self.rests: dict[str, list[int]] = {}
        self.articles: dict[int, int] = {}  # article id -> slot
        self._common: list[float] = []  # by slot
        self._free: list[int] = []
        self._log = [0.0, math.log(2)]  # log(n + 1) for every n up to one past the largest df
        self._version = 0  # counts the changes to what is held
        self._probe: _Probe | None = None

    def __len__(self) -> int:
        return len(self.articles)

    def __contains__(self, article_id: int) -> bool:
        return article_id in self.articles

    def event_of(self, article_id: int) -> Hashable | None:
        slot = self.articles.get(article_id)
        return self._at(slot).event if slot is not None else None

    def place(self, doc: Doc) -> Placement:
        """Where `doc` belongs among the held articles (it is not added: see `add`)."""
        probe = self._prepare(doc)
        match = self._near_duplicate(probe) or self._rewrite(probe)
        if match is None:
            return Placement(None, "first", (probe.agencies or [""])[0])
        held, evidence = match
        if evidence.kind != "rewrite":
            credit = probe.agencies or held.agencies or [""]
            return Placement(held.event, "agency", credit[0], evidence)
        role = "rewrite" if probe.agencies else "report"
        return Placement(held.event, role, (probe.agencies or [""])[0], evidence)

    def add(self, doc: Doc, event: Hashable) -> None:
        """Hold `doc` as a member of `event` (an article already held moves there)."""
        if doc.article_id in self.articles:
            self._at(self.articles[doc.article_id]).event = event
            return
        probe = self._prepare(doc)
        self._probe = None  # the held article keeps what it needs; the text goes
        self._count(probe)
        slot = self._free.pop() if self._free else len(self.held)
        held = _hold(probe, event, slot)
        if slot == len(self.held):
            self.held.append(held)
            self._common.append(0.0)
        self.held[slot] = held
        self.articles[doc.article_id] = slot
        self.lsh.insert(slot, probe.minhash)
        self.df.update(held.top + held.rest)
        for keys, postings in ((held.top, self.tops), (held.rest, self.rests)):
            for k in keys:
                postings.setdefault(k, []).append(slot)
        self._common[slot] = self._commonness(held)
        while len(self._log) <= len(self.articles) + 1:
            self._log.append(math.log(len(self._log) + 1))
        self._version += 1

    def keep_newest(self, count: int) -> None:
        """Forget all but the `count` articles seen last."""
        if len(self.articles) > count:
            self.prune(sorted(h.moment for h in self.held if h)[-count])

    def prune(self, before: datetime) -> None:
        """Forget articles seen before `before`: no new one can be within their window."""
        gone = [h for h in self.held if h and h.moment < before]
        for held in gone:
            del self.articles[held.article_id]
            self.held[held.slot] = None
            self._common[held.slot] = 0.0
            self._free.append(held.slot)
            self.lsh.remove(held.slot)
            self.df.subtract(held.top + held.rest)
            for keys, postings in ((held.top, self.tops), (held.rest, self.rests)):
                for k in keys:
                    postings[k].remove(held.slot)
                    if not postings[k]:
                        del postings[k]
        if gone:  # now and then, many at once: counting afresh is simplest
            self.df = +self.df  # without the keys no article holds any more
            for held in filter(None, self.held):
                self._common[held.slot] = self._commonness(held)
            self._version += 1

    def _at(self, slot: int) -> _Held:
        held = self.held[slot]
        assert held is not None, f"no article held in slot {slot}"
        return held

    def _prepare(self, doc: Doc) -> _Probe:
        if self._probe is not None and self._probe.doc is doc:
            return self._probe
        moment = _moment(doc.seen)
        feats = features(doc.headline, doc.lead, doc.body, moment)
        minhash = RMinHash(NUM_PERM, SEED)
        minhash.update(feats.shingle_text)
        credit = agencies(doc.credit, doc.lead, doc.body)
        keys = set(map(sys.intern, feats.keys()))
        feats.top = set(map(sys.intern, feats.top))
        self._probe = _Probe(doc, moment, feats, keys, credit, minhash, _salient(feats.numbers))
        return self._probe

    def _near(self, a: _Probe, b: _Held) -> bool:
        return abs((a.moment - b.moment).total_seconds()) <= self.window

    def _near_duplicate(self, probe: _Probe) -> tuple[_Held, Evidence] | None:
        best: tuple[float, _Held, Evidence] | None = None
        mine = probe.feats.shingles
        # query_all of one: the same candidates as query(), a name the layout test (which reads
        # `.query(` as a database call) does not mistake for SQL.
        for slot in self.lsh.query_all([probe.minhash])[0]:
            held = self.held[slot]
            if held is None or not self._near(probe, held):
                continue
            shared = len(mine.intersection(held.shingles))
            share = shared / max(min(len(mine), len(held.shingles)), 1)
            if shared < MIN_SHARED:
                continue
            if share >= VERBATIM:
                kind = "verbatim"
            elif share >= CREDITED and (probe.agencies or held.agencies):
                if _days_conflict(probe.feats, held):
                    continue  # an agency's background paragraph in another day's report
                kind = "credit+near-duplicate"
            else:
                continue
            if best is None or share > best[0]:
                evidence = Evidence(kind, held.article_id, share, shared=shared)
                best = (share, held, evidence)
        return best[1:] if best else None

    def _rewrite(self, probe: _Probe) -> tuple[_Held, Evidence] | None:
        total, weight = self._rarity(probe)
        shares = self._shares(probe, weight)
        probe.scored = (self._version, shares)
        mine = sum(w * _weight(probe.feats.top, k) for k, w in weight.items())
        best: tuple[float, _Held] | None = None
        for slot in compress(range(len(shares)), map(MIN_SCORE.__le__, map(_real, shares))):
            held = self._at(slot)
            # Whatever the evidence against, the score must be a quarter of the probe's or of
            # the held article's summed rarity (MIN_RATIO): most candidates fail here.
            theirs = held.size * total - self._common[slot]
            score = shares[slot].real
            if score < MIN_RATIO * mine and score < MIN_RATIO * theirs:
                continue
            if not self._near(probe, held):
                continue
            score *= self._against(probe, held)
            if score < MIN_SCORE or (best is not None and score <= best[0]):
                continue
            if score < MIN_RATIO * mine and score < MIN_RATIO * theirs:
                continue
            if _core(probe, held, weight):
                best = (score, held)
        if best is None:
            return None
        score, held = best
        return held, _shared(probe, held, score, weight)

    def _shares(self, probe: _Probe, weight: dict[str, float]) -> list[complex]:
        """For each slot: the summed weight of the features it shares with the probe (the real
        part), and how much the log(df + 1) of its keys grows when the probe is added (the
        imaginary part). One pass over the postings does both: it is what a placement costs."""
        shares = [0j] * len(self.held)
        log, df, top = self._log, self.df, probe.feats.top
        for k, w in weight.items():
            n = df.get(k, 0)
            both = complex(w if k in top else w * CONTEXT, log[n + 1] - log[n])
            for slot in self.tops.get(k, ()):
                shares[slot] += both
            both *= CONTEXT
            for slot in self.rests.get(k, ()):
                shares[slot] += both
        return shares

    def _count(self, probe: _Probe) -> None:
        """Bring `_common` up to the df that adding the probe makes."""
        if probe.scored is None or probe.scored[0] != self._version:
            probe.scored = (self._version, self._shares(probe, self._rarity(probe)[1]))
        grown = probe.scored[1]
        self._common = list(map(float.__add__, self._common, map(_imag, grown)))

    def _rarity(self, probe: _Probe) -> tuple[float, dict[str, float]]:
        """log(N + 1 + PRIOR), and the rarity (idf) of each of the probe's keys."""
        total = math.log(len(self.articles) + 1 + PRIOR)
        return total, {k: total - self._log[self.df.get(k, 0)] for k in probe.keys}

    def _commonness(self, held: _Held) -> float:
        log, df = self._log.__getitem__, self.df.__getitem__
        return sum(map(log, map(df, held.top))) + CONTEXT * sum(map(log, map(df, held.rest)))

    def _against(self, probe: _Probe, held: _Held) -> float:
        """Evidence against one event: other days, other key numbers, hours apart (1: none)."""
        factor = 1.0
        if _days_conflict(probe.feats, held):
            factor *= DAY_CONFLICT
        mine, theirs = probe.salient, held.salient
        if len(mine) >= 2 and len(theirs) >= 2 and mine.isdisjoint(theirs):
            factor *= NUMBER_CONFLICT
        apart = abs((probe.moment - held.moment).total_seconds())
        return factor * (1 - LATE * apart / max(self.window, 1))


def _hold(probe: _Probe, event: Hashable, slot: int) -> _Held:
    feats = probe.feats
    return _Held(
        article_id=probe.doc.article_id,
        moment=probe.moment,
        top=tuple(probe.keys & feats.top),
        rest=tuple(probe.keys - feats.top),
        shingles=array("I", feats.shingles),
        dates=tuple(feats.dates),
        weekdays=tuple(feats.weekdays),
        salient=tuple(probe.salient),
        agencies=tuple(probe.agencies),
        size=len(probe.keys & feats.top) + CONTEXT * len(probe.keys - feats.top),
        event=event,
        slot=slot,
    )


def _core(probe: _Probe, held: _Held, weight: dict[str, float]) -> bool:
    core = probe.feats.top.intersection(held.top)
    # Small counts ("two workers", "2 rounds") are in every other report: not a core fact.
    return sum(weight[k] for k in core if not _small(k)) >= MIN_CORE


def _shared(probe: _Probe, held: _Held, score: float, weight: dict[str, float]) -> Evidence:
    shared = sorted(probe.keys.intersection(held.top + held.rest), key=lambda k: (-weight[k], k))
    evidence = Evidence("rewrite", held.article_id, score)
    evidence.names = [k[2:] for k in shared if k.startswith("n:")][:8]
    evidence.numbers = [k[2:] for k in shared if k.startswith("#:")][:5]
    evidence.dates = [k[2:] for k in shared if k.startswith("d:")][:3]
    return evidence


def _small(key: str) -> bool:
    return key.startswith("#:") and not _salient({key[2:]})


def _weight(top: set[str], key: str) -> float:
    return 1.0 if key in top else CONTEXT


def _days_conflict(a: Features, b: _Held) -> bool:
    """Both name calendar days (or weekdays) and none in common: other days' happenings."""
    if a.dates and b.dates and a.dates.isdisjoint(b.dates):
        return True
    return bool(a.weekdays and b.weekdays and a.weekdays.isdisjoint(b.weekdays))
