"""Extraction of scripts without spaces, tables and hidden values. Every page is original text."""

from __future__ import annotations

import json

from lxml import html

from monitor.extract.article import extract
from monitor.extract.body import sort
from monitor.extract.boxes import is_label
from monitor.extract.maintext import Block, blocks
from monitor.extract.prune import prune
from monitor.extract.words import FULL_STOP, SENTENCE_END, weight

URL = "https://news.example.org/2025/06/article-1.html"

# Short Japanese and Chinese paragraphs, written for these tests.
JA = [
    "市の図書館は来月から、夜九時まで開館する時間を延ばすと発表しました。",
    "利用者の多くが仕事の後に本を借りたいと話していたためです。",
    "新しい時間は平日だけで、週末はこれまでと同じ夕方六時に閉まります。",
]
ZH = [
    "本市今天开通了一条连接火车站和新城区的公交线路。",
    "新线路每十五分钟一班，早上六点开始运行，晚上十一点结束。",
    "市民表示，这条线路让上下班更加方便。",
]


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body><main><article>{body}</article></main></body></html>"


def test_weight_counts_words_of_spaced_scripts_as_split_does() -> None:
    assert weight("Preis 10 Euro") == 3
    text = "Grüße aus Köln – bis bald"
    assert weight(text) == len(text.split())


def test_weight_counts_half_a_word_per_character_where_scripts_have_no_spaces() -> None:
    assert weight("相关新闻") == 2  # a four-character label stays short
    assert weight(ZH[0]) == 12  # 23 Han characters; the full stop counts nothing
    assert weight("新しいiPhoneを買った") == 4 + 1  # seven kana and Han characters, one word
    assert weight("「新城」、。") == 1  # the marks between the characters count nothing


def test_full_width_marks_end_sentences() -> None:
    assert FULL_STOP.search(JA[0]) and SENTENCE_END.search("開館時間：")
    assert FULL_STOP.search("「次の駅で降ります」")
    assert not FULL_STOP.search("地域のニュース")


def test_sort_keeps_paragraphs_of_scripts_without_spaces() -> None:
    found = [Block("p", text, 0.0, i) for i, text in enumerate(JA + ZH)]
    body, noise, _ = sort(found, ["図書館の開館時間が延びる"])
    assert body == JA + ZH
    assert noise == []


def test_sort_still_drops_a_short_label_above_the_text() -> None:
    found = [Block("p", "相关新闻", 0.0, 0), *(Block("p", t, 0.0, i + 1) for i, t in enumerate(ZH))]
    body, noise, _ = sort(found, [])
    assert body == ZH
    assert noise == ["相关新闻"]


def test_a_full_width_colon_ends_a_label() -> None:
    assert is_label(html.fromstring("<p>営業時間：</p>"))
    assert not is_label(html.fromstring(f"<p>{JA[0]}</p>"))


def test_japanese_article_is_extracted_with_its_paragraphs() -> None:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "図書館の時間"}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    paragraphs = "".join(f"<p>{t}</p>" for t in JA)
    article = extract(_page(f"<h1>図書館の時間</h1>{paragraphs}", head), URL)
    assert [p for p in (article.lead, *article.body) if p] == JA


def test_ruby_readings_are_not_text() -> None:
    root = html.fromstring(
        _page("<p><ruby>図書館<rp>(</rp><rt>としょかん</rt><rp>)</rp></ruby>が開きます。</p>")
    )
    prune(root)
    assert root.find(".//p").text_content() == "図書館が開きます。"


def test_table_cells_are_separated_by_a_space() -> None:
    rows = "".join(
        f"<tr><td>{name}</td><td>{price}</td><td>{unit}</td></tr>"
        for name, price, unit in [("Preis", "10", "Euro"), ("Porto", "2", "Euro")]
    )
    prose = "".join(
        f"<p>Der Verein stellt in diesem Jahr sein Angebot für Mitglieder um, Absatz {i}.</p>"
        for i in range(6)
    )
    root = html.fromstring(_page(f"{prose}<table>{rows}</table>"))
    texts = [b.text for b in blocks(root) if b.kind == "row"]
    assert texts == ["Preis 10 Euro", "Porto 2 Euro"]


def test_hidden_values_are_dropped_and_hidden_prose_kept() -> None:
    hidden_prose = "Der zweite Absatz wird erst nach einem Klick auf Weiterlesen gezeigt."
    root = html.fromstring(
        _page(
            "<p>Die Stadt baut eine neue Brücke über den Fluss.</p>"
            '<span hidden="">2025-06-03T08:15:00+02:00</span>'
            '<div style="display: none">https://img.example.org/bruecke.jpg</div>'
            '<span aria-hidden="true">1.240</span>'
            '<span aria-hidden="true">Mehr</span>'
            f'<p style="display:none">{hidden_prose}</p>'
        )
    )
    prune(root)
    text = root.text_content()
    for value in ("2025-06-03", "bruecke.jpg", "1.240"):
        assert value not in text
    assert hidden_prose in text  # a script shows it: it is the article's text
    assert "Mehr" in text  # a word, not a value: left to the other rules
