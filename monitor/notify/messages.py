"""Alerts rendered for people: one message that reads in five seconds.

`render(alerts, fmt)` gives `(title, body)`. One alert makes one compact message;
several (a digest, or a burst folded together) make one message that lists each,
grouped by article. Pure: no database, no apprise, so it tests in microseconds.

Formats, one per kind of target:

- "text": `[-removed-] {+added+}` (the markers of `Diff.readable`), the link on its own line.
- "markdown": CommonMark, `~~removed~~` and `**added**`, `[headline](url)`.
- "html": `<del>` and `<ins>`, the headline as a link.
- "email": the "html" message plus `[-`/`-]` and `{+`/`+}` hidden from HTML readers
  (`display:none`). apprise builds an e-mail's plain-text part from its HTML, where
  `<del>` and `<ins>` vanish; the hidden markers are what the text part shows instead.
  The link is written out too, since the text part drops `href`s.
- "slack": Slack mrkdwn, `~removed~` and `*added*`, `<url|headline>`.

Escaping is the security boundary: everything that came from a page (headline,
lead, diff words, URL) or from the config goes through one `_esc` per format and
arrives as inert text. First, in every format, control characters, bidi
overrides (U+202A–U+202E, U+2066–U+2069, and the LRM/RLM/ALM marks) and invisible
characters that carry no meaning in news text (zero-width space, word joiner, BOM,
Unicode tag characters, which can smuggle unseen text) are removed, whitespace is
folded and long fields and word runs are capped, so a page cannot break lines,
reverse text, hide text or flood a channel. Then per format:

- text: as it is, but `@channel`/`@here`/`@everyone` get a word joiner (below): a
  plain-text target may be a chat that pings on them.
- html/email: `html.escape` (quotes too); links only for http(s) URLs.
- markdown: a backslash before every character CommonMark could read as markup.
- slack: `&`, `<` and `>` become entities, so `<!channel>`, `<@U123>` and
  `<http://evil|click>` stay text. Slack has no escape for `*`, `_`, `~` and
  backtick, so page text gets look-alikes: `∗` (U+2217), `ˍ` (U+02CD), `∼`
  (U+223C), `ˋ` (U+02CB). Chosen over a zero-width space because Slack does not
  document how one interacts with its markup, while a look-alike is certainly not
  markup and reads the same. `@channel`/`@here`/`@everyone` get a word joiner.

The title is plain text in every format: each apprise plugin escapes its own title
field. `heading()` gives it in a format, for services that have no title field.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from monitor.diff.core import CONTEXT_WORDS, Diff, Op, is_correction

FORMATS = ("text", "markdown", "html", "email", "slack")

LABELS = {
    "new": "new article",
    "headline": "headline changed",
    "lead": "lead changed",
    "body_added": "paragraph added",
    "body_removed": "paragraph removed",
    "body_edited": "text edited",
    "correction": "correction added",
    "removed": "taken down",
    "restored": "back online",
    "reordered": "paragraphs reordered",
    "entry": "new live-blog entry",
    "entry_edited": "live-blog entry edited",
    "health": "source health",
}

TITLE_LIMIT = 150  # Slack's header block takes 150 characters; longer titles read badly anywhere
HEADLINE_LIMIT = 300
MESSAGE_LIMIT = 1000  # health text
DIFF_BUDGET = 1500  # characters of changes shown in one message, as a person reads them
RUN_WORDS = 40  # a whole added or removed paragraph shows its first words
RUN_CHARS = 400  # …and at most this many characters of them: a "word" can be a megabyte
LEAD_WORDS = 40


@dataclass
class AlertContent:
    """What one alert says, built from its database rows by the caller."""

    source: str  # outlet name, e.g. "zdf"
    categories: list[str]  # see LABELS
    headline: str
    url: str
    diff: Diff | None  # None for new, removed, restored and health alerts
    matched: list[str]  # terms that matched
    rule: str
    detected_at: str  # ISO time
    lead: str = ""  # new articles: the lead, shown briefly
    message: str = ""  # health alerts: the whole text (then diff and headline may be empty)
    timeline_url: str = ""  # the article's timeline in Datasette, when its address is configured


# C0/C1 controls (tab and newline survive until whitespace is folded), bidi embeddings,
# overrides and isolates, and the invisible direction marks.
# Zero-width joiner and non-joiner stay: emoji and several scripts need them.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_SPACES = re.compile(r"[^\S\n]+")
_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")


def clean(text: str | None, limit: int | None = None, lines: bool = False) -> str:
    """Page text made safe to show: no controls or bidi tricks, folded whitespace, capped."""
    # Controls that break lines (CR, VT, FF, the file/group/record separators, NEL, U+2028/9)
    # become line breaks first: deleted, they would glue the words either side together.
    text = _BREAKS.sub("\n", unicodedata.normalize("NFC", text or ""))
    text = _INVISIBLE.sub("", text)
    if lines:
        text = "\n".join(s for s in (_SPACES.sub(" ", ln).strip() for ln in text.split("\n")) if s)
    else:
        text = " ".join(text.split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def label(categories: list[str]) -> str:
    """What happened, in words: "headline changed, paragraph added"."""
    words = [LABELS.get(c, c.replace("_", " ")) for c in categories] or [LABELS["health"]]
    return ", ".join(dict.fromkeys(words))


# --- escaping, one function per format -------------------------------------------------

_SLACK_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
_MENTION = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~&^])")
_MD_LIST = re.compile(r"^(\d+)\.", re.MULTILINE)  # "1." opens a list only at the start of a line
_MD_URL = "()<> \\"  # characters that would end or break a Markdown link destination


def _slack_esc(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u2060", text.translate(_SLACK_LOOKALIKES))


def _text_esc(text: str) -> str:
    return _MENTION.sub("@\u2060", text)


def _md_esc(text: str) -> str:
    # Chat services that take Markdown (Discord, Mattermost …) ping on a bare @everyone too.
    text = _MD_LIST.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", text))
    return _MENTION.sub("@\u2060", text)


def _html_esc(text: str) -> str:
    return html.escape(text, quote=True)


def _safe_url(url: str) -> str:
    """The URL when it is an http(s) link without spaces, else "" (then no link is made)."""
    url = clean(url, 2000)
    return url if re.match(r"https?://[^\s]+$", url, re.IGNORECASE) else ""


def _pct(url: str, chars: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in chars else c for c in url)


_HIDE = '<span style="display:none;mso-hide:all">{}</span>'


def _md_link(url: str, text: str) -> str:
    return f"[{text}]({_pct(url, _MD_URL)})"


def _slack_link(url: str, text: str) -> str:
    return f"<{_pct(url.replace('&', '&amp;'), '<>| ')}|{text}>"


def _html_link(url: str, text: str) -> str:
    return f'<a href="{_html_esc(url)}">{text}</a>'


def _html_block(lines: list[str]) -> str:
    # No newline after <br>: apprise turns it into a space at the start of the text line.
    return "<p>" + "<br>".join(lines) + "</p>"


@dataclass(frozen=True)
class _Style:
    esc: Callable[[str], str]
    minus: str
    plus: str
    bold: str = "{}"
    link: Callable[[str, str], str] = lambda url, text: text  # (safe url, escaped text)
    show_url: bool = False  # write the URL out (the text part of a mail has no hrefs)
    block: Callable[[list[str]], str] = "\n".join
    sep: str = "\n\n"
    limit: int = 20000  # whole body; Slack rejects a section over 3,000 characters


_TEXT = _Style(_text_esc, "[-{}-]", "{{+{}+}}", show_url=True)
_DEL, _INS = '<del style="color:#a00">{}</del>', '<ins style="color:#070">{}</ins>'
_HTML = _Style(_html_esc, _DEL, _INS, "<b>{}</b>", _html_link, block=_html_block, sep="\n")
STYLES = {
    "text": _TEXT,
    "markdown": _Style(_md_esc, "~~{}~~", "**{}**", "**{}**", _md_link),
    "html": _HTML,
    "email": replace(
        _HTML,
        minus=_HIDE.format("[-") + _DEL + _HIDE.format("-]"),
        plus=_HIDE.format("{{+") + _INS + _HIDE.format("+}}"),  # braces doubled: a template
        show_url=True,
    ),
    "slack": _Style(_slack_esc, "~{}~", "*{}*", "*{}*", _slack_link, limit=2900),
}


def escape(text: str, fmt: str) -> str:
    """Text made inert in a format (cleaned first)."""
    return _style(fmt).esc(clean(text))


def heading(title: str, fmt: str) -> str:
    """The title as the first line of a body, for services without a title field."""
    style = _style(fmt)
    return style.block([style.bold.format(style.esc(clean(title)))]) + style.sep


def _style(fmt: str) -> _Style:
    if fmt not in STYLES:
        raise ValueError(f"unknown message format {fmt!r}; known: {', '.join(FORMATS)}")
    return STYLES[fmt]


# --- a message is blocks of lines; a line is pieces -----------------------------------

# A piece: ("t", text) plain, ("b", text) bold, ("-", words) removed, ("+", words) added,
# ("a", text, url) a link in bold, ("l", text, url) a plain link, ("u", url) a URL written
# out where the format needs it.
Piece = tuple[str, ...]


def _piece(style: _Style, piece: Piece) -> str:
    # Every piece is cleaned here, whatever its source: diff words are only `normalize`d,
    # which keeps direction marks (U+200E/U+200F) and invisible tag characters.
    kind, text = piece[0], clean(piece[1])
    if kind == "b":
        return style.bold.format(style.esc(text))
    if kind == "-":
        return style.minus.format(style.esc(text))
    if kind == "+":
        return style.plus.format(style.esc(text))
    if kind == "a":
        url = _safe_url(piece[2])
        return style.bold.format(style.link(url, style.esc(text)) if url else style.esc(text))
    if kind == "l":
        url = _safe_url(piece[2])
        return style.link(url, style.esc(text)) if url else ""
    if kind == "u":
        url = _safe_url(text)
        return style.link(url, style.esc(url)) if url and style.show_url else ""
    return style.esc(text)


def _line(style: _Style, pieces: list[Piece]) -> str:
    return " ".join(p for p in (_piece(style, piece) for piece in pieces) if p)


def _words(text: str, n: int) -> str:
    words = text.split(maxsplit=n)
    return _cap(" ".join(words[:n]) + (" …" if len(words) > n else ""))


def _cap(text: str, limit: int = RUN_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _runs(op: Op) -> list[Piece]:
    """An op's word runs, long unchanged stretches shrunk to a few words either side."""
    out: list[Piece] = []
    last = len(op.words) - 1
    for k, run in enumerate(op.words):
        words = run.text.split()
        if run.op in "-+":
            out.append((run.op, _words(run.text, RUN_WORDS)))
        elif len(words) <= CONTEXT_WORDS:
            out.append(("t", _cap(run.text)))
        elif k == 0:
            out.append(("t", "… " + _cap(" ".join(words[-CONTEXT_WORDS:]))))
        elif k == last:
            out.append(("t", _cap(" ".join(words[:CONTEXT_WORDS])) + " …"))
        elif len(words) > 2 * CONTEXT_WORDS:
            head, tail = " ".join(words[:CONTEXT_WORDS]), " ".join(words[-CONTEXT_WORDS:])
            out.append(("t", f"{_cap(head)} … {_cap(tail)}"))
        else:
            out.append(("t", _cap(run.text)))
    return out


