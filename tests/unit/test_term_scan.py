"""Term scanning decides as the straightforward scan does (issue 18, item 2).

The reference here is the plain way: each segment folded on its own, character by character
through the fold table, each term searched segment by segment. `FoldedText` folds once per
change and scans a term once however many rules use it; any faster way of scanning must keep
every hit, every rule's match and every story's verdict the same, on the saved real pages
(their expected text, no extraction) and on articles written here that name the story's terms
in every field. tests/bench/terms.py measures what the scanning costs.
"""

from __future__ import annotations

import functools
import json
import sys
import unicodedata
from bisect import bisect_right
from pathlib import Path

import pytest

from monitor.items import Article
from monitor.rules import terms
from monitor.rules.terms import MAX_HITS, FoldedText, Hit, Term, compile_term

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import terms as bench


@functools.cache  # the reference is slow, and the tests fold each paragraph many times
def reference_fold(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The fold as it was first written: every character through the table."""
    offsets, shift = [], 0
    for pos, char in enumerate(text):
        width = len(terms._TABLE[ord(char)])
        if not char.isascii() and width != 1:
            offsets.append((pos + shift, pos, pos + shift + width))
            shift += width - 1
    return text.translate(terms._TABLE), offsets


_HITS = FoldedText.hits


def reference_hits(text: FoldedText, term: Term, fields: frozenset[str]) -> list[Hit]:
    """`FoldedText.hits` the plain way: one segment at a time, folded on its own."""
    found: list[Hit] = []
    for k, segment in enumerate(text.segments):
        if term.regex:
            return _HITS(text, term, fields)  # regexes read the original text, unfolded
        folded, offsets = reference_fold(segment.text)
        kept = 0
        for m in term.pattern.finditer(folded):
            start = _back(offsets, m.start())
            end = _back(offsets, m.end() - 1) + 1
            if segment.spans is None or any(s < end and start < e for s, e in segment.spans):
                if text.fields[k] in fields:
                    found.append((k, start, end, segment.field, segment.text[start:end]))
                kept += 1
                if kept >= MAX_HITS:
                    break
    return found


def _back(offsets: list[tuple[int, int, int]], pos: int) -> int:
    k = bisect_right([o[0] for o in offsets], pos) - 1
    if k < 0:
        return pos
    _, origin, end = offsets[k]
    return origin if pos < end else origin + 1 + pos - end


TRICKY = [
    "",
    "Plain ASCII with `backticks` and UPPER case",
    "Straße, Grüne, GRÜNEN, Gruenen und Ærø",
    "Selens\u00adkyj: Friedens\u200bgespräche – „Waffenruhe“ in Kyjiw",
    "a\u0308 combining, e\u0301 acute, İstanbul, ΣΟΦΊΑ σοφία, Дмитриев",
    "emoji 🇺🇦 and ﬁ ligature, ½ fraction, \u00a0no-break\u2009thin",
    "nul\0inside",
]


def _written() -> list[Article]:
    """Articles that name the story's actors and vocabulary, in every field."""
    return [
        Article(
            url="https://example.test/1",
            headline="Selenskyj und Witkoff: Friedensgespräche in Genf",
            kicker="Krieg in der Ukraine",
            lead="Die Waffenruhe-Verhandlungen gehen weiter; Sicherheitsgarantien sind offen.",
            body=[*TRICKY, "Der Kreml verhandelt über eine Feuerpause. " * 30],
        ),
        Article(
            url="https://example.test/2",
            headline="Talks on a ceasefire",
            lead="Zelensky's envoy spoke of security guarantees and a peace plan in Kyiv.",
            body=["Negotiations in Moscow and Geneva; Russia's summit. " * 25, *TRICKY],
        ),
        Article(url="https://example.test/3", headline="Wetter", body=["Sonne, kein Gipfel."]),
    ]


def _saved() -> list[Article]:
    """The real pages' expected text (title and body, or the snippets), as articles."""
    found = []
    pages = bench.realpages.saved_pages(
        bench.realpages.default_dir(), bench.realpages.default_more_dir()
    )
    for page in pages:
        meta = json.loads(page.path.with_name(page.name + ".json").read_text(encoding="utf-8"))
        body = (meta.get("body") or "\n\n".join(meta.get("with") or [])).split("\n\n")
        found.append(
            Article(url=meta.get("url") or "", headline=meta.get("title") or "", body=body)
        )
        # The same page again, as an article about the story: its own text around the terms.
        lead = "Selenskyj traf Witkoff in Genf; die Waffenruhe und security guarantees offen."
        found.append(Article(url="", headline=meta.get("title") or "", lead=lead, body=body))
    return found


ARTICLES = _written() + _saved()


@pytest.mark.parametrize("text", TRICKY)
def test_the_fold_equals_the_character_by_character_fold(text: str) -> None:
    assert terms._fold(text) == reference_fold(text)
    nfd = unicodedata.normalize("NFD", text)
    assert terms._fold(nfd) == reference_fold(nfd)


def test_every_paragraph_of_the_corpus_folds_as_before() -> None:
    texts = [p for a in ARTICLES for p in [a.headline, a.lead, *a.body]]
    assert len(texts) > 100
    assert [terms._fold(t) for t in texts] == [reference_fold(t) for t in texts]


def _all_terms() -> list[Term]:
    found = []
    for stories, rules in (bench.shipped(), bench.bench_terms()):
        for story in stories:
            for t in [*story.terms, *story.require, *story.none]:
                found.append(compile_term(t, story.substring))
        for rule in rules:
            found += [compile_term(t, rule.substring) for t in [*rule.any, *rule.all, *rule.none]]
    return list(dict.fromkeys(found))


def test_every_term_hits_the_same_text_in_every_article() -> None:
    from monitor.rules.rules import field_of, whole_article

    fields = frozenset({"headline", "lead", "body"})
    checked = 0
    for article in ARTICLES:
        segments = whole_article(article)
        text = FoldedText(segments, [field_of(s.field) for s in segments])
        for term in _all_terms():
            assert text.hits(term, fields) == reference_hits(text, term, fields), term.text
            checked += bool(text.hits(term, fields))
    assert checked > 50  # the terms do match, in many articles


@pytest.mark.parametrize("which", ["shipped", "bench"])
def test_relevance_matches_and_verdicts_are_those_of_the_plain_scan(monkeypatch, which) -> None:
    stories, rules = bench.shipped() if which == "shipped" else bench.bench_terms()
    new = bench.decisions(ARTICLES, stories, rules, relevance=True)
    monkeypatch.setattr(FoldedText, "hits", reference_hits)
    old = bench.decisions(ARTICLES, stories, rules, relevance=True)
    assert new == old
    assert any(kept for kept, *_ in new) and not all(kept for kept, *_ in new)
    assert any(v.member for _, _, verdicts in new for v in verdicts)


def test_an_edit_reads_only_its_inserted_words_across_wide_folds() -> None:
    from monitor.rules.rules import Segment

    segments = [
        Segment("headline", "Grüße aus Kyjiw"),
        Segment("body[0]", "Straße Straße Waffenruhe", spans=[(14, 24)]),
        Segment("body[1]", "ßß Waffenruhe"),
    ]
    text = FoldedText(segments, ["headline", "body", "body"])
    term = compile_term("Waffenruhe", False)
    hits = text.hits(term, frozenset({"body"}))
    assert hits == [(1, 14, 24, "body[0]", "Waffenruhe"), (2, 3, 13, "body[1]", "Waffenruhe")]
    assert hits == reference_hits(text, term, frozenset({"body"}))
