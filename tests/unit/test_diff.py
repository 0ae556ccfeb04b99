"""The diff a person reads and a rule matches: paragraph-aligned, word-level, normalized."""

from __future__ import annotations

import random
import re

import pytest

from monitor.diff.core import (
    Diff,
    Op,
    WordOp,
    diff_articles,
    diff_paragraphs,
    is_correction,
    word_diff,
)
from monitor.diff.ops import spelling_only
from monitor.diff.render import place, shrink
from monitor.diff.terminal import render_terminal
from monitor.diff.tracked import where
from monitor.items import Article
from monitor.text import normalize

BODY = [
    "Die Gespräche in Genf dauerten bis tief in die Nacht.",
    "Am Montag traf der Außenminister die Delegation aus Kiew, wie ein Sprecher mitteilte.",
    "Beide Seiten sprachen von „konstruktiven Gesprächen“ über einen Waffenstillstand.",
    "Ein Termin für die nächste Verhandlungsrunde steht noch nicht fest.",
]


def article(**changes: object) -> Article:
    fields: dict[str, object] = {
        "url": "https://example.org/genf",
        "headline": "Gespräche in Genf ohne Ergebnis",
        "kicker": "Ukraine-Krieg",
        "lead": "Die Delegationen wollen weiter verhandeln – ein Durchbruch ist nicht in Sicht.",
        "body": list(BODY),
    }
    fields.update(changes)
    return Article(**fields)  # type: ignore[arg-type]


def body_with(index: int, text: str | None = None, insert: str | None = None) -> list[str]:
    """BODY with paragraph `index` replaced (or removed when text is None), or `insert` before it."""
    body = list(BODY)
    if insert is not None:
        body.insert(index, insert)
    elif text is None:
        del body[index]
    else:
        body[index] = text
    return body


def summary(diff: Diff) -> list[tuple[str, str, int | None, int | None]]:
    return [(op.field, op.op, op.old_index, op.new_index) for op in diff.ops]


CORRECTION_DE = "Korrektur: In einer früheren Version hieß es, das Treffen sei am Dienstag gewesen."
CORRECTION_EN = "Correction: An earlier version of this article misstated the venue of the talks."

