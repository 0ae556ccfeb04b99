"""What changed between two versions of an article: paragraph-aligned, word-level.

Pure and standard-library only, so the store, the rules and the CLI can call it
freely. All comparison is on `normalize`d text: a version that differs only in
whitespace, quotes, dashes or Unicode form has no ops. What ops keep for people to read is
the published text (`tidy`): runs hold the original words, kept ones as the new version
prints them, so the runs rebuild `old` and `new` up to normalization.

Paragraph indices are 0-based positions among the non-empty paragraphs of a
body (the way a reader counts them); `readable` prints them 1-based as ¶n.

An op's vocabulary is `monitor.diff.ops`, editors' notes `monitor.diff.corrections`, and the
ways of showing a diff `monitor.diff.render` (text), `.terminal` (colour) and `.tracked` (HTML).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher

from monitor.diff.corrections import is_correction
from monitor.diff.ops import TEXT_FIELDS, Op, WordOp
from monitor.diff.render import render_text
from monitor.errors import StoreError
from monitor.items import Article
from monitor.text import normalize, tidy

# Two paragraphs at least this similar (difflib ratio over their words) are one
# paragraph edited; below it, the old one was removed and a new one added.
SIMILARITY = 0.5
# Merges and splits are looked for up to this many paragraphs on one side.
MAX_SPAN = 3
# Past this many (removed × added) pairs the article was rewritten, not edited: pair
# 1:1 only, and past the second limit not at all, so diffing stays fast whatever happens.
MAX_SPAN_PAIRS, MAX_PAIRS = 400, 10_000

_WORDLIKE = re.compile(r"\w")

CATEGORIES = ("headline", "lead", "body_added", "body_removed", "body_edited", "correction")


@dataclass
class Diff:
    """Everything that changed between two versions; `categories` drive alerts."""

    categories: list[str] = dataclasses.field(default_factory=list)
    ops: list[Op] = dataclasses.field(default_factory=list)
    words_added: int = 0
    words_removed: int = 0

    def is_empty(self) -> bool:
        """Same text after normalization (moves or merges alone: not empty, no categories)."""
        return not self.ops

    def to_json(self) -> str:
        data = {
            "format": 1,
            "categories": self.categories,
            "ops": [asdict(op) for op in self.ops],
            "words_added": self.words_added,
            "words_removed": self.words_removed,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, s: str) -> Diff:
        # The store is the only writer of this JSON; a bad one means a damaged database.
        try:
            data = json.loads(s)
            ops = [
                Op(**{**op, "words": [WordOp(**w) for w in op.get("words", [])]})
                for op in data.get("ops", [])
            ]
            return cls(
                categories=list(data.get("categories", [])),
                ops=ops,
                words_added=int(data.get("words_added", 0)),
                words_removed=int(data.get("words_removed", 0)),
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise StoreError(f"A stored diff is not valid diff JSON ({exc}).") from exc

    def readable(self) -> str:
        """Plain text with [-removed-] and {+added+} markers, for people, mail and logs."""
        return render_text(self.categories, self.ops, (self.words_added, self.words_removed))


def word_diff(old: str, new: str) -> list[WordOp]:
    """Runs of kept, removed and added words; a changed stretch is all "-" then all "+"."""
    old_words, new_words = _tokens(old), _tokens(new)
    a, b = [key for key, _ in old_words], [key for key, _ in new_words]
    runs: list[WordOp] = []
    minus: list[str] = []
    plus: list[str] = []
    head, tail, middle = _match(a, b)
    opcodes = [
        ("equal", 0, head, 0, head),
        *(
            (t, i1 + head, i2 + head, j1 + head, j2 + head)
            for t, i1, i2, j1, j2 in middle.get_opcodes()
        ),
        ("equal", len(a) - tail, len(a), len(b) - tail, len(b)),
    ]
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal":
            minus += (word for _, word in old_words[i1:i2])
            plus += (word for _, word in new_words[j1:j2])
            continue
        pending = (("-", minus), ("+", plus), ("=", [word for _, word in new_words[j1:j2]]))
        runs += [WordOp(op, " ".join(texts)) for op, texts in pending if texts]
        minus, plus = [], []
    return runs


def _tokens(text: str) -> list[tuple[str, str]]:
    """(compared, published) for each word: "„Ja“" is compared as '"Ja"' and shown as it is."""
    pairs = ((normalize(word), word) for word in tidy(text).split())
    return [(key, word) for key, word in pairs if key]


def _match(a: list[str], b: list[str]) -> tuple[int, int, SequenceMatcher]:
    """Common head and tail lengths, and a matcher for what lies between."""
    # Most edits touch a few words: matching only between the common ends keeps a long
    # paragraph fast. autojunk would treat frequent words ("der", "und") as junk.
    head = tail = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle = SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False)
    return head, tail, middle


def diff_paragraphs(old: list[str], new: list[str]) -> list[Op]:
    """Body ops, in reading order of the new version."""
    a, shown_a = _keyed(old)
    b, shown_b = _keyed(new)
    lone_old: list[int] = []
    lone_new: list[int] = []
    anchor: dict[int, int] = {}  # where a removed paragraph would sit in the new body
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            lone_old.extend(range(i1, i2))
            lone_new.extend(range(j1, j2))
            anchor.update(dict.fromkeys(range(i1, i2), j1))

    ops: list[tuple[tuple[int, int, int], Op]] = []
    for olds, news in _pair(a, b, lone_old, lone_new):
        old_text = "\n".join(shown_a[i] for i in olds)
        new_text = "\n".join(shown_b[j] for j in news)
        # The same text somewhere else is a move, not words removed and added again.
        same = [a[i] for i in olds] == [b[j] for j in news]
        kind = "moved" if same else "edited"
        words = word_diff(old_text, new_text)
        op = Op("body", kind, olds[0], news[0], old_text, new_text, words, len(olds), len(news))
        ops.append(((news[0], 1, olds[0]), op))
    paired = [op for _, op in ops]
    used_old = {i for op in paired for i in range(op.old_index, op.old_index + op.old_count)}
    used_new = {j for op in paired for j in range(op.new_index, op.new_index + op.new_count)}
    for i in lone_old:
        if i not in used_old:
            # In reading order: after what its block's earlier paragraphs became,
            # before what was added in its place.
            after = [
                op.new_index + op.new_count
                for op in paired
                if op.old_index < i and anchor.get(op.old_index) == anchor[i]
            ]
            text = shown_a[i]
            op = Op("body", "removed", i, None, text, "", [WordOp("-", text)], new_count=0)
            ops.append(((max(after, default=anchor[i]), 0, i), op))
    for j in lone_new:
        if j not in used_new:
            text = shown_b[j]
            op = Op("body", "added", None, j, "", text, [WordOp("+", text)], old_count=0)
            ops.append(((j, 1, -1), op))
    return [op for _, op in sorted(ops, key=lambda item: item[0])]


def _keyed(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """The non-empty paragraphs, as compared (normalized) and as published (tidied)."""
    kept = [(key, tidy(p)) for p in paragraphs if (key := normalize(p))]
    return [key for key, _ in kept], [shown for _, shown in kept]


def _pair(
    a: list[str], b: list[str], lone_old: list[int], lone_new: list[int]
) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Pair removed with added paragraphs: exact moves, then the most similar first."""
    pairs: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    free_old, free_new = set(lone_old), set(lone_new)
    waiting: dict[str, list[int]] = {}
    for j in lone_new:
        waiting.setdefault(b[j], []).append(j)
    for i in lone_old:
        if waiting.get(a[i]):
            j = waiting[a[i]].pop(0)
            pairs.append(((i,), (j,)))
            free_old.discard(i)
            free_new.discard(j)

    n_pairs = len(free_old) * len(free_new)
    if not n_pairs or n_pairs > MAX_PAIRS:
        return pairs
    span = MAX_SPAN if n_pairs <= MAX_SPAN_PAIRS else 1
    candidates = []
    new_runs = _runs(b, sorted(free_new), span)
    for olds, ta, ca in _runs(a, sorted(free_old), span):
        for news, tb, cb in new_runs:
            if len(olds) > 1 and len(news) > 1:
                continue  # many-to-many is an unrelated rewrite, not a merge or split
            score = _similarity(ta, tb, ca, cb)
            if score >= SIMILARITY:
                candidates.append((-score, abs(olds[0] - news[0]), olds, news))
    for _, _, olds, news in sorted(candidates):
        if free_old.issuperset(olds) and free_new.issuperset(news):
            pairs.append((olds, news))
            free_old.difference_update(olds)
            free_new.difference_update(news)
    return pairs


