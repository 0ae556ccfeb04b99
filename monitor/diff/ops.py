"""The vocabulary of a diff: an operation on one paragraph or field, and its runs of words.

Plain data, so the diff (`monitor.diff.core`) and every view of it (`monitor.diff.render`,
`monitor.diff.tracked`, `monitor.notify.messages`) share it without importing each other.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from difflib import SequenceMatcher

# The fields of an article besides its body, in reading order.
TEXT_FIELDS = ("headline", "kicker", "lead")


@dataclass
class WordOp:
    """One run of words inside an operation: "=" kept, "-" removed, "+" added."""

    op: str
    text: str


@dataclass
class Op:
    """One paragraph-level operation; equal paragraphs are not listed.

    `op` is "added", "removed" or "edited", and "moved" for a paragraph whose
    text is unchanged but whose place is not. A merge (several old paragraphs
    became one) or a split is one "edited" op spanning `old_count` or
    `new_count` paragraphs; its `old`/`new` then hold them joined by "\\n".
    """

    field: str
    op: str
    old_index: int | None
    new_index: int | None
    old: str
    new: str
    # `dataclasses.field`, spelled out: this class has an attribute named `field`.
    words: list[WordOp] = dataclasses.field(default_factory=list)
    old_count: int = 1
    new_count: int = 1

    def changes_words(self) -> bool:
        return any(w.op != "=" for w in self.words)


def spelling_only(ops: list[Op]) -> bool:
    """Whether these ops only respell words: every removed run is replaced by a run spelt
    nearly alike ("Selensky" -> "Selenskyj", "wurde" -> "würde"), and no number changes. A few
    words replaced by others ("zwölf" -> "vierzehn", "nicht" dropped) are news, however small."""
    for op in ops:
        if op.op == "moved":
            continue
        if op.op != "edited":
            return False
        runs = [w for w in op.words if w.op != "="]
        pairs = list(zip(runs[::2], runs[1::2], strict=False))
        if len(runs) % 2 or any((a.op, b.op) != ("-", "+") for a, b in pairs):
            return False
        if not all(_respelt(a.text, b.text) for a, b in pairs):
            return False
    return True


def _respelt(old: str, new: str) -> bool:
    if any(c.isdigit() for c in old + new):
        return False
    return SequenceMatcher(None, old.casefold(), new.casefold()).ratio() >= 0.8
