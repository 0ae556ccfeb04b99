"""Alerts rendered for people: one message that reads in five seconds.

`render(alerts, fmt)` gives `(title, body)`. One alert makes one compact message;
several (a digest, or a burst folded together) make one message that lists each,
grouped by article. A story's new articles of one event from several outlets fold into one
block ("3 outlets now report: …"), one line per outlet. Pure: no database, no apprise, so it
tests in microseconds.

The formats (one per kind of target) and the escaping that makes page text inert in each
are `monitor.notify.formats`; how ops are named and long runs shortened is shared with the
other views of a diff (`monitor.diff.render`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from monitor.clock import parse_time
from monitor.diff.core import Diff
from monitor.diff.ops import Op
from monitor.diff.render import CONTEXT_WORDS, first_words, place, shrink
from monitor.notify.formats import STYLES, Style, cap, clean, safe_url, style_of

LABELS = {
    "new": "new article",
    "joined": "joins the story",  # a story's article, about the story from this version on
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
    "alternating": "alternating between two versions",  # an A/B test: said once per pair
    "health": "source health",
}

EVENT_LIMIT = 120  # the event's headline where it only names the event
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
    matched: list[str]  # the words the terms hit (the terms, for alerts stored before words)
    rule: str
    detected_at: str  # ISO time
    lead: str = ""  # new articles: the lead, shown briefly
    message: str = ""  # health alerts: the whole text (then diff and headline may be empty)
    timeline_url: str = ""  # the article's timeline in Datasette, when its address is configured
    story: str = ""  # a story's alert: the story's name (its `rule` is then empty)
    event_id: int | None = None  # the article's event in that story, when it has one
    event: str = ""  # the event's headline
    role: str = ""  # the article's part in the event: first | agency | rewrite | report
    agency: str = ""  # the news agency the article credits, or ""
    seen: str = ""  # when the article appeared (ISO): orders the outlets of a folded event


def label(categories: list[str]) -> str:
    """What happened, in words: "headline changed, paragraph added"."""
    words = [LABELS.get(c, c.replace("_", " ")) for c in categories] or [LABELS["health"]]
    return ", ".join(dict.fromkeys(words))


# --- a message is blocks of lines; a line is pieces -----------------------------------

# A piece: ("t", text) plain, ("b", text) bold, ("-", words) removed, ("+", words) added,
# ("a", text, url) a link in bold, ("l", text, url) a plain link, ("u", url) a URL written
# out where the format needs it.
Piece = tuple[str, ...]


def _piece(style: Style, piece: Piece) -> str:
    # Every piece is cleaned here, whatever its source: diff words are the published text,
    # which may hold characters no message format should carry.
    kind, text = piece[0], clean(piece[1])
    if kind == "b":
        return style.bold.format(style.esc(text))
    if kind == "-":
        return style.minus.format(style.esc(text))
    if kind == "+":
        return style.plus.format(style.esc(text))
    if kind == "a":
        url = safe_url(piece[2])
        return style.bold.format(style.link(url, style.esc(text)) if url else style.esc(text))
    if kind == "l":
        url = safe_url(piece[2])
        return style.link(url, style.esc(text)) if url else ""
    if kind == "u":
        url = safe_url(text)
        return style.link(url, style.esc(url)) if url and style.show_url else ""
    return style.esc(text)


def _line(style: Style, pieces: list[Piece]) -> str:
    return " ".join(p for p in (_piece(style, piece) for piece in pieces) if p)


def _words(text: str, n: int) -> str:
    return cap(first_words(text, n), RUN_CHARS)


def _runs(op: Op) -> list[Piece]:
    """An op's word runs, long unchanged stretches shrunk to a few words either side."""
    out: list[Piece] = []
    for k, run in enumerate(op.words):
        if run.op in "-+":
            out.append((run.op, _words(run.text, RUN_WORDS)))
        else:
            parts = shrink(op, k, CONTEXT_WORDS)
            out.append(("t", " ".join("…" if p is None else cap(p, RUN_CHARS) for p in parts)))
    return out


def _op_name(op: Op) -> str:
    # A message names a merge or a split by where it landed: one paragraph edited.
    return place(replace(op, old_count=1, new_count=1))


@dataclass
class _Budget:
    left: int = DIFF_BUDGET
    omitted: int = 0
    outlets: int = 0  # outlets of a folded event left out


