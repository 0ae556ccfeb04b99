"""Event grouping, pure: agency credits, near-duplicate agency copy, rewrites across German and
English, and same-topic articles of other days kept apart. The articles are made up here."""

from __future__ import annotations

import pytest

from monitor.stories.agency import agencies, credited, in_text
from monitor.stories.events import Doc, Grouper
from monitor.stories.features import features, name_key

BACKGROUND_DE = (
    "Russland hatte die Ukraine im Februar 2022 überfallen. Seither wurden mehrere Anläufe für "
    "Verhandlungen unternommen, die ohne Ergebnis blieben."
)
BACKGROUND_EN = "Russia invaded Ukraine in February 2022. Several earlier attempts at talks failed."

# Talks in Riyadh, Tuesday 10 March 2026: dpa copy, an outlet's edit of it, two rewrites.
TALKS_DPA = Doc(
    1,
    "dpa-feed",
    "2026-03-10T09:00:00+00:00",
    "Delegationen beraten in Riad über Waffenruhe",
    "Riad (dpa) - In der saudischen Hauptstadt Riad haben am Dienstag Gespräche zwischen "
    "Vertretern der USA und der Ukraine über eine 30-tägige Waffenruhe begonnen.",
    [
        "Die amerikanische Delegation wird von Außenminister Marco Rubio geleitet, die "
        "ukrainische von Verteidigungsminister Rustem Umerow. Beide Seiten wollen nach Angaben "
        "von Diplomaten zunächst über einen Stopp der Angriffe auf Häfen und Kraftwerke sprechen.",
        "Rubio sagte vor Beginn des Treffens, Washington erwarte von Kiew konkrete Zusagen. "
        "Umerow kündigte an, die Ukraine werde einen Vorschlag mit 14 Punkten vorlegen, der auch "
        "den Austausch von Gefangenen und die Rückkehr verschleppter Kinder umfasse.",
        BACKGROUND_DE,
    ],
    "Quelle: dpa",
    "de",
)
TALKS_EDIT = Doc(
    2,
    "outlet-a",
    "2026-03-10T10:30:00+00:00",
    "Ukraine-Gespräche in Riad: Kiew legt 14-Punkte-Vorschlag vor",
    "In Riad haben am Dienstag Gespräche zwischen Vertretern der USA und der Ukraine über eine "
    "30-tägige Waffenruhe begonnen.",
    [
        "Die amerikanische Delegation wird von Außenminister Marco Rubio geleitet, die "
        "ukrainische von Verteidigungsminister Rustem Umerow. Beide Seiten wollen nach Angaben "
        "von Diplomaten zunächst über einen Stopp der Angriffe auf Häfen und Kraftwerke sprechen.",
        "Umerow kündigte an, die Ukraine werde einen Vorschlag mit 14 Punkten vorlegen, der auch "
        "den Austausch von Gefangenen und die Rückkehr verschleppter Kinder umfasse.",
    ],
    "Mit Material von dpa und AFP",
    "de",
)
TALKS_EN = Doc(
    3,
    "outlet-b",
    "2026-03-10T13:15:00+00:00",
    "US and Ukrainian Negotiators Meet In Riyadh",
    "American and Ukrainian officials sat down in Riyadh on Tuesday to discuss a proposed "
    "30-day truce.",
    [
        "Secretary of State Marco Rubio leads the US side, while Defence Minister Rustem Umerov "
        "heads Kyiv's team. Umerov said Ukraine would table a 14-point plan covering prisoners "
        "and deported children as well as a halt to strikes on ports and power plants.",
        BACKGROUND_EN,
    ],
    "",
    "en",
)
TALKS_CREDITED = Doc(
    4,
    "outlet-c",
    "2026-03-10T15:40:00+00:00",
    "Riyadh talks: Kyiv brings 14-point plan",
    "Talks between the United States and Ukraine on a 30-day ceasefire opened in Riyadh on "
    "Tuesday, according to Reuters.",
    [
        "Rubio told reporters Washington wanted firm commitments from Kyiv. Umerov presented a "
        "plan of 14 points, including an exchange of prisoners.",
    ],
    "Reuters",
    "en",
)
# Another happening of the same story two days later: a prisoner exchange.
EXCHANGE_DE = Doc(
    5,
    "outlet-a",
    "2026-03-12T11:00:00+00:00",
    "Russland und Ukraine tauschen 175 Gefangene aus",
    "Russland und die Ukraine haben am Donnerstag je 175 Kriegsgefangene ausgetauscht. "
    "Vermittelt hatten die Vereinigten Arabischen Emirate.",
    [
        "Der ukrainische Präsident Wolodymyr Selenskyj schrieb, die Männer seien nach Hause "
        "zurückgekehrt. Unter ihnen seien Verteidiger von Mariupol.",
        BACKGROUND_DE,
    ],
    "",
    "de",
)
EXCHANGE_EN = Doc(
    6,
    "outlet-b",
    "2026-03-12T14:20:00+00:00",
    "Russia and Ukraine swap 175 prisoners each",
    "KYIV (Reuters) - Russia and Ukraine exchanged 175 prisoners of war each on Thursday in a "
    "deal brokered by the United Arab Emirates.",
    [
        "President Volodymyr Zelensky said the soldiers were home, among them defenders of "
        "Mariupol. Moscow's defence ministry confirmed the swap.",
    ],
    "",
    "en",
)
# The same story's talks, another day and another place: not the Riyadh round.
JEDDAH_DE = Doc(
    7,
    "outlet-c",
    "2026-03-11T16:00:00+00:00",
    "Lawrow und Witkoff treffen sich in Dschidda",
    "Der russische Außenminister Sergej Lawrow hat sich am Mittwoch in Dschidda mit dem "
    "US-Sondergesandten Steve Witkoff getroffen.",
    [
        "Nach Angaben des Kreml ging es um die Wiederaufnahme direkter Flugverbindungen und die "
        "Rückgabe beschlagnahmter Diplomatengebäude. Lawrow sprach von einem nützlichen Treffen.",
        "Die Gespräche mit der Ukraine in Riad waren am Vortag ohne Einigung auf eine Waffenruhe "
        "zu Ende gegangen.",
        BACKGROUND_DE,
    ],
    "",
    "de",
)