CASES = [
    pytest.param(article(), [], [], id="identical articles have an empty diff"),
    pytest.param(
        article(
            headline="  Gespräche  in Genf\u00a0ohne Ergebnis ",
            lead="Die Delegationen wollen weiter verhandeln \u2014 ein Durchbruch ist nicht in Sicht.",
            body=[
                "Die Gespra\u0308che in Genf dauerten bis tief in die Nacht.",
                BODY[1],
                'Beide Seiten sprachen von "konstruktiven Gesprächen" über einen Waffenstillstand.',
                "Ein Termin für die nächste Verhandlungs\u00adrunde steht noch nicht fest.",
            ],
        ),
        [],
        [],
        id="whitespace quote style dashes soft hyphens and decomposed umlauts are not changes",
    ),
    pytest.param(
        article(
            body=[
                "Die Gespräche in \u201eGenf\u201c dauerten bis tief in die Nacht.",
                *BODY[1:],
            ]
        ),
        ["body_edited"],
        [("body", "edited", 0, 0)],
        id="quotes added around a word are a change of words",
    ),
    pytest.param(
        article(headline="Genfer Gespräche enden ohne Ergebnis"),
        ["headline"],
        [("headline", "edited", None, None)],
        id="a reworded headline is a headline change",
    ),
    pytest.param(
        article(kicker="Friedensgespräche"),
        ["headline"],
        [("kicker", "edited", None, None)],
        id="a changed kicker counts as a headline change",
    ),
    pytest.param(
        article(lead="Nach zwölf Stunden vertagen sich die Delegationen auf kommende Woche."),
        ["lead"],
        [("lead", "edited", None, None)],
        id="a rewritten lead is a lead change",
    ),
    pytest.param(
        article(body=[*BODY, "Am Abend äußerte sich auch der Kreml zu den Gesprächen."]),
        ["body_added"],
        [("body", "added", None, 4)],
        id="a paragraph appended at the end is added",
    ),
    pytest.param(
        article(body=body_with(2, insert="Die Stimmung sei angespannt gewesen, hieß es.")),
        ["body_added"],
        [("body", "added", None, 2)],
        id="a paragraph inserted in the middle is added at its place",
    ),
    pytest.param(
        article(body=body_with(1)),
        ["body_removed"],
        [("body", "removed", 1, None)],
        id="a paragraph taken out is removed",
    ),
    pytest.param(
        article(body=body_with(1, BODY[1].replace("Montag", "Dienstag"))),
        ["body_edited"],
        [("body", "edited", 1, 1)],
        id="one sentence edited is one edited paragraph",
    ),
    pytest.param(
        article(body=[BODY[0], BODY[1] + " " + BODY[2], BODY[3]]),
        [],
        [("body", "edited", 1, 1)],
        id="two paragraphs merged are one op with no words changed",
    ),
    pytest.param(
        article(body=[BODY[0], BODY[1].replace("Montag", "Dienstag") + " " + BODY[2], BODY[3]]),
        ["body_edited"],
        [("body", "edited", 1, 1)],
        id="two paragraphs merged with a word changed are one edit",
    ),
    pytest.param(
        article(body=[*BODY[:2], "Beide Seiten sprachen von", "„konstruktiven Gesprächen“."]),
        ["body_removed", "body_edited"],
        [("body", "edited", 2, 2), ("body", "removed", 3, None)],
        id="a paragraph split in two is one op spanning both",
    ),
    pytest.param(
        article(body=[*BODY, CORRECTION_DE]),
        ["correction"],
        [("body", "added", None, 4)],
        id="a german correction note is a correction and not body text",
    ),
    pytest.param(
        article(body=[CORRECTION_EN, *BODY]),
        ["correction"],
        [("body", "added", None, 0)],
        id="an english correction note is a correction",
    ),
    pytest.param(
        article(body=[*BODY, "Die Behörde sprach von einer Korrektur der Opferzahlen."]),
        ["body_added"],
        [("body", "added", None, 4)],
        id="the word korrektur inside a news sentence is not a correction",
    ),
    pytest.param(
        article(body=[BODY[2], BODY[0], BODY[1], BODY[3]]),
        [],
        [("body", "moved", 2, 0)],
        id="a paragraph moved unchanged is a move with no category",
    ),
    pytest.param(
        article(
            body=[BODY[2], BODY[0], BODY[1].replace("Montag", "Dienstag"), BODY[3]],
        ),
        ["body_edited"],
        [("body", "moved", 2, 0), ("body", "edited", 1, 2)],
        id="an edit next to a move is still paired as an edit",
    ),
    pytest.param(
        article(lead=""),
        ["lead"],
        [("lead", "removed", None, None)],
        id="a lead that disappears is a lead change",
    ),
]


@pytest.mark.parametrize(("new", "categories", "ops"), CASES)
def test_diff_articles_reports_what_a_reader_would_notice(
    new: Article, categories: list[str], ops: list[tuple]
) -> None:
    diff = diff_articles(article(), new)
    assert diff.categories == categories
    assert summary(diff) == ops
    assert diff.is_empty() == (not ops)


def test_one_word_changed_in_a_sentence_gives_exact_word_runs() -> None:
    [op] = diff_paragraphs(BODY, body_with(1, BODY[1].replace("Montag", "Dienstag")))
    assert op.words == [
        WordOp("=", "Am"),
        WordOp("-", "Montag"),
        WordOp("+", "Dienstag"),
        WordOp("=", "traf der Außenminister die Delegation aus Kiew, wie ein Sprecher mitteilte."),
    ]


