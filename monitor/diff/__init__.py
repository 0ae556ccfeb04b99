"""What changed between two versions of an article, decided and shown; all pure functions.

core: the paragraph-aligned, word-level diff (its vocabulary in ops, editors' notes in
corrections). decide and entries: what a fetched article or live blog is against the stored
one (new, changed, entry, taken down, back). render: what every view shares (place names,
shortened context) and the diff as text; terminal (colour) and tracked (HTML) are views.

May import only items, text and errors (and the standard library); never store, crawl, rules,
notify or the CLI. Alert messages (monitor.notify.messages) build on render.
"""
