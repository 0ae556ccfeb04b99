"""`newsmon run`: the long-running service (scheduler, signals, systemd) and what it does
after a crash or a storage fault.

May import crawl, rules, notify, store, config and clock; nothing imports daemon but the
CLI's `run`.
"""
