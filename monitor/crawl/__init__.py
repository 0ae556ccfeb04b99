"""The crawl: Scrapy's settings, download middlewares and handler, the item pipelines that take
a fetched page to the store, the extraction workers, and the runner that starts crawls.

One page's way: spider Page -> extract stage (workers.prepare) -> Extracted -> relevance ->
store stage (record: read the stored state, decide with monitor.diff, write with monitor.store,
next check with monitor.revisit) -> Outcome, sent with the change_found signal.

May import store, diff, revisit, extract, items, config, clock, text, urls, errors, and the
rules' topic filter (monitor.rules.rules); never alerting (monitor.rules.evaluate,
monitor.notify), daemon, web or the CLI: what happens beside a crawl hangs off its signals.
"""
