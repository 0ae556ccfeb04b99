"""Stories without a database: parsing `[[stories]]`, membership scoring on the whole article,
which changes of a member qualify, and the hint for an old config's topic rule."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.errors import ConfigError
from monitor.items import Article
from monitor.rules.rules import parse_rules
from monitor.stories.alerts import qualify
from monitor.stories.membership import (
    article_text,
    entry_matches,
    is_candidate,
    names_vocabulary,
    score,
)
from monitor.stories.story import EVENTS, Story, parse_stories, story_hints

TALKS = {
    "name": "ukraine-talks",
    "terms": [
        "Waffenruhe*", "Friedensgespräch*", "Gespräche", "Verhandlung*", "Sicherheitsgarantie*",
        "Unterhändler*", "ceasefire", "truce", "talks", "negotiat*", '"security guarantees"',
    ],
    "require": ["Ukrain*", "Kiew", "Kyiv", "Selenskyj", "Selensky", "Zelensky*", "Kreml*",
                "Moskau", "Moscow", "Putin", "Witkoff"],
    "substring": True,
}  # fmt: skip


def story(**changes) -> Story:
    errors: list[str] = []
    [parsed] = parse_stories([{**TALKS, **changes}], errors)
    assert errors == []
    return parsed


def errors_of(*entries: dict) -> list[str]:
    errors: list[str] = []
    parse_stories(list(entries), errors)
    return errors


# --- parsing -----------------------------------------------------------------------------------


def test_a_full_story_parses_into_typed_values() -> None:
    raw = {
        **TALKS,
        "none": ["Fußball"],
        "min_score": 5,
        "events": ["new", "headline", "correction"],
        "sources": ["zdf"],
        "min_words": 2,
        "notify": ["newsroom"],
        "digest": "hourly",
        "rate_limit": "15m",
        "window": "1d",
    }
    [parsed] = parse_stories([raw], errors := [])
    assert errors == []
    assert parsed == Story(**{**raw, "min_score": 5.0, "rate_limit": 900, "window": 86400})


def test_a_minimal_story_gets_the_documented_defaults() -> None:
    parsed = story()
    assert parsed.min_score == 4.0 and parsed.min_words == 3 and parsed.window == 172800
    assert parsed.events == list(EVENTS) and parsed.notify == ["default"]
    assert parsed.digest == "immediate" and parsed.rate_limit == 0 and parsed.sources == []
    assert parsed.origin == "stories.ukraine-talks"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {**TALKS, "terms": ["Waffenruhe", '"peace plan']},
            "At 'stories.ukraine-talks.terms[1]': unclosed quote",
        ),
        (
            {**TALKS, "require": ["/(Kiew/"]},
            "At 'stories.ukraine-talks.require[0]': not a valid regular expression",
        ),
        (
            {**TALKS, "events": ["new", "changed"]},
            "At 'stories.ukraine-talks.events[1]': unknown event 'changed' (known: new, headline",
        ),
        ({**TALKS, "colour": "red"}, "At 'stories.ukraine-talks.colour': unknown key (known:"),
        ({**TALKS, "rate_limit": "soon"}, "At 'stories.ukraine-talks.rate_limit': 'soon' is not"),
        ({**TALKS, "window": 0}, "At 'stories.ukraine-talks.window': 0 is not a duration"),
        ({**TALKS, "min_score": True}, "At 'stories.ukraine-talks.min_score': expected number"),
        ({**TALKS, "min_words": -1}, "At 'stories.ukraine-talks.min_words': must be 0 or more"),
        ({**TALKS, "notify": []}, "At 'stories.ukraine-talks.notify': name at least one"),
        ({**TALKS, "digest": "weekly"}, "At 'stories.ukraine-talks.digest': unknown digest"),
        ({"name": "talks"}, "At 'stories.talks.terms': required"),
        ({"terms": ["x"]}, "At 'stories[0].name': required"),
        ({**TALKS, "name": "Ukraine Talks"}, "At 'stories[0].name': 'Ukraine Talks' must be"),
    ],
)
def test_a_broken_story_is_named_with_the_key_and_refused(entry: dict, message: str) -> None:
    errors: list[str] = []
    assert parse_stories([entry], errors) == []
    assert any(e.startswith(message) for e in errors), errors


def test_two_stories_of_one_name_are_refused() -> None:
    assert "At 'stories[1].name': duplicate story name 'ukraine-talks'" in errors_of(TALKS, TALKS)


def test_the_config_reads_stories_and_checks_the_sources_they_name() -> None:
    raw = {
        "sources": [{"name": "zdf", "feeds": ["https://www.zdf.de/rss"]}],
        "stories": [{**TALKS, "sources": ["zdf", "bild"]}],
    }
    with pytest.raises(ConfigError) as info:
        parse_config(raw, Path("test.toml"))
    assert "At 'stories.ukraine-talks.sources': no source named 'bild' (known: zdf)" in str(
        info.value
    )
    raw["stories"][0]["sources"] = ["zdf"]
    config = parse_config(raw, Path("test.toml"))
    assert [s.name for s in config.stories] == ["ukraine-talks"]
    assert config.stories[0].origin == "test.toml: stories.ukraine-talks"


def test_a_misspelt_story_key_gets_a_suggestion() -> None:
    with pytest.raises(ConfigError, match=r"stories.ukraine-talks.requier': unknown key; did you"):
        parse_config({"stories": [{**TALKS, "requier": ["Kiew"]}]}, Path("test.toml"))


# --- membership --------------------------------------------------------------------------------

# A local council report that names the Kremlin once, in a joke: a passing mention.
COUNCIL = Article(
    url="https://example.org/rat",
    headline="Gemeinderat vertagt Entscheidung über Windpark",
    lead="Nach vier Stunden Debatte ist die Abstimmung auf Januar verschoben.",
    body=[
        "Die Bürgerinitiative hatte mehr als 600 Unterschriften gesammelt.",
        "Die Gespräche mit dem Projektierer seien zäher als alles, was man aus dem Kreml höre, "
        "sagte die Bürgermeisterin.",
    ],
)
# A report on the talks themselves.
GENEVA = Article(
    url="https://example.org/genf",
    headline="Selenskyj: Gespräche in Genf gehen weiter",
    lead="Die Unterhändler beraten über eine Waffenruhe.",
    body=["Aus Moskau kam zunächst keine Reaktion."],
)
ENERGY = Article(
    url="https://example.org/energy",
    headline="Households face higher standing charges from January",
    lead="The regulator raised the fixed daily fee every home pays.",
    body=[
        "It followed months of talks with suppliers over who should carry the costs.",
        "Prices remain below the 2022 peak, when the Kremlin squeezed pipeline supplies.",
    ],
)
KYIV = Article(
    url="https://example.org/kyiv",
    headline="Kyiv and Moscow agree to talks on an energy truce",
    lead="Negotiators in Geneva are close to a deal.",
    body=["Zelensky said security guarantees must come first."],
)


def test_a_passing_mention_is_not_a_member_in_german_or_english() -> None:
    for article in (COUNCIL, ENERGY):
        result = score(story(), article)
        assert not result.member
        assert result.score == 2  # two terms, both in the body
        assert result.why.startswith("not a member: score 2 < 4")


def test_an_article_about_the_story_is_a_member_in_german_and_english() -> None:
    german = score(story(), GENEVA)
    assert german.member and german.why.startswith("member")
    # Selenskyj and Gespräche in the headline, Unterhändler and Waffenruhe in the lead, Moskau
    # in the body: 3 + 3 + 2 + 2 + 1.
    assert german.score == 11
    assert german.fields == {
        "headline": ["Gespräche", "Selenskyj"],
        "lead": ["Waffenruhe*", "Unterhändler*"],
        "body": ["Moskau"],
    }
    assert german.required == ["Selenskyj", "Moskau"]
    english = score(story(), KYIV)
    assert english.member and {"Kyiv", "Moscow", "talks", "truce"} <= set(english.terms)


def test_a_term_scores_where_it_stands_best() -> None:
    headline = Article(url="u", headline="Putin lehnt Waffenruhe ab")
    body = Article(url="u", headline="Ein Tag in der Stadt", body=["Putin lehnt Waffenruhe ab."])
    assert score(story(), headline).score == 6 and score(story(), headline).member
    assert score(story(), body).score == 2 and not score(story(), body).member
    both = Article(url="u", headline="Putin lehnt Waffenruhe ab", body=["Putin sprach lange."])
    assert score(story(), both).score == 6  # a term counts once, at its best place


def test_a_word_inside_a_longer_match_does_not_score_twice() -> None:
    # In substring mode "Gespräche" is in "Friedensgespräche" and "Selensky" in "Selenskyj".
    article = Article(url="u", headline="Selenskyj setzt auf Friedensgespräche")
    result = score(story(), article)
    assert result.terms == ["Friedensgespräch*", "Selenskyj"] and result.score == 6


def test_without_a_required_term_or_a_term_of_the_vocabulary_it_is_no_member() -> None:
    strike = Article(url="u", headline="Tarifverhandlungen: Gespräche bei der Bahn gehen weiter")
    assert score(story(), strike).why.startswith("not a member: no required term")
    song = Article(url="u", headline="Ukraine wins the song contest in Kyiv")
    assert score(story(), song).why.startswith("not a member: none of the story's terms")


def test_the_vocabulary_check_turns_away_only_articles_that_are_no_member() -> None:
    # It spares the `require` scans: an article without a word of the vocabulary is no member.
    song = Article(url="u", headline="Ukraine wins the song contest in Kyiv")
    assert not names_vocabulary(story(), article_text(song)) and not score(story(), song).member
    for article in (GENEVA, KYIV, COUNCIL, ENERGY):
        assert names_vocabulary(story(), article_text(article))
    assert score(story(), GENEVA).member and score(story(), KYIV).member


def test_a_none_term_keeps_an_article_out() -> None:
    match = Article(url="u", headline="Ukraine gewinnt Fußball-Länderspiel nach Verhandlungen")
    assert score(story(), match).member
    assert not score(story(none=["Fußball"]), match).member
    assert "Fußball" in score(story(none=["Fußball"]), match).why


def test_a_later_version_about_the_story_makes_the_article_a_member() -> None:
    first = Article(url="u", headline="Hotels in Genf melden starken Herbst", body=COUNCIL.body)
    second = Article(
        url="u",
        headline="Ukraine-Gespräche in Genf füllen die Hotels",
        lead="Seit Unterhändler aus Kiew und Moskau beraten, sind die Hotels ausgebucht.",
        body=COUNCIL.body,
    )
    assert not score(story(), first).member
    assert score(story(), second).member


def test_relevance_keeps_a_passing_mention_as_a_candidate_but_not_other_news() -> None:
    assert is_candidate(story(), article_text(COUNCIL))
    assert is_candidate(story(), article_text(ENERGY))
    other = Article(url="u", headline="Hallenbad wird saniert", body=["Gespräche laufen."])
    assert not is_candidate(story(), article_text(other))


def test_an_entry_is_about_the_story_with_a_term_or_two_of_its_actors() -> None:
    assert entry_matches(story(), "12:00 · Entwurf · Die Unterhändler legen einen Entwurf vor.")
    assert entry_matches(story(), "12:05 · Putin empfängt Witkoff im Kreml")
    assert not entry_matches(story(), "12:10 · Wetter · In Moskau schneit es seit dem Morgen.")
    assert not entry_matches(story(none=["Wetter"]), "12:10 · Wetter · Waffenruhe im Schnee")


# --- what a member's change sends --------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "words", "event"),
    [
        (["new"], 0, "new"),
        (["headline"], 4, "headline"),
        (["headline"], 2, None),  # a typo fix
        (["lead"], 3, "lead"),
        (["body_added"], 12, "body"),
        (["body_removed"], 12, "body"),
        (["body_edited"], 1, None),
        (["correction", "body_added"], 1, "correction"),  # an editor's note, however short
        (["removed"], 0, "removed"),
        (["restored"], 0, "restored"),
        (["reordered"], 0, None),
    ],
)
def test_which_changes_of_a_member_qualify(categories: list[str], words: int, event) -> None:
    assert qualify(story(), categories, words, joined=False).event == event


def test_a_change_outside_the_storys_events_sends_nothing_and_says_why() -> None:
    verdict = qualify(story(events=["new", "headline"]), ["body_added"], 40, joined=False)
    assert verdict.event is None
    assert verdict.why == "body_added: 'body' is not among the story's events"
    verdict = qualify(story(), ["headline"], 2, joined=False)
    assert verdict.why == "headline: a typo fix (2 word(s) respelt, min_words is 3)"


def test_a_small_edit_that_replaces_words_is_news_and_one_that_respells_them_is_not() -> None:
    # "zwölf" -> "vierzehn": two words, below min_words, and still the news of the edit.
    assert qualify(story(), ["body_edited"], 2, joined=False, respelt=False).event == "body"
    assert qualify(story(), ["body_edited"], 2, joined=False, respelt=True).event is None
    assert qualify(story(), ["body_edited"], 5, joined=False, respelt=True).event == "body"


def test_the_change_that_makes_an_article_a_member_alerts_whatever_its_size() -> None:
    assert qualify(story(), ["body_edited"], 1, joined=True).event == "joined"
    assert qualify(story(), ["new"], 0, joined=True).event == "new"
    assert qualify(story(events=["body"]), ["body_edited"], 9, joined=True).event is None
    assert qualify(story(), ["removed"], 0, joined=True).event == "removed"


def test_a_live_blog_entry_alerts_only_when_it_is_about_the_story() -> None:
    about = "12:00 · Entwurf · Die Unterhändler legen einen Entwurf für eine Waffenruhe vor."
    assert qualify(story(), ["entry"], 12, False, about).event == "entry"
    weather = "12:10 · Wetter · In Genf regnet es seit dem Mittag."
    verdict = qualify(story(), ["entry"], 9, False, weather)
    assert verdict.event is None and verdict.why == "entry: the entry is not about the story"


# --- old configs -------------------------------------------------------------------------------

OLD_RULE = {
    "name": "ukraine-talks",
    "any": ["Waffenruhe*", '"peace plan"'],
    "all": ["/Ukrain|Kyiv|Kiew|Selensk/"],
    "substring": True,
    "events": ["new", "changed", "entry"],
    "min_words": 3,
    "notify": ["newsroom"],
    "rate_limit": "15m",
}


def test_a_topic_rule_gets_a_hint_with_the_story_block_to_write() -> None:
    rules = parse_rules([OLD_RULE, {"name": "witkoff", "any": ["Witkoff"]}], errors := [])
    assert errors == []
    [hint] = story_hints(rules)
    assert hint.startswith("hint: rules.ukraine-talks follows a topic.")
    block = hint[hint.index("[[stories]]") :].rsplit("\n\n", 1)[0]
    raw = tomllib.loads("\n".join(line.strip() for line in block.splitlines()))
    [written] = parse_stories(raw["stories"], errors)
    assert errors == []
    assert written.terms == OLD_RULE["any"]
    # In substring mode a regex that only lists words becomes one term per actor.
    assert written.require == ["Ukrain", "Kyiv", "Kiew", "Selensk"]
    assert written.substring and written.notify == ["newsroom"] and written.rate_limit == 900
    assert written.min_words == 3
    [exact] = story_hints(parse_rules([{**OLD_RULE, "substring": False}], []))
    assert 'require = ["/Ukrain|Kyiv|Kiew|Selensk/"]' in exact


def test_keyword_watches_get_no_hint() -> None:
    rules = parse_rules(
        [{**OLD_RULE, "events": ["correction", "removed"]}, {"name": "w", "any": ["Witkoff"]}], []
    )
    assert story_hints(rules) == []


def test_an_article_that_names_the_story_only_in_its_body_is_not_a_member() -> None:
    # Another story (a scandal, a summit elsewhere) that names the war's actors and a word of
    # the talks in its body, however many: nothing of it in the headline or lead.
    body = [
        "The envoy said Kyiv had been asked about it. Zelensky was not on the call.",
        "Moscow and Putin came up twice in the transcript, and so did a truce on tariffs.",
    ]
    article = Article(
        url="u", headline="The hearing goes on", lead="A day of testimony.", body=body
    )
    verdict = score(story(), article)
    assert (
        not verdict.member and "nothing of the story in its headline, kicker or lead" in verdict.why
    )
    # One word of the vocabulary, in the body, beside an actor in the headline: the war, not
    # the talks.
    article = Article(
        url="u",
        headline="Ukraine's counter-offensive: aims and risks",
        lead="What the army wants to reach before winter.",
        body=["The front has barely moved.", "Negotiations are not in sight, says Kyiv."],
    )
    verdict = score(story(), article)
    assert not verdict.member and "in the body only" in verdict.why
    article.lead = "What the army wants to reach before the talks in Geneva."
    assert score(story(), article).member
