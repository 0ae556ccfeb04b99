"""The sample site's script of events: what happens to which article, step by step, and what a
monitor is expected to report for each step.

Steps are data. Each names its edit with a small, reusable action (set a field, append a
paragraph, replace words, take down...) and lists the (path, category) pairs a correct monitor
reports after crawling. Every action checks that the text it edits is really there, so an edit
to an article file that breaks the script fails loudly instead of silently doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.sample_site.content import HERE, Block, SiteState, Teaser, article_path, load_teasers
from monitor.sample_site.liveblogs import TS_TICKER, ZDF_LIVEBLOG, LiveEntry, load_entries

CATEGORIES = (
    "new",
    "headline",
    "lead",
    "body_added",
    "body_removed",
    "body_edited",
    "correction",
    "removed",
    "restored",
    "entry",
)

Action = Callable[[SiteState], None]

# The articles the script edits. All six are written alongside this module, so the script
# works whatever else lies in articles/.
GENF = article_path("zdf", "politik/ausland", "ukraine-genf-verhandlungen-waffenruhe-entwurf")
AUSTAUSCH = article_path("zdf", "politik/ausland", "ukraine-russland-gefangenenaustausch-genf")
WITKOFF = article_path("zdf", "politik/ausland", "ukraine-witkoff-moskau-reise-putin")
GARANTIEN = article_path(
    "tagesschau", "ausland/europa", "ukraine-europa-sicherheitsgarantien-papier"
)
MORATORIUM = article_path("tagesschau", "ausland/europa", "ukraine-moratorium-energieanlagen")
TRUCE = article_path("world", "europe", "ukraine-geneva-talks-energy-truce")


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


# --- the script --------------------------------------------------------------------------------

HEADLINE_OLD = "Unterhändler ringen um Entwurf für Waffenruhe"
HEADLINE_NEW = "Zähes Ringen in Genf: Noch kein Entwurf für eine Waffenruhe"
LEAD_OLD = (
    "Nach einem zweiten langen Verhandlungstag in Genf liegt noch kein gemeinsames Papier vor. "
    "Die ukrainische und die russische Delegation sprechen dennoch von ersten Annäherungen."
)
LEAD_NEW = (
    "Auch nach dem zweiten Verhandlungstag in Genf gibt es kein gemeinsames Papier. Beide "
    "Delegationen berichten jedoch von Fortschritten bei der Frage, wie eine Waffenruhe "
    "überwacht werden könnte."
)
# The teasers and live-blog entries the script adds.
SCRIPT_FILE = HERE / "script.toml"
NEW_TEASER, LIVE_TEASER = load_teasers(SCRIPT_FILE)
LIVE_ENTRY, TICKER_ENTRY = load_entries(SCRIPT_FILE)


def default_steps() -> list[Step]:
    """The scripted steps, in order: articles first, then the live blogs."""
    return [*_new_and_edited(), *_noise_and_removals(), *_live_steps()]


def _new_and_edited() -> list[Step]:
    """A new article, then an edit of each kind of text."""
    return [
        Step(
            "publish",
            "A new article on Witkoff's trip to Moscow appears in the ZDF feed and sitemap.",
            publish(WITKOFF),
            [(WITKOFF, "new")],
        ),
        _geneva_field("headline", HEADLINE_OLD, HEADLINE_NEW, "reworded"),
        Step(
            "append",
            "A paragraph is appended to the English energy-truce article.",
            append_paragraph(
                TRUCE,
                "Late on Saturday a spokesperson for the Swiss hosts said technical teams would "
                "stay in Geneva over the weekend and that the talks would continue next week.",
            ),
            [(TRUCE, "body_added")],
        ),
        Step(
            "edit-sentence",
            "A few words of one sentence in the security-guarantees article change.",
            replace_words(GARANTIEN, "zwölf Seiten lang", "vierzehn Seiten lang"),
            [(GARANTIEN, "body_edited")],
        ),
        Step(
            "correction",
            "A correction note is added at the end of the prisoner-exchange article.",
            add_correction(
                AUSTAUSCH,
                "In einer früheren Fassung hieß es, die Vereinbarung sei in Istanbul "
                "unterzeichnet worden. Sie wurde in Genf verkündet.",
            ),
            [(AUSTAUSCH, "correction")],
        ),
    ]


def _noise_and_removals() -> list[Step]:
    """Noise that must stay quiet, a new lead, and text and pages that go (and one that returns)."""
    return [
        Step(
            "teasers",
            "A new video teaser joins the pool and the teaser order rotates; no article text "
            "changes.",
            add_teaser(NEW_TEASER),
            [],
        ),
        _geneva_field("lead", LEAD_OLD, LEAD_NEW, "rewritten"),
        Step(
            "remove-paragraph",
            "One paragraph is deleted from the security-guarantees article.",
            remove_paragraph(GARANTIEN, "Offen ließen die Europäer"),
            [(GARANTIEN, "body_removed")],
        ),
        Step(
            "takedown",
            "The energy-moratorium article answers 404 and the English article 410.",
            take_down({MORATORIUM: 404, TRUCE: 410}),
            [(MORATORIUM, "removed"), (TRUCE, "removed")],
        ),
        Step(
            "restore",
            "The energy-moratorium article comes back unchanged.",
            restore(MORATORIUM),
            [(MORATORIUM, "restored")],
        ),
    ]


def _geneva_field(name: str, old: str, new: str, how: str) -> Step:
    """The step that replaces the Geneva ceasefire article's headline or lead: a change of the
    category of the field's name."""
    description = f"The Geneva ceasefire article's {name} is {how}."
    return Step(name, description, set_field(GENF, name, old, new), [(GENF, name)])


def _live_steps() -> list[Step]:
    """A new entry in each live blog, and a pinned entry that changes no text."""
    return [
        Step(
            "live-entry",
            "The ZDF live blog gets a new entry on the Geneva talks.",
            add_live_entry(ZDF_LIVEBLOG, LIVE_ENTRY),
            [(ZDF_LIVEBLOG, "entry")],
        ),
        Step(
            "live-pin",
            "The ZDF live blog pins another entry to the top and a new video joins the pool; "
            "no entry changes.",
            _both(pin_entry(ZDF_LIVEBLOG, "p-4103"), add_teaser(LIVE_TEASER)),
            [],
        ),
        Step(
            "live-ticker",
            "The tagesschau live ticker gets a new entry.",
            add_live_entry(TS_TICKER, TICKER_ENTRY),
            [(TS_TICKER, "entry")],
        ),
    ]


def _both(*actions: Action) -> Action:
    def run(state: SiteState) -> None:
        for action in actions:
            action(state)

    return run


def held_back(steps: list[Step]) -> set[str]:
    """Articles that a `publish` step brings later: they start hidden."""
    return {path for s in steps for path, cat in s.expected if cat == "new"}


def apply_step(state: SiteState, step: Step) -> None:
    """Apply one step under the state's lock and stamp every article it touches with the
    step's time, so dateModified and Last-Modified move forward with each change."""
    with state.lock:
        when = state.tick()
        step.apply(state)
        for path, _category in step.expected:
            doc = state.liveblogs.get(path) or state.article(path)
            doc.modified = when.astimezone(doc.published.tzinfo)
        state.version += 1