def _op_name(op: Op) -> str:
    if op.field != "body":
        return op.field.capitalize()
    note = " (correction)" if op.op != "removed" and is_correction(op.new) else ""
    if op.op == "added":
        return f"¶{op.new_index + 1} added{note}"
    if op.op == "removed":
        return f"¶{op.old_index + 1} removed"
    return f"¶{op.new_index + 1} edited{note}"


@dataclass
class _Budget:
    left: int = DIFF_BUDGET
    omitted: int = 0


def _diff_lines(style: _Style, diff: Diff, budget: _Budget) -> list[str]:
    lines = []
    for op in (op for op in diff.ops if op.op != "moved" and op.changes_words()):
        pieces = [("t", _op_name(op) + ":"), *_runs(op)]
        cost = len(_line(_TEXT, pieces))
        # Once one change is left out, the later ones are too: the order is the story.
        if budget.omitted or (cost > budget.left and lines):
            budget.omitted += 1
            continue
        budget.left -= cost
        lines.append(_line(style, pieces))
    return lines


def _when(iso: str) -> str:
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return clean(iso, 40)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%d %b %H:%M %Z").strip()


def _change_lines(style: _Style, alert: AlertContent, budget: _Budget) -> list[str]:
    if alert.message:
        text = clean(alert.message, MESSAGE_LIMIT, lines=True)
        return [style.esc(line) for line in text.split("\n")]
    if alert.diff is not None and not alert.diff.is_empty():
        return _diff_lines(style, alert.diff, budget)
    if "new" in alert.categories and alert.lead:
        return [_line(style, [("t", _words(clean(alert.lead), LEAD_WORDS))])]
    if "removed" in alert.categories:
        return [_line(style, [("t", "The page is gone (HTTP 404/410, or it redirects away).")])]
    if "restored" in alert.categories:
        return [_line(style, [("t", "The page is back online, unchanged.")])]
    return []


