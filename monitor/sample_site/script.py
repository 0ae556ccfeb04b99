"""The sample site's script of events: what happens to which article, step by step, and what a
monitor is expected to report for each step.

Steps are data. Each names its edit with a small, reusable action (monitor.sample_site.actions:
set a field, append a paragraph, replace words, take down...) and lists the (path, category)
pairs a correct monitor reports after crawling.
"""

from __future__ import annotations

import tomllib

from monitor.sample_site.actions import (
    Step,
    add_correction,
    add_live_entry,
    add_teaser,
    append_paragraph,
    both,
    pin_entry,
    publish,
    remove_paragraph,
    replace_words,
    restore,
    set_field,
    take_down,
)
from monitor.sample_site.content import HERE, SiteState, article_path, load_teasers
from monitor.sample_site.liveblogs import TS_TICKER, ZDF_LIVEBLOG, load_entries

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

# The articles of the story steps: how a story's membership and its events are tested.
# Off-topic pieces that name an actor of the talks once, in passing; the first is edited.
OFF_TOPIC = (
    article_path("tagesschau", "inland", "weissenfeld-gemeinderat-windpark-vertagt"),
    article_path("zdf", "kultur", "kabarett-tessendorf-premiere-mainz"),
    article_path("world", "business", "energy-standing-charges-rise-january"),
)
# A Swiss hotel report that becomes a report on the talks in its second version.
JOINS = article_path("tagesschau", "wirtschaft", "schweizer-hotels-starker-herbst")
# A report from Kharkiv whose only paragraph on the talks is cut.
LOSES_WORDS = article_path("zdf", "politik/ausland", "charkiw-stadtwerke-netz-vor-dem-frost")
# One event, three outlets, one step: ZDF's report, the same dpa text on tagesschau, and an
# English rewrite of it.
SAME_EVENT = (
    WITKOFF,
    article_path("tagesschau", "ausland/europa", "witkoff-moskau-putin-treffen-montag"),
    article_path("world", "europe", "witkoff-to-meet-putin-moscow-monday"),
)


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
with SCRIPT_FILE.open("rb") as _fh:
    # The story steps' texts: [off_topic], [joins], [loses_words].
    STORY_TEXTS: dict = tomllib.load(_fh)


def default_steps() -> list[Step]:
    """The scripted steps, in order: articles first, then the live blogs."""
    return [*_new_and_edited(), *_noise_and_removals(), *_story_steps(), *_live_steps()]


def _new_and_edited() -> list[Step]:
    """A new article, then an edit of each kind of text."""
    return [
        Step(
            "publish",
            "Witkoff's trip to Moscow appears at once in ZDF's feed and sitemap, on tagesschau "
            "(the same dpa text, edited) and in English on World Report.",
            both(*(publish(path) for path in SAME_EVENT)),
            [(path, "new") for path in SAME_EVENT],
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


def _story_steps() -> list[Step]:
    """Edits that test a story's membership rather than the diff: an off-topic piece grows,
    an adjacent report turns into one on the talks, a report on the talks loses them."""
    joins, off_topic = STORY_TEXTS["joins"], STORY_TEXTS["off_topic"]
    return [
        Step(
            "off-topic-append",
            "The council report that jokes about the Kremlin once gets a paragraph on its "
            "wind farm.",
            append_paragraph(OFF_TOPIC[0], off_topic["paragraph"]),
            [(OFF_TOPIC[0], "body_added")],
        ),
        Step(
            "joins-story",
            "The Swiss hotel report gets a new headline, lead and paragraph on the Geneva "
            "talks: it joins the story in its second version.",
            both(
                set_field(JOINS, "headline", joins["headline_old"], joins["headline"]),
                set_field(JOINS, "lead", joins["lead_old"], joins["lead"]),
                append_paragraph(JOINS, joins["paragraph"]),
            ),
            [(JOINS, "headline"), (JOINS, "lead"), (JOINS, "body_added")],
        ),
        Step(
            "loses-words",
            "The Kharkiv report loses its only paragraph on the talks.",
            remove_paragraph(LOSES_WORDS, STORY_TEXTS["loses_words"]["starts_with"]),
            [(LOSES_WORDS, "body_removed")],
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
            both(pin_entry(ZDF_LIVEBLOG, "p-4103"), add_teaser(LIVE_TEASER)),
            [],
        ),
        Step(
            "live-ticker",
            "The tagesschau live ticker gets a new entry.",
            add_live_entry(TS_TICKER, TICKER_ENTRY),
            [(TS_TICKER, "entry")],
        ),
    ]


def changes_of(step: Step) -> list[tuple[str, list[str]]]:
    """(path, categories) of each change a step makes: one per article, however many of its
    fields the step edits, with the categories in CATEGORIES order; a stored change's kind is
    the first of them. A step that rewrites headline, lead and body makes one change."""
    by_path: dict[str, list[str]] = {}
    for path, category in step.expected:
        by_path.setdefault(path, []).append(category)
    return [(path, sorted(cats, key=CATEGORIES.index)) for path, cats in by_path.items()]


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
