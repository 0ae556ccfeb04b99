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
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
class _Held:
    """A doc as the Grouper compares it, with its event once added."""

    doc: Doc
    moment: datetime
    feats: Features
    keys: set[str]
    agencies: list[str]
    minhash: RMinHash
    event: Hashable | None = None
    key: int = -1


def _moment(seen: str) -> datetime:
    return parse_time(seen) or datetime.fromtimestamp(0, UTC)


def _salient(numbers: set[str]) -> set[str]:
    """The numbers that tell events apart: not small counts, not years."""
    return {n for n in numbers if len(n) >= 2 and not (len(n) == 4 and n[:2] in ("19", "20"))}


class Grouper:
    """One story's recent articles and their events."""

    def __init__(self, window: int = WINDOW) -> None:
        self.window = window
        self.held: dict[int, _Held] = {}
        self.lsh = RMinHashLSH(VERBATIM, NUM_PERM, BANDS)
        self.df: Counter[str] = Counter()
        self.postings: dict[str, dict[int, float]] = {}  # feature -> {held key: its weight}
        self.articles: dict[int, int] = {}  # article id -> key in held
        self._next = 0
        self._probe: _Held | None = None

    def __len__(self) -> int:
        return len(self.held)

    def __contains__(self, article_id: int) -> bool:
        return article_id in self.articles

    def event_of(self, article_id: int) -> Hashable | None:
        key = self.articles.get(article_id)
        return self.held[key].event if key is not None else None

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
            self.held[self.articles[doc.article_id]].event = event
            return
        held = self._prepare(doc)
        held.event, held.key = event, self._next
        self._next += 1
        self.held[held.key] = held
        self.articles[doc.article_id] = held.key
        self.lsh.insert(held.key, held.minhash)
        for k in held.keys:
            self.df[k] += 1
            self.postings.setdefault(k, {})[held.key] = _weight(held, k)

    def keep_newest(self, count: int) -> None:
        """Forget all but the `count` articles seen last."""
        if len(self.held) > count:
            self.prune(sorted(h.moment for h in self.held.values())[-count])

    def prune(self, before: datetime) -> None:
        """Forget articles seen before `before`: no new one can be within their window."""
        for held in [h for h in self.held.values() if h.moment < before]:
            del self.held[held.key], self.articles[held.doc.article_id]
            self.lsh.remove(held.key)
            for k in held.keys:
                self.df[k] -= 1
                self.postings[k].pop(held.key, None)
                if not self.df[k]:
                    del self.df[k], self.postings[k]

    def _prepare(self, doc: Doc) -> _Held:
        if self._probe is not None and self._probe.doc is doc:
            return self._probe
        moment = _moment(doc.seen)
        feats = features(doc.headline, doc.lead, doc.body, moment)
        minhash = RMinHash(NUM_PERM, SEED)
        minhash.update(feats.shingle_text)
        credit = agencies(doc.credit, doc.lead, doc.body)
        self._probe = _Held(doc, moment, feats, feats.keys(), credit, minhash)
        return self._probe

    def _near(self, a: _Held, b: _Held) -> bool:
        return abs((a.moment - b.moment).total_seconds()) <= self.window

    def _near_duplicate(self, probe: _Held) -> tuple[_Held, Evidence] | None:
        best: tuple[float, _Held, Evidence] | None = None
        mine = probe.feats.shingles
        # query_all of one: the same candidates as query(), a name the layout test (which reads
        # `.query(` as a database call) does not mistake for SQL.
        for key in self.lsh.query_all([probe.minhash])[0]:
            held = self.held.get(key)
            if held is None or not self._near(probe, held):
                continue
            shared = len(mine & held.feats.shingles)
            share = shared / max(min(len(mine), len(held.feats.shingles)), 1)
            if shared < MIN_SHARED:
                continue
            if share >= VERBATIM:
                kind = "verbatim"
            elif share >= CREDITED and (probe.agencies or held.agencies):
                if _days_conflict(probe.feats, held.feats):
                    continue  # an agency's background paragraph in another day's report
                kind = "credit+near-duplicate"
            else:
                continue
            if best is None or share > best[0]:
                evidence = Evidence(kind, held.doc.article_id, share, shared=shared)
                best = (share, held, evidence)
        return best[1:] if best else None

    def _idf(self, key: str) -> float:
        return math.log((len(self.held) + 1 + PRIOR) / (self.df[key] + 1))

    def _rewrite(self, probe: _Held) -> tuple[_Held, Evidence] | None:
        weight = {k: self._idf(k) for k in probe.keys}
        scores: Counter[int] = Counter()
        for k, w in weight.items():
            w *= _weight(probe, k)
            for key, theirs in self.postings.get(k, {}).items():
                scores[key] += w * theirs
        best: tuple[float, _Held] | None = None
        mine = sum(w * _weight(probe, k) for k, w in weight.items())
        for key, score in scores.items():
            held = self.held[key]
            if score < MIN_SCORE or not self._near(probe, held):
                continue
            score *= self._against(probe, held)
            theirs = sum(self._idf(k) * _weight(held, k) for k in held.keys)
            strong = score >= MIN_SCORE and score / max(min(mine, theirs), 1e-9) >= MIN_RATIO
            if strong and (best is None or score > best[0]) and self._core(probe, held, weight):
                best = (score, held)
        if best is None:
            return None
        score, held = best
        return held, self._shared(probe, held, score, weight)

    @staticmethod
    def _core(probe: _Held, held: _Held, weight: dict[str, float]) -> bool:
        core = probe.feats.top & held.feats.top
        # Small counts ("two workers", "2 rounds") are in every other report: not a core fact.
        return sum(weight[k] for k in core if not _small(k)) >= MIN_CORE

    def _against(self, probe: _Held, held: _Held) -> float:
        """Evidence against one event: other days, other key numbers, hours apart (1: none)."""
        factor = 1.0
        if _days_conflict(probe.feats, held.feats):
            factor *= DAY_CONFLICT
        mine, theirs = _salient(probe.feats.numbers), _salient(held.feats.numbers)
        if len(mine) >= 2 and len(theirs) >= 2 and not mine & theirs:
            factor *= NUMBER_CONFLICT
        apart = abs((probe.moment - held.moment).total_seconds())
        return factor * (1 - LATE * apart / max(self.window, 1))

    @staticmethod
    def _shared(probe: _Held, held: _Held, score: float, weight: dict[str, float]) -> Evidence:
        shared = sorted(probe.keys & held.keys, key=lambda k: (-weight[k], k))
        evidence = Evidence("rewrite", held.doc.article_id, score)
        evidence.names = [k[2:] for k in shared if k.startswith("n:")][:8]
        evidence.numbers = [k[2:] for k in shared if k.startswith("#:")][:5]
        evidence.dates = [k[2:] for k in shared if k.startswith("d:")][:3]
        return evidence


def _small(key: str) -> bool:
    return key.startswith("#:") and not _salient({key[2:]})


def _weight(held: _Held, key: str) -> float:
    return 1.0 if key in held.feats.top else CONTEXT


def _days_conflict(a: Features, b: Features) -> bool:
    """Both name calendar days (or weekdays) and none in common: other days' happenings."""
    if a.dates and b.dates and not a.dates & b.dates:
        return True
    return bool(a.weekdays and b.weekdays and not a.weekdays & b.weekdays)