WORD_CASES = [
    pytest.param(
        "Am Montag traf er sie.",
        "Am Montag traf er sie.",
        [WordOp("=", "Am Montag traf er sie.")],
        id="equal text is one kept run",
    ),
    pytest.param(
        "Er kam am Montag.",
        "Er kam am Dienstag.",
        [WordOp("=", "Er kam am"), WordOp("-", "Montag."), WordOp("+", "Dienstag.")],
        id="punctuation stays with its word",
    ),
    pytest.param(
        "Die Gespräche sind beendet.",
        "Die Gespräche in Genf sind vorerst beendet.",
        [
            WordOp("=", "Die Gespräche"),
            WordOp("+", "in Genf"),
            WordOp("=", "sind"),
            WordOp("+", "vorerst"),
            WordOp("=", "beendet."),
        ],
        id="inserted words come as runs between kept words",
    ),
    pytest.param(
        "eins zwei drei vier",
        "eins fünf sechs sieben acht vier",
        [
            WordOp("=", "eins"),
            WordOp("-", "zwei drei"),
            WordOp("+", "fünf sechs sieben acht"),
            WordOp("=", "vier"),
        ],
        id="a replaced stretch is one removed run then one added run",
    ),
    pytest.param("", "Neu hier.", [WordOp("+", "Neu hier.")], id="text from nothing is one run"),
]


@pytest.mark.parametrize(("old", "new", "runs"), WORD_CASES)
def test_word_diff_merges_words_into_runs(old: str, new: str, runs: list[WordOp]) -> None:
    assert word_diff(old, new) == runs


def test_words_added_and_removed_are_counted_over_headline_lead_and_body() -> None:
    new = article(
        headline="Gespräche in Genf vorerst ohne Ergebnis",  # +1
        # -8 +1: "verhandeln." replaces "verhandeln"; the lone dash is not a word
        lead="Die Delegationen wollen verhandeln.",
        body=[*body_with(1), "Der Kreml schweigt."],  # -13, +3
    )
    diff = diff_articles(article(), new)
    assert diff.words_added == 1 + 1 + 3
    assert diff.words_removed == 8 + 13


@pytest.mark.parametrize(
    "paragraph",
    [
        "Korrektur: Das Treffen fand am Dienstag statt.",
        "Korrektur vom 3. März: Wir hatten den Namen falsch geschrieben.",
        "Update 14:30 Uhr: Die Delegation ist abgereist.",
        "+++ Aktualisierung: Neue Zahlen +++",
        "Anmerkung der Redaktion: Der Artikel wurde ergänzt.",
        "In einer früheren Version dieses Textes hieß es, das Treffen sei abgesagt.",
        "(Hinweis der Redaktion: Das Zitat wurde präzisiert.)",
        "Editor\u2019s note: This story has been updated with a statement.",
        "Clarification: The talks were held in Geneva, not Bern.",
        "An earlier version of this article gave the wrong date.",
    ],
    ids=lambda p: p[:30],
)
def test_editors_notes_are_recognized_as_corrections(paragraph: str) -> None:
    assert is_correction(paragraph)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Die Behörde kündigte eine Korrektur der Zahlen an.",
        "Eine Kurskorrektur der Regierung gilt als unwahrscheinlich.",
        "Update für die Software kommt erst im Sommer, sagte der Hersteller.",
        "The update to the agreement was signed on Tuesday.",
    ],
    ids=lambda p: p[:30],
)
def test_ordinary_news_sentences_are_not_corrections(paragraph: str) -> None:
    assert not is_correction(paragraph)


def test_a_diff_survives_a_json_round_trip() -> None:
    new = article(
        headline="Genfer Gespräche enden ohne Ergebnis",
        body=[BODY[0], BODY[1] + " " + BODY[2], BODY[3], CORRECTION_DE],
    )
    diff = diff_articles(article(), new)
    text = diff.to_json()
    assert Diff.from_json(text) == diff
    assert Diff.from_json(text).to_json() == text


def test_json_keys_are_stable_for_the_store() -> None:
    diff = diff_articles(article(), article(body=body_with(1)))
    assert diff.to_json().startswith('{"categories": ["body_removed"], "format": 1, "ops": [')
    assert '"old_count": 1, "old_index": 1, "op": "removed"' in diff.to_json()


def test_readable_text_marks_the_changed_words_with_context() -> None:
    new = article(
        headline="Genfer Gespräche ohne Ergebnis",
        body=[*body_with(1, BODY[1].replace("Montag", "Dienstag"))[1:], CORRECTION_EN],
    )
    text = diff_articles(article(), new).readable()
    assert "Headline: {+Genfer+} Gespräche [-in Genf-] ohne Ergebnis" in text
    assert "¶1 edited: Am [-Montag-] {+Dienstag+} traf der Außenminister die Delegation …" in text
    assert f"¶1 removed: {BODY[0]}" in text
    assert f"¶4 added (correction): {CORRECTION_EN}" in text
    assert "\x1b" not in text


