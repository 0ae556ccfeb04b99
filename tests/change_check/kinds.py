"""The kinds of pairs, noise (must not alert) and edits (must alert), by name."""

from __future__ import annotations

from change_check import edits, inline, noise

NOISE = {
    "teaser_replaced": noise.teaser_replaced,
    "teaser_reordered": noise.teaser_reordered,
    "timestamps": noise.timestamps,
    "comment_counts": noise.comment_counts,
    "consent_banner": noise.consent_banner,
    "scripts_nonces": noise.scripts,
    "ad_slots": noise.ad_slots,
    "query_strings": noise.query_strings,
    "nav_footer": noise.nav_footer,
    "read_more_line": inline.read_more,
    "inline_ad": inline.inline_ad,
}
EDITS = {
    "headline_word": edits.headline_word,
    "sentence_word": edits.sentence_word,
    "number": edits.number,
    "paragraph_added": edits.paragraph_added,
    "paragraph_removed": edits.paragraph_removed,
    "update_line": edits.update_line,
}
KINDS = {**NOISE, **EDITS}


def group_of(kind: str) -> str:
    return "noise" if kind in NOISE else "edit"
