"""A stored diff as tracked changes in HTML: deleted words struck through, inserted words marked.

Pure and standard-library only (like `monitor.diff.core`), so the Datasette plugin, its article
timeline and any later HTML view share one rendering that tests in microseconds. How places
are named and unchanged text is shortened is shared with the other views (`monitor.diff.render`).

Everything in the output that came from a page goes through `html.escape`; the only markup
is what this module writes itself. The result is a `str` of safe HTML: callers wrap it in
`markupsafe.Markup` (or an equivalent) to keep a template from escaping it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from monitor.diff.core import Diff
from monitor.diff.ops import Op
from monitor.diff.render import FIELD_LABELS, first_words, place, shrink
from monitor.errors import StoreError

# Words of unchanged text kept either side of a change. More than the alert messages keep
# (monitor.diff.render.CONTEXT_WORDS): a page has room, and a sentence read whole is easier
# to judge.
PAGE_CONTEXT = 12
CELL_CONTEXT = 6
# A table cell shows this many words of one inserted or deleted run, and this many ops.
CELL_RUN_WORDS = 60
CELL_OPS = 8


@dataclass(frozen=True)
class Style:
    """How much of a diff to show: all of it on a page, a shortened view in a table cell."""

    context: int = PAGE_CONTEXT
    run_words: int | None = None  # None: inserted and deleted text in full
    max_ops: int | None = None  # None: every op


PAGE = Style()
CELL = Style(context=CELL_CONTEXT, run_words=CELL_RUN_WORDS, max_ops=CELL_OPS)


def diff_html(diff: Diff, style: Style = PAGE) -> str:
    """The diff's ops as tracked changes; equal paragraphs are not listed by the diff at all."""
    ops = [op for op in diff.ops if op.op == "moved" or op.changes_words()]
    if not ops:
        return '<p class="nm-none">Same text; only the layout changed.</p>'
    shown = ops if style.max_ops is None else ops[: style.max_ops]
    parts = [_op_html(op, style) for op in shown]
    if len(shown) < len(ops):
        more = len(ops) - len(shown)
        parts.append(f'<p class="nm-more">… and {more} more change{"s" if more > 1 else ""}</p>')
    return '<div class="nm-diff">' + "".join(parts) + "</div>"


def stored_diff_html(ops: str | None) -> str:
    """A change's stored ops (JSON) as tracked changes for a page; "" when it has none, a line
    saying so when they cannot be read, so one bad row does not take the page down."""
    if not ops:
        return ""
    try:
        return diff_html(Diff.from_json(ops), PAGE)
    except StoreError:
        return '<p class="nm-none">This change\'s stored diff cannot be read.</p>'


def where(op: Op) -> str:
    """Which part of the article an op touches, as a reader counts: "Headline", "¶3 added"."""
    if op.field in FIELD_LABELS:
        return FIELD_LABELS[op.field] + ("" if op.op == "edited" else f" {op.op}")
    return place(op, old="", note_merges=False)


def _op_html(op: Op, style: Style) -> str:
    kind = f"nm-field-{op.field} nm-op-{op.op}"
    head = f'<span class="nm-where">{escape(where(op))}</span> '
    if op.op == "moved":
        # The words are the same: show where the paragraph went and how it starts.
        body = escape(first_words(op.new, 2 * style.context))
    else:
        body = " ".join(_run_html(op, k, style) for k in range(len(op.words)))
    return f'<p class="nm-op {kind}">{head}{body}</p>'


def _run_html(op: Op, k: int, style: Style) -> str:
    run = op.words[k]
    if run.op == "-":
        return f"<del>{escape(_cap(run.text, style.run_words))}</del>"
    if run.op == "+":
        return f"<ins>{escape(_cap(run.text, style.run_words))}</ins>"
    gap = '<span class="nm-gap" title="unchanged text left out">…</span>'
    return " ".join(gap if part is None else escape(part) for part in shrink(op, k, style.context))


def _cap(text: str, limit: int | None) -> str:
    return text if limit is None else first_words(text, limit)
