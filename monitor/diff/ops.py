"""The vocabulary of a diff: an operation on one paragraph or field, and its runs of words.

Plain data, so the diff (`monitor.diff.core`) and every view of it (`monitor.diff.render`,
`monitor.diff.tracked`, `monitor.notify.messages`) share it without importing each other.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

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
