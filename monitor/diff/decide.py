"""What a fetched article is, compared with what the store holds: new, changed (and how),
unchanged, taken down or back. Pure functions: the store pipeline reads the stored state, asks
here, and hands the store the finished Decision to write in the same transaction.
"""

from __future__ import annotations

from monitor.diff.core import Diff, diff_articles
from monitor.items import Article, Change, Decision, Version


def status_decision(row: dict | None, status: int) -> Decision:
    """A fetch that brought no new text: a 304, a takedown (404/410), or a 200 the pipeline did
    not extract (the same bytes or signature as stored). `row` is the stored article, if any."""
    if status == 304:
        return Decision("not_modified")
    if status not in (404, 410):
        return Decision("unchanged")
    if row is None:
        return Decision("gone")
    if row["status"] == "removed":
        return Decision("not_modified")  # still gone: no second change
    text = f"Article answered HTTP {status}: taken down or moved away."
    return Decision("removed", [Change(["removed"], text)])


def text_diff(
    current: Version | None, article: Article, worked: Diff | None, base: int | None
) -> Diff | None:
    """The diff from the stored version to `article`; None when nothing is stored or the text
    is the same. The worker's diff (`worked`, made against version `base`) unless another
    version was stored meanwhile."""
    if current is None or current.fingerprint == article.fingerprint():
        return None
    if worked is not None and base == current.id:
        return worked
    return diff_articles(current.article, article)


def article_decision(
    row: dict | None, current: Version | None, article: Article, diff: Diff | None
) -> Decision:
    """A fetched article against the stored one (`row`, its `current` version) and `diff`
    (text_diff) between them."""
    if row is None:
        new = Change(["new"], f"New article: {article.headline}", headline=article.headline)
        return Decision("new", [new], version=True)
    restored = row["status"] == "removed"
    if current is not None and current.fingerprint == article.fingerprint():
        if not restored:
            return Decision("unchanged")
        return Decision("restored", [Change(["restored"], "Article is back online, unchanged.")])
    # A reorder, merge or split changes the fingerprint without changing a word.
    meaningful = (diff.categories or ["reordered"]) if diff else ["new"]
    categories = (["restored"] if restored else []) + meaningful
    change = change_of(categories, diff, headline=article.headline)
    return Decision("restored" if restored else "changed", [change], version=True)


def change_of(categories: list[str], diff: Diff | None, **fields) -> Change:
    """The change row that stores `diff` (readable text, ops, word counts) under `categories`."""
    if diff is None:
        return Change(categories, **fields)
    return Change(
        categories,
        diff.readable(),
        diff.to_json(),
        diff.words_added,
        diff.words_removed,
        **fields,
    )


def return_decision(
    row: dict, earlier: dict, pair_seen: bool, article: Article, diff: Diff | None
) -> Decision:
    """The page shows `earlier` (a recent version row: id, number, headline) again. The first
    return between the two versions is "alternating" (an alert may say so); later flips
    between the same two are "returned", which nothing alerts on. Neither is a new version."""
    old, new = row["headline"] or "", article.headline
    if old != new:
        what = f"Alternating between two headlines: {new} / {old}"
    else:
        what = f"Alternating between two versions of the text (version {earlier['number']})"
    text = f"{what}. Back to version {earlier['number']}, seen before."
    if diff is not None and not diff.is_empty():
        text += "\n\n" + diff.readable()
    kind = "returned" if pair_seen else "alternating"
    categories = (["restored"] if row["status"] == "removed" else []) + [kind]
    change = change_of(categories, diff, headline=new if pair_seen else what)
    change.text = text
    return Decision("returned", [change], returned_to=earlier["id"])


def wall_decision(row: dict | None, kind: str, soft_404s: int, limit: int) -> Decision:
    """A page that is an interstitial (monitor.diff.interstitial) of `kind`: a drop with its
    reason, except a soft 404 on the `limit`-th check in a row (`soft_404s` counts this one),
    which takes the article down."""
    if kind == "soft_404" and row is not None and row["status"] == "removed":
        return Decision("not_modified")  # still gone: no second change
    if kind != "soft_404" or row is None or soft_404s < limit:
        return Decision(f"dropped/interstitial_{kind}")
    text = f"Article answered 'page not found' (with HTTP 200) on {soft_404s} checks in a row."
    return Decision("removed", [Change(["removed"], text)])
