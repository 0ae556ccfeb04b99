"""Whether an article is about a story: its whole text scored against the story's terms.

Each distinct term that matches (from `terms` and `require`) scores the weight of the best
field it stands in: headline or kicker 3, lead 2, body 1. An article is a member when at least
one `require` term matched (the actors and places that make it THIS story), one term of its
vocabulary, two distinct terms in all, the score reaches `min_score`, and no `none` term
appears. Where they stand counts too: some term of the story in the headline, kicker or lead
(an article about something else names the story only in its body), and the vocabulary in the
headline or lead, or two of its words in the body. A passing mention (an actor named once in
the body of a local report) stays out; an article whose headline names an actor and the talks
is in.

Relevance is more lenient on purpose (`is_candidate`): an article that names an actor and any
term anywhere is stored, so that it can join when a later version is about the story.

Pure: terms are compiled and scanned by monitor.rules.terms over the article's segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.items import Article
from monitor.rules.rules import Segment, field_of, whole_article
from monitor.rules.terms import FoldedText, compile_term
from monitor.stories.story import Story

# Where a term stands says how much the article is about it.
WEIGHTS = {"headline": 3, "lead": 2, "body": 1}
_ALL = frozenset(WEIGHTS)


@dataclass
class Membership:
    """The verdict on one version: `terms` that matched (distinct, as written), `fields`
    {field: [terms]} where they stood, and `why` in a line for `newsmon stories test`."""

    member: bool
    score: float
    terms: list[str] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)  # the `require` terms among them
    excluded: list[str] = field(default_factory=list)  # `none` terms found
    why: str = ""


def article_text(article: Article) -> FoldedText:
    """The whole article folded once; every story of a crawl or an evaluation scans it."""
    segments = whole_article(article)
    return FoldedText(segments, [field_of(s.field) for s in segments])


def _found(story: Story, text: FoldedText, terms: list[str]) -> dict[str, set[str]]:
    """{term: fields it stands in} for the terms that match anywhere in `text`."""
    found: dict[str, set[str]] = {}
    for term in dict.fromkeys(terms):
        hits = text.hits(compile_term(term, story.substring), _ALL)
        if hits:
            found[term] = {text.fields[k] for k, *_ in hits}
    return found


def _distinct(story: Story, text: FoldedText, terms: list[str]) -> dict[str, set[str]]:
    """As `_found`, but a match inside another term's match is not a term of its own: in
    substring mode "Gespräche" is found in "Friedensgespräche", "Selensky" in "Selenskyj", and
    one word must not score twice. Of two terms that match the same text, the first listed
    counts."""
    hits = []
    for order, term in enumerate(dict.fromkeys(terms)):
        for k, start, end, *_ in text.hits(compile_term(term, story.substring), _ALL):
            hits.append((k, start, -end, order, term))
    found: dict[str, set[str]] = {}
    reach: dict[int, int] = {}  # per segment: the furthest end of a match so far
    for k, _start, minus_end, _, term in sorted(hits):
        if reach.get(k, -1) >= -minus_end:
            continue  # inside an earlier (longer, or first listed) match
        reach[k] = -minus_end
        found.setdefault(term, set()).add(text.fields[k])
    return {t: found[t] for t in dict.fromkeys(terms) if t in found}  # in the config's order


def names_vocabulary(story: Story, text: FoldedText) -> bool:
    """Whether a term of the story's vocabulary appears at all: without one no article is a
    member (`_missing`), so most articles are turned away before the `require` terms, often
    regular expressions and the dearest scans, are read. Same verdict as `score`, not its why."""
    return any(text.hits(compile_term(t, story.substring), _ALL) for t in story.terms)


def score(story: Story, article: Article | FoldedText) -> Membership:
    """Whether `article` (or its folded text) is a member of `story`, and why."""
    text = article if isinstance(article, FoldedText) else article_text(article)
    found = _distinct(story, text, [*story.terms, *story.require])
    points = float(sum(max(WEIGHTS[f] for f in fields) for fields in found.values()))
    fields: dict[str, list[str]] = {}
    for name in WEIGHTS:
        fields[name] = [t for t, where in found.items() if name in where]
    result = Membership(
        member=False,
        score=points,
        terms=list(found),
        fields={k: v for k, v in fields.items() if v},
        required=[t for t in story.require if t in found],
        excluded=list(_found(story, text, story.none)),
    )
    missing = _missing(story, result, found)
    result.member = not missing
    result.why = _why(story, result, missing)
    return result


def _missing(story: Story, result: Membership, found: dict[str, set[str]]) -> str:
    """What keeps the article out, in words; "" when it is a member."""
    if result.excluded:
        return f"it names {', '.join(result.excluded)} (none)"
    if story.require and not result.required:
        return "no required term (the actors and places of the story)"
    if not any(t in found for t in story.terms):
        return "none of the story's terms"
    if len(found) < 2:
        return "only one term"
    if result.score < story.min_score:
        return f"score {result.score:g} < {story.min_score:g}"
    if not any(fields - {"body"} for fields in found.values()):
        return "nothing of the story in its headline, kicker or lead"
    vocabulary = [found[t] for t in story.terms if t in found]
    if len(vocabulary) < 2 and all(fields == {"body"} for fields in vocabulary):
        return "one word of the story's vocabulary, in the body only"
    return ""


def _why(story: Story, result: Membership, missing: str) -> str:
    where = "; ".join(f"{f}: {', '.join(t)}" for f, t in result.fields.items()) or "no term"
    verdict = f"not a member: {missing}" if missing else "member"
    return f"{verdict} (score {result.score:g}, needs {story.min_score:g}; {where})"


def entry_matches(story: Story, text: str) -> bool:
    """Whether a new live-blog entry is about the story: it names one of the story's terms, or
    two of its actors and places, and none of its `none` terms. The blog as a whole is a member;
    this keeps the entries about other things (the weather, a football score) quiet."""
    folded = FoldedText([Segment("body[0]", text)], ["body"])
    if _found(story, folded, story.none):
        return False
    if _found(story, folded, story.terms):
        return True
    return len(_found(story, folded, story.require)) >= 2


def is_candidate(story: Story, text: FoldedText) -> bool:
    """Whether relevance keeps a new article for `story`: a required term (if the story has
    any) and one of its terms anywhere. Lenient on purpose: membership is the strict test, and
    an article that mentions the story in passing today may be about it tomorrow."""
    if story.require and not _found(story, text, story.require):
        return False
    return bool(_found(story, text, story.terms))
