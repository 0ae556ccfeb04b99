"""ZDF: news on www.zdfheute.de, older articles on www.zdf.de/nachrichten (which redirect)."""

from __future__ import annotations

from spiders.news import NewsSpider


class ZdfSpider(NewsSpider):
    """ZDFheute and the older zdf.de/nachrichten pages; articles end in -100.html, -102.html, ..."""

    name = "zdf"
    # Article pages are "<slug>-<number>.html"; section and video pages are not.
    link_pattern = r"/[a-z0-9-]+-\d{3}\.html$"
    # Old zdf.de article URLs redirect to zdfheute.de; both must pass the offsite filter.
    extra_domains = ("zdf.de", "zdfheute.de")