def _diff_lines(style: Style, diff: Diff, budget: _Budget) -> list[str]:
    lines = []
    for op in (op for op in diff.ops if op.op != "moved" and op.changes_words()):
        pieces = [("t", _op_name(op) + ":"), *_runs(op)]
        cost = len(_line(STYLES["text"], pieces))
        # Once one change is left out, the later ones are too: the order is the story.
        if budget.omitted or (cost > budget.left and lines):
            budget.omitted += 1
            continue
        budget.left -= cost
        lines.append(_line(style, pieces))
    return lines


def _when(iso: str) -> str:
    # Not clock.parse_time: a time without an offset is shown as written, not read as UTC.
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return clean(iso, 40)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%d %b %H:%M %Z").strip()


def _change_lines(style: Style, alert: AlertContent, budget: _Budget) -> list[str]:
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


def _names(alerts: list[AlertContent], field: str) -> str:
    return ", ".join(
        dict.fromkeys(clean(getattr(a, field), 80) for a in alerts if getattr(a, field))
    )


def _role(alert: AlertContent) -> str:
    """The article's part in its event, in words: "first to report", "dpa copy"."""
    agency = clean(alert.agency, 40)
    if alert.role == "first":
        return "first to report" + (f", {agency}" if agency else "")
    if alert.role == "agency":
        return f"{agency} copy" if agency else "agency copy"
    if alert.role == "rewrite":
        return f"rewrites {agency}" if agency else "rewrite"
    return f"credits {agency}" if agency else ""


def _why(alerts: list[AlertContent], when: str, with_event: bool) -> list[Piece]:
    """Why this was sent: terms, rule or story, the event, when."""
    parts = []
    if matched := list(dict.fromkeys(clean(m, 80) for a in alerts for m in a.matched)):
        parts.append("Matched: " + ", ".join(matched))
    parts += [f"rule {rules}"] if (rules := _names(alerts, "rule")) else []
    parts += [f"story {stories}"] if (stories := _names(alerts, "story")) else []
    if with_event and (last := next((a for a in reversed(alerts) if a.event), None)):
        role = _role(last)
        parts.append(f"event: {clean(last.event, EVENT_LIMIT)}" + (f" ({role})" if role else ""))
    parts.append(_when(when))
    return [("t", " · ".join(parts))]


def _block(style: Style, alerts: list[AlertContent], budget: _Budget) -> _Block:
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
    tail = [
        _line(style, _why(alerts, last.detected_at, with_event=True)),
        _line(style, [("u", last.url)]),
    ]
    # The evidence, one click away: every version and the words that changed.
    if safe_url(last.timeline_url):
        tail.append(_line(style, [("l", "timeline", last.timeline_url), ("u", last.timeline_url)]))
    return _Block(head, [c for c in changes if c], [t for t in tail if t])


def _groups(alerts: list[AlertContent]) -> list[list[AlertContent]]:
    """Alerts by article (health alerts by source), first-seen order; one change shown once;
    then a story's new articles of one event from several outlets folded together."""
    groups: dict[tuple[str, str], dict[tuple, AlertContent]] = {}
    for alert in alerts:
        key = (alert.source, alert.url if not alert.message else "")
        diff = alert.diff.to_json() if alert.diff else ""
        same = (tuple(alert.categories), alert.detected_at, diff, alert.lead, alert.message)
        seen = groups.setdefault(key, {})
        for k, kept in seen.items():
            # Two rules (or a rule and a story) fired on one change: merge why. Two stories
            # stay apart: each has its own event.
            if k[0] == same and not (kept.story and alert.story and kept.story != alert.story):
                seen[k] = _merge(kept, alert)
                break
        else:
            seen[(same, len(seen))] = alert
    return _fold([list(group.values()) for group in groups.values()])


def _merge(kept: AlertContent, alert: AlertContent) -> AlertContent:
    rule = ", ".join(dict.fromkeys(filter(None, [kept.rule, alert.rule])))
    base = alert if alert.story and not kept.story else kept
    return replace(base, matched=[*kept.matched, *alert.matched], rule=rule)


def _foldable(alert: AlertContent) -> bool:
    return bool(alert.story) and alert.event_id is not None and "new" in alert.categories


def _fold(groups: list[list[AlertContent]]) -> list[list[AlertContent]]:
    """New articles of one story's event from two or more outlets become one group, placed
    where the first of them was; their other alerts (edits) stay with their article."""
    outlets: dict[tuple, set[str]] = {}
    for alert in (a for group in groups for a in group if _foldable(a)):
        outlets.setdefault((alert.story, alert.event_id), set()).add(alert.source)
    folds: dict[tuple, list[AlertContent]] = {k: [] for k, s in outlets.items() if len(s) > 1}
    out = []
    for group in groups:
        rest = []
        for alert in group:
            fold = folds.get((alert.story, alert.event_id)) if _foldable(alert) else None
            if fold is None:
                rest.append(alert)
                continue
            if not fold:
                out.append(fold)
            fold.append(alert)
        if rest:
            out.append(rest)
    for fold in folds.values():
        fold.sort(key=_first_seen)
    return out


