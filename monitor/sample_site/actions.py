"""The actions the sample site's script is made of: small, reusable edits of the site's state
(publish, set a field, append or remove a paragraph, take down...), and the Step that names one.

Every action checks that the text it edits is really there, so an edit to an article file that
breaks the script fails loudly instead of silently doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.sample_site.content import Block, SiteState, Teaser
from monitor.sample_site.liveblogs import LiveEntry

Action = Callable[[SiteState], None]


@dataclass(frozen=True)
class Step:
    """One scripted event. `apply` edits the state; `expected` is what a monitor should report:
    (article path, change category) pairs, empty when the step changes only noise."""

    name: str
    description: str
    apply: Action
    expected: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "expected": [list(pair) for pair in self.expected],
        }


# --- actions ---------------------------------------------------------------------------------


def publish(path: str) -> Action:
    """Make a held-back article appear, published at the time of the step."""

    def run(state: SiteState) -> None:
        if path not in state.hidden:
            raise ValueError(f"{path} is not held back")
        state.hidden.discard(path)
        doc = state.article(path)
        doc.published = state.last_change.astimezone(doc.published.tzinfo)

    return run


def set_field(path: str, name: str, old: str, new: str) -> Action:
    """Replace a whole field (headline, lead) whose current value must be `old`."""

    def run(state: SiteState) -> None:
        doc = state.article(path)
        if getattr(doc, name) != old:
            raise ValueError(f"{path}: {name} is not the one the script expects")
        setattr(doc, name, new)

    return run


def append_paragraph(path: str, text: str) -> Action:
    def run(state: SiteState) -> None:
        state.article(path).blocks.append(Block("p", text))

    return run


def replace_words(path: str, old: str, new: str) -> Action:
    """Edit a few words inside the one paragraph that contains `old`."""

    def run(state: SiteState) -> None:
        hits = [b for b in state.article(path).blocks if old in b.text]
        if len(hits) != 1:
            raise ValueError(
                f"{path}: expected one paragraph containing {old!r}, found {len(hits)}"
            )
        hits[0].text = hits[0].text.replace(old, new)

    return run


def remove_paragraph(path: str, starts_with: str) -> Action:
    def run(state: SiteState) -> None:
        blocks = state.article(path).blocks
        hits = [i for i, b in enumerate(blocks) if b.text.startswith(starts_with)]
        if len(hits) != 1:
            raise ValueError(f"{path}: expected one paragraph starting {starts_with!r}")
        del blocks[hits[0]]

    return run


def add_correction(path: str, note: str) -> Action:
    """A correction note; the page renders it last in the body, after "Korrektur:"."""

    def run(state: SiteState) -> None:
        state.article(path).corrections.append(note)

    return run


def add_teaser(teaser: Teaser) -> Action:
    """A new video in the pool, newest first, and the whole rotation shifted by one."""

    def run(state: SiteState) -> None:
        state.teasers.insert(0, teaser)
        state.teaser_offset += 1

    return run


def add_live_entry(path: str, entry: LiveEntry) -> Action:
    """A new entry at the top of a live blog, timed at the step."""

    def run(state: SiteState) -> None:
        entry.at = state.last_change.astimezone(entry.at.tzinfo)
        state.liveblogs[path].entries.append(entry)

    return run


def pin_entry(path: str, key: str) -> Action:
    """Pin another entry to the top of a live blog: the order changes, no text does."""

    def run(state: SiteState) -> None:
        blog = state.liveblogs[path]
        if key not in {e.key for e in blog.entries}:
            raise ValueError(f"{path}: no entry {key!r}")
        blog.pinned = key

    return run


def take_down(statuses: dict[str, int]) -> Action:
    def run(state: SiteState) -> None:
        for path, status in statuses.items():
            state.article(path)  # raises for an unknown path
            state.status[path] = status

    return run


def restore(path: str) -> Action:
    def run(state: SiteState) -> None:
        if state.status.pop(path, 200) == 200:
            raise ValueError(f"{path} was not taken down")

    return run


def both(*actions: Action) -> Action:
    def run(state: SiteState) -> None:
        for action in actions:
            action(state)

    return run
