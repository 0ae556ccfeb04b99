"""What every view of a diff shares, and the diff as lines of text.

How a reader names a place ("Headline", "¶3 added", "¶2–3 merged from old ¶2"), how a long
stretch of unchanged words shrinks to the words next to a change, and how many words of a
long run are shown. Three views build on these: text (`Diff.readable` here, colours in
`monitor.diff.terminal`), tracked changes in HTML (`monitor.diff.tracked`) and alert messages
(`monitor.notify.messages`).

Pure; imports only `monitor.diff.ops` and `monitor.diff.corrections`, so `monitor.diff.core`
can use it for `Diff.readable` without a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.diff.corrections import is_correction
from monitor.diff.ops import TEXT_FIELDS, Op

# Words of unchanged text shown either side of a change in text and in alert messages.
CONTEXT_WORDS = 5
FIELD_LABELS = {field: field.capitalize() for field in TEXT_FIELDS}


def span(index: int, count: int) -> str:
    """Paragraphs as a reader counts them, from 1: "¶3", or "¶3–4" for two."""
    return f"¶{index + 1}" if count == 1 else f"¶{index + 1}–{index + count}"


def correction_note(op: Op) -> str:
    return " (correction)" if op.op in ("added", "edited") and is_correction(op.new) else ""


def place(op: Op, old: str = "old ", note_merges: bool = True) -> str:
    """Which part of the article an op touches: "Headline", "¶3 added", "¶2 edited (correction)".

    The views word merges and splits apart: text says "merged from old ¶2–3" and marks a
    merged note as a correction; HTML (`old=""`, `note_merges=False`) says "merged from ¶2–3".
    """
    if op.field in FIELD_LABELS:
        return FIELD_LABELS[op.field]
    note = correction_note(op)
    if op.op == "added":
        return f"¶{op.new_index + 1} added{note}"
    if op.op == "removed":
        return f"¶{op.old_index + 1} removed"
    head = span(op.new_index, op.new_count)
    if op.op == "moved":
        return f"{head} moved (was ¶{op.old_index + 1})"
    if op.old_count > 1:
        merged = f"{head} merged from {old}{span(op.old_index, op.old_count)}"
    elif op.new_count > 1:
        merged = f"{head} split from {old}¶{op.old_index + 1}"
    else:
        return f"{head} edited{note}"
    return merged + (note if note_merges else "")


def first_words(text: str, n: int) -> str:
    """The first `n` words, and " …" when there are more."""
    # maxsplit: a "word" list of a megabyte paragraph is not built to keep forty of them.
    words = text.split(maxsplit=n)
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def shrink(op: Op, k: int, context: int | None) -> list[str | None]:
    """The words of unchanged run `k` to show, None where some are left out (the gap).

    A run of more than `context` words keeps only its words next to a change: the end of a
    leading run, the start of a trailing one, both ends of one in the middle. Without
    `context` (or when it is short) the run is shown whole.
    """
    text = op.words[k].text
    words = text.split()
    if context is None or len(words) <= context:
        return [text]
    if k == 0:
        return [None, " ".join(words[-context:])]
    if k == len(op.words) - 1:
        return [" ".join(words[:context]), None]
    if len(words) > 2 * context:
        return [" ".join(words[:context]), None, " ".join(words[-context:])]
    return [text]


@dataclass(frozen=True)
class TextStyle:
    """Templates for each part of a text diff: a run removed or added inside a paragraph, a
    whole paragraph removed or added, and a label."""

    minus: str = "[-{}-]"
    plus: str = "{{+{}+}}"
    old: str = "{}"
    new: str = "{}"
    label: str = "{}"


PLAIN = TextStyle()


def render_text(
    categories: list[str], ops: Sequence[Op], words: tuple[int, int], style: TextStyle = PLAIN
) -> str:
    """A diff as lines: what changed and how many words (added, removed), then one op a line."""
    if not ops:
        return "No changes."
    what = ", ".join(categories) or "layout only"
    counts = f"{words[0]} words added, {words[1]} removed"
    lines = [style.label.format(f"Changed: {what} ({counts})")]
    for op in ops:
        if op.field in FIELD_LABELS:
            # Headline and kicker are short: show them whole; a lead gets context like a paragraph.
            context = CONTEXT_WORDS if op.field == "lead" else None
            lines.append(_line(style, place(op) + ":", _inline(op, style, context)))
        else:
            lines.append(_body_line(op, style))
    return "\n".join(lines)


def _line(style: TextStyle, label: str, text: str) -> str:
    return style.label.format(label) + " " + text


def _body_line(op: Op, style: TextStyle) -> str:
    head = place(op) + ":"
    if op.op == "added":
        return _line(style, head, style.new.format(op.new))
    if op.op == "removed":
        return _line(style, head, style.old.format(op.old))
    if op.op == "moved":
        return _line(style, head, first_words(op.new, 2 * CONTEXT_WORDS))
    return _line(style, head, _inline(op, style, CONTEXT_WORDS))


def _inline(op: Op, style: TextStyle, context: int | None) -> str:
    """The op's runs in a line; with `context`, long unchanged stretches shrink to their ends."""
    if not op.changes_words():
        return first_words(op.new, 2 * CONTEXT_WORDS)
    parts = []
    for k, run in enumerate(op.words):
        if run.op == "-":
            parts.append(style.minus.format(run.text))
        elif run.op == "+":
            parts.append(style.plus.format(run.text))
        else:
            parts += ["…" if part is None else part for part in shrink(op, k, context)]
    return " ".join(parts)