def test_moves_merges_and_splits_change_no_words_and_say_where_the_text_went() -> None:
    moved = diff_articles(article(), article(body=[BODY[2], BODY[0], BODY[1], BODY[3]]))
    merged = diff_articles(article(), article(body=[BODY[0], BODY[1] + " " + BODY[2], BODY[3]]))
    halves = [" ".join(BODY[3].split()[:4]), " ".join(BODY[3].split()[4:])]
    split = diff_articles(article(), article(body=[*BODY[:3], *halves]))
    for diff in (moved, merged, split):
        assert (diff.words_added, diff.words_removed, diff.categories) == (0, 0, [])
    assert "¶1 moved (was ¶3): Beide Seiten" in moved.readable()
    assert "¶2 merged from old ¶2–3: Am Montag traf" in merged.readable()
    assert "¶4–5 split from old ¶4: Ein Termin" in split.readable()


def test_readable_text_of_an_empty_diff_says_so() -> None:
    assert diff_articles(article(), article()).readable() == "No changes."


def test_terminal_rendering_without_color_has_no_escape_codes() -> None:
    diff = diff_articles(article(), article(body=body_with(1, BODY[1].replace("Montag", "Mo"))))
    plain = render_terminal(diff, color=False)
    assert "\x1b" not in plain
    assert "[-Montag-] {+Mo+}" in plain


def test_terminal_rendering_with_color_uses_red_and_green_only_for_changes() -> None:
    diff = diff_articles(article(), article(body=body_with(1, BODY[1].replace("Montag", "Mo"))))
    colored = render_terminal(diff)
    assert "\x1b[31mMontag\x1b[0m \x1b[32mMo\x1b[0m" in colored
    assert "[-" not in colored
    assert "\x1b[9m" not in colored  # no strikethrough


def test_every_view_names_a_paragraph_as_the_text_does() -> None:
    new = article(body=[BODY[0], BODY[1].replace("Montag", "Dienstag"), BODY[3], CORRECTION_EN])
    diff = diff_articles(article(), new)
    text = diff.readable()
    assert {op.op for op in diff.ops} == {"added", "removed", "edited"}
    for op in diff.ops:
        assert f"\n{place(op)}:" in text
        assert where(op) == place(op)  # HTML words only merges and splits its own way
    assert "¶4 added (correction)" in text


def test_a_long_unchanged_run_keeps_only_the_words_next_to_a_change() -> None:
    words = " ".join(f"w{i}" for i in range(12))
    runs = [WordOp("=", words), WordOp("+", "neu"), WordOp("=", words), WordOp("-", "alt")]
    op = Op("body", "edited", 0, 0, "", "", [*runs, WordOp("=", words)])
    assert shrink(op, 0, 3) == [None, "w9 w10 w11"]
    assert shrink(op, 2, 3) == ["w0 w1 w2", None, "w9 w10 w11"]
    assert shrink(op, 4, 3) == ["w0 w1 w2", None]
    assert shrink(op, 2, 6) == [words]  # not more than twice the context: whole
    assert shrink(op, 0, None) == [words]


# --- property: the ops are a complete description of the change ---------------

WORDS = (
    "Kiew Moskau Genf Waffenstillstand Gespräche Delegation Präsident Sprecher sagte "
    "am Montag Dienstag die der das und nicht noch eine neue Runde Truppen Grenze Abkommen "
    "„Frieden“ – Verhandlungen, Sanktionen. Europa Washington schnell später"
)
VOCABULARY = WORDS.split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(3, 25)))


