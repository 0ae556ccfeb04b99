"""Extraction: one fetched page in, one `Article` out, as pure functions (no Scrapy, no
database, no network).

`page.extract_page` is the one entry point (the crawl's workers call it): a live blog
(`liveblog`) or an article (`article`). An article is decoded (`decode`) without the scripts
and style sheets nothing reads (`unread`), read for what the page declares (`pagemeta`),
pruned of boxes that are not the article (`prune`, with `boxes` and the line patterns of
`noise`), handed to trafilatura (`maintext`), and its blocks sorted into body and noise
(`body`, with the text keys of `words`) before the lead is split off (`lead`). `signature`
hashes a page as extraction reads it, so an unchanged page need not be extracted again.

May import: the standard library, lxml, trafilatura, and monitor.items, monitor.text,
monitor.errors and monitor.urls; nothing of the crawl, the store, the rules or the daemon.
"""
