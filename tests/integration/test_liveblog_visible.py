"""A live blog whose JSON-LD lists many more entries than the page shows (the whole day against
the latest ten), through real crawls: what is stored and compared is what the page shows, the
JSON-LD only keys and dates it, and the blog's own headline is compared like an article's."""

from __future__ import annotations

from conftest import rows
from liveblog_site import LiveBlogSite, Post, crawl_blog

SHOWN = 10
PLACES = ["Hotel", "Palais", "Bahnhof", "Seeufer", "Pressezentrum"]


def day(variant: str = "meldet") -> list[Post]:
    """Forty entries, one every quarter of an hour from seven o'clock, each opening apart."""
    posts = []
    for n in range(40):
        hour, minute = 7 + n // 4, 15 * (n % 4)
        text = (
            f"Um {hour:02d}:{minute:02d} Uhr {variant} unser Team aus Genf Neues vom "
            f"{PLACES[n % len(PLACES)]}, Beobachtung Nummer {n + 1} des Tages."
        )
        posts.append(Post(f"2026-11-21T{hour:02d}:{minute:02d}:00+01:00", text))
    return posts


def test_a_live_blog_is_what_the_page_shows_not_what_its_json_ld_lists(tmp_path, db_path):
    posts = day()
    with LiveBlogSite(posts, shown=SHOWN) as blog:
        page = blog.page().decode()
        assert all(p.text in page for p in posts[:30])  # the JSON-LD lists the whole day
        assert crawl_blog(tmp_path, db_path, blog)[0] == "new"
        shown = posts[-SHOWN:]
        stored = rows(db_path, "select published, text from entries order by published")
        assert [(e["published"], e["text"]) for e in stored] == [(p.at, p.text) for p in shown]
        body = rows(db_path, "select body from versions order by id desc limit 1")[0]["body"]
        assert posts[-1].text in body and posts[0].text not in body

        # Rotating what only the JSON-LD lists: nothing the page shows changed.
        blog.entries[:30] = day("berichtet")[:30]
        assert crawl_blog(tmp_path, db_path, blog) == ["alerts:0"]

        # One word of a shown entry edited: an edit of that entry.
        edited = blog.entries[35]
        blog.entries[35] = Post(edited.at, edited.text.replace("Neues", "Wichtiges"))
        assert crawl_blog(tmp_path, db_path, blog)[:-1] == ["entry_edited"]
        text = rows(db_path, "select text from entries where published = ?", [edited.at])
        assert [r["text"] for r in text] == [blog.entries[35].text]

        # The blog's own headline reworded: a headline change, as an article's is.
        blog.headline = "Verhandlungen in Genf: die Nacht im Überblick"
        assert crawl_blog(tmp_path, db_path, blog)[:-1] == ["headline"]
        last = rows(db_path, "select headline from changes order by id desc limit 1")[0]
        assert last["headline"] == blog.headline