@dataclass
class _Block:
    """One article (or one source's health): what happened, the changes, why it matched."""

    head: list[str]
    changes: list[str]
    tail: list[str]

    def lines(self) -> list[str]:
        return self.head + self.changes + self.tail


def _block(style: _Style, alerts: list[AlertContent], budget: _Budget) -> _Block:
    first, last = alerts[0], alerts[-1]
    categories = [c for a in alerts for c in a.categories]
    head = [_line(style, [("b", clean(first.source, 80)), ("t", "·"), ("t", label(categories))])]
    if headline := clean(last.headline, HEADLINE_LIMIT):
        head.append(_line(style, [("a", headline, last.url)]))
    changes = []
    for alert in alerts:
        if len(alerts) > 1:
            what = f"{_when(alert.detected_at)} · {label(alert.categories)}:"
            changes.append(_line(style, [("t", what)]))
        changes += _change_lines(style, alert, budget)
    matched = list(dict.fromkeys(clean(m, 80) for a in alerts for m in a.matched))
    rules = list(dict.fromkeys(clean(a.rule, 80) for a in alerts if a.rule))
    why: list[Piece] = [("t", "Matched: " + ", ".join(matched))] if matched else []
    why += [("t", ("· " if why else "") + "rule " + ", ".join(rules))] if rules else []
    why.append(("t", ("· " if why else "") + _when(last.detected_at)))
    tail = [_line(style, why), _line(style, [("u", last.url)])]
    # The evidence, one click away: every version and the words that changed.
    if _safe_url(last.timeline_url):
        tail.append(_line(style, [("l", "timeline", last.timeline_url), ("u", last.timeline_url)]))
    return _Block(head, [c for c in changes if c], [t for t in tail if t])


