"""Keyword rules and their evaluation: which stored changes become alert rows.

May import stories (a change's story alerts are written with its rule alerts), diff, store
(alert rows through monitor.store.outbox), notify (the dispatcher runs after evaluation),
config, items, text and clock; never crawl, web, daemon or the CLI.
"""