# The same evening, another happening that names the talks as context in its last paragraph.
STRIKE_DE = Doc(
    8,
    "outlet-b",
    "2026-03-10T18:00:00+00:00",
    "Drohnenangriff auf Umspannwerk bei Poltawa",
    "Bei einem russischen Drohnenangriff auf ein Umspannwerk nahe Poltawa sind am Dienstag "
    "zwei Techniker verletzt worden. Rund 40.000 Haushalte hatten stundenlang keinen Strom.",
    [
        "Nach Angaben des Netzbetreibers Ukrenergo setzte Russland 37 Drohnen ein, die "
        "Luftabwehr habe 29 davon abgefangen.",
        "Der Angriff fiel auf den Tag, an dem in Riad Außenminister Marco Rubio und "
        "Verteidigungsminister Rustem Umerow über eine 30-tägige Waffenruhe sprachen. Umerow "
        "will dort einen Vorschlag mit 14 Punkten vorlegen.",
    ],
    "",
    "de",
)

ALL = [TALKS_DPA, TALKS_EDIT, TALKS_EN, TALKS_CREDITED, JEDDAH_DE, EXCHANGE_DE, EXCHANGE_EN]


def group(docs: list[Doc]) -> tuple[dict[int, object], dict[int, object]]:
    """Feed docs in order; (article id -> event key, article id -> placement)."""
    grouper = Grouper()
    events, placements = {}, {}
    for doc in docs:
        placement = grouper.place(doc)
        events[doc.article_id] = placement.event or f"event-{doc.article_id}"
        placements[doc.article_id] = placement
        grouper.add(doc, events[doc.article_id])
    return events, placements


@pytest.mark.parametrize(
    ("credit", "expected"),
    [
        ("Quelle: dpa, AFP, ZDF", ["dpa", "AFP"]),
        ("Mit Material von Reuters und AP", ["Reuters", "AP"]),
        ("dpa/AFP/tagesschau.de", ["dpa", "AFP"]),
        ("Von Anna Berg, Katholische Nachrichten-Agentur", ["KNA"]),
        ("epd-Meldung", ["epd"]),
        ("Von Jonas Rapp", []),  # "AP" inside a word is no credit
        ("", []),
    ],
)
def test_credit_lines_name_their_agencies(credit, expected):
    assert credited(credit) == expected


def test_datelines_and_closing_credits_count_but_running_text_does_not():
    assert in_text("Berlin (dpa) - Der Bundestag hat beschlossen.", []) == ["dpa"]
    assert in_text("KYIV (Reuters) - Officials said.", []) == ["Reuters"]
    assert in_text("Ein Lead.", ["Erster Absatz.", "Letzter Satz. (AFP/dpa)"]) == ["AFP", "dpa"]
    assert in_text("As AP reported (Reuters reported it too), the talks ended.", []) == []
    assert agencies("Quelle: AFP", "Genf (dpa) - Text", []) == ["AFP", "dpa"]


def test_names_are_one_key_across_german_and_english():
    for german, english in [
        ("Selenskyj", "Zelensky"),
        ("Kyjiw", "Kyiv"),
        ("Kiew", "Kyiv"),
        ("Genf", "Geneva"),
        ("Moskau", "Moscow"),
        ("Lawrow", "Lavrov"),
        ("Charkiw", "Kharkiv"),
    ]:
        assert name_key(german) == name_key(english), (german, english)
    assert name_key("Genf") != name_key("Moskau")


def test_features_hold_names_numbers_and_days_not_sentence_openers():
    found = features(
        "Titel",
        "Gestern haben sich Delegationen in Genf getroffen.",
        ["Die Kommission nannte 1.500 Gefangene und 2,5 Millionen Euro."],
        None,
    )
    assert {"genf", "delegationen"} <= found.names and "gestern" not in found.names
    assert "die" not in found.names and {"1500", "2.5"} <= found.numbers
    english = features("", "Officials said 1,500 prisoners and 2.5 million euros.", [], None)
    assert {"1500", "2.5"} <= english.numbers