def _groups(alerts: list[AlertContent]) -> list[list[AlertContent]]:
    """Alerts by article (health alerts by source), first-seen order; one change shown once."""
    groups: dict[tuple[str, str], dict[tuple, AlertContent]] = {}
    for alert in alerts:
        key = (alert.source, alert.url if not alert.message else "")
        diff = alert.diff.to_json() if alert.diff else ""
        same = (tuple(alert.categories), alert.detected_at, diff, alert.lead, alert.message)
        seen = groups.setdefault(key, {})
        if same in seen:  # two rules (or a rule twice) fired on one change: merge why
            kept = seen[same]
            rule = ", ".join(dict.fromkeys(filter(None, [kept.rule, alert.rule])))
            seen[same] = replace(kept, matched=[*kept.matched, *alert.matched], rule=rule)
        else:
            seen[same] = alert
    return [list(group.values()) for group in groups.values()]


def _title(groups: list[list[AlertContent]], count: int) -> str:
    if len(groups) == 1:
        alerts = groups[0]
        what = label([c for a in alerts for c in a.categories])
        about = alerts[-1].headline or alerts[-1].message.split("\n", 1)[0]
        about = clean(about, TITLE_LIMIT)
        title = f"{alerts[0].source}: {what}" + (f" – {about}" if about else "")
    else:
        sources = ", ".join(dict.fromkeys(a.source for g in groups for a in g))
        title = f"newsmon: {count} alerts on {len(groups)} stories ({sources})"
    return clean(title, TITLE_LIMIT)


def render(alerts: list[AlertContent], fmt: str) -> tuple[str, str]:
    """One message for these alerts in a format: (plain-text title, body)."""
    style = _style(fmt)
    if not alerts:
        raise ValueError("render() needs at least one alert")
    groups = _groups(alerts)
    budget = _Budget()
    blocks: list[str] = []
    size = 0
    left_out = 0
    room = style.limit - 200  # what the closing "…and N more" line needs
    for group in groups:
        trial = replace(budget)  # a story left out whole must not count its changes as left out
        block = _block(style, group, trial)
        if blocks and (left_out or size + len(style.block(block.lines())) > room):
            left_out += 1
            continue
        budget = trial
        while block.changes and len(style.block(block.lines())) > room:
            block.changes.pop()  # one enormous story alone: drop its last changes, keep the why
            budget.omitted += 1
        blocks.append(style.block(block.lines()))
        size += len(blocks[-1]) + len(style.sep)
    tail = []
    if budget.omitted:
        tail.append(f"…and {budget.omitted} more change{'s' if budget.omitted != 1 else ''}")
    if left_out:
        tail.append(f"…and {left_out} more stor{'ies' if left_out != 1 else 'y'}")
    if tail:
        blocks.append(style.block([style.esc(" ".join(tail))]))
    return _title(groups, len(alerts)), style.sep.join(blocks)
