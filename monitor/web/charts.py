"""Charts drawn on the server as SVG: the pages work with no internet and no JavaScript.

Two charts, both pure functions from plain data to an SVG string:

- `changes_chart`: when one article changed, one lane per part of the article (headline,
  lead, body, live-blog entries, corrections, online status), one dot per change on a time
  axis; dots that would cover each other are moved apart along their lane (`spread`).
- `story_chart`: changes per outlet per day, bars grouped by day.

Every label that came from data (a source name, a tooltip with a headline) goes through
`html.escape`; the SVG elements themselves are written here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape

# Colour per lane, and per outlet in order of appearance: distinguishable for the common
# colour-vision deficiencies (Okabe and Ito's palette), and dark enough to read on white.
LANE_COLORS = {
    "headline": "#7b3294",
    "lead": "#0072b2",
    "body": "#009e73",
    "entries": "#cc79a7",
    "correction": "#d55e00",
    "status": "#444444",
}
LANES = tuple(LANE_COLORS)
LANE_NAMES = {
    "headline": "headline",
    "lead": "lead",
    "body": "body",
    "entries": "live blog",
    "correction": "correction",
    "status": "online",
}
SOURCE_COLORS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999")

# Which lane a change category is drawn in.
CATEGORY_LANE = {
    "headline": "headline",
    "lead": "lead",
    "body_added": "body",
    "body_removed": "body",
    "body_edited": "body",
    "reordered": "body",
    "entry": "entries",
    "entry_edited": "entries",
    "correction": "correction",
    "new": "status",
    "removed": "status",
    "restored": "status",
}

# Candidate tick spacings for a time axis; the smallest giving at most MAX_TICKS ticks wins.
_STEPS = [
    timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880)
] + [timedelta(days=d) for d in (7, 14, 28, 91, 182, 364)]
MAX_TICKS = 8
MIN_SPAN = timedelta(minutes=20)


@dataclass(frozen=True)
class Mark:
    """One dot on the article chart."""

    at: datetime
    lane: str  # one of LANES
    title: str  # tooltip: what changed, when
    words: int = 0  # words added + removed: a bigger change draws a bigger dot
    href: str = ""  # where the dot links to, e.g. "#change-12" on the same page
    shape: str = "dot"  # "dot", or "cross" for a takedown


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="nm-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def time_ticks(start: datetime, end: datetime) -> list[datetime]:
    """Round times between start and end, at most MAX_TICKS of them."""
    span = end - start
    step = next((s for s in _STEPS if span / s <= MAX_TICKS), _STEPS[-1])
    # Ticks fall on multiples of the step counted from midnight UTC (or from a Monday for
    # weeks), so they read as round times.
    epoch = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday
    first = epoch + math.ceil((start - epoch) / step) * step
    ticks = []
    tick = first
    while tick <= end:
        ticks.append(tick)
        tick += step
    return ticks


def _tick_label(tick: datetime, span: timedelta, first: bool) -> str:
    if span >= timedelta(days=2):
        return tick.strftime("%d %b")
    label = tick.strftime("%H:%M")
    # The date once, on the first tick, and again wherever a new day starts.
    if first or (tick.hour == 0 and tick.minute == 0):
        label = tick.strftime("%d %b ") + label
    return label


def changes_chart(marks: list[Mark], start: datetime, end: datetime, width: int = 900) -> str:
    """When an article changed: a lane per part of the article, a dot per change (UTC)."""
    if end - start < MIN_SPAN:
        # Edits minutes apart would otherwise spread over the whole width with no round time
        # to label: show at least MIN_SPAN, centred on what happened.
        middle = start + (end - start) / 2
        start, end = middle - MIN_SPAN / 2, middle + MIN_SPAN / 2
    # A margin either side so a dot at the very start or end is drawn whole.
    pad = (end - start) * 0.03
    start, end = start - pad, end + pad
    left, right, top, lane_h = 90, 20, 10, 28
    height = top + lane_h * len(LANES) + 34
    plot_w = width - left - right
    span = end - start

    def x(moment: datetime) -> float:
        return left + plot_w * ((moment - start) / span)

    body = []
    for i, lane in enumerate(LANES):
        y = top + lane_h * i + lane_h / 2
        body.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#333">'
            f"{LANE_NAMES[lane]}</text>"
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ddd"/>'
        )
    axis_y = top + lane_h * len(LANES)
    body.append(
        f'<line x1="{left}" x2="{width - right}" y1="{axis_y}" y2="{axis_y}" stroke="#888"/>'
    )
    ticks = time_ticks(start, end)
    for n, tick in enumerate(ticks):
        tx = x(tick)
        body.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{axis_y + 4}" stroke="#eee"/>'
            f'<text x="{tx:.1f}" y="{axis_y + 18}" text-anchor="middle" fill="#555">'
            f"{escape(_tick_label(tick, span, n == 0))}</text>"
        )
    for i, lane in enumerate(LANES):
        mine = sorted((m for m in marks if _lane(m) == lane), key=lambda m: m.at)
        y = top + lane_h * i + lane_h / 2
        placed = spread([(x(m.at), _radius(m)) for m in mine], left, width - right)
        for mark, cx in zip(mine, placed, strict=True):
            if abs(cx - x(mark.at)) > 1:
                # Moved aside so it does not hide its neighbour: a tick keeps its real time.
                tx = x(mark.at)
                body.append(
                    f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y - 3:.1f}" y2="{y + 3:.1f}" '
                    f'stroke="{LANE_COLORS[lane]}"/>'
                )
            body.append(_mark(mark, cx, y))
    body.append(
        f'<text x="{width - right}" y="{height - 2}" text-anchor="end" fill="#777" '
        f'font-size="11">times in UTC</text>'
    )
    return _svg(width, height, f"When this article changed: {len(marks)} change(s)", body)


GAP = 2  # pixels between two marks of a lane


def _lane(mark: Mark) -> str:
    return mark.lane if mark.lane in LANE_COLORS else "status"


def _radius(mark: Mark) -> float:
    if mark.shape == "cross":
        return 6
    return min(4 + math.sqrt(max(mark.words, 0)), 11)


def spread(marks: list[tuple[float, float]], low: float, high: float) -> list[float]:
    """Centres for marks (centre, radius), in time order, so that none covers another: each
    moves right of its predecessor when it would overlap, then back left from `high` if the
    last ran off the end. With more marks than fit, they share the width evenly."""
    if not marks:
        return []
    need = sum(2 * r + GAP for _, r in marks) - GAP
    if need > high - low:
        step = (high - low) / len(marks)
        return [low + step * (i + 0.5) for i in range(len(marks))]
    placed = []
    for cx, r in marks:
        if placed:
            cx = max(cx, placed[-1] + marks[len(placed) - 1][1] + r + GAP)
        placed.append(max(cx, low + r))
    limit = high
    for i in range(len(placed) - 1, -1, -1):
        r = marks[i][1]
        placed[i] = min(placed[i], limit - r)
        limit = placed[i] - r - GAP
    return placed


def _mark(mark: Mark, cx: float, cy: float) -> str:
    """One change on the article chart: a dot sized by the words it changed, or a cross."""
    color = LANE_COLORS[_lane(mark)]
    r = _radius(mark)
    if mark.shape == "cross":
        d = r
        shape = (
            f'<path d="M{cx - d:.1f} {cy - d:.1f}L{cx + d:.1f} {cy + d:.1f}'
            f'M{cx - d:.1f} {cy + d:.1f}L{cx + d:.1f} {cy - d:.1f}" '
            f'stroke="{color}" stroke-width="3"/>'
        )
    else:
        shape = (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{color}" '
            f'fill-opacity="0.8" stroke="#fff"/>'
        )
    shape = f'<g class="nm-mark"><title>{escape(mark.title)}</title>{shape}</g>'
    if mark.href:
        shape = f'<a href="{escape(mark.href)}">{shape}</a>'
    return shape


def period(days: int) -> str:
    """ "the last day", "the last 2 days": what a chart of `days` days covers, in words."""
    return "the last day" if days == 1 else f"the last {days} days"


def count_ticks(peak: int) -> list[int]:
    """Round whole numbers from 0 to at least `peak` for a count axis: 3 to 6 of them, at
    steps of 1, 2 or 5 times a power of ten (0 1 2, 0 5 10 15 20, 0 200 400 600)."""
    peak = max(peak, 1)
    step = 1
    while peak / step > 5:
        step = _next_step(step)
    return list(range(0, math.ceil(peak / step) * step + 1, step))


def _next_step(step: int) -> int:
    """1 → 2 → 5 → 10 → 20 → 50 …"""
    first = int(str(step)[0])
    return step * 5 // 2 if first == 2 else step * 2


def story_chart(
    days: list[date], sources: list[str], counts: dict[tuple[date, str], int], width: int = 900
) -> str:
    """Changes per outlet per day: for each day a group of bars, one per outlet."""
    ticks = count_ticks(max(counts.values(), default=0))
    peak = ticks[-1]
    # Room for the widest count label (about 7 pixels a digit at 12 px), so none is cut off.
    left = 16 + 7 * len(f"{peak:,}")
    right, top, bottom, plot_h = 16, 28, 40, 240
    height = top + plot_h + bottom
    plot_w = width - left - right
    colors = {s: SOURCE_COLORS[i % len(SOURCE_COLORS)] for i, s in enumerate(sources)}
    body = []
    # The legend above the plot: one swatch and name per outlet.
    lx = left
    for source in sources:
        body.append(
            f'<rect x="{lx}" y="6" width="12" height="12" fill="{colors[source]}"/>'
            f'<text x="{lx + 16}" y="16" fill="#333">{escape(source)}</text>'
        )
        lx += 28 + 8 * len(source)
    for value in ticks:
        y = top + plot_h - plot_h * value / peak
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#888" if value == 0 else "#eee"}"/>'
            f'<text class="nm-tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="#555">{value:,}</text>'
        )
    group = plot_w / max(len(days), 1)
    bar = max(min((group * 0.8) / max(len(sources), 1), 40), 1)
    # Label every day when they fit, else every n-th, so labels never overlap.
    every = max(1, math.ceil(len(days) * 48 / plot_w))
    for d, day in enumerate(days):
        gx = left + group * d + (group - bar * len(sources)) / 2
        for s, source in enumerate(sources):
            n = counts.get((day, source), 0)
            if not n:
                continue
            h = plot_h * n / peak
            tip = f"{source}, {day.isoformat()}: {n} change{'s' if n != 1 else ''}"
            body.append(
                f'<rect class="nm-bar" x="{gx + bar * s:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{max(bar - 1, 1):.1f}" height="{h:.1f}" fill="{colors[source]}">'
                f"<title>{escape(tip)}</title></rect>"
            )
        if d % every == 0:
            body.append(
                f'<text x="{left + group * d + group / 2:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle" fill="#555">{day.strftime("%d %b")}</text>'
            )
    body.append(
        f'<text x="{width - right}" y="{height - 4}" text-anchor="end" fill="#777" '
        f'font-size="11">days in UTC</text>'
    )
    total = sum(counts.values())
    title = f"Changes per outlet per day: {total} change(s) over {period(len(days))}"
    return _svg(width, height, title, body)