def test_relative_days_become_calendar_days_of_the_article():
    from datetime import UTC, datetime

    tuesday = datetime(2026, 3, 10, 9, tzinfo=UTC)
    german = features("", "Die Gespräche hatten gestern begonnen.", [], tuesday)
    english = features("", "Talks began on Monday, March 9.", [], tuesday)
    assert german.dates == english.dates == {"03-09"}
    assert german.weekdays == english.weekdays == {"0"}


def test_an_outlets_edit_of_agency_copy_joins_as_agency_copy():
    events, placements = group([TALKS_DPA, TALKS_EDIT])
    assert placements[1].role == "first" and placements[1].agency == "dpa"
    edit = placements[2]
    assert events[2] == events[1] and edit.role == "agency" and edit.agency == "dpa"
    assert edit.evidence.kind in ("verbatim", "credit+near-duplicate")
    assert edit.evidence.article_id == 1 and edit.evidence.shared >= 20


def test_a_rewrite_in_english_joins_the_german_agency_copy():
    events, placements = group([TALKS_DPA, TALKS_EDIT, TALKS_EN, TALKS_CREDITED])
    assert events[3] == events[4] == events[1]
    own, credited_rewrite = placements[3], placements[4]
    assert own.role == "report" and own.agency == ""
    assert credited_rewrite.role == "rewrite" and credited_rewrite.agency == "Reuters"
    assert own.evidence.kind == "rewrite"
    assert {"riad", "umerov", "rubio"} <= set(own.evidence.names)
    assert "14" in own.evidence.numbers


def test_same_topic_articles_about_other_happenings_stay_apart():
    events, placements = group(ALL)
    talks = {events[n] for n in (1, 2, 3, 4)}
    assert len(talks) == 1
    assert events[7] not in talks  # Lavrov in Jeddah the next day, though it mentions Riyadh
    assert events[5] == events[6] and events[5] not in talks | {events[7]}
    assert placements[6].role == "rewrite" and placements[6].agency == "Reuters"


def test_a_report_naming_the_talks_only_as_context_is_another_event():
    events, placements = group([TALKS_DPA, TALKS_EN, STRIKE_DE])
    assert events[3] == events[1] and events[8] != events[1]
    assert placements[8].role == "first"


def test_an_article_outside_the_window_opens_an_event_of_its_own():
    late = Doc(**{**TALKS_EN.__dict__, "article_id": 9, "seen": "2026-03-14T13:15:00+00:00"})
    _, placements = group([TALKS_DPA, late])
    assert placements[9].event is None and placements[9].role == "first"


def test_prune_forgets_old_articles_and_their_rarity_counts():
    from datetime import UTC, datetime

    grouper = Grouper()
    for doc in ALL:
        grouper.add(doc, doc.article_id)
    grouper.prune(datetime(2026, 3, 11, tzinfo=UTC))
    assert len(grouper) == 3 and 1 not in grouper and 5 in grouper
    assert grouper.df["n:rubio"] == 0 and "n:rubio" not in grouper.tops | grouper.rests
    assert grouper.place(TALKS_EN).event is None


def test_held_articles_rarity_sums_stay_exact_as_articles_come_and_go():
    from dataclasses import replace
    from datetime import UTC, datetime

    grouper = Grouper()
    for n, doc in enumerate(ALL * 2, 1):
        copy = replace(doc, article_id=100 + n)
        if n % 3:  # placed first (the placement computes what adding changes), or added cold
            grouper.place(copy)
        grouper.add(copy, n)
    grouper.prune(datetime(2026, 3, 11, tzinfo=UTC))
    grouper.add(replace(TALKS_EN, article_id=999), 999)
    held = [h for h in grouper.held if h]
    assert len(held) == len(grouper) == 7
    for h in held:
        assert grouper._common[h.slot] == pytest.approx(grouper._commonness(h), abs=1e-9)


def test_held_articles_keep_hashes_and_keys_not_text():
    grouper = Grouper()
    grouper.add(TALKS_DPA, 1)
    held = grouper.held[0]
    assert held is not None and not hasattr(held, "doc") and not hasattr(held, "__dict__")
    assert held.shingles.itemsize == 4 and len(held.shingles) >= 50
    assert "n:rubio" in held.top + held.rest and grouper._probe is None


def test_dates_need_their_words_but_are_read_as_before():
    from datetime import UTC, datetime

    day = datetime(2026, 3, 10, tzinfo=UTC)
    found = features("", "Am 9März und am 2026-03-08, am Sonntagabend, am 7.3. und heute.", [], day)
    assert found.dates == {"03-09", "03-08", "03-07", "03-10"}
    assert found.weekdays == {"0", "6", "5", "1"}
    plain = features("", "Zwei Delegationen trafen sich, 30-day talks and two's company.", [], day)
    assert not plain.dates and {"2", "30"} <= plain.numbers
