"""Sending alerts: the outbox dispatcher, its lease, targets, message formats, and source
health (the alerts newsmon raises about itself).

May import store (the outbox's rows through monitor.store.outbox), diff (to render a change),
config and clock; never crawl, rules or the CLI.
"""