_NEVER = datetime.min.replace(tzinfo=UTC)  # an unreadable time sorts first


def _first_seen(alert: AlertContent) -> tuple[bool, datetime]:
    when = parse_time(alert.seen) or parse_time(alert.detected_at)
    return alert.role != "first", when or _NEVER


def _is_fold(group: list[AlertContent]) -> bool:
    return len({a.source for a in group}) > 1  # other groups are one article's


def _fold_block(style: Style, alerts: list[AlertContent]) -> _Block:
    """ "3 outlets now report: <event>", then one line per outlet, in first-seen order."""
    first = alerts[0]
    count = len({a.source for a in alerts})
    event = clean(first.event or first.headline, HEADLINE_LIMIT)
    what = [("t", f"{count} outlets now report:"), ("b", event)]
    head = [_line(style, [("b", clean(first.story, 80)), ("t", "·"), *what])]
    changes = []
    for alert in alerts:
        marks = ", ".join(filter(None, [_role(alert), _when(alert.seen or alert.detected_at)]))
        headline = clean(alert.headline, HEADLINE_LIMIT) or "(no headline)"
        pieces = [("b", clean(alert.source, 80)), ("t", "·"), ("a", headline, alert.url)]
        pieces += [("t", f"({marks})"), ("u", alert.url)]
        if safe_url(alert.timeline_url):
            pieces += [("l", "timeline", alert.timeline_url), ("u", alert.timeline_url)]
        changes.append(_line(style, pieces))
    latest = max(alerts, key=lambda a: parse_time(a.detected_at) or _NEVER).detected_at
    return _Block(head, changes, [_line(style, _why(alerts, latest, with_event=False))])


def _title(groups: list[list[AlertContent]], count: int) -> str:
    stories = {a.story for g in groups for a in g}
    story = next(iter(stories)) if len(stories) == 1 else ""
    if len(groups) == 1 and _is_fold(groups[0]):
        alerts = groups[0]
        event = clean(alerts[0].event or alerts[0].headline, TITLE_LIMIT)
        title = f"{story}: {len({a.source for a in alerts})} outlets now report – {event}"
    elif len(groups) == 1:
        alerts = groups[0]
        what = label([c for a in alerts for c in a.categories])
        about = alerts[-1].headline or alerts[-1].message.split("\n", 1)[0]
        about = clean(about, TITLE_LIMIT)
        named = _names(alerts, "story")  # an article in two stories names both
        title = (f"{named} · " if named else "") + f"{alerts[0].source}: {what}"
        title += f" – {about}" if about else ""
    else:
        sources = ", ".join(dict.fromkeys(a.source for g in groups for a in g))
        title = f"newsmon: {count} alerts on {len(groups)} stories ({sources})"
        if story:  # one story's alerts: named by it; its articles are not "stories"
            articles = len({(a.source, a.url) for g in groups for a in g})
            title = f"{story}: {count} alerts on {articles} articles ({sources})"
    return clean(title, TITLE_LIMIT)


def render(alerts: list[AlertContent], fmt: str) -> tuple[str, str]:
    """One message for these alerts in a format: (plain-text title, body)."""
    style = style_of(fmt)
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
        block = _fold_block(style, group) if _is_fold(group) else _block(style, group, trial)
        if blocks and (left_out or size + len(style.block(block.lines())) > room):
            left_out += 1
            continue
        budget = trial
        while block.changes and len(style.block(block.lines())) > room:
            block.changes.pop()  # one enormous story alone: drop its last changes, keep the why
            if _is_fold(group):
                budget.outlets += 1
            else:
                budget.omitted += 1
        blocks.append(style.block(block.lines()))
        size += len(blocks[-1]) + len(style.sep)
    tail = []
    if budget.omitted:
        tail.append(f"…and {budget.omitted} more change{'s' if budget.omitted != 1 else ''}")
    if budget.outlets:
        tail.append(f"…and {budget.outlets} more outlet{'s' if budget.outlets != 1 else ''}")
    if left_out:
        tail.append(f"…and {left_out} more stor{'ies' if left_out != 1 else 'y'}")
    if tail:
        blocks.append(style.block([style.esc(" ".join(tail))]))
    return _title(groups, len(alerts)), style.sep.join(blocks)