def _runs(
    paragraphs: list[str], indices: list[int], span: int
) -> list[tuple[tuple[int, ...], list[str], Counter[str]]]:
    """Every run of up to `span` consecutive indices, with its words and their counts."""
    present = set(indices)
    runs = []
    for i in indices:
        for n in range(1, span + 1):
            if i + n - 1 not in present:
                break
            run = tuple(range(i, i + n))
            tokens = " ".join(paragraphs[k] for k in run).split()
            runs.append((run, tokens, Counter(tokens)))
    return runs


def _similarity(a: list[str], b: list[str], ca: Counter[str], cb: Counter[str]) -> float:
    # Cheap upper bounds first (length, then shared words), as difflib's own quick ratios do.
    total = len(a) + len(b)
    if not total or 2 * min(len(a), len(b)) / total < SIMILARITY:
        return 0.0
    if 2 * sum(min(ca[w], cb[w]) for w in ca.keys() & cb.keys()) / total < SIMILARITY:
        return 0.0
    head, tail, middle = _match(a, b)
    return 2 * (head + tail + sum(m.size for m in middle.get_matching_blocks())) / total


def _field_op(name: str, old: str, new: str) -> Op | None:
    if normalize(old) == normalize(new):
        return None
    old, new = tidy(old), tidy(new)
    kind = "added" if not old else "removed" if not new else "edited"
    return Op(name, kind, None, None, old, new, word_diff(old, new), int(bool(old)), int(bool(new)))


def diff_articles(old: Article, new: Article) -> Diff:
    """Everything that changed from `old` to `new`, with categories and word counts."""
    fields = [_field_op(name, getattr(old, name), getattr(new, name)) for name in TEXT_FIELDS]
    ops = [op for op in fields if op] + diff_paragraphs(old.body, new.body)
    found: set[str] = set()
    for op in ops:
        if op.field in ("headline", "kicker"):
            found.add("headline")
        elif op.field == "lead":
            found.add("lead")
            if op.op != "removed" and is_correction(op.new):
                found.add("correction")
        elif op.op == "removed":
            found.add("body_removed")
        elif op.op in ("added", "edited") and op.changes_words():
            # An editor's note is reported as a correction, not also as ordinary body text.
            found.add("correction" if is_correction(op.new) else f"body_{op.op}")
    return Diff(
        categories=[c for c in CATEGORIES if c in found],
        ops=ops,
        words_added=_count(ops, "+"),
        words_removed=_count(ops, "-"),
    )


def _count(ops: list[Op], kind: str) -> int:
    # A lone dash or quote is a token but not a word a reader would count.
    runs = (w.text for op in ops for w in op.words if w.op == kind)
    return sum(1 for text in runs for token in text.split() if _WORDLIKE.search(token))