def mutate(rng: random.Random, body: list[str]) -> list[str]:
    body = list(body)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["insert", "delete", "edit", "move", "merge", "split", "dup", "space"])
        i = rng.randrange(len(body)) if body else 0
        if kind == "insert" or not body:
            body.insert(rng.randint(0, len(body)), sentence(rng))
        elif kind == "delete":
            del body[i]
        elif kind == "edit":
            words = body[i].split()
            at = rng.randint(0, len(words))
            words[at : at + rng.randint(0, 3)] = sentence(rng).split()[: rng.randint(0, 3)]
            body[i] = " ".join(words)
        elif kind == "move":
            body.insert(rng.randint(0, len(body) - 1), body.pop(i))
        elif kind == "merge" and i + 1 < len(body):
            body[i : i + 2] = [body[i] + " " + body[i + 1]]
        elif kind == "split":
            words = body[i].split()
            cut = rng.randint(0, len(words))
            body[i : i + 1] = [" ".join(words[:cut]), " ".join(words[cut:])]
        elif kind == "dup":
            body.insert(rng.randint(0, len(body)), body[i])
        else:
            body[i] = "  " + body[i].replace(" ", "\u00a0 ", 1) + "\n"
    return body


def rebuild(before: list[str], ops: list[Op], side: str) -> list[str]:
    """Apply ops to one version's paragraphs to get the other's ("new" or "old")."""
    src = "old" if side == "new" else "new"
    paragraphs = [p for p in map(normalize, before) if p]
    covered: set[int] = set()
    placed: dict[int, str] = {}
    for op in ops:
        start, count = getattr(op, f"{src}_index"), getattr(op, f"{src}_count")
        if start is not None:
            covered.update(range(start, start + count))
        start, count = getattr(op, f"{side}_index"), getattr(op, f"{side}_count")
        if start is not None:
            parts = getattr(op, side).split("\n")
            assert len(parts) == count
            placed.update((start + k, part) for k, part in enumerate(parts))
    kept = [p for i, p in enumerate(paragraphs) if i not in covered]
    unchanged = iter(kept)
    result = [placed[j] if j in placed else next(unchanged) for j in range(len(placed) + len(kept))]
    assert next(unchanged, None) is None
    return result


def check_runs(op: Op) -> None:
    old = [w.text for w in op.words if w.op != "+"]
    new = [w.text for w in op.words if w.op != "-"]
    # Kept words are shown as the new version prints them: equal up to normalization.
    assert normalize(" ".join(old)).split() == normalize(op.old).split()
    assert normalize(" ".join(new)).split() == normalize(op.new).split()
    assert all(a.op != b.op for a, b in zip(op.words, op.words[1:], strict=False))


def test_applying_the_ops_to_the_old_body_rebuilds_the_new_body_for_random_edits() -> None:
    rng = random.Random(20251202)
    for _ in range(600):
        old = [sentence(rng) for _ in range(rng.randint(0, 12))]
        new = mutate(rng, old)
        ops = diff_paragraphs(old, new)
        assert [normalize(p) for p in rebuild(old, ops, "new")] == [
            p for p in map(normalize, new) if p
        ]
        assert [normalize(p) for p in rebuild(new, ops, "old")] == [
            p for p in map(normalize, old) if p
        ]
        for op in ops:
            check_runs(op)
        diff = diff_articles(Article(url="u", body=old), Article(url="u", body=new))
        plus = sum(
            1
            for op in ops
            for w in op.words
            if w.op == "+"
            for token in w.text.split()
            if re.search(r"\w", token)
        )
        assert diff.words_added == plus
        assert all(re.fullmatch(r"body_\w+|correction", c) for c in diff.categories)


@pytest.mark.parametrize(
    ("old", "new", "respelt"),
    [
        ("Präsident Selensky sagte", "Präsident Selenskyj sagte", True),
        (
            "Er sagte, das Treffen wurde verschoben.",
            "Er sagte, das Treffen würde verschoben.",
            True,
        ),
        ("Das Papier ist zwölf Seiten lang.", "Das Papier ist vierzehn Seiten lang.", False),
        ("Er will das nicht tun.", "Er will das tun.", False),
        ("Am 12. November in Genf", "Am 13. November in Genf", False),
        ("Kiew lehnt ab.", "Kiew lehnt ab. Moskau auch.", False),
    ],
)
def test_spelling_only_tells_a_typo_fix_from_a_small_edit(old, new, respelt):
    ops = diff_articles(Article(url="u", body=[old]), Article(url="u", body=[new])).ops
    assert spelling_only(ops) is respelt
